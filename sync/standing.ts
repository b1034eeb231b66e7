// Where this gateway's votes stand in the city ledger (counted, replaced, superseded), kept in
// its SQLite file so "My vote", RECEIPT and CHECK tell residents what the ledger says, offline too.
import type { Database, Statement } from 'better-sqlite3';
import type { BallotStanding } from '../src/domain/protocol.ts';

/** Answers recorded per transaction. */
const RECORD_CHUNK = 100;

/** Which votes to ask the ledger about, and its answers. */
export class StandingBook {
  private readonly s: Record<'fresh' | 'counted' | 'record' | 'cursor' | 'setCursor', Statement>;

  constructor(readonly db: Database) {
    this.s = {
      // Votes after the cursor in sequence order, with what is known of them; the scan stops at
      // the first vote the ledger has not acknowledged (everything after it waits for the push).
      fresh: db.prepare(`SELECT e.seq, e.id, e.acked_at IS NOT NULL AS acked, r.event_id IS NOT NULL AS refused, s.status IS NOT NULL AS known
        FROM events e LEFT JOIN sync_rejections r ON r.event_id = e.id LEFT JOIN ballot_standing s ON s.event_id = e.id
        WHERE e.seq > ? AND e.type = 'vote.cast' ORDER BY e.seq LIMIT ?`),
      counted: db.prepare(`SELECT event_id FROM ballot_standing WHERE status = 'counted' ORDER BY checked_at LIMIT ?`).pluck(),
      record: db.prepare(`INSERT INTO ballot_standing (event_id, status, counted_channel, checked_at) SELECT id, ?, ?, ? FROM events WHERE id = ?
        ON CONFLICT (event_id) DO UPDATE SET status = excluded.status, counted_channel = excluded.counted_channel, checked_at = excluded.checked_at`),
      cursor: db.prepare(`SELECT value FROM sync_state WHERE key = 'standing_through_seq'`).pluck(),
      setCursor: db.prepare(`INSERT INTO sync_state (key, value) VALUES ('standing_through_seq', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
    };
  }

  /** Acknowledged votes the ledger has not told this gateway the standing of yet, oldest first. */
  fresh(limit: number): { ids: string[]; throughSeq: number } {
    const rows = this.s.fresh.all(this.cursor(), limit) as { seq: number; id: string; acked: number; refused: number; known: number }[];
    const ids: string[] = [];
    let throughSeq = this.cursor();
    for (const r of rows) {
      if (!r.acked) break;
      if (!r.refused && !r.known) ids.push(r.id);
      throughSeq = r.seq;
    }
    return { ids, throughSeq };
  }

  /** Votes last seen counted, checked longest ago first: a later vote from another gateway may have replaced them since. */
  counted(limit: number, except: ReadonlySet<string>): string[] {
    return (this.s.counted.all(limit + except.size) as string[]).filter((id) => !except.has(id)).slice(0, limit);
  }

  /**
   * Records the ledger's answers and moves the cursor past `throughSeq` (`unknown` answers store
   * nothing: the vote keeps showing as acknowledged, not as counted). In transactions of
   * RECORD_CHUNK answers, the cursor with the last: each holds the write lock the residents'
   * thread waits on for a moment only. Cut off between two, the answers kept stay true and the
   * cursor has not moved, so the rest is asked again.
   */
  record(answers: readonly BallotStanding[], at: Date, throughSeq?: number): number {
    const when = at.toISOString();
    // IMMEDIATE: it may read the cursor before it writes, and another thread writes this file too.
    const chunk = this.db.transaction((part: readonly BallotStanding[], last: boolean) => {
      let changed = 0;
      for (const a of part) if (a.status !== 'unknown') changed += this.s.record.run(a.status, a.countedChannel ?? null, when, a.id).changes;
      if (last && throughSeq !== undefined && throughSeq > this.cursor()) this.s.setCursor.run(String(throughSeq));
      return changed;
    });
    let changed = 0;
    for (let i = 0; i === 0 || i < answers.length; i += RECORD_CHUNK) {
      changed += chunk.immediate(answers.slice(i, i + RECORD_CHUNK), i + RECORD_CHUNK >= answers.length);
    }
    return changed;
  }

  private cursor(): number {
    return Number(this.s.cursor.get() ?? 0);
  }
}
