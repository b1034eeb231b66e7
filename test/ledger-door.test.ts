// The ledger's door (issue 13 §4): what a stranger, a broken gateway or a hostile registered one
// can make the ledger hold, crash on, answer wrongly or hide. Each case was reproduced on the
// ledger before these checks.
import { createPrivateKey } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import { createLogger } from '../src/logging.ts';
import { newKeyPair, PROTOCOL_VERSION, signBody } from '../src/domain/protocol.ts';
import { buildBatch, type SignedBatch } from '../sync/batch.ts';
import type { GatewayIdentity } from '../sync/identity.ts';
import type { EventRow } from '../src/store/gateway-store.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { verifyChain } from '../ledger/verify.ts';
import { ledgerBackends, eventFactory, testLedger, type Backend } from './helpers/ledger.ts';
import { testDeployment } from './helpers/deployment.ts';
import { testGateway, TOKEN, ussdBody } from './helpers/gateway.ts';
import { Relay } from '../sync/relay.ts';
import { ledgerTrust } from '../sync/ledger-trust.ts';

// PostgreSQL too when it is there (one line says so when it is not; never skipped under CI=true).
const BACKENDS = await ledgerBackends();

const silent = createLogger('silent');

function identity(gatewayId: string): GatewayIdentity {
  const { privatePem, publicKey } = newKeyPair();
  return { gatewayId, publicKey, privateKey: createPrivateKey(privatePem) };
}

async function setup(backend: Backend = 'sqlite') {
  const ledger = await testLedger(backend, testDeployment());
  const gw = identity('gw-a');
  const gwB = identity('gw-b');
  await ledger.addGateway(gw.gatewayId, gw.publicKey);
  await ledger.addGateway(gwB.gatewayId, gwB.publicKey);
  const app = createLedgerApp(ledger, silent);
  const push = (batch: Pick<SignedBatch, 'body' | 'signature'>, as: GatewayIdentity = gw) =>
    request(app)
      .post('/v1/batches')
      .set('content-type', 'application/x-ndjson')
      .set('content-encoding', 'gzip')
      .set('sauti-gateway', as.gatewayId)
      .set('sauti-signature', batch.signature)
      .send(batch.body);
  return { ledger, app, gw, gwB, push };
}

/** A signed body from raw text: for bodies no honest gateway would build. */
function signedText(gw: GatewayIdentity, text: string): Pick<SignedBatch, 'body' | 'signature'> {
  const body = gzipSync(text);
  return { body, signature: signBody(gw.privateKey, gw.gatewayId, body) };
}

const headerLine = (gatewayId: string, count: number) =>
  JSON.stringify({ protocol: PROTOCOL_VERSION, gatewayId, batchId: crypto.randomUUID(), sentAt: new Date().toISOString(), backlog: 0, count });

const at = (min: number) => new Date(Date.UTC(2026, 10, 22, 9, min)).toISOString();
const events = async (ledger: Ledger) =>
  (
    await ledger.conn.db
      .selectFrom('ledger_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
  ).n;
const gateway = async (app: Parameters<typeof request>[0], id: string) =>
  ((await request(app).get('/v1/gateways')).body.gateways as { gatewayId: string; highestSeq: number; contiguousSeq: number }[]).find(
    (g) => g.gatewayId === id,
  )!;
const withPayload = (row: EventRow, edit: (p: Record<string, unknown>) => void): EventRow => {
  const payload = JSON.parse(row.payload) as Record<string, unknown>;
  edit(payload);
  return { ...row, payload: JSON.stringify(payload) };
};

/**
 * Starts an upload whose body stays open: the headers and `first` bytes go out, the rest never
 * comes. Resolves with the answer if the ledger gives one before the body ends, else 'no answer'.
 */
async function openUpload(port: number, headers: Record<string, string>, first: Buffer, declaredLength: number) {
  const req = http.request({ port, method: 'POST', path: '/v1/batches', headers: { ...headers, 'content-length': String(declaredLength) } });
  const answered = new Promise<{ status: number; body: { error?: string; message?: string } }>((resolve) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') }));
    });
  });
  req.on('error', () => undefined); // the ledger may close the connection after answering
  req.write(first);
  return { req, answered };
}

