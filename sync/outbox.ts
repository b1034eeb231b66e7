// The gateway's side of sync in its SQLite file: events the ledger has not acknowledged yet (in
// sequence order), the ledger's answers, refused events kept for the operator, and sync state.
import type { Database, Statement } from 'better-sqlite3';
import type { BatchAnswer } from '../src/domain/protocol.ts';
import type { EventRow } from '../src/store/gateway-store.ts';

export interface Rejection {
  event_id: string;
  seq: number;
  reason: string;
  detail: string;
  rejected_at: string;
}

/** Reads and acknowledges outbox events. */
export class Outbox {
  private readonly s: Record<'pending' | 'count' | 'ack' | 'reject' | 'state' | 'setState', Statement>;

  constructor(readonly db: Database) {
    this.s = {
      pending: db.prepare('SELECT * FROM events WHERE acked_at IS NULL AND seq > ? ORDER BY seq LIMIT ?'),
      count: db.prepare('SELECT count(*) FROM events WHERE acked_at IS NULL').pluck(),
      ack: db.prepare('UPDATE events SET acked_at = ? WHERE id = ? AND acked_at IS NULL'),
      reject: db.prepare(`INSERT INTO sync_rejections (event_id, seq, reason, detail, rejected_at)
        SELECT id, seq, ?, ?, ? FROM events WHERE id = ? ON CONFLICT (event_id) DO NOTHING`),
      state: db.prepare('SELECT value FROM sync_state WHERE key = ?').pluck(),
      setState: db.prepare('INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    };
  }

  /** Up to `limit` unacknowledged events after sequence `afterSeq`, oldest first. */
  pending(limit: number, afterSeq = 0): EventRow[] {
    return this.s.pending.all(afterSeq, limit) as EventRow[];
  }

  /** Number of events still to send. */
  pendingCount(): number {
    return this.s.count.get() as number;
  }

  /**
   * Records the ledger's answer in one transaction: every event it answered for leaves the
   * outbox; refused ones are kept with their reason. Ids not in the outbox change nothing.
   */
  recordAnswer(answer: Pick<BatchAnswer, 'accepted' | 'duplicates' | 'rejected' | 'receivedAt'>, at: Date): { acknowledged: number; rejected: number } {
    const when = at.toISOString();
    return this.db.transaction(() => {
      let acknowledged = 0;
      for (const a of answer.accepted) acknowledged += this.s.ack.run(when, a.id).changes;
      for (const id of answer.duplicates) acknowledged += this.s.ack.run(when, id).changes;
      let rejected = 0;
      for (const r of answer.rejected) {
        if (!r.id) continue;
        rejected += this.s.reject.run(r.reason, r.detail, answer.receivedAt, r.id).changes;
        acknowledged += this.s.ack.run(when, r.id).changes;
      }
      return { acknowledged, rejected };
    })();
  }

  rejections(limit = 50): Rejection[] {
    return this.db.prepare('SELECT * FROM sync_rejections ORDER BY seq DESC LIMIT ?').all(limit) as Rejection[];
  }

  rejectionCount(): number {
    return this.db.prepare('SELECT count(*) FROM sync_rejections').pluck().get() as number;
  }

  state(key: string): string | undefined {
    return this.s.state.get(key) as string | undefined;
  }

  setState(entries: Record<string, string>): void {
    this.db.transaction(() => {
      for (const [k, v] of Object.entries(entries)) this.s.setState.run(k, v);
    })();
  }
}
