// Counts for `sauti stats` (the outbox backlog comes from sync/outbox.ts).
import type { Database } from 'better-sqlite3';

/** Totals an operator checks at a glance. */
export interface GatewayStats {
  votes: number;
  ballots: number;
  proposals: number;
  sessions: number;
  openSessions: number;
}

export function gatewayStats(db: Database): GatewayStats {
  const n = (sql: string) => (db.prepare(sql).pluck().get() as number) ?? 0;
  return {
    votes: n("SELECT count(*) FROM events WHERE type = 'vote.cast'"),
    ballots: n('SELECT count(*) FROM ballots'),
    proposals: n('SELECT count(*) FROM proposals'),
    sessions: n('SELECT count(*) FROM ussd_sessions'),
    openSessions: n("SELECT count(*) FROM ussd_sessions WHERE status = 'open'"),
  };
}
