// Group commit: units of work that arrive in the same event-loop turn share one transaction,
// so one fsync makes a whole batch durable. Each unit runs in its own savepoint, so one
// failing unit rolls back alone; every promise settles only after the COMMIT has returned.
import type { Database } from 'better-sqlite3';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Serialises writes onto one connection and commits them in batches. */
export class CommitQueue {
  private pending: Pending[] = [];
  private scheduled = false;
  private readonly inSavepoint: (work: () => unknown) => unknown;

  constructor(
    private readonly db: Database,
    private readonly maxBatch = 512,
  ) {
    this.inSavepoint = db.transaction((work: () => unknown) => work());
  }

  /** Runs `work` inside a transaction; resolves with its result once that transaction is durable. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate, not nextTick: lets requests already read from sockets join this batch.
        setImmediate(() => this.flush());
      }
    });
  }

  /** Number of units waiting for the next commit. */
  get size(): number {
    return this.pending.length;
  }

  private flush(): void {
    const batch = this.pending.splice(0, this.maxBatch);
    this.scheduled = this.pending.length > 0;
    if (this.scheduled) setImmediate(() => this.flush());
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      this.db.transaction(() => {
        for (const item of batch) {
          try {
            outcomes.push({ ok: true, value: this.inSavepoint(item.work) });
          } catch (error) {
            outcomes.push({ ok: false, value: error });
          }
        }
      })();
    } catch (error) {
      // The commit itself failed: nothing in the batch is durable, so nobody hears "recorded".
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => (outcomes[i]!.ok ? item.resolve(outcomes[i]!.value) : item.reject(outcomes[i]!.value)));
  }
}