/** The answer, or 'no answer' if none came within a few seconds while the body was still open. */
const answerOf = <T>(p: Promise<T>) => Promise.race([p, new Promise<'no answer'>((r) => setTimeout(() => r('no answer'), 5000))]);

describe('the ledger refuses before it reads', () => {
  it('answers an unregistered gateway at once, without waiting for (or holding) its body', async () => {
    const { ledger, app } = await setup();
    const server = app.listen(0);
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const headers = { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip', 'sauti-gateway': 'gw-stranger', 'sauti-signature': 'x'.repeat(88) };
    // 16 MB announced, 64 KB sent: the ledger used to wait for (and buffer) all of it first.
    const upload = await openUpload(port, headers, Buffer.alloc(64 * 1024), 16 * 1024 * 1024);
    const answer = await answerOf(upload.answered);
    expect(answer).toMatchObject({ status: 403, body: { error: 'unknown-gateway', message: expect.stringContaining('add-gateway') } });
    upload.req.destroy();
    server.close();
    await ledger.close();
  });

  it('answers an announced body over the limit at once', async () => {
    const { ledger, app, gw } = await setup();
    const server = app.listen(0);
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const headers = { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip', 'sauti-gateway': gw.gatewayId, 'sauti-signature': 'x'.repeat(88) };
    const upload = await openUpload(port, headers, Buffer.alloc(1024), 17 * 1024 * 1024);
    expect(await answerOf(upload.answered)).toMatchObject({ status: 413, body: { error: 'too-large' } });
    upload.req.destroy();
    server.close();
    await ledger.close();
  });

  it('takes one upload per gateway at a time: a second one is refused as busy (retry later) while the first is open', async () => {
    const { ledger, app, gw, gwB, push } = await setup();
    const server = app.listen(0);
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const f = eventFactory('gw-a');
    const first = buildBatch(gw, [f.vote('+254711000001', [1], at(1))], 0, new Date());
    const headers = { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip', 'sauti-gateway': gw.gatewayId, 'sauti-signature': first.signature };
    const upload = await openUpload(port, headers, first.body.subarray(0, 10), first.body.length);
    await once(server, 'request'); // the ledger has the first upload's headers (and has taken its slot)

    const second = await push(buildBatch(gw, [f.vote('+254711000002', [2], at(2))], 0, new Date()));
    expect(second.status).toBe(429);
    expect(second.body).toMatchObject({ error: 'busy', message: expect.stringContaining('gw-a') });
    expect(second.headers['retry-after']).toBeDefined();
    // Another gateway is not held up by gw-a.
    expect((await push(buildBatch(gwB, [eventFactory('gw-b').vote('+254711000003', [3], at(3))], 0, new Date()), gwB)).status).toBe(200);

    upload.req.end(first.body.subarray(10));
    expect(await answerOf(upload.answered)).toMatchObject({ status: 200 });
    // The slot is free again once the first is answered: the refused batch goes through on retry.
    const retry = await push(buildBatch(gw, [f.vote('+254711000004', [2], at(4))], 0, new Date()));
    expect(retry.status).toBe(200);
    expect(await events(ledger)).toBe(3);
    server.close();
    await ledger.close();
  });
});

describe("the gateway's relay and a busy ledger", () => {
  it('waits out a busy refusal, and once it has tried enough keeps its events (a retryable error) for the next round', async () => {
    const gw = testGateway();
    const ledger = await testLedger('sqlite', gw.deployment);
    await ledger.addGateway(gw.gatewayId, gw.identity.publicKey);
    const server = createLedgerApp(ledger, silent).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const ussd = await request(gw.app)
      .post(`/africastalking/ussd/${TOKEN}`)
      .type('form')
      .send(ussdBody({ sessionId: 's-busy', phoneNumber: '+254711000001', text: '1*1*1*3*99*1' }));
    expect(ussd.text).toMatch(/^(CON|END) Thank you/);
    // Something else holds this gateway's slot (an earlier upload still arriving, or someone using its id).
    const held = await openUpload(port, { 'sauti-gateway': gw.gatewayId, 'sauti-signature': 'x'.repeat(88) }, Buffer.alloc(10), 1000);
    await once(server, 'request');
    const ledgerKey = (await ledger.identity()).publicKey;
    const options = {
      outbox: gw.outbox,
      identity: gw.identity,
      ledgerUrl: `http://127.0.0.1:${port}`,
      batchSize: 10,
      logger: silent,
      timeoutMs: 2000,
      trust: () => ledgerTrust(gw.outbox, { envKey: ledgerKey }),
    };
    const impatient = new Relay({ ...options, busyRetries: 1 });
    const refused = await impatient.pushAll().catch((err: unknown) => err);
    impatient.close();
    expect(refused).toMatchObject({ code: 'sync.refused', retryable: true, message: expect.stringContaining('429 busy') });
    expect(gw.outbox.pendingCount()).toBe(1);
    // A relay that waits (as every relay does, 20 times) gets through once the slot is free.
    const relay = new Relay(options);
    const pushed = relay.pushAll();
    await new Promise((r) => setTimeout(r, 1500));
    expect(gw.outbox.pendingCount()).toBe(1);
    held.req.end(Buffer.alloc(990));
    expect(await answerOf(held.answered)).toMatchObject({ status: 403 }); // answered (a bad signature): the slot is free
    expect(await pushed).toMatchObject({ accepted: 1, backlog: 0 });
    relay.close();
    server.closeAllConnections();
    server.close();
    gw.db.close();
    await ledger.close();
  });
});

describe('a gzip body is inflated off the event loop, up to 64 MB', () => {
  // 80 MB of zeros: 80 KB gzipped, past the 64 MB a batch may inflate to.
  const bomb = () => gzipSync(Buffer.alloc(80 * 1024 * 1024));

  it('refuses a body that inflates past 64 MB, storing nothing', async () => {
    const { ledger, gw, push } = await setup();
    const body = bomb();
    const res = await push({ body, signature: signBody(gw.privateKey, gw.gatewayId, body) });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'malformed', message: expect.stringContaining('64 MB') });
    expect(await events(ledger)).toBe(0);
    await ledger.close();
  });

  it('refuses a content coding it does not read (br), storing nothing, rather than reading the bytes as text', async () => {
    const { ledger, app, gw } = await setup();
    const batch = buildBatch(gw, [eventFactory(gw.gatewayId).vote('+254711000001', [1, 3], at(1))], 0, new Date());
    const text = gunzipSync(batch.body);
    const res = await request(app)
      .post('/v1/batches')
      .set('content-type', 'application/x-ndjson')
      .set('content-encoding', 'br')
      .set('sauti-gateway', gw.gatewayId)
      .set('sauti-signature', signBody(gw.privateKey, gw.gatewayId, text))
      .send(text);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'malformed', message: "Content-Encoding 'br' is not read here: send gzip or none" });
    expect(await events(ledger)).toBe(0);
    await ledger.close();
  });

  it('keeps answering meanwhile: the loop never stalls for as long as inflating it in one go takes', async () => {
    const { ledger, gw, push } = await setup();
    const body = bomb();
    const signature = signBody(gw.privateKey, gw.gatewayId, body);
    // Each measure three times, keeping the best: on a busy machine any run may be stalled by
    // something else for a while, but a stall the code causes comes back every time.
    const best = async (measure: () => Promise<number>) => {
      const runs: number[] = [];
      for (let i = 0; i < 3; i++) runs.push(await measure());
      return Math.min(...runs);
    };
    // What inflating it synchronously (as the ledger did) costs on this machine now: the stall it caused.
    const syncMs = await best(async () => {
      const t = performance.now();
      expect(() => gunzipSync(body, { maxOutputLength: 64 * 1024 * 1024 })).toThrow();
      return performance.now() - t;
    });
    // The longest the loop went without turning while the ledger took the same body.
    const stallMs = await best(async () => {
      let last = performance.now();
      let longest = 0;
      const ticker = setInterval(() => {
        const t = performance.now();
        longest = Math.max(longest, t - last);
        last = t;
      }, 1);
      const res = await push({ body, signature });
      clearInterval(ticker);
      expect(res.status).toBe(400);
      return longest;
    });
    expect(stallMs).toBeLessThan(syncMs / 2);
    await ledger.close();
  });
});

