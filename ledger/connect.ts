// Opens the ledger's storage: a SQLite file by default, PostgreSQL when a database URL is given.
// Everything above this file is the same code for both.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, SqliteDialect } from 'kysely';
import { SautiError } from '../src/domain/errors.ts';
import { ledgerMigrationNames, migrateLedger, type LedgerDb, type LedgerTables } from './schema.ts';
import { cachedStatements } from './statement-cache.ts';
import { CHECK_KEY, LAYERS_KEY, newVoterSecret, secretCheck, VoterKeyring } from './voter-secret.ts';

/** The ledger voter secrets from the environment (SAUTI_LEDGER_VOTER_SECRET, SAUTI_LEDGER_NEXT_VOTER_SECRET). */
export interface VoterSecretSettings {
  voterSecret?: string;
  nextVoterSecret?: string;
}

export type LedgerStorage = VoterSecretSettings &
  /** `cacheMb`: SQLite's page cache (default 64 MB, for ingest at city scale); the embedded ledger keeps less. */
  (
    | { kind: 'sqlite'; file: string; cacheMb?: number }
    /** `schema`: a PostgreSQL schema to work in (created if missing); tests use one each. */
    | { kind: 'postgres'; url: string; schema?: string }
  );

export interface LedgerConnection {
  db: LedgerDb;
  dialect: 'sqlite' | 'postgres';
  /** Keys voters with the secret the ledger's stored check names. */
  voterKeys: VoterKeyring;
  /** Where a ledger without SAUTI_LEDGER_VOTER_SECRET keeps its own (SQLite only); undefined otherwise. */
  keptSecretFile: string | undefined;
  close(): Promise<void>;
}

export interface OpenOptions {
  /**
   * For what only reads stored keys (`sauti ledger verify`, `sauti results`): an already re-keyed ledger opens
   * without its voter secret, so an auditor can verify a copy of the database alone. Ingest on
   * such a connection is refused.
   */
  readOnlyVoters?: boolean;
}

/** Connects, finds the voter secret, and migrates. */
export async function openLedger(storage: LedgerStorage, opts: OpenOptions = {}): Promise<LedgerConnection> {
  const base = storage.kind === 'sqlite' ? openSqlite(storage.file, storage.cacheMb ?? 64) : await openPostgres(storage.url, storage.schema);
  try {
    const schema = storage.kind === 'postgres' ? (storage.schema ?? 'public') : undefined;
    const noSecretHere = !storage.voterSecret && !(storage.kind === 'sqlite' && existsSync(`${storage.file}.voter-secret`));
    const found = opts.readOnlyVoters && noSecretHere ? await withoutSecret(base, schema) : undefined;
    if (found) return found;
    const { secret, candidates, keptSecretFile } = await voterSecretOf(base, storage);
    const applied = await migrateLedger(base.db as never, base.dialect, schema, undefined, { voterSecret: secret });
    // The gateway keys just replaced must not stay in free pages or in the write-ahead log.
    if (applied.includes('0008-ledger-rekey') && storage.kind === 'sqlite' && storage.file !== ':memory:') await scrubSqlite(base.db);
    const conn: LedgerConnection = { ...base, voterKeys: new VoterKeyring(candidates), keptSecretFile };
    const meta = await storedVoterMeta(conn.db);
    conn.voterKeys.forCheck(meta.check, meta.layers); // refuses at start-up, not at the first batch
    if (keptSecretFile) finishKeptRotation(keptSecretFile, meta.check);
    return conn;
  } catch (err) {
    await base.close();
    throw err;
  }
}

/**
 * Opens an existing ledger for commands that only read it (`sauti ledger verify`, `sauti ledger
 * identity`): nothing is created, migrated or written, not even a voter secret or a SQLite
 * write-ahead log left behind. Refuses, naming the file, what is missing, empty, damaged, not a
 * ledger, or at another schema than this code's. Voters are keyed only when a secret is at hand
 * (then it must be the ledger's: a stale one is refused as at start-up).
 */
