// The ledger over HTTP, on SQLite and on PostgreSQL: signatures, idempotent ingest, rejections,
// sequence gaps, one ballot per voter whatever the arrival order, receipts, the hash chain.
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import { newKeyPair } from '../src/domain/protocol.ts';
import { createPrivateKey } from 'node:crypto';
import { buildBatch, type SignedBatch } from '../sync/batch.ts';
import type { GatewayIdentity } from '../sync/identity.ts';
import { verifyChain } from '../ledger/verify.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { type Backend, ledgerBackends, eventFactory, testLedger } from './helpers/ledger.ts';
import { testDeployment, withBallot } from './helpers/deployment.ts';

// PostgreSQL too when it is there (one line says so when it is not; never skipped under CI=true).
const BACKENDS = await ledgerBackends();

const silent = createLogger('silent');

function identity(gatewayId: string): GatewayIdentity {
  const { privatePem, publicKey } = newKeyPair();
  return { gatewayId, publicKey, privateKey: createPrivateKey(privatePem) };
}

async function setup(backend: Backend, ballot = testDeployment(), clock?: () => Date) {
  const ledger = await testLedger(backend, ballot, clock);
  const gw = identity('gw-a');
  await ledger.addGateway(gw.gatewayId, gw.publicKey);
  const app = createLedgerApp(ledger, silent);
  const push = (batch: SignedBatch, as: GatewayIdentity = gw) =>
    request(app)
      .post('/v1/batches')
      .set('content-type', 'application/x-ndjson')
      .set('content-encoding', 'gzip')
      .set('sauti-gateway', as.gatewayId)
      .set('sauti-signature', batch.signature)
      .send(batch.body);
  return { ledger, app, gw, push };
}

