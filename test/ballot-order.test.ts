// Gateway and ledger agree on which of a voter's ballots counts, and the resident is told what
// the ledger says: real gateways (SQLite files, express apps) syncing with a real ledger over HTTP.
import { createServer, type Server } from 'node:http';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { voterKey } from '../src/domain/voter.ts';
import { Relay } from '../sync/relay.ts';
import { ledgerTrust } from '../sync/ledger-trust.ts';
import { syncRound } from '../sync/sync-job.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { ledgerKeyFor, testLedger } from './helpers/ledger.ts';
import { ledgerServer } from './helpers/ledger-server.ts';
import { NOW } from './helpers/deployment.ts';
import { SECRET, testGateway, TOKEN, ussdBody } from './helpers/gateway.ts';

const silent = createLogger('silent');
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

type Gw = ReturnType<typeof testGateway>;

async function serve(ledger: Ledger): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = await ledgerServer(ledger);
  closers.push(server.stop);
  return server;
}

/** A gateway on its own clock, registered with the ledger, with its relay (also used by CHECK). */
async function gateway(ledger: Ledger, url: string, id: string, clock: () => Date) {
  const gw = testGateway({ clock, env: { SAUTI_GATEWAY_ID: id } });
  closers.push(() => void gw.db.close());
  await ledger.addGateway(gw.gatewayId, gw.identity.publicKey);
  const ledgerKey = (await ledger.identity()).publicKey;
  const relay = new Relay({
    outbox: gw.outbox,
    identity: gw.identity,
    ledgerUrl: url,
    batchSize: 500,
    logger: silent,
    timeoutMs: 2000,
    clock,
    trust: () => ledgerTrust(gw.outbox, { envKey: ledgerKey }),
  });
  closers.push(() => relay.close());
  gw.ledgerLink.receipt = (code) => relay.receipt(code, 2000);
  return { gw, sync: () => syncRound(relay, gw.ballots, silent) };
}

const ussd = (gw: Gw, phone: string, session: string, text: string) =>
  request(gw.app)
    .post(`/africastalking/ussd/${TOKEN}`)
    .type('form')
    .send(ussdBody({ sessionId: session, phoneNumber: phone, text }))
    .then((r) => r.text);
let messageId = 0;
const smsIn = (gw: Gw, phone: string, text: string) =>
  request(gw.app)
    .post(`/africastalking/sms/${TOKEN}`)
    .type('form')
    .send({ id: `m-${messageId++}`, from: phone, to: '22384', text, date: '2026-11-22 09:00:00' });
/** The last SMS reply queued for this phone. */
const lastReply = (gw: Gw, phone: string) =>
  gw.db.prepare('SELECT body FROM sms_outbound WHERE voter_key = ? ORDER BY id DESC LIMIT 1').pluck().get(voterKey(phone, SECRET)) as string;
/** USSD "My vote" (menu 3), choosing English first when the gateway does not know the phone's language. */
async function myVote(gw: Gw, phone: string): Promise<string> {
  const session = `mine-${messageId++}`;
  const first = await ussd(gw, phone, session, '');
  if (!first.includes('Choose language')) return ussd(gw, phone, session, '3');
  await ussd(gw, phone, session, '1');
  return ussd(gw, phone, session, '1*3');
}
const receiptOf = (text: string) => text.match(/Receipt:? ([0-9A-Z]{5}-[0-9A-Z]{5})/)![1]!;

const counted = async (ledger: Ledger, phone: string) =>
  ledger.conn.db
    .selectFrom('ledger_ballots')
    .select(['event_id', 'channel'])
    .where('voter_key', '=', await ledgerKeyFor(ledger, voterKey(phone, SECRET)))
    .executeTakeFirstOrThrow();
const current = (gw: Gw, phone: string) =>
  gw.db.prepare('SELECT event_id, channel FROM ballots WHERE voter_key = ?').get(voterKey(phone, SECRET)) as { event_id: string; channel: string };
const CHANNEL = { ussd: 'USSD', sms: 'SMS' } as Record<string, string>;