export async function openLedgerToRead(storage: LedgerStorage): Promise<LedgerConnection> {
  const where = storage.kind === 'sqlite' ? storage.file : `the PostgreSQL ledger${storage.schema ? ` (schema ${storage.schema})` : ''}`;
  const base = storage.kind === 'sqlite' ? openSqliteToRead(storage.file) : await openPostgres(storage.url, storage.schema, { readOnly: true });
  try {
    const schema = storage.kind === 'postgres' ? (storage.schema ?? 'public') : undefined;
    await checkLedgerSchema(base, where, schema);
    const file = storage.kind === 'sqlite' ? `${storage.file}.voter-secret` : undefined;
    const read = (f: string) => (existsSync(f) ? [readFileSync(f, 'utf8').trim()] : []);
    const candidates = () => [
      ...(storage.voterSecret ? [storage.voterSecret] : []),
      ...(file ? [...read(file), ...read(`${file}.next`)] : []),
      ...(storage.nextVoterSecret ? [storage.nextVoterSecret] : []),
    ];
    const conn: LedgerConnection = { ...base, voterKeys: new VoterKeyring(candidates), keptSecretFile: undefined };
    if (candidates().length > 0) {
      const meta = await storedVoterMeta(conn.db);
      conn.voterKeys.forCheck(meta.check, meta.layers); // a secret that is not the ledger's is refused, as at start-up
    }
    return conn;
  } catch (err) {
    await base.close();
    throw err;
  }
}

/** The file is a ledger at exactly this code's migrations, or a SautiError naming it and what to do. */
async function checkLedgerSchema(base: BaseConnection, where: string, schema: string | undefined): Promise<void> {
  let applied: string[];
  try {
    const table = schema ? sql.table(`${schema}.ledger_migrations`) : sql.table('ledger_migrations');
    const { rows } = await sql<{ name: string }>`SELECT name FROM ${table}`.execute(base.db);
    applied = rows.map((r) => r.name);
  } catch (err) {
    const unreadable = damaged(where, err);
    if (unreadable !== err) throw unreadable;
    throw new SautiError(
      'ledger.not_a_ledger',
      `${where} is not a Sauti ledger database (it has no ledger tables); check SAUTI_LEDGER_DB${base.dialect === 'postgres' ? ', DATABASE_URL and SAUTI_LEDGER_SCHEMA' : ''}`,
    );
  }
  const known = ledgerMigrationNames(base.dialect);
  const newer = applied.filter((n) => !known.includes(n));
  if (newer.length > 0)
    throw new SautiError(
      'ledger.too_new',
      `${where} was written by a newer Sauti (migration ${newer.join(', ')} is unknown here): use that version or a newer one`,
    );
  const missing = known.filter((n) => !applied.includes(n));
  if (missing.length > 0)
    throw new SautiError(
      'ledger.too_old',
      `${where} was written by an older Sauti (${missing.length} migration${missing.length === 1 ? '' : 's'} behind, from ${missing[0]}); nothing was changed. Start \`sauti ledger serve\` on it once with this version to bring it up to date (back it up first), or use the version that wrote it`,
    );
}

