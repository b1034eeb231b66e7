// The gateway's WAL is copied back into the database by a thread of its own, so the thread that
// answers residents never waits for a checkpoint's fsync (src/store/checkpointer.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SAFETY_NET_PAGES, WalCheckpointer } from '../src/store/checkpointer.ts';
import { openDatabase } from '../src/store/db.ts';
import { fileSize, fillWal } from './helpers/wal.ts';

const logger = pino({ level: 'silent' });
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function freshFile(): { db: Database; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sauti-checkpointer-'));
  dirs.push(dir);
  const file = join(dir, 'sauti.db');
  return { db: openDatabase(file), file };
}

describe('the WAL checkpointer', () => {
  it('keeps the WAL short from its own thread while the connection that commits never checkpoints', async () => {
    const { db, file } = freshFile();
    const checkpointer = await WalCheckpointer.start(db, logger, { walBytes: 512 * 1024, everyMs: 5 });
    try {
      expect(checkpointer.running).toBe(true);
      // The committing connection checkpoints only past 64 MiB now: everything below is the thread's.
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(SAFETY_NET_PAGES);
      const before = fileSize(file);
      const largest = await fillWal(db, 8);
      expect(fileSize(file)).toBeGreaterThan(before + 4 * 1024 * 1024); // copied into the database file
      expect(largest).toBeLessThan(6 * 1024 * 1024); // and the WAL restarted from its beginning
    } finally {
      await checkpointer.stop();
    }
    // Stopped: the connection checkpoints on commit again, at SQLite's own threshold.
    expect(checkpointer.running).toBe(false);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    db.close();
  });

  it('is what keeps it short: the same writes without it leave every page in the WAL', async () => {
    const { db, file } = freshFile();
    db.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
    const before = fileSize(file);
    const largest = await fillWal(db, 8);
    expect(largest).toBeGreaterThan(8 * 1024 * 1024);
    expect(fileSize(file)).toBe(before);
    db.close();
  });

  it('runs no thread for a database in memory', async () => {
    const db = openDatabase(':memory:');
    const checkpointer = await WalCheckpointer.start(db, logger);
    expect(checkpointer.running).toBe(false);
    await checkpointer.stop();
    db.close();
  });
});
