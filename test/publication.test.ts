// What is published never changes, on SQLite and PostgreSQL: every open data file is made from
// the ballots frozen at publication and downloads byte for byte the same after late ballots
// arrive; those are listed apart and their receipts say so; publication waits for every
// registered gateway unless forced, and a forced publication's reason is in the chain. Migration
// 0007 gives results published before it their ballot set.
import { createPrivateKey } from 'node:crypto';
import type { Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import { decodeBatch, newKeyPair } from '../src/domain/protocol.ts';
import type { EventRow } from '../src/store/gateway-store.ts';
import { buildBatch } from '../sync/batch.ts';
import type { GatewayIdentity } from '../sync/identity.ts';
import { openLedger, type LedgerStorage } from '../ledger/connect.ts';
import { Ledger } from '../ledger/ledger.ts';
import { migrateLedger, type LedgerTables } from '../ledger/schema.ts';
import { verifyChain } from '../ledger/verify.ts';
import { parsePb, pbInstance } from '../tally/pabulib.ts';
import { count } from '../tally/rules.ts';
import { type Backend, ledgerBackends, DATABASE_URL, eventFactory, freshStorage, testLedger } from './helpers/ledger.ts';
import { testDeployment } from './helpers/deployment.ts';

// PostgreSQL too when it is there (one line says so when it is not; never skipped under CI=true).
const BACKENDS = await ledgerBackends();

const CLOSES = '2026-11-30T18:00:00Z';
const at = '2026-11-22T09:00:00Z';
const justBeforeClose = '2026-11-30T17:30:00Z';
const AFTER_CLOSE = new Date('2026-12-01T09:00:00Z');
const LATER = new Date('2026-12-03T09:00:00Z');

async function setup(backend: Backend) {
  let now = new Date('2026-11-25T09:00:00Z');
  const ledger = await testLedger(
    backend,
    testDeployment((r) => (r.cycles[0].phases.voting.closes = CLOSES)),
    () => now,
  );
  const gateway = async (gatewayId: string) => {
    const { privatePem, publicKey } = newKeyPair();
    const gw: GatewayIdentity = { gatewayId, publicKey, privateKey: createPrivateKey(privatePem) };
    await ledger.addGateway(gatewayId, publicKey);
    const f = eventFactory(gatewayId);
    /** Pushes rows (none: a heartbeat) reporting `backlog` events still waiting on the gateway. */
    const push = async (rows: EventRow[], backlog = 0) => {
      const { header, lines } = decodeBatch(gunzipSync(buildBatch(gw, rows, backlog, now).body).toString('utf8'));
      const answer = await ledger.ingest(header, lines, 'push');
      expect(answer.rejected).toEqual([]);
      return answer;
    };
    return { f, push };
  };
  const app = createLedgerApp(ledger, createLogger('silent'));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const get = async (path: string) => {
    const res = await fetch(base + path);
    return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
  };
  const close = async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await ledger.close();
  };
  return { ledger, gateway, get, close, setNow: (d: Date) => (now = d) };
}

const FILES = ['results.json', 'results.csv', 'results.csv?lang=sw', 'turnout.csv', 'ballots.csv', 'ballots.json', 'north.pb', 'south.pb'];
const selected = (ledgerResult: Awaited<ReturnType<Ledger['results']>>, ward: string) =>
  ledgerResult.wards
    .find((w) => w.wardId === ward)!
    .projects.filter((p) => p.selected)
    .map((p) => String(p.code))
    .sort();

