// Keeps the gateway's WAL short from a thread of its own (src/store/checkpoint-worker.ts), so the
// thread that answers residents never waits for a checkpoint's fsync. While that thread runs, the
// gateway's connection checkpoints only past SAFETY_NET_PAGES: should the thread stop or fall
// behind, the WAL is still bounded, as before. Started by the running gateway (`sauti start`);
// commands and tests that open the file briefly keep SQLite's own autocheckpoint.
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import { workerEntry } from '../worker-entry.ts';
import type { CheckpointWorkerData, FromCheckpointWorker } from './checkpoint-worker.ts';

/** The WAL is copied back once it reaches this size: SQLite's default, 1,000 pages of 4 KiB. */
export const CHECKPOINT_WAL_BYTES = 4 * 1024 * 1024;
/** How often the thread looks at the WAL's size. */
const CHECK_EVERY_MS = 100;
/** The gateway connection's own autocheckpoint while the thread runs: 64 MiB of 4 KiB pages. */
export const SAFETY_NET_PAGES = 16_384;
/** How long stop() waits for the thread to close its connection before ending it. */
const STOP_WAIT_MS = 2_000;

export class WalCheckpointer {
  /** Settles when the thread has ended, for whatever reason. */
  private readonly exited: Promise<void>;

  private constructor(
    private readonly db: Database,
    private readonly worker: Worker | undefined,
    private readonly ownPages: number,
  ) {
    this.exited = worker ? new Promise((resolve) => worker.once('exit', () => resolve())) : Promise.resolve();
  }

  /** Starts the thread for `db`'s file. Without one (in memory, not WAL, or it failed to start) SQLite's autocheckpoint stays. */
  static async start(db: Database, logger: Logger, options: { walBytes?: number; everyMs?: number } = {}): Promise<WalCheckpointer> {
    const ownPages = db.pragma('wal_autocheckpoint', { simple: true }) as number;
    if (db.memory || db.pragma('journal_mode', { simple: true }) !== 'wal') return new WalCheckpointer(db, undefined, ownPages);
    const { entry, runner } = workerEntry(import.meta.url, './checkpoint-worker.ts', 'checkpoint-worker');
    const data: CheckpointWorkerData = {
      entry: entry.href,
      file: db.name,
      walBytes: options.walBytes ?? CHECKPOINT_WAL_BYTES,
      everyMs: options.everyMs ?? CHECK_EVERY_MS,
    };
    const worker = new Worker(runner, { workerData: data });
    const log = logger.child({ component: 'checkpointer' });
    const started = await new Promise<boolean>((resolve) => {
      worker.once('message', (m: FromCheckpointWorker) => resolve(m.type === 'ready'));
      worker.once('error', (err) => {
        log.warn({ err: { message: err.message } }, 'the WAL checkpointer could not start; SQLite checkpoints on commit');
        resolve(false);
      });
    });
    if (!started) {
      await worker.terminate();
      return new WalCheckpointer(db, undefined, ownPages);
    }
    const checkpointer = new WalCheckpointer(db, worker, ownPages);
    db.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
    worker.on('message', (m: FromCheckpointWorker) => {
      if (m.type !== 'failed') return;
      log.warn({ err: { message: m.message } }, 'the WAL checkpointer stopped; SQLite checkpoints on commit again');
      checkpointer.restore();
    });
    worker.on('error', (err) => {
      log.warn({ err: { message: err.message } }, 'the WAL checkpointer failed; SQLite checkpoints on commit again');
      checkpointer.restore();
    });
    return checkpointer;
  }

  /** Whether a thread is checkpointing the WAL now. */
  get running(): boolean {
    return this.worker !== undefined && this.db.open && (this.db.pragma('wal_autocheckpoint', { simple: true }) as number) === SAFETY_NET_PAGES;
  }

  /** Closes the thread's connection before the gateway closes its own (the last one to close empties the WAL). */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    worker.postMessage({ type: 'stop' });
    const timer = setTimeout(() => void worker.terminate(), STOP_WAIT_MS);
    await this.exited;
    clearTimeout(timer);
    this.restore();
  }

  private restore(): void {
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${this.ownPages}`);
  }
}