describe('a batch has at most 20,000 lines', () => {
  it('refuses more event lines than the largest sync.batchSize with 413, whatever the header says', async () => {
    const { ledger, app, gw, push } = await setup();
    const honest = await push(signedText(gw, [headerLine('gw-a', 20_001), ...Array.from({ length: 20_001 }, () => '{}')].join('\n') + '\n'));
    expect(honest.status).toBe(413);
    expect(honest.body).toMatchObject({ error: 'too-large', message: expect.stringContaining('20000') });
    // About 125,000 lines used to overflow the stack in ingest (a 500).
    const lying = await push(signedText(gw, [headerLine('gw-a', 3), ...Array.from({ length: 125_000 }, () => '{"seq":1}')].join('\n') + '\n'));
    expect(lying.status).toBe(413);
    expect((await gateway(app, 'gw-a')).highestSeq).toBe(0);
    await ledger.close();
  });

  it('stops reading 5,000,000 empty lines (5 KB gzipped) at the limit', async () => {
    const { ledger, gw, push } = await setup();
    const res = await push(signedText(gw, headerLine('gw-a', 5_000_000) + '\n'.repeat(5_000_001)));
    expect(res.status).toBe(413);
    expect(await events(ledger)).toBe(0);
    await ledger.close();
  });

  it('refuses an empty line, naming it', async () => {
    const { ledger, gw, push } = await setup();
    const f = eventFactory('gw-a');
    const { eventLine } = await import('../sync/batch.ts');
    const res = await push(signedText(gw, [headerLine('gw-a', 2), eventLine(f.vote('+254711000001', [1], at(1))), ''].join('\n') + '\n'));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'malformed', message: 'line 3 is empty: every line after the header is one event' });
    expect(await events(ledger)).toBe(0);
    await ledger.close();
  });
});