describe('one ballot order for gateway and ledger', () => {
  it('a USSD confirm and an SMS VOTE from one phone in the same millisecond: gateway, ledger and the resident agree, for every voter', async () => {
    const ledger = await testLedger('sqlite', testGateway().deployment);
    closers.push(() => ledger.close());
    const { url } = await serve(ledger);
    const { gw, sync } = await gateway(ledger, url, 'gw-race', () => NOW);
    const phones = Array.from({ length: 40 }, (_, i) => `+2547110${String(i).padStart(5, '0')}`);
    // Each resident reaches the USSD confirm screen (language, Vote, North Ward, project 3, Done)...
    for (const phone of phones) expect(await ussd(gw, phone, `s-${phone}`, '1*1*1*3*99')).toMatch(/^CON /);
    // ...then confirms and texts VOTE 3 4 at once; the gateway's clock gives both the same millisecond.
    const told = await Promise.all(
      phones.map(async (phone) => {
        const [screen] = await Promise.all([ussd(gw, phone, `s-${phone}`, '1*1*1*3*99*1'), smsIn(gw, phone, 'VOTE 3 4').expect(200)]);
        return { phone, ussd: screen, sms: lastReply(gw, phone) };
      }),
    );
    const captured = gw.db.prepare("SELECT DISTINCT captured_at FROM events WHERE type = 'vote.cast'").pluck().all();
    expect(captured).toEqual([NOW.toISOString()]);
    expect((await sync()).standing).toMatchObject({ asked: 80 });

    for (const { phone, ussd: screen, sms } of told) {
      const here = current(gw, phone);
      const there = await counted(ledger, phone);
      // The gateway's current ballot is the one the ledger counts...
      expect(there.event_id, phone).toBe(here.event_id);
      // ...and it is the one the resident was told replaces the other.
      const replacing = screen.includes('It replaces your earlier vote') ? 'ussd' : 'sms';
      expect(replacing === 'sms' ? sms : screen, phone).toMatch(/replaces your earlier vote/);
      expect(there.channel, phone).toBe(replacing);
    }
    // What the resident is shown now follows the ledger: a handful, asked by USSD and SMS.
    for (const { phone, ussd: screen, sms } of told.slice(0, 6)) {
      const winner = current(gw, phone).channel;
      expect(await myVote(gw, phone)).toContain('It counts in the city ledger.');
      const replacedReceipt = winner === 'sms' ? receiptOf(screen) : receiptOf(sms);
      await smsIn(gw, phone, `CHECK ${replacedReceipt}`).expect(200);
      expect(lastReply(gw, phone)).toBe(`Receipt ${replacedReceipt} no longer counts: a later vote by ${CHANNEL[winner]} replaced it.`);
      expect(lastReply(gw, phone)).not.toContain('in the city ledger');
    }
  }, 120_000);

  for (const first of ['ahead', 'behind'] as const) {
    it(`one phone on two gateways with skewed clocks, the gateway ${first} of the ledger's clock syncing first: both say which vote counts`, async () => {
      // Real time as the ledger sees it; gw-ahead's clock runs an hour fast, gw-behind's 10 minutes slow.
      let now = NOW.getTime();
      const ledger = await testLedger('sqlite', testGateway().deployment, () => new Date(now));
      closers.push(() => ledger.close());
      const { url } = await serve(ledger);
      const ahead = await gateway(ledger, url, 'gw-ahead', () => new Date(now + 3_600_000));
      const behind = await gateway(ledger, url, 'gw-behind', () => new Date(now - 600_000));
      const phone = '+254711000777';
      // First by USSD on the fast gateway, two minutes later by SMS on the slow one: by their own
      // clocks the SMS came 72 minutes earlier; corrected, it came last and counts.
      const firstReceipt = receiptOf(await ussd(ahead.gw, phone, 's-ahead', '1*1*1*3*99*1'));
      now += 120_000;
      await smsIn(behind.gw, phone, 'VOTE 2 5').expect(200);
      const secondReceipt = receiptOf(lastReply(behind.gw, phone));

      const [one, two] = first === 'ahead' ? [ahead, behind] : [behind, ahead];
      await one.sync();
      now += 1000;
      await two.sync();
      await one.sync(); // the gateway that synced first learns its vote was replaced meanwhile
      expect((await counted(ledger, phone)).event_id).toBe(current(behind.gw, phone).event_id);

      expect(await myVote(ahead.gw, phone)).toContain('It no longer counts: a later vote by SMS replaced it.');
      expect(await myVote(ahead.gw, phone)).not.toContain('in the city ledger');
      expect(await myVote(behind.gw, phone)).toContain('It counts in the city ledger.');
      await smsIn(behind.gw, phone, 'RECEIPT').expect(200);
      expect(lastReply(behind.gw, phone)).toContain('It counts in the city ledger.');
      // CHECK of the other gateway's receipt asks the ledger.
      await smsIn(behind.gw, phone, `CHECK ${firstReceipt}`).expect(200);
      expect(lastReply(behind.gw, phone)).toBe(`Receipt ${firstReceipt} no longer counts: a later vote by SMS replaced it.`);
      await smsIn(ahead.gw, phone, `CHECK ${secondReceipt}`).expect(200);
      expect(lastReply(ahead.gw, phone)).toBe(`Receipt ${secondReceipt} counts in the city ledger.`);
    }, 60_000);
  }

  it('a gateway that syncs after the other: the vote counted first is shown replaced once the later one arrives; offline, a foreign receipt cannot be checked', async () => {
    let now = NOW.getTime();
    const ledger = await testLedger('sqlite', testGateway().deployment, () => new Date(now));
    closers.push(() => ledger.close());
    const server = await serve(ledger);
    const early = await gateway(ledger, server.url, 'gw-early', () => new Date(now));
    const late = await gateway(ledger, server.url, 'gw-late', () => new Date(now));
    const phone = '+254711000888';
    const firstReceipt = receiptOf(await ussd(early.gw, phone, 's-early', '1*1*1*3*99*1'));
    await early.sync();
    expect(await myVote(early.gw, phone)).toContain('It counts in the city ledger.');

    now += 60_000;
    const lateReceipt = receiptOf(await ussd(late.gw, phone, 's-late', '1*1*1*4*99*1'));
    expect(await myVote(late.gw, phone)).toContain('It reaches the city ledger at the next sync.');
    now += 3_600_000; // the late gateway only syncs an hour later
    await late.sync();
    expect(await myVote(early.gw, phone)).toContain('It counts in the city ledger.'); // not asked again yet
    await early.sync();
    expect(await myVote(early.gw, phone)).toContain('It no longer counts: a later vote by USSD replaced it.');
    expect(await myVote(late.gw, phone)).toContain('It counts in the city ledger.');
    await smsIn(early.gw, phone, `CHECK ${firstReceipt}`).expect(200);
    expect(lastReply(early.gw, phone)).toBe(`Receipt ${firstReceipt} no longer counts: a later vote by USSD replaced it.`);

    // The ledger out of reach: the early gateway answers its own receipts from what it last heard,
    // and says plainly that it cannot check one it did not issue.
    await server.stop();
    await smsIn(early.gw, phone, `CHECK ${firstReceipt}`).expect(200);
    expect(lastReply(early.gw, phone)).toContain('no longer counts');
    await smsIn(early.gw, phone, `CHECK ${lateReceipt}`).expect(200);
    expect(lastReply(early.gw, phone)).toBe(
      `Receipt ${lateReceipt} was not issued here, and the city ledger cannot be reached to check it now. Please try again later.`,
    );
  }, 60_000);

  it('a stranger on the link cannot tell a resident their vote counts: unsigned standing and receipt answers are not believed', async () => {
    const now = NOW.getTime();
    const ledger = await testLedger('sqlite', testGateway().deployment, () => new Date(now));
    closers.push(() => ledger.close());
    const real = await serve(ledger);
    // In front of the real ledger: batches pass through untouched, but every other answer comes
    // back as "counted" without the ledger's signature, as a fake server on the path would send it.
    let lie = false;
    const proxy = await new Promise<Server>((resolve) => {
      const s = createServer(async (req, res) => {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const upstream = await fetch(`${real.url}${req.url}`, {
          method: req.method,
          headers: req.headers as Record<string, string>,
          body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
        });
        const body = Buffer.from(await upstream.arrayBuffer());
        const forged = lie && !req.url!.startsWith('/v1/batches') && !req.url!.startsWith('/v1/ballot?') && req.url !== '/v1/ballot';
        if (!forged) {
          res.writeHead(upstream.status, Object.fromEntries([...upstream.headers].filter(([k]) => k !== 'content-encoding' && k !== 'content-length')));
          return res.end(body);
        }
        const json = JSON.parse(body.toString('utf8')) as { ballots?: { id: string }[] };
        const fake = json.ballots ? { ballots: json.ballots.map((b) => ({ id: b.id, status: 'counted' })) } : { ...json, status: 'counted' };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(fake));
      }).listen(0, '127.0.0.1', () => resolve(s));
    });
    closers.push(
      () =>
        new Promise<void>((r) => {
          proxy.closeAllConnections();
          proxy.close(() => r());
        }),
    );
    const url = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
    const a = await gateway(ledger, url, 'gw-a', () => new Date(now));
    const b = await gateway(ledger, real.url, 'gw-b', () => new Date(now + 60_000));
    const phone = '+254711000777';
    // b's vote is the later one (its clock is a minute ahead) and reaches the ledger first.
    const secondReceipt = receiptOf(await ussd(b.gw, phone, 's-b', '1*1*1*4*99*1'));
    await b.sync();
    const firstReceipt = receiptOf(await ussd(a.gw, phone, 's-a', '1*1*1*3*99*1'));
    lie = true;
    const round = await a.sync();
    expect(round.push.accepted).toBe(1); // the batch itself went through, signed
    expect(round.standing).toBeNull(); // the forged standing answer was refused, not recorded
    expect(await myVote(a.gw, phone)).not.toContain('It counts in the city ledger.');
    await smsIn(a.gw, phone, `CHECK ${secondReceipt}`).expect(200);
    expect(lastReply(a.gw, phone)).not.toMatch(/counts in the city ledger/);
    // The truth, once the link is honest again.
    lie = false;
    await a.sync();
    expect(await myVote(a.gw, phone)).toContain('It no longer counts: a later vote by USSD replaced it.');
    await smsIn(a.gw, phone, `CHECK ${firstReceipt}`).expect(200);
    expect(lastReply(a.gw, phone)).toBe(`Receipt ${firstReceipt} no longer counts: a later vote by USSD replaced it.`);
  }, 60_000);
});