const at = (min: number) => new Date(Date.UTC(2026, 10, 22, 9, min)).toISOString();
const count = async (ledger: Ledger) =>
  (
    await ledger.conn.db
      .selectFrom('ledger_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
  ).n;

describe.each(BACKENDS)('ledger on %s', (backend) => {
  it('accepts a signed batch, numbers and chains each event, and shows the gateway', async () => {
    const { ledger, app, gw, push } = await setup(backend);
    const f = eventFactory('gw-a');
    const rows = [f.vote('+254711000001', [1, 2], at(1)), f.vote('+254711000002', [3], at(2))];
    const res = await push(buildBatch(gw, rows, 0, new Date()));
    expect(res.status).toBe(200);
    expect(res.body.accepted).toEqual([
      { id: rows[0]!.id, ledgerSeq: 1 },
      { id: rows[1]!.id, ledgerSeq: 2 },
    ]);
    expect(res.body.duplicates).toEqual([]);
    expect(res.body.rejected).toEqual([]);
    expect(res.body.gaps).toEqual([]);
    const gateways = (await request(app).get('/v1/gateways')).body.gateways;
    expect(gateways).toMatchObject([{ gatewayId: 'gw-a', accepted: 2, rejected: 0, highestSeq: 2, contiguousSeq: 2, backlog: 0 }]);
    expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true, checked: 2 });
    await ledger.close();
  });

  it('refuses unsigned, badly signed, unknown-gateway and replayed batches, storing nothing of them', async () => {
    const { ledger, app, gw, push } = await setup(backend);
    const f = eventFactory('gw-a');
    const batch = buildBatch(gw, [f.vote('+254711000001', [1], at(1))], 0, new Date());

    const unsigned = await request(app).post('/v1/batches').set('content-encoding', 'gzip').set('content-type', 'application/x-ndjson').send(batch.body);
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error).toBe('unsigned');

    const tampered = { ...batch, body: gzipSync(Buffer.from(String(batch.body.length))) };
    const bad = await push(tampered);
    expect(bad.status).toBe(403);
    expect(bad.body).toMatchObject({ error: 'bad-signature' });

    const stranger = identity('gw-x');
    const unknown = await push(buildBatch(stranger, [], 0, new Date()), stranger);
    expect(unknown.status).toBe(403);
    expect(unknown.body.error).toBe('unknown-gateway');
    expect(unknown.body.message).toContain('add-gateway');

    const other = identity('gw-a'); // same id, another key: an impostor
    const forged = await push(buildBatch(other, [f.vote('+254711000009', [1], at(1))], 0, new Date()));
    expect(forged.status).toBe(403);

    expect((await push(batch)).status).toBe(200);
    const replay = await push(batch);
    expect(replay.status).toBe(409);
    expect(replay.body.error).toBe('replayed');
    expect(await count(ledger)).toBe(1);
    await ledger.close();
  });

  it('ignores events it already holds when they come again in a new batch', async () => {
    const { ledger, gw, push } = await setup(backend);
    const f = eventFactory('gw-a');
    const rows = [f.vote('+254711000001', [1], at(1)), f.vote('+254711000002', [2], at(2))];
    await push(buildBatch(gw, rows.slice(0, 1), 1, new Date()));
    const again = await push(buildBatch(gw, rows, 0, new Date()));
    expect(again.body.duplicates).toEqual([rows[0]!.id]);
    expect(again.body.accepted.map((a: { id: string }) => a.id)).toEqual([rows[1]!.id]);
    expect(await count(ledger)).toBe(2);
    await ledger.close();
  });

  it('rejects events that break the ballot, naming why, and answers the same on a resend', async () => {
    const { ledger, app, gw, push } = await setup(backend);
    const f = eventFactory('gw-a');
    const offBallot = f.vote('+254711000001', [1, 20], at(1)); // 20 is a south project
    const tooMany = f.vote('+254711000002', [1, 2, 3, 4], at(1));
    const closed = f.vote('+254711000003', [31], at(1), { cycleId: 'c-past' });
    const noCycle = f.vote('+254711000004', [1], at(1), { cycleId: 'c-nope' });
    const malformed = {
      ...f.vote('+254711000005', [1], at(1)),
      payload: JSON.stringify({ wardId: 'north', picks: ['one'], receipt: 'ABCD1234', replaces: null }),
    };
    const good = f.vote('+254711000006', [1], at(1));
    const rows = [offBallot, tooMany, closed, noCycle, malformed, good];
    const res = await push(buildBatch(gw, rows, 0, new Date()));
    expect(res.status).toBe(200);
    const why = Object.fromEntries(res.body.rejected.map((r: { id: string; reason: string; detail: string }) => [r.id, `${r.reason}: ${r.detail}`]));
    expect(why[offBallot.id]).toMatch(/^not-on-ballot: project 20 is not on the ballot of ward 'north'/);
    expect(why[tooMany.id]).toMatch(/^ballot-rule: approval ballot allows at most 3 picks/);
    expect(why[closed.id]).toMatch(/^outside-window: .*voting window 2019-02-28T21:00:00.000Z/);
    expect(why[noCycle.id]).toMatch(/^unknown-cycle/);
    expect(why[malformed.id]).toMatch(/^malformed: payload\.picks\.0: /);
    expect(res.body.accepted.map((a: { id: string }) => a.id)).toEqual([good.id]);

    const resend = await push(buildBatch(gw, rows, 0, new Date()));
    expect(resend.body.rejected).toHaveLength(5);
    expect(resend.body.duplicates).toEqual([good.id]);
    const [view] = (await request(app).get('/v1/gateways')).body.gateways;
    expect(view.rejected).toBe(5);
    await ledger.close();
  });

  it('reports sequence gaps until the missing batch arrives', async () => {
    const { ledger, app, gw, push } = await setup(backend);
    const f = eventFactory('gw-a');
    const rows = Array.from({ length: 8 }, (_, i) => f.vote(`+2547110000${10 + i}`, [1], at(i)));
    const late = await push(buildBatch(gw, rows.slice(6), 0, new Date()));
    expect(late.body.gaps).toEqual([{ from: 1, to: 6 }]);
    const middle = await push(buildBatch(gw, rows.slice(2, 4), 0, new Date()));
    expect(middle.body.gaps).toEqual([
      { from: 1, to: 2 },
      { from: 5, to: 6 },
    ]);
    await push(buildBatch(gw, [...rows.slice(0, 2), ...rows.slice(4, 6)], 0, new Date()));
    const [view] = (await request(app).get('/v1/gateways')).body.gateways;
    expect(view).toMatchObject({ highestSeq: 8, contiguousSeq: 8, accepted: 8 });
    expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true, checked: 8 });
    await ledger.close();
  });

  for (const policy of ['replace', 'refuse'] as const) {
    it(`counts one ballot per voter across gateways (${policy}), whatever order the batches arrive in`, async () => {
      const ballot = withBallot({ rule: 'approval', min: 1, max: 3 }, policy);
      const outcomes: string[] = [];
      for (const order of [
        [0, 1, 2],
        [2, 1, 0],
        [1, 2, 0],
      ]) {
        const { ledger, gw, push } = await setup(backend, ballot);
        const gwB = identity('gw-b');
        await ledger.addGateway('gw-b', gwB.publicKey);
        const a = eventFactory('gw-a');
        const b = eventFactory('gw-b');
        const phone = '+254711000001';
        const batches = [
          buildBatch(gw, [a.vote(phone, [1], at(10))], 0, new Date()),
          buildBatch(gwB, [b.vote(phone, [2], at(5))], 0, new Date()),
          buildBatch(gw, [a.vote(phone, [3], at(20))], 0, new Date()),
        ];
        const who = [gw, gwB, gw];
        for (const i of order) expect((await push(batches[i]!, who[i])).status).toBe(200);
        const rows = await ledger.conn.db.selectFrom('ledger_ballots').selectAll().execute();
        expect(rows).toHaveLength(1);
        outcomes.push(rows[0]!.picks);
        await ledger.close();
      }
      expect(new Set(outcomes).size).toBe(1);
      expect(outcomes[0]).toBe(policy === 'replace' ? '[3]' : '[2]');
    });
  }

  it("one gateway's votes in the same millisecond: the one it applied last counts, in one batch or two, in either order", async () => {
    for (const split of ['one batch', 'in order', 'out of order'] as const) {
      const { ledger, gw, push } = await setup(backend);
      const f = eventFactory('gw-a');
      // A USSD confirm and an SMS VOTE committed in the same millisecond: the SMS came second (seq 2).
      const ussd = f.vote('+254711000001', [1], at(10));
      const sms = {
        ...f.vote('+254711000001', [2, 3], at(10)),
        channel: 'sms',
        payload: JSON.stringify({ wardId: 'north', picks: [2, 3], receipt: 'SMS0000001', replaces: ussd.id }),
      };
      if (split === 'one batch') await push(buildBatch(gw, [ussd, sms], 0, new Date()));
      else
        for (const rows of split === 'in order' ? [[ussd], [sms]] : [[sms], [ussd]]) expect((await push(buildBatch(gw, rows, 0, new Date()))).status).toBe(200);
      const rows = await ledger.conn.db.selectFrom('ledger_ballots').select(['event_id', 'channel', 'gateway_id', 'gateway_seq']).execute();
      expect(rows, split).toEqual([{ event_id: sms.id, channel: 'sms', gateway_id: 'gw-a', gateway_seq: 2 }]);
      expect(await ledger.ballotStanding([ussd.id, sms.id, '01890000-0000-7000-8000-000000000000'])).toEqual([
        { id: ussd.id, status: 'replaced', countedChannel: 'sms' },
        { id: sms.id, status: 'counted' },
        { id: '01890000-0000-7000-8000-000000000000', status: 'unknown' },
      ]);
      await ledger.close();
    }
  });

  it("a gateway whose clock stepped back: its sequence still decides against another gateway, wherever that one's batch lands", async () => {
    const outcomes: string[] = [];
    for (const order of [
      [0, 1, 2],
      [2, 0, 1],
      [0, 2, 1],
    ]) {
      const { ledger, gw, push } = await setup(backend);
      const gwB = identity('gw-b');
      await ledger.addGateway('gw-b', gwB.publicKey);
      const a = eventFactory('gw-a');
      const b = eventFactory('gw-b');
      const phone = '+254711000001';
      // gw-a's clock went back five minutes between its two votes; gw-b's vote came between them by the clocks.
      const batches = [
        buildBatch(gw, [a.vote(phone, [1], at(10))], 0, new Date()),
        buildBatch(gw, [a.vote(phone, [3], at(5))], 0, new Date()),
        buildBatch(gwB, [b.vote(phone, [2], at(7))], 0, new Date()),
      ];
      const who = [gw, gw, gwB];
      for (const i of order) expect((await push(batches[i]!, who[i])).status).toBe(200);
      const stored = await ledger.conn.db
        .selectFrom('ledger_events')
        .select(['gateway_id', 'gateway_seq', 'captured_at', 'ordered_at'])
        .orderBy('seq')
        .execute();
      // Kept as captured, ordered no earlier than the vote gw-a applied before it.
      expect(stored.find((e) => e.gateway_id === 'gw-a' && e.gateway_seq === 2)).toMatchObject({ captured_at: at(5), ordered_at: at(10) });
      outcomes.push((await ledger.conn.db.selectFrom('ledger_ballots').select('picks').executeTakeFirstOrThrow()).picks);
      await ledger.close();
    }
    expect(outcomes).toEqual(['[3]', '[3]', '[3]']);
  });

  it('answers where a batch of votes stands, and refuses a bad request naming the field', async () => {
    const { ledger, app, gw, push } = await setup(backend);
    const f = eventFactory('gw-a');
    const vote = f.vote('+254711000001', [1], at(1));
    await push(buildBatch(gw, [vote], 0, new Date()));
    const ok = await request(app)
      .post('/v1/ballots/standing')
      .send({ ids: [vote.id] });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ ballots: [{ id: vote.id, status: 'counted' }] });
    const bad = await request(app)
      .post('/v1/ballots/standing')
      .send({ ids: ['not-an-id'] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'malformed', message: expect.stringMatching(/^ids\.0: /) });
    expect((await request(app).post('/v1/ballots/standing').send({ ids: [] })).status).toBe(400);
    const notJson = await request(app).post('/v1/ballots/standing').set('content-type', 'application/json').send('{"ids": [');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toBe('malformed');
    await ledger.close();
  });

  it('answers a receipt check with its standing and never its choices', async () => {
    const { ledger, app, gw, push } = await setup(backend);
    const f = eventFactory('gw-a');
    const first = f.vote('+254711000001', [1, 2], at(1), { receipt: 'AAAA1111' });
    const second = f.vote('+254711000001', [3], at(2), { receipt: 'BBBB2222' });
    await push(buildBatch(gw, [first, second], 0, new Date()));
    const counted = await request(app).get('/v1/receipts/bbbb2222');
    expect(counted.status).toBe(200);
    expect(counted.body).toMatchObject({ found: true, receipt: 'BBBB2-222', status: 'counted', cycleId: 'c-open', ledgerSeq: 2 });
    expect(JSON.stringify(counted.body)).not.toMatch(/picks|voter|north/);
    expect((await request(app).get('/v1/receipts/AAAA1111')).body.status).toBe('replaced');
    expect((await request(app).get('/v1/receipts/bbbb%202222')).body).toMatchObject({ found: true, receipt: 'BBBB2-222' });
    // Copied from paper: O for 0 and I or L for 1, as the SMS grammar reads them (codes have no I, L, O).
    expect((await request(app).get('/v1/receipts/AAAAlIi1')).body).toMatchObject({ found: true, receipt: 'AAAA1-111', status: 'replaced' });
    expect((await request(app).get('/v1/receipts/ZZZZ9999')).status).toBe(404);
    expect((await request(app).get('/v1/receipts/no!')).status).toBe(400);
    await ledger.close();
  });

  it('records the gateway clock skew and orders capture times by the corrected clock', async () => {
    const ledgerNow = new Date('2026-11-22T10:00:00Z');
    const { ledger, app, gw, push } = await setup(backend, testDeployment(), () => ledgerNow);
    const f = eventFactory('gw-a');
    // The gateway clock runs an hour fast: its 10:30 capture happened at 09:30 ledger time.
    const row = f.vote('+254711000001', [1], '2026-11-22T10:30:00.000Z');
    const res = await push(buildBatch(gw, [row], 0, new Date('2026-11-22T11:00:00Z')));
    expect(res.body.clockSkewMs).toBe(3_600_000);
    const [view] = (await request(app).get('/v1/gateways')).body.gateways;
    expect(view.clockSkewMs).toBe(3_600_000);
    const stored = await ledger.conn.db.selectFrom('ledger_events').select(['captured_at', 'ordered_at']).executeTakeFirstOrThrow();
    expect(stored).toEqual({ captured_at: '2026-11-22T10:30:00.000Z', ordered_at: '2026-11-22T09:30:00.000Z' });
    await ledger.close();
  });

  it('verify names the first link broken by a changed or removed row', async () => {
    const { ledger, gw, push } = await setup(backend);
    const f = eventFactory('gw-a');
    await push(
      buildBatch(
        gw,
        Array.from({ length: 5 }, (_, i) => f.vote(`+25471100002${i}`, [1], at(i))),
        0,
        new Date(),
      ),
    );
    expect((await verifyChain(ledger.conn.db)).ok).toBe(true);
    await sql`UPDATE ledger_events SET payload = replace(payload, '[1]', '[2]') WHERE seq = 3`.execute(ledger.conn.db);
    expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: false, seq: 3, checked: 2, problem: expect.stringContaining('changed') });
    await sql`DELETE FROM ledger_events WHERE seq = 3`.execute(ledger.conn.db);
    expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: false, seq: 3, problem: expect.stringContaining('missing') });
    await ledger.close();
  });
});

