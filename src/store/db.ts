// Opens the gateway's SQLite file with the settings durability depends on.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { type Database as Db } from 'better-sqlite3';
import { migrate } from './migrate.ts';

/**
 * Opens (creating if needed) and migrates the database. WAL with synchronous=FULL: a commit
 * has reached the disk before it returns, so a reply sent after it never outlives the data.
 * secure_delete: a deleted row or an overwritten value is zeroed in its page, not left in free
 * space for anyone reading the file (the WAL is truncated by the privacy sweep, scrub.ts).
 */
export function openDatabase(file: string, options: { readonly?: boolean } = {}): Db {
  if (file !== ':memory:' && !options.readonly) mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  db.pragma('busy_timeout = 2000');
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('secure_delete = ON');
    migrate(db);
  }
  return db;
}