/** A SQLite ledger opened without writing anything; SQLite's own errors become one line naming the file. */
function openSqliteToRead(file: string): BaseConnection {
  if (!existsSync(file)) throw new SautiError('ledger.missing', `no ledger database at ${file}`);
  if (statSync(file).size === 0) throw new SautiError('ledger.not_a_ledger', `${file} is empty (0 bytes): not a Sauti ledger database`);
  // Read-write but query-only, not SQLite's read-only mode: that one leaves a -wal and -shm file
  // behind on a WAL database; this one's last close removes them as a writer's does.
  const sqlite = new Database(file, { fileMustExist: true });
  try {
    sqlite.pragma('query_only = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.prepare('SELECT count(*) FROM sqlite_master').get(); // reads the header: a damaged file fails here
  } catch (err) {
    sqlite.close();
    throw damaged(file, err);
  }
  const db = new Kysely<LedgerTables>({ dialect: new SqliteDialect({ database: cachedStatements(sqlite) }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

/** A SQLite error about the file itself, as one line naming it; anything else as it was. */
export function damaged(file: string, err: unknown): unknown {
  const code = String((err as { code?: unknown }).code ?? '');
  if (code !== 'SQLITE_NOTADB' && code !== 'SQLITE_CORRUPT') return err;
  return new SautiError(
    'ledger.damaged',
    `${file} is damaged or not a SQLite database (SQLite says: ${(err as Error).message}): it is not a readable Sauti ledger; restore it from a backup`,
  );
}

/** A connection that cannot key voters, for a re-keyed ledger read without its secret; undefined if it still needs migration 0008. */
async function withoutSecret(base: BaseConnection, schema: string | undefined): Promise<LedgerConnection | undefined> {
  if ((await storedVoterMeta(base.db)).check === undefined) return undefined;
  await migrateLedger(base.db as never, base.dialect, schema);
  return { ...base, voterKeys: new VoterKeyring(() => []), keptSecretFile: undefined };
}

/** The voter secret check and sealed earlier secrets as stored (undefined before migration 0008). */
export async function storedVoterMeta(db: LedgerDb): Promise<{ check: string | undefined; layers: string }> {
  try {
    const rows = await db.selectFrom('ledger_meta').select(['key', 'value']).where('key', 'in', [CHECK_KEY, LAYERS_KEY]).execute();
    return { check: rows.find((r) => r.key === CHECK_KEY)?.value, layers: rows.find((r) => r.key === LAYERS_KEY)?.value ?? '' };
  } catch {
    return { check: undefined, layers: '' }; // no ledger_meta yet: a new ledger
  }
}

/**
 * The secret to key voters with: SAUTI_LEDGER_VOTER_SECRET when set. Otherwise a SQLite ledger
 * keeps its own in a file beside the database (`ledger.db.voter-secret`, created once, mode 0600):
 * not inside it, so a copy of the database (a backup, a file handed to an auditor) does not carry
 * it. A ledger on PostgreSQL, shared by several processes and hosts, needs the variable.
 */
async function voterSecretOf(base: BaseConnection, storage: LedgerStorage) {
  const next = storage.nextVoterSecret ? [storage.nextVoterSecret] : [];
  if (storage.voterSecret) return { secret: storage.voterSecret, candidates: () => [storage.voterSecret!, ...next], keptSecretFile: undefined };
  if (storage.kind === 'postgres') {
    throw new SautiError(
      'ledger.voter_secret',
      'a ledger on PostgreSQL needs SAUTI_LEDGER_VOTER_SECRET (at least 32 characters, the same for every ledger process; keep it only where the ledger runs): it re-keys voters so that a gateway’s secret cannot find a ballot',
    );
  }
  if (storage.file === ':memory:') {
    const secret = newVoterSecret();
    return { secret, candidates: () => [secret], keptSecretFile: undefined };
  }
  const file = `${storage.file}.voter-secret`;
  if (!existsSync(file)) {
    const { check } = await storedVoterMeta(base.db);
    if (check !== undefined) {
      throw new SautiError(
        'ledger.voter_secret',
        `the voter keys in ${storage.file} were made with a secret that is not here: restore ${file} (or set SAUTI_LEDGER_VOTER_SECRET to it)`,
      );
    }
    writeFileSync(file, `${newVoterSecret()}\n`, { mode: 0o600, flag: 'wx' });
  }
  const read = (f: string) => (existsSync(f) ? [readFileSync(f, 'utf8').trim()] : []);
  return { secret: read(file)[0]!, candidates: () => [...read(file), ...read(`${file}.next`), ...next], keptSecretFile: file };
}

/** A rotation of a kept secret that stopped after its commit: the next file becomes the secret. */
function finishKeptRotation(file: string, check: string | undefined): void {
  const nextFile = `${file}.next`;
  if (!existsSync(nextFile) || check === undefined) return;
  if (secretCheck(readFileSync(nextFile, 'utf8').trim()) === check) renameSync(nextFile, file);
}

/**
 * SQLite: rewrites the file without free pages and empties the write-ahead log (after re-keying).
 * False when another connection kept the log from being emptied (it then still holds old pages).
 */
export async function scrubSqlite(db: LedgerDb): Promise<boolean> {
  await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
  await sql`VACUUM`.execute(db);
  const { rows } = await sql<{ busy: number }>`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
  return Number(rows[0]?.busy ?? 0) === 0;
}

const GIB = 1024 * 1024 * 1024;

type BaseConnection = Omit<LedgerConnection, 'voterKeys' | 'keptSecretFile'>;

function openSqlite(file: string, cacheMb: number): BaseConnection {
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

async function openPostgres(url: string, schema?: string, { readOnly = false } = {}): Promise<BaseConnection> {
  const pg = (await import('pg')).default;
  // Sequence numbers and counts are int8; they stay far below 2^53, so read them as numbers.
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')),
  };
  if (schema && !readOnly) {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect().catch((err: unknown) => {
      throw unreachable(url, err);
    });
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
    options: [schema ? `-c search_path=${schema}` : '', readOnly ? '-c default_transaction_read_only=on' : ''].filter(Boolean).join(' ') || undefined,
  });
  // Reached once now, so an address that answers nothing is said as such, naming DATABASE_URL.
  await pool.query('SELECT 1').catch(async (err: unknown) => {
    await pool.end();
    throw unreachable(url, err);
  });
  const db = new Kysely<LedgerTables>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

/** Why the ledger's PostgreSQL cannot be used, naming where it was looked for (never the URL's password). */
function unreachable(url: string, err: unknown): SautiError {
  let where = 'DATABASE_URL';
  try {
    const u = new URL(url);
    where = `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname.length > 1 ? u.pathname : ''} (DATABASE_URL)`;
  } catch {
    // A URL pg itself could not read: its message says why.
  }
  return new SautiError('ledger.unreachable', `cannot use the ledger's PostgreSQL database at ${where}: ${(err as Error)?.message ?? String(err)}`);
}
