// One `sauti start` per database file. Two gateways on one file both answered residents and both
// pushed the same outbox: nothing was lost or counted twice (every write path is idempotent), but
// `sauti sync status` named whichever had started last, and both drew on one voice and SMS queue.
// The lock is SQLite's own, on a small file of its own beside the database (`<db>.instance`): a
// connection in exclusive locking mode holds a write transaction there for as long as the gateway
// runs. The operating system releases it when the process ends, crash included, so a gateway
// killed with -9 starts again at once. `sauti` commands never take it: they may run beside the
// gateway, as the README shows.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SautiError } from '../domain/errors.ts';

/** Held while the gateway runs; `release` gives it back (idempotent). */
export interface InstanceLock {
  release(): void;
}

/** Takes the lock on `dbFile`, or throws `gateway.already_running` naming the file; none for an in-memory database. */
export function lockInstance(dbFile: string): InstanceLock {
  if (dbFile === ':memory:') return { release: () => undefined };
  const file = `${dbFile}.instance`;
  // Taken before the database is opened, so on a first start its folder is made here.
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 0');
    // Nothing here is worth a rollback journal: no `-journal` file beside it.
    db.pragma('journal_mode = MEMORY');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS held (pid INTEGER)');
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    if (String((err as { code?: unknown }).code).startsWith('SQLITE_BUSY')) {
      throw new SautiError(
        'gateway.already_running',
        `another \`sauti start\` is running on ${dbFile}: stop it first, or give this one a database of its own (SAUTI_DB)`,
      );
    }
    throw err;
  }
  return {
    release: () => {
      if (db.open) db.close();
    },
  };
}
