// Opens the gateway's SQLite file with the settings durability depends on.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { type Database as Db } from 'better-sqlite3';
import { migrate } from './migrate.ts';

/**
 * The gateway connection's SQLite page cache, in KiB. better-sqlite3 builds SQLite with 16 MB a
 * connection; the gateway's hot pages (open sessions, the latest ballots, the outbox's tail) fit
 * in far less, and the rest was resident memory that grew with every vote up to the cap
 * (docs/benchmarks.md, RSS). Set by the gateway once its store is open (`limitPageCache`).
 */
export const GATEWAY_CACHE_KIB = 4096;

/** Keeps `db`'s page cache to GATEWAY_CACHE_KIB: for the long-running gateway, not a short command. */
export function limitPageCache(db: Db): void {
  db.pragma(`cache_size = -${GATEWAY_CACHE_KIB}`);
}

/**
 * Opens (creating if needed) and migrates the database. WAL with synchronous=FULL: a commit
 * has reached the disk before it returns, so a reply sent after it never outlives the data.
 * secure_delete: a deleted row or an overwritten value is zeroed in its page, not left in free
 * space for anyone reading the file (the WAL is truncated by the privacy sweep, scrub.ts).
 */
export function openDatabase(file: string, options: { readonly?: boolean } = {}): Db {
  if (file !== ':memory:' && !options.readonly) mkdirSync(dirname(file), { recursive: true });
  // SQLite answers some lock conflicts of processes opening one new file together at once, without
  // waiting out busy_timeout (converting it to WAL, the last connection deleting its WAL as another
  // opens): the whole open is tried again, as migrations are idempotent, until OPEN_WAIT_MS.
  const deadline = Date.now() + OPEN_WAIT_MS;
  for (;;) {
    try {
      return openOnce(file, options);
    } catch (err) {
      if (!String((err as { code?: unknown }).code).startsWith('SQLITE_BUSY') || Date.now() >= deadline) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20 + Math.random() * 30);
    }
  }
}

/** Longest `openDatabase` waits for other processes opening or migrating the same file. */
const OPEN_WAIT_MS = 30_000;

function openOnce(file: string, options: { readonly?: boolean }): Db {
  const db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  try {
    // Opening may wait on another process that is creating or migrating the same file (the gateway
    // and a `sauti` command started together): on a busy machine its migrations can hold the write
    // lock for seconds, so the wait is long here and short once open.
    db.pragma(`busy_timeout = ${OPEN_WAIT_MS}`);
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('secure_delete = ON');
      migrate(db);
    }
    db.pragma('busy_timeout = 2000');
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
