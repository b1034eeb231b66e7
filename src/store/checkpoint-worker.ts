// The WAL checkpointer's thread (src/store/checkpointer.ts starts it): its own connection to the
// gateway's SQLite file, copying the WAL back into the database whenever the WAL has grown past
// `walBytes`. A checkpoint ends with an fsync of the database file that can take tens of
// milliseconds on a busy disk; made by the connection that commits (SQLite's autocheckpoint),
// it stopped the thread that answers residents about every 150 SMS votes (docs/benchmarks.md).
// PASSIVE never waits for the gateway's writers or readers, and they never wait for it.
import { statSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface CheckpointWorkerData {
  entry?: string;
  file: string;
  walBytes: number;
  everyMs: number;
}

/** From the thread to the gateway. */
export type FromCheckpointWorker = { type: 'ready' } | { type: 'failed'; message: string };

/** Below the gateway's priority, as the embedded ledger's thread: residents' answers come first. */
const CHECKPOINT_THREAD_NICE = 10;

const { file, walBytes, everyMs } = workerData as CheckpointWorkerData;
const port = parentPort!;
try {
  setPriority(CHECKPOINT_THREAD_NICE);
} catch {
  // Not allowed here: the thread keeps the gateway's priority, which is still correct.
}
const db = new Database(file, { fileMustExist: true });
const walFile = `${file}-wal`;

function walSize(): number {
  try {
    return statSync(walFile).size;
  } catch {
    return 0; // no WAL yet, or removed by the last connection closing
  }
}

const timer = setInterval(() => {
  if (walSize() < walBytes) return;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    // The gateway's own connection still checkpoints past its (higher) threshold.
    clearInterval(timer);
    port.postMessage({ type: 'failed', message: (err as Error).message } satisfies FromCheckpointWorker);
  }
}, everyMs);

port.on('message', (message: { type: 'stop' }) => {
  if (message.type !== 'stop') return;
  clearInterval(timer);
  db.close();
  port.close();
});
port.postMessage({ type: 'ready' } satisfies FromCheckpointWorker);
