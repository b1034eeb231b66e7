// The WAL checkpoint loop, run on a thread other than the one that answers residents: the
// checkpointer's own (checkpoint-worker.ts) or the embedded ledger's (src/http/ledger-worker.ts).
// Its own connection to the gateway's SQLite file copies the WAL back into the database whenever
// the WAL has grown past `walBytes`. A checkpoint ends with an fsync of the database file that can
// take tens of milliseconds on a busy disk; made by the connection that commits (SQLite's
// autocheckpoint), it stopped the event loop about every 150 SMS votes (docs/benchmarks.md).
// PASSIVE never waits for the gateway's writers or readers, and they never wait for it. The
// connection runs `wal_checkpoint` and nothing else: it reads no row.
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';

/** Which file to keep short, past what size, looked at how often. */
export interface CheckpointTarget {
  file: string;
  walBytes: number;
  everyMs: number;
}

/** Starts checkpointing `target`; `onFailure` hears why it stopped by itself. Returns the stop. */
export function startCheckpointLoop(target: CheckpointTarget, onFailure: (message: string) => void): () => void {
  const db = new Database(target.file, { fileMustExist: true });
  const walFile = `${target.file}-wal`;
  const walSize = () => {
    try {
      return statSync(walFile).size;
    } catch {
      return 0; // no WAL yet, or removed by the last connection closing
    }
  };
  const stop = () => {
    clearInterval(timer);
    if (db.open) db.close();
  };
  const timer = setInterval(() => {
    if (walSize() < target.walBytes) return;
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (err) {
      // The gateway's own connection still checkpoints past its (higher) threshold.
      stop();
      onFailure((err as Error).message);
    }
  }, target.everyMs);
  return stop;
}
