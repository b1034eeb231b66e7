// Keeps the gateway's WAL short from a thread other than the one that answers residents, so that
// thread never waits for a checkpoint's fsync (checkpoint-loop.ts). The loop runs on a thread that
// is there anyway when one is (the embedded ledger's), else on one of its own (checkpoint-worker.ts,
// about 10 MB of memory). While it runs, the gateway's connection checkpoints only past
// SAFETY_NET_PAGES: should the loop stop or fall behind, the WAL is still bounded, as before.
// Started by the running gateway (`sauti start`); commands and tests that open the file briefly
// keep SQLite's own autocheckpoint.
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import { workerEntry } from '../worker-entry.ts';
import type { CheckpointTarget } from './checkpoint-loop.ts';
import type { FromCheckpointWorker } from './checkpoint-worker.ts';

/** The WAL is copied back once it reaches this size: SQLite's default, 1,000 pages of 4 KiB. */
export const CHECKPOINT_WAL_BYTES = 4 * 1024 * 1024;
/** How often the loop looks at the WAL's size. */
const CHECK_EVERY_MS = 100;
/** The gateway connection's own autocheckpoint while the loop runs: 64 MiB of 4 KiB pages. */
export const SAFETY_NET_PAGES = 16_384;
/** How long stopping waits for the thread to close its connection before ending it. */
const STOP_WAIT_MS = 2_000;

/** A thread that can run the checkpoint loop. */
export interface CheckpointThread {
  /** Starts the loop there; false when it could not. `onFailure` hears of a loop that stopped by itself later. */
  startCheckpoints(target: CheckpointTarget, onFailure: (message: string) => void): Promise<boolean>;
  /** Stops the loop and closes its connection. */
  stopCheckpoints(): Promise<void>;
}

export class WalCheckpointer {
  private constructor(
    private readonly db: Database,
    private readonly thread: CheckpointThread | undefined,
    private readonly ownPages: number,
  ) {}

  /**
   * Starts checkpointing `db`'s file on `thread`, or on a thread of its own when none is given.
   * Without one (in memory, not WAL, or it failed to start) SQLite's autocheckpoint stays.
   */
  static async start(db: Database, logger: Logger, options: { thread?: CheckpointThread; walBytes?: number; everyMs?: number } = {}): Promise<WalCheckpointer> {
    const ownPages = db.pragma('wal_autocheckpoint', { simple: true }) as number;
    if (db.memory || db.pragma('journal_mode', { simple: true }) !== 'wal') return new WalCheckpointer(db, undefined, ownPages);
    const log = logger.child({ component: 'checkpointer' });
    const thread = options.thread ?? new OwnThread();
    const target: CheckpointTarget = { file: db.name, walBytes: options.walBytes ?? CHECKPOINT_WAL_BYTES, everyMs: options.everyMs ?? CHECK_EVERY_MS };
    const checkpointer = new WalCheckpointer(db, thread, ownPages);
    let failed = false;
    const started = await thread
      .startCheckpoints(target, (message) => {
        failed = true;
        log.warn({ err: { message } }, 'the WAL checkpointer stopped; SQLite checkpoints on commit again');
        checkpointer.restore();
      })
      .catch((err: unknown) => {
        log.warn({ err: { message: (err as Error).message } }, 'the WAL checkpointer could not start; SQLite checkpoints on commit');
        return false;
      });
    if (!started || failed) {
      await thread.stopCheckpoints();
      return new WalCheckpointer(db, undefined, ownPages);
    }
    db.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
    return checkpointer;
  }

  /** Whether a loop is checkpointing the WAL now. */
  get running(): boolean {
    return this.thread !== undefined && this.db.open && (this.db.pragma('wal_autocheckpoint', { simple: true }) as number) === SAFETY_NET_PAGES;
  }

  /** Stops the loop before the gateway closes its own connection (the last one to close empties the WAL). */
  async stop(): Promise<void> {
    if (!this.thread) return;
    await this.thread.stopCheckpoints();
    this.restore();
  }

  private restore(): void {
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${this.ownPages}`);
  }
}

/** The checkpointer's own thread (checkpoint-worker.ts), for a gateway with no embedded ledger. */
class OwnThread implements CheckpointThread {
  private worker: Worker | undefined;
  private exited: Promise<void> = Promise.resolve();

  async startCheckpoints(target: CheckpointTarget, onFailure: (message: string) => void): Promise<boolean> {
    const { entry, runner } = workerEntry(import.meta.url, './checkpoint-worker.ts', 'checkpoint-worker');
    const worker = new Worker(runner, { workerData: { ...target, entry: entry.href } });
    this.worker = worker;
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    const started = await new Promise<boolean>((resolve, reject) => {
      worker.once('message', (m: FromCheckpointWorker) => resolve(m.type === 'ready'));
      worker.once('error', reject);
    });
    worker.on('message', (m: FromCheckpointWorker) => m.type === 'failed' && onFailure(m.message));
    worker.on('error', (err) => onFailure(err.message));
    return started;
  }

  async stopCheckpoints(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    worker.postMessage({ type: 'stop' });
    const timer = setTimeout(() => void worker.terminate(), STOP_WAIT_MS);
    await this.exited;
    clearTimeout(timer);
  }
}
