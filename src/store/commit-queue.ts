// Group commit: units of work that arrive in the same event-loop turn share one transaction,
// so one fsync makes a whole batch durable. Each unit runs in its own savepoint, so one
// failing unit rolls back alone; every promise settles only after the COMMIT has returned.
//
// Batches commit with synchronous=NORMAL: safe against a process crash, not yet against a
// power cut. A unit that stores something a reply will call recorded says so with `durable()`;
// after such a batch commits, one tiny write under synchronous=FULL fsyncs the WAL, which makes
// every commit before it durable too, and only then do the promises settle. Navigation-only
// batches (which screen a caller is on) skip that fsync: after a power cut the database is
// intact, missing at most the last screens moved through, never a vote.
import type { Database, Statement } from 'better-sqlite3';

/** Passed to each unit of work. */
export interface CommitControl {
  /** This unit's result must survive a power cut once its promise resolves. */
  durable(): void;
}

interface Pending {
  work: (commit: CommitControl) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Serialises writes onto one connection and commits them in batches. */
export class CommitQueue {
  private pending: Pending[] = [];
  private scheduled = false;
  private readonly inSavepoint: (work: (c: CommitControl) => unknown, c: CommitControl) => unknown;
  private readonly stamp: Statement;
  private durableBatch = false;
  private readonly control: CommitControl = { durable: () => void (this.durableBatch = true) };
  /** Batches committed with and without the closing fsync. */
  readonly commits = { durable: 0, navigation: 0 };

  constructor(
    private readonly db: Database,
    private readonly maxBatch = 512,
  ) {
    this.inSavepoint = db.transaction((work: (c: CommitControl) => unknown, c: CommitControl) => work(c));
    this.stamp = db.prepare(
      "INSERT INTO meta (key, value) VALUES ('last_durable_commit', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    );
  }

  /** Runs `work` inside a transaction; resolves with its result once committed (and durable if asked). */
  run<T>(work: (commit: CommitControl) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate, not nextTick: lets requests already read from sockets join this batch.
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits `work` with synchronous=NORMAL, then fsyncs the WAL if a unit asked. Leaves FULL set. */
  private commitBatch(work: () => void): void {
    this.db.pragma('synchronous = NORMAL');
    try {
      this.db.transaction(work)();
      if (this.durableBatch) {
        this.db.pragma('synchronous = FULL');
        this.stamp.run(new Date().toISOString());
      }
      this.commits[this.durableBatch ? 'durable' : 'navigation']++;
    } finally {
      this.db.pragma('synchronous = FULL');
    }
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
    this.durableBatch = false;
    try {
      this.commitBatch(() => {
        for (const item of batch) {
          try {
            outcomes.push({ ok: true, value: this.inSavepoint(item.work, this.control) });
          } catch (error) {
            outcomes.push({ ok: false, value: error });
          }
        }
      });
    } catch (error) {
      // The commit itself failed: nothing in the batch is durable, so nobody hears "recorded".
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => (outcomes[i]!.ok ? item.resolve(outcomes[i]!.value) : item.reject(outcomes[i]!.value)));
  }
}
