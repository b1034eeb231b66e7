// One secret does not unlock the ledger (issue 17, part 3): the ledger stores voter keys re-keyed
// with a secret only it holds, so a gateway's SAUTI_VOTER_KEY_SECRET and a copy of the ledger
// cannot find a phone's ballot; everything keyed by voter still works, on SQLite and PostgreSQL,
// over HTTP and by bundle, across migration 0008 and a rotation of the ledger's secret.
import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { openLedger, type LedgerStorage } from '../ledger/connect.ts';
import { Ledger } from '../ledger/ledger.ts';
import { importBundle } from '../ledger/bundle-import.ts';
import { rotateVoterSecret } from '../ledger/rekey.ts';
import { migrateLedger, type LedgerTables } from '../ledger/schema.ts';
import { verifyChain } from '../ledger/verify.ts';
import { ledgerVoterKey, type VoterKeyring } from '../ledger/voter-secret.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import { createLogger } from '../src/logging.ts';
import { newKeyPair } from '../src/domain/protocol.ts';
import { voterKey } from '../src/domain/voter.ts';
import type { EventRow } from '../src/store/gateway-store.ts';
import { buildBatch } from '../sync/batch.ts';
import { exportBundle } from '../sync/bundle.ts';
import { trustLedger } from '../sync/ledger-trust.ts';
import { FIXTURE, NOW, testDeployment } from './helpers/deployment.ts';
import { SECRET, testGateway, TOKEN, ussdBody } from './helpers/gateway.ts';
import { DATABASE_URL, eventFactory, freshStorage, ledgerBackends, TEST_LEDGER_VOTER_SECRET } from './helpers/ledger.ts';
import { tempDir } from './helpers/tmp.ts';

const BACKENDS = await ledgerBackends();
const silent = createLogger('silent');

const PHONE = '+254711000777';
/** What anyone holding a gateway's settings can compute for a known phone. */
const GATEWAY_KEY = voterKey(PHONE, SECRET);
const deployment = testDeployment();
const NEXT_SECRET = 'next-ledger-voter-secret-0123456789abcdef';

/** The ledger secret in use: the environment's, or the one a SQLite ledger keeps beside its file. */
function secretOf(storage: LedgerStorage): string {
  if (storage.voterSecret) return storage.voterSecret;
  if (storage.kind !== 'sqlite') throw new Error('PostgreSQL needs SAUTI_LEDGER_VOTER_SECRET');
  return readFileSync(`${storage.file}.voter-secret`, 'utf8').trim();
}

/** Every stored row of every ledger table, as text: what a copy of the database holds. */
async function allRows(ledger: Ledger): Promise<string> {
  const { rows: tables } = await sql<{ name: string }>`${
    ledger.conn.dialect === 'sqlite'
      ? sql`SELECT name FROM sqlite_master WHERE type = 'table'`
      : sql`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`
  }`.execute(ledger.conn.db);
  const out: string[] = [];
  for (const { name } of tables) {
    const { rows } = await sql`SELECT * FROM ${sql.table(name)}`.execute(ledger.conn.db);
    out.push(JSON.stringify(rows));
  }
  return out.join('\n');
}

/** The raw bytes of every file of a SQLite ledger but its kept secret: database, WAL, shared memory. */
function rawFiles(file: string): Buffer {
  const dir = dirname(file);
  return Buffer.concat(
    readdirSync(dir)
      .filter((f) => !f.endsWith('.voter-secret'))
      .map((f) => readFileSync(join(dir, f))),
  );
}

async function ussdVote(gw: ReturnType<typeof testGateway>, phone: string, pick: number) {
  const res = await request(gw.app)
    .post(`/africastalking/ussd/${TOKEN}`)
    .type('form')
    .send(ussdBody({ sessionId: `s-${phone}-${pick}`, phoneNumber: phone, text: `1*1*1*${pick}*99*1` }));
  expect(res.text).toMatch(/^(CON|END) Thank you/);
}

const receiptOf = (row: EventRow) => (JSON.parse(row.payload) as { receipt: string }).receipt;

