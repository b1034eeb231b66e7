// Can the store take a vote right now? `/healthz` asks, so a proxy takes a gateway whose disk is
// full (or whose database went read-only) out of rotation before residents are told "sorry".
import type { Database } from 'better-sqlite3';

/** Why the store cannot write: `store-full` (disk or database full), `store-read-only`, `store-error`. */
export interface StoreProblem {
  reason: 'store-full' | 'store-read-only' | 'store-error';
  message: string;
}

/** Room a vote may need (a few pages of events, ballots and sessions), tried and given back each probe. */
const ROOM_BYTES = 64 * 1024;

class GiveBack extends Error {}

/**
 * A real write on the gateway's connection, in a transaction of its own: never inside the commit
 * queue's batch, where a failing probe (SQLite rolls a whole transaction back on SQLITE_FULL)
 * would take residents' votes down with it.
 */
export class WriteProbe {
  private readonly probe: (now: string) => void;

  constructor(private readonly db: Database) {
    const stamp = db.prepare("INSERT INTO meta (key, value) VALUES ('health_probe_at', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    const take = db.prepare("INSERT INTO meta (key, value) VALUES ('health_probe_room', hex(zeroblob(?)))");
    // A nested transaction is a savepoint: throwing gives the room back, after SQLite had to find it.
    const room = db.transaction(() => {
      take.run(ROOM_BYTES / 2); // hex doubles it
      throw new GiveBack();
    });
    this.probe = db.transaction((now: string) => {
      stamp.run(now);
      try {
        room();
      } catch (err) {
        if (!(err instanceof GiveBack)) throw err;
      }
    });
  }

  /**
   * Commits a tiny write (fails when the log cannot grow on a full disk) and checks there is room
   * for a vote's pages (fails when the database cannot grow). Undefined when both worked.
   */
  async problem(now: Date): Promise<StoreProblem | undefined> {
    // Between two commit-queue batches (they run synchronously), so the probe is alone in its transaction.
    while (this.db.inTransaction) await new Promise((r) => setImmediate(r));
    try {
      this.probe(now.toISOString());
      return undefined;
    } catch (err) {
      return describe(err);
    }
  }
}

function describe(err: unknown): StoreProblem {
  const e = err as { code?: string; message?: string };
  const code = e?.code ?? '';
  if (code.startsWith('SQLITE_FULL')) return { reason: 'store-full', message: `the gateway database cannot grow: ${e.message}` };
  if (code.startsWith('SQLITE_READONLY')) return { reason: 'store-read-only', message: `the gateway database is read-only: ${e.message}` };
  return { reason: 'store-error', message: `the gateway database cannot write (${code || 'unknown error'}): ${e?.message ?? String(err)}` };
}