describe.each(BACKENDS)('publication on %s', (backend) => {
  it('every published file downloads byte for byte the same after late ballots arrive; they are listed apart and their receipts say "late"', async () => {
    const { ledger, gateway, get, close, setNow } = await setup(backend);
    const a = await gateway('gw-a');
    const onTime = [
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 4],
      [1, 2],
      [1, 3, 4],
    ].map((picks, i) => a.f.vote(`+2547110000${10 + i}`, picks, at));
    await a.push([...onTime, a.f.vote('+254711000099', [21], at, { wardId: 'south' })]);
    setNow(AFTER_CLOSE);
    await a.push([]); // synced since voting closed, nothing waiting
    const published = await ledger.publishResults('c-open');
    const before = new Map<string, Buffer>();
    for (const file of FILES) {
      const res = await get(`/results/c-open/${file}`);
      expect(res.status, file).toBe(200);
      before.set(file, res.bytes);
    }

    // A field officer's laptop, registered after publication, brings votes captured before the
    // close: two new voters and a later ballot of a voter already counted.
    setNow(LATER);
    const b = await gateway('gw-b');
    const late = [
      b.f.vote('+254711000050', [6, 7], justBeforeClose),
      b.f.vote('+254711000051', [6, 7], justBeforeClose),
      b.f.vote('+254711000010', [6, 7, 12], justBeforeClose),
    ];
    expect((await b.push(late)).accepted).toHaveLength(3);

    for (const file of FILES) expect((await get(`/results/c-open/${file}`)).bytes.equals(before.get(file)!), file).toBe(true);
    // The .pb says what the page says, and counts back to the published winners.
    const pb = pbInstance(parsePb(before.get('north.pb')!.toString('utf8')));
    expect(pb.meta.get('num_votes')).toBe('5');
    expect(published.wards.find((w) => w.wardId === 'north')!.ballots).toBe(5);
    const again = count(pb.instance, pb.rule!, { threshold: pb.threshold }).selected.map((p) => pb.instance.projects[p]!.id);
    expect(again.sort()).toEqual(selected(published, 'north'));
    expect((await get('/results/c-open/ballots.csv')).bytes.toString().trim().split('\n')).toHaveLength(1 + 6);
    // A recount with another rule after publication counts the published ballots too.
    expect((await ledger.results('c-open', 'equalshares')).turnout.total).toBe(6);

    // Receipts: the late ones were not counted; the on-time ballot their voter replaced late still is.
    const receipt = async (code: string) => JSON.parse((await get(`/v1/receipts/${code}`)).bytes.toString()) as { status: string };
    for (const row of late) expect((await receipt(JSON.parse(row.payload).receipt)).status).toBe('late');
    expect((await receipt(JSON.parse(onTime[0]!.payload).receipt)).status).toBe('counted');
    // What gateways tell residents follows the published count too, not the live table.
    const standing = await ledger.ballotStanding([...late.map((r) => r.id), onTime[0]!.id]);
    expect(standing.map((s) => s.status)).toEqual(['late', 'late', 'late', 'counted']);

    // Listed apart: how many, from which gateway, captured when — in open data and on the page.
    const listing = await get('/results/c-open/late.csv');
    expect(listing.status).toBe(200);
    expect(listing.bytes.toString()).toBe(
      `cycle,gateway,ballots,captured_first,captured_last,arrived_first,arrived_last\nc-open,gw-b,3,${new Date(justBeforeClose).toISOString()},${new Date(justBeforeClose).toISOString()},${LATER.toISOString()},${LATER.toISOString()}\n`,
    );
    expect(await ledger.lateBallots('c-open')).toEqual({
      total: 3,
      byGateway: [
        {
          gatewayId: 'gw-b',
          ballots: 3,
          capturedFirst: new Date(justBeforeClose).toISOString(),
          capturedLast: new Date(justBeforeClose).toISOString(),
          arrivedFirst: LATER.toISOString(),
          arrivedLast: LATER.toISOString(),
        },
      ],
    });
    const page = (await get('/results/c-open')).bytes.toString();
    expect(page).toContain('3 ballots arrived after the results were published and are not counted');
    expect(page).toMatch(/<td>gw-b<\/td><td class="n">3<\/td>/);
    expect(page).toContain('/results/c-open/late.csv');
    await close();
  });

  it('refuses to publish while a gateway has not synced since voting closed or reports a backlog; --force with a reason is chained and shown', async () => {
    const { ledger, gateway, get, close, setNow } = await setup(backend);
    const a = await gateway('gw-a');
    const b = await gateway('gw-b');
    await gateway('gw-never');
    await a.push([a.f.vote('+254711000001', [1], at)]);
    await b.push([b.f.vote('+254711000002', [2], at)]);
    setNow(AFTER_CLOSE);
    await a.push([], 3); // seen after the close, but 3 events still waiting on the gateway
    const refused = ledger.publishResults('c-open');
    await expect(refused).rejects.toThrow(/gw-a: 3 events waiting, last seen 2026-12-01T09:00:00.000Z/);
    await expect(ledger.publishResults('c-open')).rejects.toThrow(/gw-b: last seen 2026-11-25T09:00:00.000Z, before voting closed/);
    await expect(ledger.publishResults('c-open')).rejects.toThrow(/gw-never: never synced/);
    await expect(ledger.publishResults('c-open', { force: { reason: '   ' } })).rejects.toThrow(/reason/);
    expect(await ledger.publishedCycles()).toEqual([]);

    const reason = 'gw-b was stolen on 28 Nov (police report 77/2026); gw-never was never deployed';
    const result = await ledger.publishResults('c-open', { force: { reason } });
    expect(result.forced).toEqual({
      reason,
      gateways: [
        { gatewayId: 'gw-a', lastSeenAt: AFTER_CLOSE.toISOString(), backlog: 3 },
        { gatewayId: 'gw-b', lastSeenAt: '2026-11-25T09:00:00.000Z', backlog: 0 },
        { gatewayId: 'gw-never', lastSeenAt: null, backlog: null },
      ],
    });
    // In the chain, as the entry after the last counted one; the chain still verifies.
    const entry = await ledger.conn.db.selectFrom('ledger_events').selectAll().orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ seq: result.throughSeq + 1, type: 'results.published', cycle_id: 'c-open' });
    expect(JSON.parse(entry.payload)).toMatchObject({ throughSeq: result.throughSeq, forced: { reason } });
    expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true, checked: result.throughSeq + 1 });
    // Shown on the page and in results.json.
    const page = (await get('/results/c-open')).bytes.toString();
    expect(page).toContain('Published without waiting for every gateway');
    expect(page).toContain('police report 77/2026');
    expect(page).toMatch(/gw-a[^<]*3 events waiting/);
    expect(JSON.parse((await get('/results/c-open/results.json')).bytes.toString()).forced.reason).toBe(reason);

    // The frozen result is what the chain says was published: an edit to it fails verification.
    await sql`UPDATE ledger_results SET result = replace(result, 'police', 'nobody')`.execute(ledger.conn.db);
    expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: false, seq: entry.seq, problem: expect.stringMatching(/published results of c-open/) });
    await close();
  });

  it('publishes without --force once every gateway has synced after the close with nothing waiting (and --force then marks nothing)', async () => {
    const { ledger, gateway, close, setNow } = await setup(backend);
    const a = await gateway('gw-a');
    await a.push([a.f.vote('+254711000001', [1], at)]);
    setNow(AFTER_CLOSE);
    await a.push([a.f.vote('+254711000002', [2], justBeforeClose)], 0);
    const result = await ledger.publishResults('c-open', { force: { reason: 'just in case' } });
    expect(result.forced).toBeUndefined();
    expect(result.turnout.total).toBe(2);
    expect(await ledger.lateBallots('c-open')).toEqual({ total: 0, byGateway: [] });
    await close();
  });
});

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