describe.each(BACKENDS)('ledger voter keys on %s', (backend) => {
  it('a gateway secret and a copy of the ledger cannot find a known phone’s ballot; one ballot, receipts and standing work across gateways, HTTP and bundle', async () => {
    const storage = freshStorage(backend);
    const ledger = new Ledger(
      await openLedger(storage),
      () => deployment,
      () => NOW,
      silent,
    );
    const gwA = testGateway({ clock: () => NOW, env: { SAUTI_GATEWAY_ID: 'gw-a' } });
    const gwB = testGateway({ clock: () => new Date(NOW.getTime() + 60_000), env: { SAUTI_GATEWAY_ID: 'gw-b' } });
    try {
      for (const gw of [gwA, gwB]) {
        await ledger.addGateway(gw.gatewayId, gw.identity.publicKey);
        trustLedger(gw.outbox, (await ledger.identity()).publicKey);
      }
      // The same phone votes on gateway A (pushed over HTTP), then again on gateway B (carried in a bundle).
      await ussdVote(gwA, PHONE, 3);
      await ussdVote(gwA, '+254711000778', 5);
      await ussdVote(gwB, PHONE, 4);
      const [first, other] = gwA.outbox.pending(10);
      const [second] = gwB.outbox.pending(10);
      expect(first!.voter_key).toBe(GATEWAY_KEY); // the gateway sends the key every gateway can compute
      const batch = buildBatch(gwA.identity, gwA.outbox.pending(10), 0, NOW);
      const app = createLedgerApp(ledger, silent);
      const pushed = await request(app)
        .post('/v1/batches')
        .set('content-type', 'application/x-ndjson')
        .set('content-encoding', 'gzip')
        .set('sauti-gateway', 'gw-a')
        .set('sauti-signature', batch.signature)
        .send(batch.body);
      expect(pushed.status).toBe(200);
      expect(pushed.body.accepted).toHaveLength(2);
      const bundle = join(tempDir('sauti-rekey-bundle-'), 'gw-b.bundle');
      exportBundle(gwB.outbox, gwB.identity, bundle, undefined, new Date(NOW.getTime() + 60_000));
      expect((await importBundle(ledger, bundle)).ack.accepted).toHaveLength(1);
      // A duplicate resend is still a duplicate (compared under the ledger's key), not an id conflict.
      const again = buildBatch(gwA.identity, [first!], 0, NOW);
      const resent = await request(app)
        .post('/v1/batches')
        .set('content-type', 'application/x-ndjson')
        .set('content-encoding', 'gzip')
        .set('sauti-gateway', 'gw-a')
        .set('sauti-signature', again.signature)
        .send(again.body);
      expect(resent.body).toMatchObject({ accepted: [], duplicates: [first!.id], rejected: [] });

      // One ballot per voter across gateways and transports: the later one counts.
      expect((await ledger.turnout('c-open')).total).toBe(2);
      expect(await ledger.receipt(receiptOf(first!))).toMatchObject({ found: true, status: 'replaced', countedChannel: 'ussd' });
      expect(await ledger.receipt(receiptOf(second!))).toMatchObject({ found: true, status: 'counted' });
      expect(await ledger.ballotStanding([first!.id, second!.id, other!.id])).toEqual([
        { id: first!.id, status: 'replaced', countedChannel: 'ussd' },
        { id: second!.id, status: 'counted' },
        { id: other!.id, status: 'counted' },
      ]);
      expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true, checked: 3 });

      // The attack: compute the phone's gateway key and look for it in everything the ledger stores.
      const rows = await allRows(ledger);
      expect(rows).not.toContain(GATEWAY_KEY);
      expect(rows).not.toContain(PHONE);
      if (storage.kind === 'sqlite') expect(rawFiles(storage.file).includes(Buffer.from(GATEWAY_KEY))).toBe(false);
      // What it holds instead, which only the ledger secret makes: the search would have found a key.
      expect(rows).toContain(ledgerVoterKey(secretOf(storage), GATEWAY_KEY));
      // Open data carries neither key.
      const files = await ledger.openData('c-open', 'en', await ledger.results('c-open'));
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) {
        expect(f.body).not.toContain(GATEWAY_KEY);
        expect(f.body).not.toContain(ledgerVoterKey(secretOf(storage), GATEWAY_KEY));
      }
    } finally {
      gwA.db.close();
      gwB.db.close();
      await ledger.close();
    }
  });
});