describe.each(BACKENDS)('sequence numbers and event ids on %s', (backend) => {
  it('takes only positive safe integers as sequence numbers: 1e300 cannot poison the highest one', async () => {
    const { ledger, app, gw, push } = await setup(backend);
    const f = eventFactory('gw-a');
    const good = f.vote('+254711000001', [1], at(1));
    const huge = { ...f.vote('+254711000002', [1], at(2)), payload: '{"wardId":"north"}' }; // malformed, so only its seq is read
    const { eventLine } = await import('../sync/batch.ts');
    const res = await push(
      signedText(
        gw,
        [
          headerLine('gw-a', 3),
          eventLine(good),
          eventLine(huge).replace('"seq":2', '"seq":1e300'),
          eventLine(f.vote('+254711000003', [1], at(3))).replace('"seq":3', '"seq":9007199254740993'),
        ].join('\n') + '\n',
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body.rejected).toHaveLength(2);
    expect(res.body.rejected.map((r: { seq: number | null }) => r.seq)).toEqual([null, null]);
    expect(res.body.rejected[1].detail).toMatch(/^seq: /);
    expect(await gateway(app, 'gw-a')).toMatchObject({ highestSeq: 1, contiguousSeq: 1 });
    // The gateway's numbering carries on normally.
    expect((await push(buildBatch(gw, [f.vote('+254711000004', [1], at(4))], 0, new Date()))).status).toBe(200);
    expect(await gateway(app, 'gw-a')).toMatchObject({ highestSeq: 4 });
    await ledger.close();
  });

  it('answers two new events with one sequence number in a batch seq-conflict, storing nothing', async () => {
    const { ledger, gw, push } = await setup(backend);
    const a = eventFactory('gw-a').vote('+254711000001', [1], at(1));
    const b = { ...eventFactory('gw-a').vote('+254711000002', [2], at(2)) }; // seq 1 too
    const res = await push(buildBatch(gw, [a, b], 0, new Date()));
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'seq-conflict', message: expect.stringContaining('sequence number 1') });
    expect(await events(ledger)).toBe(0);
    await ledger.close();
  });

  it("never answers another gateway's event id, or the same id with other content, as a duplicate", async () => {
    const { ledger, gw, gwB, push } = await setup(backend);
    const real = eventFactory('gw-a').vote('+254711000001', [1], at(1));
    // gw-b, registered but hostile, learnt the id (a bundle is readable) and sends it first.
    const stolen = { ...eventFactory('gw-b').vote('+254711000009', [2], at(1)), id: real.id };
    expect((await push(buildBatch(gwB, [stolen], 0, new Date()), gwB)).body.accepted).toHaveLength(1);
    const res = await push(buildBatch(gw, [real], 0, new Date()));
    expect(res.body.duplicates).toEqual([]);
    expect(res.body.rejected).toEqual([{ id: real.id, seq: 1, reason: 'id-conflict', detail: expect.stringContaining('another gateway') }]);
    // gw-b's resend of its own event is still a duplicate.
    expect((await push(buildBatch(gwB, [stolen], 0, new Date()), gwB)).body.duplicates).toEqual([real.id]);

    // The same gateway, the same id, other content (here: other picks) is no duplicate either.
    const mine = eventFactory('gw-a', 2).vote('+254711000002', [1], at(2));
    expect((await push(buildBatch(gw, [mine], 0, new Date()))).body.accepted).toHaveLength(1);
    const altered = withPayload(mine, (p) => (p.picks = [2]));
    const again = await push(buildBatch(gw, [altered], 0, new Date()));
    expect(again.body.rejected).toEqual([{ id: mine.id, seq: 2, reason: 'id-conflict', detail: expect.stringContaining('other content') }]);
    // The very same event again is a duplicate, as before.
    expect((await push(buildBatch(gw, [mine], 0, new Date()))).body.duplicates).toEqual([mine.id]);
    expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true, checked: 2 });
    await ledger.close();
  });

  it("does not answer a gateway's event with another gateway's earlier rejection of that id", async () => {
    const { ledger, gw, gwB, push } = await setup(backend);
    const real = eventFactory('gw-a').vote('+254711000001', [1], at(1));
    const junk = { ...eventFactory('gw-b').vote('+254711000009', [1], at(1)), id: real.id, payload: '{"wardId":"north"}' };
    expect((await push(buildBatch(gwB, [junk], 0, new Date()), gwB)).body.rejected[0]).toMatchObject({ reason: 'malformed' });
    const res = await push(buildBatch(gw, [real], 0, new Date()));
    expect(res.body.accepted).toEqual([{ id: real.id, ledgerSeq: 1 }]);
    await ledger.close();
  });
});

