// Turnout by age band and gender at the ledger, on SQLite and PostgreSQL: values stored with the
// counted ballot when the deployment lists them (else null, the vote still counts, a log line
// without voter or value), a migration that keeps older ballots, per-cycle breakdowns with small
// groups hidden before and after publication — and open data that never carries them per ballot.
import { createPrivateKey } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { decodeBatch, newKeyPair } from '../src/domain/protocol.ts';
import type { Deployment } from '../src/config/schema.ts';
import type { EventRow } from '../src/store/gateway-store.ts';
import { createLogger } from '../src/logging.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import { buildBatch } from '../sync/batch.ts';
import { openLedger, type LedgerStorage } from '../ledger/connect.ts';
import { migrateLedger, type LedgerTables } from '../ledger/schema.ts';
import { Ledger } from '../ledger/ledger.ts';
import { verifyChain } from '../ledger/verify.ts';
import { type Backend, ledgerBackends, DATABASE_URL, eventFactory, freshStorage } from './helpers/ledger.ts';
import { testDeployment } from './helpers/deployment.ts';
import { logSink } from './helpers/gateway.ts';

// PostgreSQL too when it is there (one line says so when it is not; never skipped under CI=true).
const BACKENDS = await ledgerBackends();

const DEMOGRAPHICS = { ageBands: ['18-24', '25-34', '35-64', '65+'], genders: ['female', 'male', 'other'], minCell: 5 };
const at = '2026-11-22T09:00:00Z';
const BEFORE_CLOSE = new Date('2026-11-25T09:00:00Z');

function deployment(withDemographics = true): Deployment {
  return testDeployment((r) => {
    r.cycles[0].phases.voting.closes = '2026-11-30T18:00:00Z';
    if (withDemographics) r.demographics = DEMOGRAPHICS;
  });
}

async function setup(backend: Backend, ballot = deployment()) {
  let now = BEFORE_CLOSE;
  const logs = logSink();
  const storage = freshStorage(backend);
  const ledger = new Ledger(
    await openLedger(storage),
    () => ballot,
    () => now,
    createLogger('info', logs.stream),
  );
  const { privatePem, publicKey } = newKeyPair();
  const gw = { gatewayId: 'gw-d', publicKey, privateKey: createPrivateKey(privatePem) };
  await ledger.addGateway(gw.gatewayId, gw.publicKey);
  const f = eventFactory('gw-d');
  const ingest = async (rows: EventRow[]) => {
    const { header, lines } = decodeBatch(gunzipSync(buildBatch(gw, rows, 0, now).body).toString('utf8'));
    const answer = await ledger.ingest(header, lines, 'push');
    expect(answer.rejected).toEqual([]);
    return answer;
  };
  return { ledger, f, ingest, logs, storage, setNow: (d: Date) => (now = d) };
}

