// The ledger's SQLite storage choices: migration 0003 (counted ballots in an ordinary table with a
// unique key index), 16 KiB pages for new files, prepared statements reused, and the compiled
// bulk INSERTs that must bind values in column order.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ledgerBackends, freshStorage } from '../test/helpers/ledger.ts';
import { tempDir } from '../test/helpers/tmp.ts';
import { insertChunked } from './bulk-insert.ts';
import { openLedger } from './connect.ts';
import { migrateLedger, type LedgerTables } from './schema.ts';
import { cachedStatements } from './statement-cache.ts';

// PostgreSQL too when it is there (one line says so when it is not; never skipped under CI=true).
const BACKENDS = await ledgerBackends();

const ballot = (voter: string, seq: number) => ({
  cycle_id: 'c-open',
  voter_key: voter,
  event_id: `e-${voter}`,
  ward_id: 'north',
  picks: '[1,3]',
  channel: 'ussd',
  ordered_at: `2026-11-22T09:0${seq}:00.000Z`,
  ledger_seq: seq,
});

describe('a ledger whose PostgreSQL cannot be reached', () => {
  it('says where it looked and why, naming DATABASE_URL and never the password', async () => {
    // Port 1 answers nothing on any machine: no PostgreSQL is needed for this refusal.
    const storage = { kind: 'postgres' as const, url: 'postgres://auditor:s3cret-pw@127.0.0.1:1/city', voterSecret: 'v'.repeat(34) };
    const refusal = await openLedger(storage).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(refusal?.message).toMatch(/^cannot use the ledger's PostgreSQL database at 127\.0\.0\.1:1\/city \(DATABASE_URL\): .*ECONNREFUSED/);
    expect(refusal?.message).not.toContain('s3cret-pw');
  });
});

describe('ledger storage on SQLite', () => {
  it('0003 moves counted ballots to a rowid table keyed by a unique index, keeping every row', async () => {
    const file = join(tempDir('sauti-ledger-mig-'), 'ledger.db');
    const old = new Kysely<LedgerTables>({ dialect: new SqliteDialect({ database: new Database(file) }) });
    await migrateLedger(old as never, 'sqlite', undefined, '0002-results');
    await old
      .insertInto('ledger_ballots')
      .values([ballot('voter-b', 2), ballot('voter-a', 1)] as never)
      .execute();
    const before = await old.selectFrom('ledger_ballots').selectAll().orderBy('voter_key').execute();
    await old.destroy();

    const conn = await openLedger({ kind: 'sqlite', file });
    const raw = new Database(file, { readonly: true });
    try {
      // Every row kept; 0004 then adds age band and gender, null for ballots counted before it.
      expect(await conn.db.selectFrom('ledger_ballots').selectAll().orderBy('voter_key').execute()).toEqual(
        before.map((b) => ({ ...b, age_band: null, gender: null, gateway_id: '', gateway_seq: 0 })),
      );
      const table = raw.prepare("SELECT sql FROM sqlite_schema WHERE name = 'ledger_ballots'").pluck().get() as string;
      expect(table.toLowerCase()).not.toContain('without rowid');
      const plan = raw.prepare("EXPLAIN QUERY PLAN SELECT event_id FROM ledger_ballots WHERE cycle_id = 'c-open' AND voter_key = 'voter-a'").all() as {
        detail: string;
      }[];
      expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING INDEX sqlite_autoindex_ledger_ballots/);
      // The key stays unique: the upsert in ingest depends on it.
      await expect(
        conn.db
          .insertInto('ledger_ballots')
          .values(ballot('voter-a', 5) as never)
          .execute(),
      ).rejects.toThrow(/UNIQUE/);
    } finally {
      raw.close();
      await conn.close();
    }
  });

  it('creates new ledger files with 16 KiB pages in WAL mode', async () => {
    const file = join(tempDir('sauti-ledger-page-'), 'ledger.db');
    const conn = await openLedger({ kind: 'sqlite', file });
    await conn.close();
    const raw = new Database(file);
    try {
      expect(raw.pragma('page_size', { simple: true })).toBe(16384);
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
  });

  it('reuses a prepared statement for the same SQL, and prepares anew while it is still being iterated', () => {
    const db = cachedStatements(new Database(':memory:'), 2);
    const a = db.prepare('SELECT 1 AS x');
    expect(db.prepare('SELECT 1 AS x')).toBe(a);
    const s = db.prepare('SELECT value FROM json_each(?)') as unknown as Database.Statement;
    const it = s.iterate('[1,2,3]');
    it.next();
    const during = db.prepare('SELECT value FROM json_each(?)');
    expect(during).not.toBe(s);
    expect((during as unknown as Database.Statement).all('[4]')).toEqual([{ value: 4 }]);
    it.return?.();
    // Least recently used goes first once more than `max` are held.
    db.prepare('SELECT 2');
    db.prepare('SELECT 3');
    expect(db.prepare('SELECT 1 AS x')).not.toBe(a);
    db.close();
  });
});

// SQLite runs one row a statement, PostgreSQL 1,000: 2,500 rows take three statements there, the last shorter.
describe.each(BACKENDS)('bulk INSERTs on %s', (backend) => {
  it("reuse compiled SQL across chunks and refuse a column list out of the rows' order", async () => {
    const conn = await openLedger(freshStorage(backend));
    try {
      const cols = ['cycle_id', 'voter_key', 'event_id', 'ward_id', 'picks', 'channel', 'ordered_at', 'ledger_seq'] as const;
      const rows = Array.from({ length: 2500 }, (_, i) => ballot(`v-${String(i).padStart(5, '0')}`, i));
      await conn.db.transaction().execute((trx) => insertChunked(trx, 'test', cols, rows, (chunk) => trx.insertInto('ledger_ballots').values(chunk as never)));
      const stored = await conn.db.selectFrom('ledger_ballots').selectAll().orderBy('voter_key').execute();
      expect(stored).toEqual(rows.map((r) => ({ ...r, age_band: null, gender: null, gateway_id: '', gateway_seq: 0 })));
      const swapped = ['voter_key', 'cycle_id', 'event_id', 'ward_id', 'picks', 'channel', 'ordered_at', 'ledger_seq'] as const;
      const more = [ballot('w-1', 1)];
      await expect(
        conn.db
          .transaction()
          .execute((trx) => insertChunked(trx, 'swapped', swapped, more, (chunk) => trx.insertInto('ledger_ballots').values(chunk as never))),
      ).rejects.toThrow(/column order/);
    } finally {
      await conn.close();
    }
  });
});
