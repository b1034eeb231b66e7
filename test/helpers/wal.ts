// Writing a gateway file's WAL full, as a gateway under load commits, to see who checkpoints it.
import { statSync } from 'node:fs';
import type { Database } from 'better-sqlite3';

/** A file's size in bytes; 0 when it does not exist. */
export const fileSize = (file: string): number => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

/**
 * Writes `mib` MiB into a `filler` table of `db` (created if needed) in 256 KiB transactions,
 * `pauseMs` after each; returns the largest size the WAL reached meanwhile.
 */
export async function fillWal(db: Database, mib: number, pauseMs = 15): Promise<number> {
  db.exec('CREATE TABLE IF NOT EXISTS filler (id INTEGER PRIMARY KEY, blob BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO filler (blob) VALUES (randomblob(?))');
  let largest = 0;
  for (let i = 0; i < mib * 4; i++) {
    db.transaction(() => {
      for (let j = 0; j < 64; j++) insert.run(4000);
    })();
    largest = Math.max(largest, fileSize(`${db.name}-wal`));
    await new Promise((r) => setTimeout(r, pauseMs));
  }
  return largest;
}