/** A bare connection to `storage`, for migrating it only part of the way. */
async function rawConnection(storage: LedgerStorage): Promise<Kysely<LedgerTables>> {
  if (storage.kind === 'sqlite') return new Kysely<LedgerTables>({ dialect: new SqliteDialect({ database: new Database(storage.file) }) });
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA IF NOT EXISTS ${storage.schema}`);
  await admin.end();
  return new Kysely<LedgerTables>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: DATABASE_URL, max: 1, options: `-c search_path=${storage.schema}` }) }),
  });
}

const phone = (i: number) => `+2547110${String(i).padStart(5, '0')}`;
const ballotRows = (ledger: Ledger) =>
  ledger.conn.db.selectFrom('ledger_ballots').select(['voter_key', 'age_band', 'gender', 'picks']).orderBy('ledger_seq').execute();

/**
 * 15 ballots. Age: 25-34 ×7, 35-64 ×2, none ×6 → 35-64 is under 5, and 18-24 (0, the smallest
 * other group) is hidden with it. Gender: female ×8, male ×7 → nothing hidden.
 */
async function fifteen(f: ReturnType<typeof eventFactory>, ingest: (rows: EventRow[]) => Promise<unknown>) {
  const rows = Array.from({ length: 15 }, (_, i) =>
    f.vote(phone(i), [1 + (i % 3)], at, {
      wardId: i < 12 ? 'north' : 'south',
      ...(i < 7 ? { ageBand: '25-34' } : i < 9 ? { ageBand: '35-64' } : {}),
      gender: i % 2 === 0 ? 'female' : 'male',
    }),
  );
  for (const r of rows.filter((r) => JSON.parse(r.payload).wardId === 'south')) r.payload = JSON.stringify({ ...JSON.parse(r.payload), picks: [20] });
  await ingest(rows);
}

const AGE = {
  minCell: 5,
  cells: [
    { value: '18-24', ballots: null },
    { value: '25-34', ballots: 7 },
    { value: '35-64', ballots: null },
    { value: '65+', ballots: 0 },
    { value: null, ballots: 6 },
  ],
};
const GENDER = {
  minCell: 5,
  cells: [
    { value: 'female', ballots: 8 },
    { value: 'male', ballots: 7 },
    { value: 'other', ballots: 0 },
    { value: null, ballots: 0 },
  ],
};

describe.each(BACKENDS)('demographics in the ledger on %s', (backend) => {
  it('stores listed values with the counted ballot; an unlisted value is stored as null, the vote counts, and the log names no voter or value', async () => {
    const { ledger, f, ingest, logs } = await setup(backend);
    const votes = [
      f.vote(phone(1), [1], at, { ageBand: '25-34', gender: 'female' }),
      f.vote(phone(2), [2], at),
      f.vote(phone(3), [3], at, { ageBand: '25–34', gender: 'femme' }), // en dash; a gateway with another list
      f.vote(phone(4), [1, 2], at, { ageBand: '65+' }),
    ];
    const answer = await ingest(votes);
    expect(answer.accepted).toHaveLength(4);
    const stored = await ballotRows(ledger);
    expect(stored.map((b) => [b.age_band, b.gender])).toEqual([
      ['25-34', 'female'],
      [null, null],
      [null, null],
      ['65+', null],
    ]);
    // The event as sent stays in the chain, unchanged: the ballot row is what is counted.
    const payloads = await ledger.conn.db.selectFrom('ledger_events').select('payload').orderBy('seq').execute();
    expect(JSON.parse(payloads[2]!.payload)).toMatchObject({ ageBand: '25–34', gender: 'femme' });
    expect((await verifyChain(ledger.conn.db)).ok).toBe(true);
    expect((await ledger.results('c-open')).turnout.total).toBe(4);

    const text = logs.text();
    const warnings = logs.lines.map((l) => JSON.parse(l)).filter((l) => l.field);
    expect(warnings.map((w) => [w.component, w.gatewayId, w.field, w.votes])).toEqual([
      ['ledger', 'gw-d', 'ageBand', 1],
      ['ledger', 'gw-d', 'gender', 1],
    ]);
    expect(warnings[0].msg).toMatch(/not in demographics\.ageBands of the ledger's deployment file/);
    for (const secret of ['25–34', 'femme', votes[2]!.voter_key, votes[2]!.id, '711000']) expect(text).not.toContain(secret);
    await ledger.close();
  });

  it('a deployment without demographics counts every vote and stores none; a revote replaces the values with the picks', async () => {
    const plain = await setup(backend, deployment(false));
    await plain.ingest([plain.f.vote(phone(1), [1], at, { ageBand: '25-34', gender: 'female' })]);
    expect((await ballotRows(plain.ledger)).map((b) => [b.age_band, b.gender])).toEqual([[null, null]]);
    expect(await plain.ledger.turnout('c-open')).toEqual({ total: 1, byWard: { north: 1, south: 0 }, byChannel: { ussd: 1 } });
    await plain.ledger.close();

    const { ledger, f, ingest } = await setup(backend);
    await ingest([f.vote(phone(1), [1], at, { ageBand: '25-34', gender: 'female' })]);
    await ingest([f.vote(phone(1), [2], '2026-11-23T09:00:00Z', { ageBand: '35-64' })]);
    expect((await ballotRows(ledger)).map((b) => [b.picks, b.age_band, b.gender])).toEqual([['[2]', '35-64', null]]);
    await ledger.close();
  });

  it('migration 0006 gives counted ballots their gateway and sequence number from their events, and the ballot order goes on from there', async () => {
    const storage = freshStorage(backend);
    const old = await rawConnection(storage);
    await migrateLedger(old as never, backend, storage.kind === 'postgres' ? storage.schema : undefined, '0004-demographics');
    const key = 'k'.repeat(43);
    const event = {
      seq: 1,
      event_id: '0191e0b6-0000-7000-8000-000000000001',
      gateway_id: 'gw-old',
      gateway_seq: 7,
      type: 'vote.cast',
      cycle_id: 'c-open',
      voter_key: key,
      channel: 'sms',
      captured_at: at,
      ordered_at: at,
      received_at: at,
      receipt: 'OLD0000001',
      payload: '{}',
      prev_hash: '0'.repeat(64),
      hash: 'x',
    };
    await old
      .insertInto('ledger_events')
      .values(event as never)
      .execute();
    await old
      .insertInto('ledger_ballots')
      .values({
        cycle_id: 'c-open',
        voter_key: key,
        event_id: event.event_id,
        ward_id: 'north',
        picks: '[1]',
        channel: 'sms',
        ordered_at: at,
        ledger_seq: 1,
        age_band: null,
        gender: null,
      } as never)
      .execute();
    await old.destroy();

    const reopened = new Ledger(
      await openLedger(storage),
      () => deployment(),
      () => BEFORE_CLOSE,
    );
    expect(await reopened.conn.db.selectFrom('ledger_ballots').select(['event_id', 'gateway_id', 'gateway_seq']).execute()).toEqual([
      { event_id: event.event_id, gateway_id: 'gw-old', gateway_seq: 7 },
    ]);
    expect(await reopened.ballotStanding([event.event_id])).toEqual([{ id: event.event_id, status: 'counted' }]);
    await reopened.close();
  });

  it('migration 0004 adds the columns to a ledger that already counted ballots, which keep counting with none', async () => {
    // A ledger as it was before 0004, with a counted ballot in it.
    const storage = freshStorage(backend);
    const old = await rawConnection(storage);
    await migrateLedger(old as never, backend, storage.kind === 'postgres' ? storage.schema : undefined, '0003-narrow-ballot-index');
    await old
      .insertInto('ledger_ballots')
      .values({
        cycle_id: 'c-open',
        voter_key: 'k'.repeat(43),
        event_id: 'e-1',
        ward_id: 'north',
        picks: '[1]',
        channel: 'sms',
        ordered_at: at,
        ledger_seq: 1,
      } as never)
      .execute();
    await old.destroy();

    const reopened = new Ledger(
      await openLedger(storage),
      () => deployment(),
      () => BEFORE_CLOSE,
    );
    expect((await ballotRows(reopened)).map((b) => [b.picks, b.age_band, b.gender])).toEqual([['[1]', null, null]]);
    const names = await sql<{ name: string }>`SELECT name FROM ledger_migrations ORDER BY name`.execute(reopened.conn.db);
    expect(names.rows.map((r) => r.name)).toEqual(expect.arrayContaining(['0001-ledger', '0002-results', '0003-narrow-ballot-index', '0004-demographics']));
    const t = await reopened.turnout('c-open');
    expect(t.total).toBe(1);
    expect(t.byAgeBand).toBeUndefined();
    // New votes carry their values beside the old ballot.
    const { privatePem, publicKey } = newKeyPair();
    const gw = { gatewayId: 'gw-m', publicKey, privateKey: createPrivateKey(privatePem) };
    await reopened.addGateway(gw.gatewayId, publicKey);
    const { header, lines } = decodeBatch(
      gunzipSync(buildBatch(gw, [eventFactory('gw-m').vote(phone(1), [2], at, { ageBand: '65+', gender: 'other' })], 0, BEFORE_CLOSE).body).toString('utf8'),
    );
    expect((await reopened.ingest(header, lines, 'push')).accepted).toHaveLength(1);
    expect((await ballotRows(reopened)).map((b) => [b.picks, b.age_band, b.gender]).sort()).toEqual([
      ['[1]', null, null],
      ['[2]', '65+', 'other'],
    ]);
    await reopened.close();
  });

  it('turnout by age band and gender per cycle, small groups hidden: before publication, counted, and as published', async () => {
    const { ledger, f, ingest, setNow } = await setup(backend);
    await fifteen(f, ingest);
    const before = await ledger.turnout('c-open');
    expect(before).toEqual({ total: 15, byWard: { north: 12, south: 3 }, byChannel: { ussd: 15 }, byAgeBand: AGE, byGender: GENDER });
    expect((await ledger.results('c-open')).turnout).toEqual(before);

    setNow(new Date('2026-12-01T09:00:00Z'));
    await ingest([]); // the gateway syncs after the close, nothing waiting
    const published = await ledger.publishResults('c-open');
    expect(published.turnout).toEqual(before);
    // What is frozen is already suppressed: the 2 of 35-64 is nowhere in the stored result.
    const row = await ledger.conn.db.selectFrom('ledger_results').select('result').executeTakeFirstOrThrow();
    expect(JSON.parse(row.result).turnout.byAgeBand).toEqual(AGE);
    await ledger.close();
  });

  it('only a breakdown some ballot has: gender without age band, and none for a cycle without either', async () => {
    const { ledger, f, ingest } = await setup(backend);
    await ingest(Array.from({ length: 6 }, (_, i) => f.vote(phone(i), [1], at, { gender: i < 5 ? 'female' : 'other' })));
    await ingest([f.vote(phone(1), [31], '2019-03-15T09:00:00Z', { cycleId: 'c-past' })]);
    const t = await ledger.turnout('c-open');
    expect(t.byAgeBand).toBeUndefined();
    // other: 1 is hidden, and so is the smallest other group (male, 0); not recorded (0) stays.
    expect(t.byGender).toEqual({
      minCell: 5,
      cells: [
        { value: 'female', ballots: 5 },
        { value: 'male', ballots: null },
        { value: 'other', ballots: null },
        { value: null, ballots: 0 },
      ],
    });
    const past = await ledger.results('c-past');
    expect(past.turnout).toEqual({ total: 1, byWard: { north: 1, south: 0 }, byChannel: { ussd: 1 } });
    await ledger.close();
  });

  it('privacy: open data has no age band or gender per ballot; only the suppressed per-cycle turnout is published', async () => {
    const { ledger, f, ingest, setNow } = await setup(backend);
    await fifteen(f, ingest);
    setNow(new Date('2026-12-01T09:00:00Z'));
    await ingest([]); // the gateway syncs after the close, nothing waiting
    await ledger.publishResults('c-open');
    const app = createLedgerApp(ledger, createLogger('silent'));
    const get = async (file: string) => {
      const res = await request(app)
        .get(`/results/c-open/${file}`)
        .buffer(true)
        .parse((r, cb) => {
          let text = '';
          r.on('data', (c: Buffer) => (text += c));
          r.on('end', () => cb(null, text));
        });
      expect(res.status, file).toBe(200);
      return res.body as string;
    };

    const ballotsJson = JSON.parse(await get('ballots.json'));
    expect(ballotsJson.ballots).toHaveLength(15);
    for (const b of ballotsJson.ballots) expect(Object.keys(b).sort()).toEqual(['channel', 'picks', 'voter', 'ward']);
    const perBallot = [JSON.stringify(ballotsJson), await get('ballots.csv'), await get('north.pb'), await get('south.pb')];
    expect(perBallot[1]!.split('\n')[0]).toBe('voter,ward,picks,channel');
    // Field by field (CSV, .pb and JSON delimiters): no demographic column and no demographic value.
    for (const text of perBallot) {
      const fields = text.split(/[\n,;"{}:[\]]+/);
      expect(fields.filter((x) => /age_?band|gender/i.test(x))).toEqual([]);
      expect(fields.filter((x) => ['25-34', '35-64', 'female', 'male'].includes(x))).toEqual([]);
    }

    // Aggregates only, suppressed: per cycle, never per ward.
    const results = JSON.parse(await get('results.json'));
    expect(results.turnout.byAgeBand).toEqual(AGE);
    expect(results.turnout.byGender).toEqual(GENDER);
    expect(JSON.stringify(results.wards)).not.toMatch(/age_?band|gender|female/i);
    expect(await get('results.csv')).not.toMatch(/age_?band|gender|female/i);
    const turnout = await get('turnout.csv');
    expect(turnout).toBe(
      [
        'cycle,breakdown,value,ballots',
        'c-open,total,,15',
        'c-open,ward,north,12',
        'c-open,ward,south,3',
        'c-open,channel,ussd,15',
        'c-open,age_band,18-24,<5',
        'c-open,age_band,25-34,7',
        'c-open,age_band,35-64,<5',
        'c-open,age_band,65+,0',
        'c-open,age_band,,6',
        'c-open,gender,female,8',
        'c-open,gender,male,7',
        'c-open,gender,other,0',
        'c-open,gender,,0',
        '',
      ].join('\n'),
    );
    await ledger.close();
  });
});