describe('every payload field has a bound', () => {
  it('refuses an oversized or ill-formed field, naming it', async () => {
    const { ledger, gw, push } = await setup();
    const f = eventFactory('gw-a');
    const huge = withPayload(f.vote('+254711000001', [1], at(1)), (p) => (p.replaces = 'x'.repeat(10_000)));
    const notAnId = withPayload(f.vote('+254711000002', [1], at(2)), (p) => (p.replaces = 'the one before'));
    const longTime = { ...f.vote('+254711000003', [1], at(3)), captured_at: `2026-11-22T09:03:00.${'0'.repeat(100)}Z` };
    const dashes = withPayload(f.vote('+254711000004', [1], at(4)), (p) => (p.receipt = '----'));
    const longLine = {
      ...f.vote('+254711000005', [1], at(5)),
      type: 'proposal.submitted',
      payload: JSON.stringify({
        wardId: 'north',
        category: 'sms',
        title: 'Fix',
        description: 'é'.repeat(2000),
        reference: 'K7T2-9QPX',
        junk: 'x'.repeat(40_000),
      }),
    };
    const ok = withPayload(f.vote('+254711000006', [1], at(6)), (p) => (p.replaces = huge.id));
    const res = await push(buildBatch(gw, [huge, notAnId, longTime, dashes, longLine, ok], 0, new Date()));
    expect(res.status).toBe(200);
    const why = Object.fromEntries(res.body.rejected.map((r: { id: string; detail: string }) => [r.id, r.detail]));
    expect(why[huge.id]).toMatch(/^payload\.replaces: /);
    expect(why[notAnId.id]).toMatch(/^payload\.replaces: /);
    expect(why[longTime.id]).toMatch(/^capturedAt: /);
    expect(why[dashes.id]).toMatch(/^payload\.receipt: /);
    // A line past the bound is not even parsed (so its id is unknown).
    expect(why['']).toBe('event: the line is longer than 16384 characters');
    expect(why[longLine.id]).toBeUndefined();
    expect(res.body.accepted.map((a: { id: string }) => a.id)).toEqual([ok.id]);
    await ledger.close();
  });
});