describe('ledger batch bodies', () => {
  it('refuses a body that is not gzip or whose header lies, naming the field', async () => {
    const { ledger, gw, push } = await setup('sqlite');
    const junk = Buffer.from('not gzip at all');
    const { signBody } = await import('../src/domain/protocol.ts');
    const notGzip = await push({ body: junk, signature: signBody(gw.privateKey, 'gw-a', junk) } as SignedBatch);
    expect(notGzip.status).toBe(400);
    expect(notGzip.body.message).toContain('gzip');
    const lying = gzipSync(
      JSON.stringify({ protocol: 1, gatewayId: 'gw-a', batchId: crypto.randomUUID(), sentAt: new Date().toISOString(), backlog: 0, count: 3 }) + '\n',
    );
    const res = await push({ body: lying, signature: signBody(gw.privateKey, 'gw-a', lying) } as SignedBatch);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('header.count says 3 events but the body has 0');
    const noDate = gzipSync(JSON.stringify({ protocol: 1, gatewayId: 'gw-a', batchId: crypto.randomUUID(), backlog: 0, count: 0 }) + '\n');
    const res2 = await push({ body: noDate, signature: signBody(gw.privateKey, 'gw-a', noDate) } as SignedBatch);
    expect(res2.body.message).toMatch(/^header\.sentAt: /);
    await ledger.close();
  });
});