describe.each(BACKENDS)('migration 0007-publication on %s', (backend) => {
  it('gives results published before it the ballots they counted, also for a voter whose ballot a late one replaced', async () => {
    const storage = freshStorage(backend);
    const old = await rawConnection(storage);
    await migrateLedger(old as never, backend, storage.kind === 'postgres' ? storage.schema : undefined, '0004-demographics');
    const event = (seq: number, voter: string, orderedAt: string, picks: number[]) => ({
      seq,
      event_id: `e-${seq}`,
      gateway_id: 'gw-a',
      gateway_seq: seq,
      type: 'vote.cast',
      cycle_id: 'c-open',
      voter_key: voter,
      channel: 'ussd',
      captured_at: orderedAt,
      ordered_at: orderedAt,
      received_at: orderedAt,
      receipt: `R${seq}`,
      payload: JSON.stringify({ wardId: 'north', picks, receipt: `R${seq}`, replaces: null }),
      prev_hash: '',
      hash: '',
    });
    // Published through entry 2 (A and B); then A's later ballot (3) and a new voter C (4) arrived.
    const events = [
      event(1, 'voter-a', '2026-11-22T09:00:00.000Z', [1]),
      event(2, 'voter-b', '2026-11-22T09:00:00.000Z', [2]),
      event(3, 'voter-a', '2026-11-30T17:00:00.000Z', [3]),
      event(4, 'voter-c', '2026-11-30T17:00:00.000Z', [4]),
    ];
    await old.insertInto('ledger_events').values(events).execute();
    const ballot = (e: (typeof events)[number]) => ({
      cycle_id: 'c-open',
      voter_key: e.voter_key,
      event_id: e.event_id,
      ward_id: 'north',
      picks: JSON.stringify(JSON.parse(e.payload).picks),
      channel: 'ussd',
      ordered_at: e.ordered_at,
      ledger_seq: e.seq,
      age_band: null,
      gender: null,
    });
    await old
      .insertInto('ledger_ballots')
      .values([ballot(events[1]!), ballot(events[2]!), ballot(events[3]!)] as never)
      .execute(); // the table as 0004 left it
    await old
      .insertInto('ledger_results')
      .values({ cycle_id: 'c-open', published_at: '2026-12-01T09:00:00.000Z', rule: 'greedy', through_seq: 2, result: '{}' } as never)
      .execute();
    await old.destroy();

    const conn = await openLedger(storage);
    try {
      const frozen = await conn.db
        .selectFrom('ledger_published_ballots')
        .select(['voter_key', 'event_id', 'picks', 'ledger_seq'])
        .orderBy('voter_key')
        .execute();
      expect(frozen).toEqual([
        { voter_key: 'voter-a', event_id: 'e-1', picks: '[1]', ledger_seq: 1 },
        { voter_key: 'voter-b', event_id: 'e-2', picks: '[2]', ledger_seq: 2 },
      ]);
      const ledger = new Ledger(conn, () => testDeployment((r) => (r.cycles[0].phases.voting.closes = CLOSES)));
      expect(await ledger.receipt('R1')).toMatchObject({ status: 'counted' });
      expect(await ledger.receipt('R3')).toMatchObject({ status: 'late' });
      expect(await ledger.lateBallots('c-open')).toMatchObject({ total: 2 });
    } finally {
      await conn.close();
    }
  });
});

