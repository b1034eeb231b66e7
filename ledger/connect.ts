// Opens the ledger's storage: a SQLite file by default, PostgreSQL when a database URL is given.
// Everything above this file is the same code for both.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { migrateLedger, type LedgerDb, type LedgerTables } from './schema.ts';
import { cachedStatements } from './statement-cache.ts';

export type LedgerStorage =
  /** `cacheMb`: SQLite's page cache (default 64 MB, for ingest at city scale); the embedded ledger keeps less. */
  | { kind: 'sqlite'; file: string; cacheMb?: number }
  /** `schema`: a PostgreSQL schema to work in (created if missing); tests use one each. */
  | { kind: 'postgres'; url: string; schema?: string };

export interface LedgerConnection {
  db: LedgerDb;
  dialect: 'sqlite' | 'postgres';
  close(): Promise<void>;
}

/** Connects and migrates. */
export async function openLedger(storage: LedgerStorage): Promise<LedgerConnection> {
  const conn = storage.kind === 'sqlite' ? openSqlite(storage.file, storage.cacheMb ?? 64) : await openPostgres(storage.url, storage.schema);
  await migrateLedger(conn.db as never, conn.dialect, storage.kind === 'postgres' ? (storage.schema ?? 'public') : undefined);
  return conn;
}

const GIB = 1024 * 1024 * 1024;

function openSqlite(file: string, cacheMb: number): LedgerConnection {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new Database(file);
  // 16 KiB pages (a new file only; an existing one keeps its size until VACUUM). Each event
  // inserts at a random place in the receipt and voter indexes, and every page it touches is
  // written to the WAL at commit: larger pages mean fewer, fuller index pages, so a batch
  // touches fewer of them (4 KiB → 16 KiB: 27 → 13 µs of commit per event at 600k events).
  sqlite.pragma('page_size = 16384');
  sqlite.pragma('journal_mode = WAL');
  // Ingest answers a gateway only after commit; FULL makes that commit survive a power cut.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  // The indexes on event id, receipt and voter take random inserts: keep more of them in memory.
  sqlite.pragma(`cache_size = -${Math.round(cacheMb * 1024)}`);
  // Random-key index pages are rewritten by every batch, so a checkpoint copies nearly the whole
  // index into the database file each time. Checkpointing about every GiB of log instead of every
  // 100 MB copies each page once for ten batches rather than once per batch (commit 15 → 12 µs
  // per event at a million events). The log file is then reused from its start, not cut back:
  // cutting it made the filesystem allocate it again after every checkpoint (about 10% of ingest
  // time at a million events). It is about a GiB on disk either way at its largest.
  const pageSize = sqlite.pragma('page_size', { simple: true }) as number;
  sqlite.pragma(`wal_autocheckpoint = ${Math.round(GIB / pageSize)}`);
  sqlite.pragma(`journal_size_limit = ${2 * GIB}`);
  const db = new Kysely<LedgerTables>({ dialect: new SqliteDialect({ database: cachedStatements(sqlite) }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

async function openPostgres(url: string, schema?: string): Promise<LedgerConnection> {
  const pg = (await import('pg')).default;
  // Sequence numbers and counts are int8; they stay far below 2^53, so read them as numbers.
  const types = { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) };
  if (schema) {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema.replace(/"/g, '')}"`);
    } catch (err) {
      // Ledger processes started together on a new schema: IF NOT EXISTS does not stop two of them
      // creating it at once, and the later one fails on the catalogue's unique index. It exists.
      if (!['23505', '42P06'].includes((err as { code?: string }).code ?? '')) throw err;
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 4,
    types,
    options: schema ? `-c search_path=${schema}` : undefined,
  });
  const db = new Kysely<LedgerTables>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}
