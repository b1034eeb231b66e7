// Once per test run: the PostgreSQL schemas ledger tests create (test/helpers/ledger.ts) are named
// with this run's prefix and all dropped here, after the last file. Dropping a schema while
// another file's migration scans the catalogue made that scan fail ("schema … does not exist",
// from kysely's introspection calling has_schema_privilege on every schema), so no file drops any.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { databaseUrl } from './helpers/services.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Every PostgreSQL schema a test of this run creates starts with it. */
    schemaPrefix: string;
  }
}

export default function setup(project: TestProject) {
  const prefix = `t${randomBytes(3).toString('hex')}_`;
  project.provide('schemaPrefix', prefix);
  return async () => {
    const client = new pg.Client({ connectionString: databaseUrl() });
    try {
      await client.connect();
    } catch {
      return; // no PostgreSQL: no schema was made
    }
    try {
      const { rows } = await client.query<{ name: string }>('SELECT nspname AS name FROM pg_namespace WHERE starts_with(nspname, $1)', [prefix]);
      for (const { name } of rows) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    } finally {
      await client.end();
    }
  };
}
