// INSERTs compiled once per shape and reused with new values. Building a 1,000-row INSERT
// through Kysely's builder parses and compiles 15,000 values each time; the SQL text only
// depends on the table, the columns, the row count and the conflict clause, so it is compiled
// once (by Kysely, for whichever dialect is connected) and later batches only supply parameters.
//
// Rows per statement differ by database. PostgreSQL: 1,000, so a batch is a few round trips.
// SQLite (in-process, no round trips): one, because SQLite runs a prepared one-row statement
// faster than its share of a multi-row one — 8.3 against 13.3 µs a row for the ballot upsert
// with its random-key index, as binding thousands of parameters and the VALUES list cost.
import { SqliteAdapter, type CompiledQuery, type Compilable, type Transaction } from 'kysely';
import type { LedgerTables } from './schema.ts';

type Trx = Transaction<LedgerTables>;

/** Rows per multi-row INSERT: 15 columns × 1000 stays under PostgreSQL's parameter limit. */
export const CHUNK = 1000;

// Per database connection's dialect adapter: SQLite and PostgreSQL ledgers in one process (tests)
// each get their own SQL.
const byAdapter = new WeakMap<object, Map<string, CompiledQuery>>();

/**
 * Inserts `rows` (each with every column in `columns`, in that order), CHUNK rows a statement
 * (one on SQLite).
 * `build` makes the statement for a chunk; `shape` names what else it depends on (conflict rule).
 */
export async function insertChunked<R extends object>(
  trx: Trx,
  shape: string,
  columns: readonly (keyof R & string)[],
  rows: readonly R[],
  build: (chunk: R[]) => Compilable,
): Promise<void> {
  const adapter = trx.getExecutor().adapter;
  let compiled = byAdapter.get(adapter);
  if (!compiled) byAdapter.set(adapter, (compiled = new Map()));
  const perStatement = adapter instanceof SqliteAdapter ? 1 : CHUNK;
  const keyBase = `${shape}|${columns.join(',')}|`;
  // The transaction's own connection, used directly: Kysely's per-query path (plugins, connection
  // hand-over) costs more than SQLite's insert itself when it runs once per row.
  await trx.getExecutor().provideConnection(async (connection) => {
    let query: CompiledQuery | undefined;
    for (let i = 0; i < rows.length; i += perStatement) {
      const n = Math.min(perStatement, rows.length - i);
      const parameters: unknown[] = new Array(n * columns.length);
      let j = 0;
      for (let r = i; r < i + n; r++) for (const c of columns) parameters[j++] = rows[r]![c];
      if (query === undefined || query.parameters.length !== parameters.length) {
        query = compiled.get(keyBase + n);
        if (!query) {
          query = build(rows.slice(i, i + n)).compile();
          // The cached SQL is only right if Kysely numbered the values row by row in `columns` order.
          if (query.parameters.length !== parameters.length || query.parameters.some((p, k) => p !== parameters[k])) {
            throw new Error(`insertChunked(${shape}): compiled parameters do not follow the column order`);
          }
          if (compiled.size > 256) compiled.clear();
          compiled.set(keyBase + n, query);
        }
      }
      await connection.executeQuery({ ...query, parameters });
    }
  });
}