/** A bare connection to `storage`, for building a ledger as an older release did. */
async function rawConnection(storage: LedgerStorage): Promise<Kysely<LedgerTables>> {
  if (storage.kind === 'sqlite') return new Kysely<LedgerTables>({ dialect: new SqliteDialect({ database: new Database(storage.file) }) });
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA IF NOT EXISTS ${storage.schema}`);
  await admin.end();
  // int8 read as numbers, as ledger/connect.ts does.
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')),
  };
  return new Kysely<LedgerTables>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: DATABASE_URL, max: 1, types, options: `-c search_path=${storage.schema}` }) }),
  });
}

/** Ingest as releases before 0008 did it: the gateway's key stored as sent. */
const asSent = { forCheck: () => ({ key: (k: string) => k }) } as unknown as VoterKeyring;

const at = (min: number) => new Date(Date.UTC(2026, 10, 22, 9, min)).toISOString();
const TEST_GATEWAY_SECRET = 'test-secret-0123456789'; // eventFactory's

/** Two gateways' votes: P votes on A then again on B, Q on A, R on B. */
function oldVotes() {
  const a = eventFactory('gw-a');
  const b = eventFactory('gw-b');
  return {
    a: [a.vote('+254711000001', [1], at(1)), a.vote('+254711000002', [3], at(2))],
    b: [b.vote('+254711000001', [2], at(5)), b.vote('+254711000003', [1], at(6))],
    later: () => a.vote('+254711000001', [4], at(9)),
  };
}

async function push(ledger: Ledger, gatewayId: string, rows: EventRow[]) {
  const gw = keys[gatewayId]!;
  const batch = buildBatch({ gatewayId, publicKey: gw.publicKey, privateKey: gw.privateKey }, rows, 0, NOW);
  const res = await request(createLedgerApp(ledger, silent))
    .post('/v1/batches')
    .set('content-type', 'application/x-ndjson')
    .set('content-encoding', 'gzip')
    .set('sauti-gateway', gatewayId)
    .set('sauti-signature', batch.signature)
    .send(batch.body);
  expect(res.status).toBe(200);
  expect(res.body.rejected).toEqual([]);
  return res.body as { accepted: unknown[] };
}

const keys: Record<string, { publicKey: string; privateKey: ReturnType<typeof createPrivateKey> }> = Object.fromEntries(
  ['gw-a', 'gw-b'].map((id) => {
    const k = newKeyPair();
    return [id, { publicKey: k.publicKey, privateKey: createPrivateKey(k.privatePem) }];
  }),
);

/** Everything a voter-keyed answer says, but the chain hash (which a re-seal changes). */
async function answers(ledger: Ledger, rows: EventRow[]) {
  const receipts = [];
  for (const r of rows) {
    const v = await ledger.receipt(receiptOf(r));
    if (!v.found) throw new Error(`receipt ${receiptOf(r)} not found`);
    receipts.push({ status: v.status, cycleId: v.cycleId, ledgerSeq: v.ledgerSeq, countedChannel: v.countedChannel, matches: v.matches.length });
  }
  return {
    receipts,
    standing: await ledger.ballotStanding(rows.map((r) => r.id)),
    turnout: await ledger.turnout('c-open'),
    result: (await ledger.results('c-open')).wards,
  };
}

describe.each(BACKENDS)('migration 0008-ledger-rekey on %s', (backend) => {
  it.each([
    // At 0007 as far as voter keys go; the tables later releases added beside them are there, so
    // today's Ledger can answer (counts read paper tally sheets) before 0008 and 0009 run.
    ['0007', { without: ['0008-ledger-rekey', '0009-published-files'] }],
    ['0009 (released without 0008)', { without: ['0008-ledger-rekey'] }],
  ] as const)(
    're-keys a ledger built at %s: same counts, receipts, standing and revote outcome; the chain verifies with a ledger.rekeyed entry; no gateway key left',
    async (_name, how) => {
      const storage = freshStorage(backend);
      const raw = await rawConnection(storage);
      const schema = storage.kind === 'postgres' ? storage.schema : undefined;
      await migrateLedger(raw as never, backend, schema, undefined, { without: how.without });
      const old = new Ledger(
        { db: raw, dialect: backend, voterKeys: asSent, keptSecretFile: undefined, close: () => raw.destroy() },
        () => deployment,
        () => NOW,
        silent,
      );
      for (const id of ['gw-a', 'gw-b']) await old.addGateway(id, keys[id]!.publicKey);
      const v = oldVotes();
      await push(old, 'gw-a', v.a);
      await push(old, 'gw-b', v.b);
      const rows = [...v.a, ...v.b];
      const before = await answers(old, rows);
      expect(before.turnout.total).toBe(3);
      expect(before.receipts[0]).toMatchObject({ status: 'replaced' });
      const oldHead = await raw.selectFrom('ledger_head').selectAll().executeTakeFirstOrThrow();
      const gatewayKeyP = voterKey('+254711000001', TEST_GATEWAY_SECRET);
      expect(await allRows(old)).toContain(gatewayKeyP); // as an older release left it
      await old.close();

      const ledger = new Ledger(
        await openLedger(storage),
        () => deployment,
        () => NOW,
        silent,
      );
      try {
        const names = (await sql<{ name: string }>`SELECT name FROM ledger_migrations ORDER BY name`.execute(ledger.conn.db)).rows.map((r) => r.name);
        expect(names).toContain('0008-ledger-rekey');
        expect(names).toContain('0009-published-files');
        expect(await answers(ledger, rows)).toEqual(before);
        const verified = await verifyChain(ledger.conn.db);
        expect(verified).toMatchObject({ ok: true, checked: 5 });
        const entry = await ledger.conn.db.selectFrom('ledger_events').selectAll().where('seq', '=', 5).executeTakeFirstOrThrow();
        expect(entry.type).toBe('ledger.rekeyed');
        expect(JSON.parse(entry.payload)).toMatchObject({ previousHead: oldHead.hash, previousSeq: 4, entries: 4, ballots: 3 });
        const stored = await allRows(ledger);
        for (const r of rows) expect(stored).not.toContain(r.voter_key);
        expect(stored).toContain(ledgerVoterKey(secretOf(storage), gatewayKeyP));
        if (storage.kind === 'sqlite') {
          const bytes = rawFiles(storage.file);
          for (const r of rows) expect(bytes.includes(Buffer.from(r.voter_key))).toBe(false);
        }
        // A vote after the migration meets the re-keyed ones: P's third ballot replaces the second.
        const later = v.later();
        await push(ledger, 'gw-a', [later]);
        expect((await ledger.turnout('c-open')).total).toBe(3);
        expect(await ledger.receipt(receiptOf(v.b[0]!))).toMatchObject({ status: 'replaced' });
        expect(await ledger.receipt(receiptOf(later))).toMatchObject({ status: 'counted' });
        expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true, checked: 6 });
      } finally {
        await ledger.close();
      }
    },
  );

  it('keeps a broken link broken: verify names the same entry after re-keying', async () => {
    const storage = freshStorage(backend);
    const raw = await rawConnection(storage);
    await migrateLedger(raw as never, backend, storage.kind === 'postgres' ? storage.schema : undefined, '0007-publication');
    const old = new Ledger(
      { db: raw, dialect: backend, voterKeys: asSent, keptSecretFile: undefined, close: () => raw.destroy() },
      () => deployment,
      () => NOW,
      silent,
    );
    await old.addGateway('gw-a', keys['gw-a']!.publicKey);
    await old.addGateway('gw-b', keys['gw-b']!.publicKey);
    const v = oldVotes();
    await push(old, 'gw-a', v.a);
    await push(old, 'gw-b', v.b);
    await raw
      .updateTable('ledger_events')
      .set({ payload: JSON.stringify({ wardId: 'north', picks: [2], receipt: 'X', replaces: null }) })
      .where('seq', '=', 2)
      .execute();
    const broken = await verifyChain(raw);
    expect(broken).toMatchObject({ ok: false, seq: 2 });
    await old.close();
    const ledger = new Ledger(
      await openLedger(storage),
      () => deployment,
      () => NOW,
      silent,
    );
    try {
      expect(await verifyChain(ledger.conn.db)).toEqual(broken);
    } finally {
      await ledger.close();
    }
  });
});

describe.each(BACKENDS)('rotating the ledger voter secret on %s', (backend) => {
  it('re-keys every row to the next secret in one go: one ballot per voter goes on, the chain verifies, and only the new secret opens it', async () => {
    const storage: LedgerStorage = { ...freshStorage(backend), voterSecret: TEST_LEDGER_VOTER_SECRET };
    let ledger = new Ledger(
      await openLedger(storage),
      () => deployment,
      () => NOW,
      silent,
    );
    for (const id of ['gw-a', 'gw-b']) await ledger.addGateway(id, keys[id]!.publicKey);
    const v = oldVotes();
    await push(ledger, 'gw-a', v.a);
    await push(ledger, 'gw-b', v.b);
    const rows = [...v.a, ...v.b];
    const before = await answers(ledger, rows);
    const keyBefore = ledgerVoterKey(TEST_LEDGER_VOTER_SECRET, voterKey('+254711000001', TEST_GATEWAY_SECRET));
    expect(await allRows(ledger)).toContain(keyBefore);

    await expect(rotateVoterSecret(ledger.conn, NOW)).rejects.toThrow(/SAUTI_LEDGER_NEXT_VOTER_SECRET/);
    await expect(rotateVoterSecret(ledger.conn, NOW, TEST_LEDGER_VOTER_SECRET)).rejects.toThrow(/uses now/);
    const r = await rotateVoterSecret(ledger.conn, NOW, NEXT_SECRET);
    expect(r).toMatchObject({ entries: 4, ballots: 3, kept: false, layers: 1 });
    expect(await allRows(ledger)).not.toContain(keyBefore);
    expect(await answers(ledger, rows)).toEqual(before);
    await ledger.close();

    // The old secret alone no longer opens it; the new one does, and so do both (a process started for the rotation).
    await expect(openLedger(storage)).rejects.toThrow(/another secret/);
    ledger = new Ledger(
      await openLedger({ ...storage, voterSecret: NEXT_SECRET }),
      () => deployment,
      () => NOW,
      silent,
    );
    try {
      expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true, checked: 5 });
      const later = v.later();
      await push(ledger, 'gw-a', [later]);
      expect((await ledger.turnout('c-open')).total).toBe(3);
      expect(await ledger.receipt(receiptOf(v.b[0]!))).toMatchObject({ status: 'replaced' });
      expect(await ledger.receipt(receiptOf(later))).toMatchObject({ status: 'counted' });
      // An event sent before the rotation, sent again: still the same event, a duplicate.
      const again = buildBatch({ gatewayId: 'gw-a', ...keys['gw-a']! }, [v.a[0]!], 0, NOW);
      const res = await request(createLedgerApp(ledger, silent))
        .post('/v1/batches')
        .set('content-type', 'application/x-ndjson')
        .set('content-encoding', 'gzip')
        .set('sauti-gateway', 'gw-a')
        .set('sauti-signature', again.signature)
        .send(again.body);
      expect(res.body).toMatchObject({ accepted: [], duplicates: [v.a[0]!.id], rejected: [] });
    } finally {
      await ledger.close();
    }
  });
});

describe('a SQLite ledger that keeps its own voter secret', () => {
  it('rotates it without the operator handling any secret, and a running process keeps ingesting with the new one', async () => {
    const storage = freshStorage('sqlite');
    const serving = new Ledger(
      await openLedger(storage),
      () => deployment,
      () => NOW,
      silent,
    );
    const cli = new Ledger(
      await openLedger(storage),
      () => deployment,
      () => NOW,
      silent,
    );
    try {
      for (const id of ['gw-a', 'gw-b']) await serving.addGateway(id, keys[id]!.publicKey);
      const v = oldVotes();
      await push(serving, 'gw-a', v.a);
      const first = secretOf(storage);
      const r = await rotateVoterSecret(cli.conn, NOW);
      expect(r.kept).toBe(true);
      expect(secretOf(storage)).not.toBe(first);
      // The serving process learns the new secret from the file at its next batch: B's vote for P still replaces A's.
      await push(serving, 'gw-b', v.b);
      expect((await serving.turnout('c-open')).total).toBe(3);
      expect(await serving.receipt(receiptOf(v.a[0]!))).toMatchObject({ status: 'replaced' });
      expect(await verifyChain(serving.conn.db)).toMatchObject({ ok: true, checked: 5 });
    } finally {
      await serving.close();
      await cli.close();
    }
  });

  it('refuses to start when its secret file is missing, rather than key voters anew', async () => {
    const storage = freshStorage('sqlite');
    const ledger = new Ledger(
      await openLedger(storage),
      () => deployment,
      () => NOW,
      silent,
    );
    await ledger.close();
    rmSync(`${storage.kind === 'sqlite' ? storage.file : ''}.voter-secret`);
    await expect(openLedger(storage)).rejects.toThrow(/restore .*voter-secret/);
  });
});

const CLI = resolve(import.meta.dirname, '../src/cli/main.ts');
const sauti = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: '', ...env } });

describe('sauti ledger rotate-voter-secret', { timeout: 180_000 }, () => {
  it('re-keys to SAUTI_LEDGER_NEXT_VOTER_SECRET, says to swap the values, and the ledger then opens with the new one only', () => {
    const base = {
      SAUTI_CONFIG: FIXTURE,
      SAUTI_LEDGER_DB: join(tempDir('sauti-rotate-cli-'), 'ledger.db'),
      SAUTI_LEDGER_VOTER_SECRET: TEST_LEDGER_VOTER_SECRET,
    };
    expect(sauti(['ledger', 'gateways'], base).status).toBe(0); // makes the ledger
    const without = sauti(['ledger', 'rotate-voter-secret'], base);
    expect(without.status).toBe(1);
    expect(without.stderr).toContain('SAUTI_LEDGER_NEXT_VOTER_SECRET');
    const rotated = sauti(['ledger', 'rotate-voter-secret'], { ...base, SAUTI_LEDGER_NEXT_VOTER_SECRET: NEXT_SECRET });
    expect(rotated.stderr).toBe('');
    expect(rotated.status).toBe(0);
    expect(rotated.stdout).toContain('set SAUTI_LEDGER_VOTER_SECRET to the value of SAUTI_LEDGER_NEXT_VOTER_SECRET');
    const stale = sauti(['ledger', 'verify'], base);
    expect(stale.status).not.toBe(0);
    expect(stale.stderr).toContain('another secret');
    const swapped = sauti(['ledger', 'verify'], { ...base, SAUTI_LEDGER_VOTER_SECRET: NEXT_SECRET });
    expect(swapped.stdout).toContain('Ledger intact');
  }, 180_000);

  it('an auditor verifies a copy of the database alone: no voter secret needed, none made', () => {
    const dir = tempDir('sauti-audit-copy-');
    const env = { SAUTI_CONFIG: FIXTURE, SAUTI_LEDGER_DB: join(dir, 'ledger.db') };
    expect(sauti(['ledger', 'gateways'], env).status).toBe(0); // made with a kept secret beside it
    const copy = join(tempDir('sauti-audit-'), 'copy.db');
    copyFileSync(join(dir, 'ledger.db'), copy);
    const verified = sauti(['ledger', 'verify'], { ...env, SAUTI_LEDGER_DB: copy });
    expect(verified.stderr).toBe('');
    expect(verified.stdout).toContain('Ledger intact: 0 entries');
    expect(existsSync(`${copy}.voter-secret`)).toBe(false);
  }, 180_000);
});
