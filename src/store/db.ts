// Opens the gateway's SQLite file with the settings durability depends on.
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { type Database as Db } from 'better-sqlite3';
import { SautiError } from '../domain/errors.ts';
import { migrate, migrations } from './migrate.ts';

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

/**
 * Opens an existing gateway database for a command that only reads it (`sauti sync status`):
 * nothing is created, migrated or written (query-only, so no -wal or -shm is left behind either).
 * Refuses, naming the file, one that is empty, damaged, a ledger or another SQLite file, or at
 * another schema than this code's. `older`: a file at an older schema is taken (for a command
 * that then migrates it, as the gateway would on start).
 */
export function openGatewayToRead(file: string, { older = false } = {}): Db {
  if (statSync(file).size === 0) throw new SautiError('store.not_gateway', `${file} is empty (0 bytes): not a gateway database`);
  let db: Db | undefined;
  try {
    db = new Database(file, { fileMustExist: true });
    db.pragma('query_only = ON');
    db.pragma('busy_timeout = 2000');
    const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
    if (tables.has('ledger_migrations') || tables.has('ledger_events'))
      throw new SautiError('store.not_gateway', `${file} is a Sauti ledger, not a gateway database`);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version === 0 || !tables.has('meta') || !tables.has('events'))
      throw new SautiError('store.not_gateway', `${file} is not a gateway database (a SQLite file without the gateway's tables)`);
    const latest = migrations().at(-1)![0];
    if (version > latest)
      throw new SautiError('store.too_new', `${file} is at gateway schema version ${version}, but this Sauti only knows up to ${latest}: upgrade Sauti`);
    if (version < latest && !older)
      throw new SautiError(
        'store.too_old',
        `${file} is at gateway schema version ${version}, older than this Sauti's ${latest}; nothing was changed. Start the gateway once with this version (npm start) to bring it up to date`,
      );
    return db;
  } catch (err) {
    db?.close();
    const code = String((err as { code?: unknown }).code ?? '');
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT')
      throw new SautiError(
        'store.damaged',
        `${file} is damaged or not a SQLite database (SQLite says: ${(err as Error).message}): not a readable gateway database`,
      );
    throw err;
  }
}
