// Reuses prepared SQLite statements across queries with the same SQL text. Kysely's SQLite driver
// prepares every query afresh; ingest runs the same 1,000-row INSERT (15,000 parameters) many
// times per batch, and preparing it cost as much as running it.
import type { Database, Statement } from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Kysely's view of `db`, keeping the `max` most recently used statements prepared. */
export function cachedStatements(db: Database, max = 64): SqliteDatabase {
  const cache = new Map<string, Statement>();
  let last: { sql: string; stmt: Statement } | undefined; // ingest runs one statement per row: skip the bookkeeping
  return {
    close: () => db.close(),
    prepare(sql: string) {
      if (last?.sql === sql && !last.stmt.busy) return last.stmt;
      const hit = cache.get(sql);
      // A statement still being iterated (a streamed SELECT) cannot run again until it finishes.
      if (hit && !hit.busy) {
        cache.delete(sql); // re-inserted last: the Map's order is the recency order
        cache.set(sql, hit);
        last = { sql, stmt: hit };
        return hit;
      }
      const stmt = db.prepare(sql);
      if (!hit) {
        cache.set(sql, stmt);
        if (cache.size > max) cache.delete(cache.keys().next().value!);
        last = { sql, stmt };
      }
      return stmt;
    },
  };
}