describe('receipts that collide', () => {
  it('keeps both ballots with one receipt code verifiable, each with its own standing', async () => {
    const { ledger, app, gw, gwB, push } = await setup();
    const a = eventFactory('gw-a');
    const b = eventFactory('gw-b');
    // Two voters on two gateways drew the same code; the second voter then voted again.
    const first = a.vote('+254711000001', [1], at(1), { receipt: 'P3HTS-QEME4' });
    const second = b.vote('+254711000002', [2], at(2), { receipt: 'P3HTSQEME4' });
    const later = b.vote('+254711000002', [3], at(3), { receipt: 'ZZZZZ-11111' });
    await push(buildBatch(gw, [first], 0, new Date()));
    await push(buildBatch(gwB, [second, later], 0, new Date()), gwB);
    const res = await request(app).get('/v1/receipts/p3hts-qeme4');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ found: true, receipt: 'P3HTS-QEME4', status: 'counted', ledgerSeq: 1 });
    expect(res.body.matches).toEqual([
      expect.objectContaining({ ledgerSeq: 1, status: 'counted', cycleId: 'c-open' }),
      expect.objectContaining({ ledgerSeq: 2, status: 'replaced', cycleId: 'c-open' }),
    ]);
    expect(JSON.stringify(res.body)).not.toMatch(/picks|voter|north/);
    expect((await request(app).get('/v1/receipts/ZZZZZ11111')).body.matches).toHaveLength(1);
    await ledger.close();
  });
});

describe.each(BACKENDS)('hostile text in a malformed line on %s', (backend) => {
  it('stores and answers the rejection of a line with NUL characters in its id or a key, never a 500', async () => {
    const { ledger, gw, push } = await setup(backend);
    const f = eventFactory('gw-a');
    const badKey = withPayload(f.vote('+254711000001', [1], at(1)), (p) => (p['x\u0000y'] = 1));
    const badId = { ...f.vote('+254711000002', [1], at(2)), id: 'id\u0000' };
    const res = await push(buildBatch(gw, [badKey, badId], 0, new Date()));
    expect(res.status).toBe(200);
    expect(res.body.rejected.map((r: { reason: string }) => r.reason)).toEqual(['malformed', 'malformed']);
    await ledger.close();
  });
});
