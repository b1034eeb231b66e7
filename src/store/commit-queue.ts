// Group commit: units of work that arrive in the same event-loop turn share one transaction.
// Each unit runs in its own savepoint, so one failing unit rolls back alone.
//
// Transactions commit with synchronous=NORMAL: safe against a process crash, not yet against a
// power cut. A unit that stores something a reply will call recorded says so with `durable()`:
// its promise settles only after the WAL file has been fsynced, which makes every commit before
// it durable too. The fsync runs in libuv's thread pool (`fs` on the WAL file: fsync flushes the
// file, whichever descriptor asks), so the event loop keeps answering residents meanwhile; under
// synchronous=FULL it would block the loop for the disk's flush, which is what set SMS's p99.
// A database that is not in WAL mode (in memory) uses a tiny write under synchronous=FULL
// instead. That fsync is shared: it runs `lingerMs` after the
// first durable unit commits, so the durable units of every batch committed meanwhile wait for
// one fsync, not one each. Navigation-only units (which screen a caller is on) settle at once:
// after a power cut the database is intact, missing at most the last screens, never a vote.
import { open } from 'node:fs/promises';
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

/** Serialises writes onto one connection, commits them in batches, and shares fsyncs. */
export class CommitQueue {
  private pending: Pending[] = [];
  private scheduled = false;
  /** Committed durable units waiting for the shared fsync. */
  private awaitingSync: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private syncTimer: NodeJS.Timeout | undefined;
  private readonly inSavepoint: (work: (c: CommitControl) => unknown, c: CommitControl) => unknown;
  private readonly stamp: Statement;
  /** Prepared once: `db.pragma()` would prepare them again on every flush. */
  private readonly syncNormal: Statement;
  private readonly syncFull: Statement;
  /** The WAL file fsynced for durable units; undefined when the database is not in WAL mode. */
  private readonly walPath: string | undefined;
  private unitDurable = false;
  private readonly control: CommitControl = { durable: () => void (this.unitDurable = true) };
  /** Transactions committed, and fsyncs made for durable units. */
  readonly commits = { batches: 0, syncs: 0 };

  constructor(
    private readonly db: Database,
    private readonly options: { maxBatch?: number; lingerMs?: number } = {},
  ) {
    this.inSavepoint = db.transaction((work: (c: CommitControl) => unknown, c: CommitControl) => work(c));
    this.syncNormal = db.prepare('PRAGMA synchronous = NORMAL');
    this.syncFull = db.prepare('PRAGMA synchronous = FULL');
    this.walPath = db.memory || db.pragma('journal_mode', { simple: true }) !== 'wal' ? undefined : `${db.name}-wal`;
    this.stamp = db.prepare("INSERT INTO meta (key, value) VALUES ('last_durable_commit', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  }

  /** Runs `work` inside a transaction; resolves with its result once committed (and fsynced if asked). */
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

  /** Units not settled yet: waiting to commit, or committed and waiting for the fsync. */
  get size(): number {
    return this.pending.length + this.awaitingSync.length;
  }

  private flush(): void {
    const batch = this.pending.splice(0, this.options.maxBatch ?? 512);
    this.scheduled = this.pending.length > 0;
    if (this.scheduled) setImmediate(() => this.flush());
    const outcomes: { ok: boolean; value: unknown; durable: boolean }[] = [];
    this.syncNormal.run();
    try {
      // IMMEDIATE: the write lock is taken (or waited for, busy_timeout) before the first unit
      // reads. Other connections write this file too (the embedded ledger's thread acknowledging
      // the outbox, a `sauti` command in another shell); a deferred transaction that had read
      // first failed at once with "database is locked" when one of them committed meanwhile.
      this.db
        .transaction(() => {
          for (const item of batch) {
            this.unitDurable = false;
            try {
              outcomes.push({ ok: true, value: this.inSavepoint(item.work, this.control), durable: this.unitDurable });
            } catch (error) {
              outcomes.push({ ok: false, value: error, durable: false });
            }
          }
        })
        .immediate();
      this.commits.batches++;
    } catch (error) {
      // The commit itself failed: nothing in the batch is stored, so nobody hears "recorded".
      for (const item of batch) item.reject(error);
      return;
    } finally {
      this.syncFull.run();
    }
    batch.forEach((item, i) => {
      const o = outcomes[i]!;
      if (!o.ok) item.reject(o.value);
      else if (!o.durable) item.resolve(o.value);
      else this.awaitingSync.push({ resolve: () => item.resolve(o.value), reject: item.reject });
    });
    if (this.awaitingSync.length > 0 && !this.syncTimer) {
      this.syncTimer = setTimeout(() => this.sync(), this.options.lingerMs ?? 2);
    }
  }

  /** One fsync of the WAL for every durable unit committed so far. */
  private sync(): void {
    this.syncTimer = undefined;
    const waiting = this.awaitingSync;
    this.awaitingSync = [];
    const settle = (error?: unknown) => {
      for (const w of waiting)
        if (error) w.reject(error);
        else w.resolve();
    };
    try {
      if (this.walPath) {
        this.syncNormal.run(); // the stamp is made durable by the fsync below, with the rest
        try {
          this.stamp.run(new Date().toISOString());
        } finally {
          this.syncFull.run();
        }
      } else this.stamp.run(new Date().toISOString()); // synchronous=FULL: returns after the fsync
      this.commits.syncs++;
    } catch (error) {
      settle(error);
      return;
    }
    if (!this.walPath) return settle();
    fsyncFile(this.walPath, this.db.name).then(() => settle(), settle);
  }
}

/**
 * fsync of `wal`. Once the last connection closes, SQLite checkpoints the WAL into the database,
 * fsyncs it and deletes the WAL: then the database file is the one to flush.
 */
async function fsyncFile(wal: string, database: string): Promise<void> {
  const file = await open(wal, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return open(database, 'r');
    throw error;
  });
  try {
    await file.sync();
  } finally {
    await file.close();
  }
}
