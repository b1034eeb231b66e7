// A real gateway syncing with a real ledger over HTTP: push, acknowledgements, the ledger down
// and back, rejected events kept for the operator, ballot download, bundles both ways.
import { request as httpRequest, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { Relay } from '../sync/relay.ts';
import { syncRound } from '../sync/sync-job.ts';
import { exportBundle, importAck } from '../sync/bundle.ts';
import { BallotCache } from '../sync/ballot.ts';
import { StandingBook } from '../sync/standing.ts';
import { importBundle, signedAckFile } from '../ledger/bundle-import.ts';
import { ledgerTrust, trustLedger } from '../sync/ledger-trust.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { verifyChain } from '../ledger/verify.ts';
import { testLedger } from './helpers/ledger.ts';
import { stringify } from 'yaml';
import { rawFixture, testDeployment } from './helpers/deployment.ts';
import { testGateway, TOKEN, ussdBody } from './helpers/gateway.ts';
import { tempDir } from './helpers/tmp.ts';
import { ledgerServer as listenLedger } from './helpers/ledger-server.ts';

const silent = createLogger('silent');
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/** A ledger on a real port, stopped after the test. */
async function ledgerServer(ledger: Ledger, port = 0, prefix = '') {
  const server = await listenLedger(ledger, port, prefix);
  closers.push(server.stop);
  return server;
}

async function vote(gw: ReturnType<typeof testGateway>, phone: string, text = '1*1*1*3*99*1') {
  const res = await request(gw.app)
    .post(`/africastalking/ussd/${TOKEN}`)
    .type('form')
    .send(ussdBody({ sessionId: `s-${phone}-${text}`, phoneNumber: phone, text }));
  expect(res.text).toMatch(/^(CON|END) Thank you/);
  return res.text.match(/Receipt: (\S+)/)![1]!;
}

async function setup(batchSize = 500, configFile?: string) {
  const gw = testGateway({ configFile });
  closers.push(async () => {
    gw.db.close();
  });
  const ledger = await testLedger('sqlite', gw.deployment);
  closers.push(() => ledger.close());
  await ledger.addGateway(gw.gatewayId, gw.identity.publicKey);
  // Registration both ways: the ledger knows the gateway's key, the gateway trusts the ledger's.
  trustLedger(gw.outbox, (await ledger.identity()).publicKey);
  const trust = () => ledgerTrust(gw.outbox, {});
  const server = await ledgerServer(ledger);
  const relay = (url = server.url) =>
    new Relay({ outbox: gw.outbox, identity: gw.identity, ledgerUrl: url, batchSize, logger: silent, timeoutMs: 2000, trust });
  return { gw, ledger, server, relay, trust };
}

const ledgerCount = async (ledger: Ledger) =>
  (
    await ledger.conn.db
      .selectFrom('ledger_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
  ).n;

describe('gateway → ledger sync', () => {
  it('pushes the outbox in sequence order and empties it only as the ledger acknowledges', async () => {
    const { gw, ledger, relay } = await setup(2);
    for (let i = 0; i < 5; i++) await vote(gw, `+25471100010${i}`);
    expect(gw.outbox.pendingCount()).toBe(5);
    const summary = await relay().pushAll();
    expect(summary).toEqual({ batches: 3, accepted: 5, duplicates: 0, rejected: 0, backlog: 0 });
    expect(gw.outbox.pendingCount()).toBe(0);
    const rows = await ledger.conn.db.selectFrom('ledger_events').select(['seq', 'gateway_seq']).orderBy('seq').execute();
    expect(rows.map((r) => r.gateway_seq)).toEqual([1, 2, 3, 4, 5]);
    const [view] = await ledger.gateways();
    expect(view).toMatchObject({ gatewayId: gw.gatewayId, accepted: 5, backlog: 0, contiguousSeq: 5 });
    expect(Math.abs(view!.clockSkewMs!)).toBeLessThan(2000);
  });

  it('tells the resident where their vote stands: waiting on this gateway, then in the city ledger', async () => {
    const { gw, relay } = await setup();
    const receipt = await vote(gw, '+254711000701');
    const myVote = async () =>
      (
        await request(gw.app)
          .post(`/africastalking/ussd/${TOKEN}`)
          .type('form')
          .send(ussdBody({ sessionId: `mine-${Math.random()}`, phoneNumber: '+254711000701', text: '3' }))
      ).text;
    expect(await myVote()).toContain(`Receipt: ${receipt}. It reaches the city ledger at the next sync.`);
    expect(gw.store.receiptState(receipt.toLowerCase().replace('-', ' '))).toEqual({ state: 'pending' });
    await relay().pushAll();
    // Acknowledged, but whether it counts is the ledger's to say: not "counted" yet.
    expect(await myVote()).toContain(`Receipt: ${receipt}. It reached the city ledger; the next sync confirms it counts.`);
    expect(gw.store.receiptState(receipt)).toEqual({ state: 'recorded' });
    expect(await relay().refreshStandings()).toEqual({ asked: 1, changed: 1 });
    expect(await myVote()).toContain(`Receipt: ${receipt}. It counts in the city ledger.`);
    expect(gw.store.receiptState(receipt)).toEqual({ state: 'counted' });
    expect(gw.store.receiptState('ZZZZZ-ZZZZZ')).toEqual({ state: 'unknown' });
  });

  it('a vote replaced here is not said to count, and is the first asked about again', async () => {
    const { gw, relay } = await setup();
    const other = await vote(gw, '+254711000702');
    const first = await vote(gw, '+254711000703');
    await relay().pushAll();
    await relay().refreshStandings();
    expect([gw.store.receiptState(other), gw.store.receiptState(first)]).toEqual([{ state: 'counted' }, { state: 'counted' }]);
    // The same resident votes again (SMS this time): their first vote no longer counts, and this
    // gateway knows it before the ledger is asked.
    const res = await request(gw.app)
      .post(`/africastalking/sms/${TOKEN}`)
      .type('form')
      .send({ from: '+254711000703', to: '22384', text: 'VOTE 1 3', id: 'sms-revote-1', date: '2026-10-15T10:00:00Z', linkId: '', networkCode: '63902' });
    expect(res.status).toBe(200);
    expect(gw.store.receiptState(first)).toEqual({ state: 'replaced', countedChannel: 'sms' });
    expect(gw.store.receiptState(other)).toEqual({ state: 'counted' });
    // Of the votes last seen counted, the replaced one is asked first, though the other was checked earlier.
    const eventOf = (receipt: string) =>
      gw.db.prepare("SELECT id FROM events WHERE type = 'vote.cast' AND payload ->> '$.receipt' = ?").pluck().get(receipt) as string;
    expect(new StandingBook(gw.db).counted(1, new Set())).toEqual([eventOf(first)]);
    await relay().pushAll();
    await relay().refreshStandings();
    expect(gw.store.receiptState(first)).toEqual({ state: 'replaced', countedChannel: 'sms' });
  });

  it('reaches a ledger published under a path prefix', async () => {
    const { gw, ledger, relay } = await setup();
    await vote(gw, '+254711000801');
    const proxied = await ledgerServer(ledger, 0, '/city/ledger');
    expect(await relay(`${proxied.url}/`).pushAll()).toMatchObject({ accepted: 1, backlog: 0 });
    expect(await syncRound(relay(proxied.url), gw.ballots, silent)).toMatchObject({ ballot: 'updated' });
  });

  it('keeps everything while the ledger is down, then delivers it exactly once', async () => {
    const { gw, ledger, server, relay } = await setup(3);
    const port = Number(new URL(server.url).port);
    await server.stop();
    for (let i = 0; i < 7; i++) await vote(gw, `+25471100020${i}`);
    await expect(relay().pushAll()).rejects.toThrow(/unreachable/);
    expect(gw.outbox.pendingCount()).toBe(7);
    expect(gw.outbox.state('last_error')).toMatch(/unreachable/);
    await ledgerServer(ledger, port);
    const summary = await relay().pushAll();
    expect(summary.accepted).toBe(7);
    expect(gw.outbox.pendingCount()).toBe(0);
    expect(gw.outbox.state('last_error')).toBe('');
    expect(await ledgerCount(ledger)).toBe(7);
    // A second round has nothing to send and stores nothing twice, but still reports in.
    const seenBefore = (await ledger.gateways())[0]!.lastSeenAt;
    await new Promise((r) => setTimeout(r, 5));
    expect((await relay().pushAll()).batches).toBe(0);
    expect(await ledgerCount(ledger)).toBe(7);
    expect((await ledger.gateways())[0]!.lastSeenAt! > seenBefore!).toBe(true);
  });

  it('treats an answer lost on the way back as a resend of duplicates, not new votes', async () => {
    const { gw, ledger, relay } = await setup();
    for (let i = 0; i < 3; i++) await vote(gw, `+25471100030${i}`);
    // The ledger stores the batch but the gateway never hears back: simulated by un-hearing it.
    const r = relay();
    await r.pushAll();
    gw.db.exec('DROP TRIGGER events_no_update');
    gw.db.exec('UPDATE events SET acked_at = NULL');
    const again = await r.pushAll();
    expect(again).toMatchObject({ accepted: 0, duplicates: 3, backlog: 0 });
    expect(await ledgerCount(ledger)).toBe(3);
  });

  it('reports a proxy error page as a refusal with its status, and keeps the events', async () => {
    const { gw, trust } = await setup();
    await vote(gw, '+254711000601');
    const proxy = express().use((_req, res) => res.status(502).type('html').send('<html>Bad Gateway</html>'));
    const server = await new Promise<Server>((resolve) => {
      const s = proxy.listen(0, '127.0.0.1', () => resolve(s));
    });
    closers.push(() => new Promise<void>((r) => server.close(() => r())));
    const relay = new Relay({
      outbox: gw.outbox,
      identity: gw.identity,
      ledgerUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
      batchSize: 10,
      logger: silent,
      timeoutMs: 2000,
      trust,
    });
    await expect(relay.pushAll()).rejects.toMatchObject({ code: 'sync.refused', retryable: true, message: expect.stringContaining('502') });
    relay.close();
    expect(gw.outbox.pendingCount()).toBe(1);
  });

  /** A proxy in front of the ledger that answers the nth POSTs of batches itself (`answer`), and forwards the rest. */
  async function meddler(ledgerUrl: string, answer: (n: number, res: express.Response) => boolean) {
    let n = 0;
    const target = new URL(ledgerUrl);
    const app = express().use((req, res) => {
      if (req.method === 'POST' && req.path === '/v1/batches' && answer(++n, res)) return;
      const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.originalUrl, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    closers.push(() => new Promise<void>((r) => server.close(() => r())));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  it('sends a batch again when the ledger is busy with another batch from this gateway (a resend beside the gateway)', async () => {
    const { gw, ledger, server, relay } = await setup(2);
    for (let i = 0; i < 4; i++) await vote(gw, `+25471100060${i}`);
    const busy = (n: number, res: express.Response) => {
      if (n > 2) return false;
      res.status(429).set('Retry-After', '0').json({ error: 'busy', message: 'a batch from this gateway is still being received' });
      return true;
    };
    const url = await meddler(server.url, busy);
    expect(await relay(url).pushAll()).toMatchObject({ batches: 2, accepted: 4, backlog: 0 });
    expect(await ledgerCount(ledger)).toBe(4);
  });

  it('a resend that stops says from which sequence number to go on, and going on from there finishes it', async () => {
    const { gw, ledger, server, relay } = await setup(2);
    for (let i = 0; i < 6; i++) await vote(gw, `+25471100070${i}`);
    await relay().pushAll();
    const seqs = gw.outbox.everything(10, 0).map((r) => r.seq);
    const failSecond = (n: number, res: express.Response) => {
      if (n !== 2) return false;
      res.status(502).type('html').send('<html>Bad Gateway</html>');
      return true;
    };
    const stopped = relay(await meddler(server.url, failSecond)).resendFrom(seqs[0]!);
    await expect(stopped).rejects.toThrow(`go on with \`sauti sync resend --from-seq ${seqs[2]}\``);
    expect(await relay().resendFrom(seqs[2]!)).toMatchObject({ batches: 2, duplicates: 4, accepted: 0 });
    expect(await ledgerCount(ledger)).toBe(6);
  });

  it('acknowledges a batch by its sequence range only when the answer names every event sent', async () => {
    const { gw } = await setup();
    for (let i = 0; i < 6; i++) await vote(gw, `+25471100050${i}`);
    const rows = gw.outbox.pending(10);
    const sent = (from: number, to: number) => ({ firstSeq: rows[from]!.seq, lastSeq: rows[to]!.seq, ids: rows.slice(from, to + 1).map((r) => r.id) });
    const at = new Date('2026-11-22T10:00:00Z');
    // All three of the first batch named, in three lists: the range goes at once.
    const whole = gw.outbox.recordAnswer(
      {
        receivedAt: at.toISOString(),
        accepted: [{ id: rows[0]!.id, ledgerSeq: 1 }],
        duplicates: [rows[1]!.id],
        rejected: [{ id: rows[2]!.id, seq: rows[2]!.seq, reason: 'not-on-ballot', detail: 'x' }],
      },
      at,
      sent(0, 2),
    );
    expect(whole).toEqual({ acknowledged: 3, rejected: 1 });
    // The second batch's answer leaves one event out: only the named ones leave the outbox.
    const partial = gw.outbox.recordAnswer(
      {
        receivedAt: at.toISOString(),
        accepted: [
          { id: rows[3]!.id, ledgerSeq: 2 },
          { id: rows[5]!.id, ledgerSeq: 3 },
        ],
        duplicates: [],
        rejected: [],
      },
      at,
      sent(3, 5),
    );
    expect(partial).toEqual({ acknowledged: 2, rejected: 0 });
    expect(gw.outbox.pending(10).map((r) => r.id)).toEqual([rows[4]!.id]);
    expect(gw.outbox.rejections().map((r) => r.event_id)).toEqual([rows[2]!.id]);
  });

  it('keeps refused events visible to the operator after they leave the outbox', async () => {
    const { gw, ledger, relay } = await setup();
    await vote(gw, '+254711000401');
    // The ledger's published ballot no longer has project 3 in north: the vote is refused there.
    const narrower = testDeployment((raw) => {
      raw.cycles[0].projects = raw.cycles[0].projects.filter((p: { code: number }) => p.code !== 3);
    });
    ledger.setBallot(() => narrower);
    const summary = await relay().pushAll();
    expect(summary).toMatchObject({ accepted: 0, rejected: 1, backlog: 0 });
    expect(gw.outbox.rejections()).toMatchObject([{ seq: 1, reason: 'not-on-ballot', detail: expect.stringContaining('project 3') }]);
    const receipt = gw.db.prepare("SELECT payload ->> '$.receipt' FROM events").pluck().get() as string;
    expect(gw.store.receiptState(receipt)).toEqual({ state: 'refused' });
  });

  it('downloads the published ballot, serves it, and keeps serving it offline after a restart', async () => {
    const { gw, ledger, server, relay } = await setup();
    const withNewProject = testDeployment((raw) => {
      raw.cycles[0].projects.push({
        code: 9,
        ward: 'north',
        cost: 700000,
        title: { en: 'Footpath', sw: 'Njia', fr: 'Sentier' },
        short: { en: 'School footpath', sw: 'Njia ya shule', fr: 'Sentier école' },
      });
    });
    ledger.setBallot(() => withNewProject);
    const round = await syncRound(relay(), gw.ballots, silent);
    expect(round.ballot).toBe('updated');
    const menu = await request(gw.app)
      .post(`/africastalking/ussd/${TOKEN}`)
      .type('form')
      .send(ussdBody({ sessionId: 'menu-1', text: '1*1*1*98' }));
    expect(menu.text).toContain('School footpath');
    // Unchanged: the ledger answers 304 and nothing is re-applied.
    expect((await syncRound(relay(), gw.ballots, silent)).ballot).toBe('unchanged');

    await server.stop();
    const offline = new BallotCache(gw.deployment, gw.outbox); // what a restarted gateway builds
    expect(offline.current().cycles[0]!.projects.some((p) => p.code === 9)).toBe(true);
    expect((await syncRound(relay(), offline, silent).catch(() => ({ ballot: 'unreachable' }))).ballot).toBe('unreachable');
    expect(offline.current().cycles[0]!.projects.some((p) => p.code === 9)).toBe(true);
  });

  it('published results reach residents: the ledger counts, publishes, the gateway downloads the winners and USSD shows them', async () => {
    const { gw, ledger, relay } = await setup();
    await vote(gw, '+254711000201', '1*1*1*3*99*1');
    await vote(gw, '+254711000202', '1*1*1*3*99*1');
    await relay().pushAll();
    // Voting closes on the ledger's copy of the ballot; then the PB team publishes.
    const closed = testDeployment((raw) => (raw.cycles[0].phases.voting.closes = new Date(Date.now() - 60_000).toISOString()));
    ledger.setBallot(() => closed);
    const published = await ledger.publishResults('c-open');
    const north = published.wards.find((w) => w.wardId === 'north')!;
    expect(north.projects.find((p) => p.code === 3)).toMatchObject({ votes: 2, selected: true });

    expect((await syncRound(relay(), gw.ballots, silent)).ballot).toBe('updated');
    expect(gw.ballots.current().cycles.find((c) => c.id === 'c-open')!.results?.selected).toEqual([3]);
    const menu = await request(gw.app)
      .post(`/africastalking/ussd/${TOKEN}`)
      .type('form')
      .send(ussdBody({ sessionId: 'res-1', phoneNumber: '+254711000201', text: '' }));
    expect(menu.text).toMatch(/\n5 Results/);
    const screen = await request(gw.app)
      .post(`/africastalking/ussd/${TOKEN}`)
      .type('form')
      .send(ussdBody({ sessionId: 'res-1', phoneNumber: '+254711000201', text: '5' }));
    // The winners name their cycle and the day it was published.
    expect(screen.text).toMatch(/^CON Open cycle results \(\d{1,2} \w{3} \d{4}\)\. Selected in North Ward:\n3 Maternity wing/);
  });

  it('a cumulative ballot keeps its repeated codes from the USSD keypad to the ledger count', async () => {
    const raw = rawFixture();
    raw.cycles[0].ballot = { rule: 'cumulative', points: 5 };
    const configFile = join(tempDir('sauti-cfg-'), 'deployment.yaml');
    writeFileSync(configFile, stringify(raw));
    const { gw, ledger, relay } = await setup(500, configFile);
    await vote(gw, '+254711000301', '1*1*1*3*3*4*99*1'); // 3 twice, 4 once
    await vote(gw, '+254711000302', '1*1*1*4*99*1');
    expect(await relay().pushAll()).toMatchObject({ accepted: 2, rejected: 0 });
    const north = (await ledger.results('c-open')).wards.find((w) => w.wardId === 'north')!;
    expect(north.projects.filter((p) => p.votes > 0).map((p) => [p.code, p.votes, p.score])).toEqual([
      [3, 1, 2],
      [4, 2, 2],
    ]);
  });

  it('refuses a downloaded ballot that does not validate and keeps the last good one', async () => {
    const { gw } = await setup();
    const before = gw.ballots.current();
    const bad = JSON.parse(JSON.stringify({ categories: before.categories, wards: before.wards, cycles: before.cycles }));
    bad.cycles[0].projects[0].ward = 'atlantis';
    const outcome = gw.ballots.apply('v-bad', bad);
    expect(outcome).toMatchObject({ ok: false, problem: expect.stringContaining("unknown ward 'atlantis'") });
    expect(gw.ballots.current()).toBe(before);
  });
});

describe('bundles for gateways with no link', () => {
  it('carries events by file, acknowledges them by file, and a second import changes nothing', async () => {
    const { gw, ledger } = await setup();
    for (let i = 0; i < 12; i++) await vote(gw, `+25471100050${String(i).padStart(2, '0')}`);
    const dir = tempDir('sauti-bundle-');
    const file = join(dir, 'gw.bundle');
    const progress: number[] = [];
    const exported = exportBundle(gw.outbox, gw.identity, file, (done) => progress.push(done));
    expect(exported).toMatchObject({ count: 12, firstSeq: 1, lastSeq: 12 });
    expect(progress.at(-1)).toBe(12);
    expect(gw.outbox.pendingCount()).toBe(12); // nothing leaves before the acknowledgement

    const first = await importBundle(ledger, file);
    expect(first.alreadyImported).toBe(false);
    expect(first.ack.accepted).toHaveLength(12);
    const second = await importBundle(ledger, file, undefined, () => new Date(Date.now() + 3_600_000)); // an hour later
    expect(second.alreadyImported).toBe(true);
    expect(second.ack.accepted).toEqual(first.ack.accepted);
    expect(second.file.equals(first.file)).toBe(true); // the same acknowledgement, byte for byte
    expect(await ledgerCount(ledger)).toBe(12);
    expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true, checked: 12 });

    // A vote cast after the export is not in the bundle: the acknowledgement leaves it in the outbox.
    await vote(gw, '+254711000599');
    const ackFile = join(dir, 'gw.ack');
    writeFileSync(ackFile, first.file);
    const trust = ledgerTrust(gw.outbox, {});
    expect(importAck(gw.outbox, gw.gatewayId, ackFile, { trust })).toMatchObject({ acknowledged: 12 });
    expect(gw.outbox.pendingCount()).toBe(1);
    expect(importAck(gw.outbox, gw.gatewayId, ackFile, { trust })).toMatchObject({ acknowledged: 0 });
    expect(gw.outbox.pendingCount()).toBe(1);
  });

  it('refuses a damaged or forged bundle before storing anything', async () => {
    const { gw, ledger } = await setup();
    for (let i = 0; i < 3; i++) await vote(gw, `+25471100060${i}`);
    const dir = tempDir('sauti-bundle-');
    const file = join(dir, 'gw.bundle');
    exportBundle(gw.outbox, gw.identity, file);
    const bytes = readFileSync(file);
    const cut = join(dir, 'cut.bundle');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    await expect(importBundle(ledger, cut)).rejects.toThrow(/signature does not match/);
    const notBundle = join(dir, 'notes.txt');
    writeFileSync(notBundle, 'hello');
    await expect(importBundle(ledger, notBundle)).rejects.toThrow(/not a Sauti bundle/);
    expect(await ledgerCount(ledger)).toBe(0);
  });

  it('refuses an acknowledgement for another gateway or a bundle it never wrote', async () => {
    const { gw, ledger } = await setup();
    const dir = tempDir('sauti-ack-');
    const trust = ledgerTrust(gw.outbox, {});
    // Signed by the trusted ledger, so what is refused is the gateway or the bundle they name.
    const ack = async (over: object) => {
      const f = join(dir, `${Math.random()}.ack`);
      writeFileSync(
        f,
        await signedAckFile(ledger, {
          sauti: 'ack',
          protocol: 1,
          gatewayId: gw.gatewayId,
          bundleId: randomUUID(),
          importedAt: new Date().toISOString(),
          accepted: [],
          duplicates: [],
          rejected: [],
          ...over,
        }),
      );
      return f;
    };
    const other = await ack({ gatewayId: 'gw-other' });
    expect(() => importAck(gw.outbox, gw.gatewayId, other, { trust })).toThrow(/acknowledges gateway gw-other/);
    const unknown = await ack({});
    expect(() => importAck(gw.outbox, gw.gatewayId, unknown, { trust })).toThrow(/did not export/);
    const junk = join(dir, 'junk.ack');
    writeFileSync(junk, 'junk');
    expect(() => importAck(gw.outbox, gw.gatewayId, junk, { trust })).toThrow(/not an acknowledgement file/);
  });
});