describe('ledger safeguards', () => {
  it('refuses a whole batch whose sequence numbers clash with what it holds, storing nothing', async () => {
    const { ledger, gw, push } = await setup('sqlite');
    await push(buildBatch(gw, [eventFactory('gw-a').vote('+254711000001', [1], at(1))], 0, new Date()));
    // A re-installed gateway with the same id numbers from 1 again.
    const clash = await push(buildBatch(gw, [eventFactory('gw-a').vote('+254711000002', [2], at(2))], 0, new Date()));
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({ error: 'seq-conflict', message: expect.stringContaining('new SAUTI_GATEWAY_ID') });
    expect(await count(ledger)).toBe(1);
    await expect(ledger.addGateway('gw-a', identity('gw-a').publicKey, { replace: true })).rejects.toThrow(/already has events up to sequence 1/);
    await ledger.close();
  });

  it('accepts SMS ideas whatever their category: the PB team reviews them', async () => {
    const { ledger, gw, push } = await setup('sqlite');
    const f = eventFactory('gw-a');
    const idea = {
      ...f.vote('+254711000001', [1], at(1)),
      type: 'proposal.submitted',
      payload: JSON.stringify({
        wardId: 'north',
        category: 'sms',
        title: 'Fix the borehole',
        description: 'Fix the borehole at Kiboko market',
        reference: 'K7T2-9QPX',
      }),
    };
    const res = await push(buildBatch(gw, [idea], 0, new Date()));
    expect(res.body.accepted).toHaveLength(1);
    await ledger.close();
  });
});