describe('open data of a cycle published before the ledger', () => {
  it('says its results come from the deployment file, not that they are unpublished', async () => {
    const { get, close } = await setup('sqlite');
    try {
      const past = await get('/results/c-past/results.csv');
      expect(past.status).toBe(404);
      expect(past.bytes.toString()).toContain(
        'The results of c-past were published on 2019-05-01, before this ledger: they come from the deployment file, and its ballots and open data are not held here.',
      );
      expect((await get('/results/c-open/results.csv')).bytes.toString()).toContain('not published yet');
    } finally {
      await close();
    }
  });
});

// A cycle counted before this ledger (its winners declared in the deployment file's `results`)
// has no ballots here: publishing it would freeze a count of none over its real winners.
const PAST_REFUSAL =
  'c-past is not published here: its results were published on 2019-05-01, before this ledger, and come from the deployment file (its `results`)';

describe.each(BACKENDS)('a cycle whose results the deployment file declares, on %s', (backend) => {
  it('is refused publication, with the day and where its results are, and nothing is written', async () => {
    const ledger = await testLedger(backend, testDeployment(), () => AFTER_CLOSE);
    try {
      const db = ledger.conn.db;
      const head = await db.selectFrom('ledger_head').select(['seq', 'hash']).executeTakeFirstOrThrow();
      const err = await ledger.publishResults('c-past').then(
        () => undefined,
        (e: unknown) => e as { code: string; message: string },
      );
      expect(err).toMatchObject({ code: 'results.historical', message: PAST_REFUSAL });
      expect(await db.selectFrom('ledger_head').select(['seq', 'hash']).executeTakeFirstOrThrow()).toEqual(head);
      expect(await db.selectFrom('ledger_results').selectAll().execute()).toEqual([]);
      expect(await db.selectFrom('ledger_published_files').selectAll().execute()).toEqual([]);
      expect(await db.selectFrom('ledger_events').select('seq').execute()).toEqual([]);
      expect(await ledger.publishedCycles()).toEqual([]);
    } finally {
      await ledger.close();
    }
  });

  it('keeps its declared winners everywhere when the database holds a publication of it made before that was refused', async () => {
    // The bogus publication as the old code made it: published while the file gave no `results`, counting no ballots.
    let file = testDeployment((r) => delete r.cycles.find((c: { id: string }) => c.id === 'c-past').results);
    const ledger = new Ledger(
      await openLedger(freshStorage(backend)),
      () => file,
      () => AFTER_CLOSE,
    );
    try {
      expect((await ledger.publishResults('c-past')).turnout.total).toBe(0);
      file = testDeployment();
      expect(await ledger.publishedCycles()).toEqual([]);
      expect((await ledger.results('c-past')).publishedAt).toBeNull();
      // Gateways get the declared winners and day (RESULTS by SMS, USSD), not the empty count.
      const past = (await ledger.publishedBallot()).ballot.cycles.find((c) => c.id === 'c-past')!;
      expect(past.results).toEqual({ published: new Date('2019-04-30T21:00:00.000Z'), selected: [31, 40] });
      // Implementation updates go to the declared winners.
      expect((await ledger.recordImplementation('c-past', { code: 31, status: 'completed', date: '2026-12-01' })).progress).toBe(100);
      // The page shows the declared winners and no turnout; the open data is still "not held here".
      const app = createLedgerApp(ledger, createLogger('silent'));
      const server = await new Promise<Server>((resolve) => {
        const s = app.listen(0, '127.0.0.1', () => resolve(s));
      });
      try {
        const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
        const page = await (await fetch(`${base}/results/c-past`)).text();
        expect(page).toContain('Selected projects, published on');
        expect(page).toContain('its ballots are not held here, so no turnout is shown');
        expect(page).toMatch(/North Ward: 31 Shelter/);
        expect(page).not.toContain('Turnout');
        const csv = await fetch(`${base}/results/c-past/results.csv`);
        expect(csv.status).toBe(404);
        expect(await csv.text()).toContain('its ballots and open data are not held here');
      } finally {
        await new Promise<void>((r) => server.close(() => r()));
      }
      // Publishing again is refused as for any declared cycle; the chain still verifies.
      await expect(ledger.publishResults('c-past')).rejects.toMatchObject({ code: 'results.historical' });
      expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true });
    } finally {
      await ledger.close();
    }
  });
});
