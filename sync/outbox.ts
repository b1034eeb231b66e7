// The sync outbox: events the ledger has not acknowledged yet, in gateway sequence order.
// The relay that sends them arrives with the sync issue; this is the reading side it will use.
import type { Database } from 'better-sqlite3';
import type { EventRow } from '../src/store/gateway-store.ts';

/** Reads and acknowledges outbox events. */
export class Outbox {
  constructor(private readonly db: Database) {}

  /** Up to `limit` unacknowledged events after sequence `afterSeq`, oldest first. */
  pending(limit: number, afterSeq = 0): EventRow[] {
    return this.db
      .prepare('SELECT * FROM events WHERE acked_at IS NULL AND seq > ? ORDER BY seq LIMIT ?')
      .all(afterSeq, limit) as EventRow[];
  }

  /** Number of events still to send. */
  pendingCount(): number {
    return this.db.prepare('SELECT count(*) FROM events WHERE acked_at IS NULL').pluck().get() as number;
  }

  /** Marks events acknowledged by the ledger; idempotent. Returns how many changed. */
  acknowledge(ids: readonly string[], at: Date): number {
    const stmt = this.db.prepare('UPDATE events SET acked_at = ? WHERE id = ? AND acked_at IS NULL');
    return this.db.transaction(() => ids.reduce((n, id) => n + stmt.run(at.toISOString(), id).changes, 0))();
  }
}
