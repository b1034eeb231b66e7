// Can the store take a vote right now? `/healthz` asks, so a proxy takes a gateway whose disk is
// full (or whose database went read-only) out of rotation before residents are told "sorry".
import type { Database, Statement } from 'better-sqlite3';
import type { CommitQueue } from './commit-queue.ts';

/** Why the store cannot write: `store-full` (disk or database full), `store-read-only`, `store-error`. */
export interface StoreProblem {
  reason: 'store-full' | 'store-read-only' | 'store-error';
  message: string;
}

/** Room a vote may need (a few pages of events, ballots and sessions), tried and given back each probe. */
const ROOM_BYTES = 64 * 1024;

class GiveBack extends Error {}

/** A real write through the commit queue, the path every vote takes. */
export class WriteProbe {
  private readonly stamp: Statement;
  private readonly room: (n: number) => void;

  constructor(
    db: Database,
    private readonly queue: CommitQueue,
  ) {
    this.stamp = db.prepare("INSERT INTO meta (key, value) VALUES ('health_probe_at', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    const take = db.prepare("INSERT INTO meta (key, value) VALUES ('health_probe_room', hex(zeroblob(?)))");
    // A nested transaction is a savepoint: throwing rolls the room back, after SQLite had to find it.
    const tryRoom = db.transaction((n: number) => {
      take.run(n);
      throw new GiveBack();
    });
    this.room = (n) => {
      try {
        tryRoom(n);
      } catch (err) {
        if (!(err instanceof GiveBack)) throw err;
      }
    };
  }

  /**
   * Commits a tiny write (fails when the log cannot grow on a full disk) and checks there is room
   * for a vote's pages (fails when the database cannot grow). Undefined when both worked.
   */
  async problem(now: Date): Promise<StoreProblem | undefined> {
    try {
      await this.queue.run(() => {
        this.stamp.run(now.toISOString());
        this.room(ROOM_BYTES / 2); // hex doubles it
      });
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
