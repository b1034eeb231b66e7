// Numbered SQL migrations, applied in order inside one transaction each; PRAGMA user_version
// records the last one applied. A database newer than this code is refused, not guessed at.
// Two processes may open a new file together (the gateway and a `sauti` command): each migration
// takes the write lock first (BEGIN IMMEDIATE) and reads the version under it, so the second
// process finds it applied and skips it instead of running it again.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from 'better-sqlite3';
import { SautiError } from '../domain/errors.ts';

const DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Migration files as [version, sql], sorted by version. */
export function migrations(): [number, string][] {
  return readdirSync(DIR)
    .filter((f) => /^\d{4}-.+\.sql$/.test(f))
    .sort()
    .map((f) => [Number(f.slice(0, 4)), readFileSync(DIR + f, 'utf8')]);
}

/** Brings the schema to the latest version (or to `target`); returns the version reached. */
export function migrate(db: Database, target?: number): number {
  const all = migrations();
  const latest = all.at(-1)![0];
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) {
    throw new SautiError('store.too_new', `the database is at schema version ${current} but this Sauti only knows up to ${latest}; upgrade Sauti`);
  }
  for (const [version, sql] of all) {
    if (version <= current || (target !== undefined && version > target)) continue;
    db.transaction(() => {
      if ((db.pragma('user_version', { simple: true }) as number) >= version) return; // applied meanwhile
      db.exec(sql);
      db.pragma(`user_version = ${version}`);
    }).immediate();
  }
  return db.pragma('user_version', { simple: true }) as number;
}
