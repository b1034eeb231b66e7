// Multi-row INSERTs compiled once per shape and reused with new values. Building a 1,000-row
// INSERT through Kysely's builder parses and compiles 15,000 values each time; the SQL text only
// depends on the table, the columns, the row count and the conflict clause, so it is compiled
// once (by Kysely, for whichever dialect is connected) and later batches only supply parameters.
import { type CompiledQuery, type Compilable, type Transaction } from 'kysely';
import type { LedgerTables } from './schema.ts';

type Trx = Transaction<LedgerTables>;

/** Rows per INSERT: 15 columns × 1000 stays under SQLite's and PostgreSQL's parameter limits. */
export const CHUNK = 1000;

// Per database connection's dialect adapter: SQLite and PostgreSQL ledgers in one process (tests)
// each get their own SQL.
const byAdapter = new WeakMap<object, Map<string, CompiledQuery>>();

/**
 * Inserts `rows` (each with every column in `columns`, in that order) in chunks of CHUNK.
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
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const parameters: unknown[] = [];
    for (const row of chunk) for (const c of columns) parameters.push(row[c]);
    const key = `${shape}|${columns.join(',')}|${chunk.length}`;
    let query = compiled.get(key);
    if (!query) {
      query = build(chunk).compile();
      // The cached SQL is only right if Kysely numbered the values row by row in `columns` order.
      if (query.parameters.length !== parameters.length || query.parameters.some((p, j) => p !== parameters[j])) {
        throw new Error(`insertChunked(${shape}): compiled parameters do not follow the column order`);
      }
      if (compiled.size > 256) compiled.clear();
      compiled.set(key, query);
    }
    await trx.executeQuery({ ...query, parameters });
  }
}
