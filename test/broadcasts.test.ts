// Broadcasts from the console: a coordinator writes a text per language for an audience,
// previews its encoding and segments (nothing saved), sends it (one audit entry and one notice in
// the chain); each gateway downloading the notice feed queues it once to the numbers it holds, in
// each resident's language, never to a number that sent STOP, and never twice however often the
// feed is downloaded. Role boundaries and CSRF hold; `ledger verify` catches a changed broadcast.
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { phoneSeal } from '../src/domain/phone-seal.ts';
import { voterKey } from '../src/domain/voter.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import { syncRound } from '../sync/sync-job.ts';
import { verifyChain } from '../ledger/verify.ts';
import { ledgerBackends, testLedger, type Backend } from './helpers/ledger.ts';
import { connectedRelay } from './helpers/ledger-server.ts';
import { testDeployment } from './helpers/deployment.ts';
import { SECRET, testGateway, textGateway } from './helpers/gateway.ts';
import { csrfOf, seedProposals, seedTeam, signIn } from './helpers/console.ts';
import { broadcastPrice } from '../console/broadcasts.ts';

const silent = createLogger('silent');
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

const SW_PROPOSER = '+254711000501';
const FR_PROPOSER = '+254711000502';
const STOPPED = '+254711000503';
const SOUTH = '+254711000504';
const TEXT = {
  'text.en': 'Thank you for your ideas. The ballot opens on 1 November.',
  'text.sw': 'Asante kwa mawazo yenu. Kura itafunguliwa tarehe 1 Novemba.',
  'text.fr': 'Merci pour vos idées. Le vote ouvre le 1er novembre.',
};

async function setup(backend: Backend) {
  const d = testDeployment();
  const ledger = await testLedger(backend, d);
  closers.push(() => ledger.close());
  const gw = testGateway();
  closers.push(async () => {
    gw.db.close();
  });
  const { relay, stop } = await connectedRelay(gw, ledger);
  closers.push(stop);
  const round = () => syncRound(relay, gw.ballots, silent, gw.implementation, gw.notices);
  let n = 0;
  const text = (from: string, body: string) => textGateway(gw, from, body, `bc-${n++}`);
  const sent = () =>
    gw.db.prepare("SELECT voter_key, body, kind, provider FROM sms_outbound WHERE source_ref LIKE 'broadcast:notice-%' ORDER BY id").all() as {
      voter_key: string;
      body: string;
      kind: string;
      provider: string;
    }[];
  const app = createLedgerApp(ledger, silent);
  await seedTeam(ledger);
  const agent = async (role: string) => {
    const a = request.agent(app);
    await signIn(a, role);
    return a;
  };
  const chain = async () => ({
    events: Number(
      (
        await ledger.conn.db
          .selectFrom('ledger_events')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
    notices: Number(
      (
        await ledger.conn.db
          .selectFrom('ledger_notices')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
  });
  return { d, ledger, gw, round, text, sent, app, agent, chain };
}

const key = (phone: string) => voterKey(phone, SECRET);

describe.each(await ledgerBackends())('broadcasts from the console (%s)', (backend) => {
  it('role boundaries, CSRF, a preview that saves nothing; sent → queued once per proposer in their language, STOP honoured, never twice; verify catches a change', async () => {
    const { ledger, gw, round, text, sent, app, agent, chain } = await setup(backend);
    await round();
    await text(SW_PROPOSER, 'WAZO Wadi ya Kaskazini rekebisha kisima cha soko la Kiboko');
    await text(SW_PROPOSER, 'WAZO Wadi ya Kaskazini taa za barabara ya shule');
    await text(FR_PROPOSER, 'IDEE Quartier Nord eclairer le chemin de l ecole');
    await text(STOPPED, 'IDEA North Ward a bench at the bus stop');
    await text(STOPPED, 'STOP');
    await text(SOUTH, 'IDEA South Ward repair the south market roof');
    expect(await round()).toMatchObject({ notices: { stored: 0, queued: 0 } });

    // Signed out: nothing but the sign-in page.
    expect((await request(app).get('/console/broadcasts')).status).toBe(303);
    expect((await request(app).get('/console/broadcasts/preview')).status).toBe(303);
    // A reviewer and an auditor read the list, without the form, and may neither preview nor send.
    for (const role of ['reviewer', 'auditor']) {
      const a = await agent(role);
      const list = await a.get('/console/broadcasts');
      expect(list.status).toBe(200);
      expect(list.text).not.toContain('action="/console/broadcasts/preview"');
      expect((await a.get('/console/broadcasts/preview').query({ cycle: 'c-open', audience: 'proposers', ward: 'north', ...TEXT })).status).toBe(403);
      const csrf = csrfOf(list.text);
      expect(
        (
          await a
            .post('/console/broadcasts')
            .type('form')
            .send({ _csrf: csrf, cycle: 'c-open', audience: 'proposers', ...TEXT })
        ).status,
      ).toBe(403);
    }
    // An admin may preview too; the page speaks the operator's language.
    const admin = await agent('admin');
    expect((await admin.get('/console/broadcasts/preview').query({ cycle: 'c-open', audience: 'followers', ...TEXT })).text).toContain(
      'The ledger has no estimate of this audience',
    );
    const adminCsrf = csrfOf((await admin.get('/console/broadcasts')).text);
    await admin.post('/console/language').type('form').send({ _csrf: adminCsrf, lang: 'sw', back: '/console/broadcasts' });
    const sw = await admin.get('/console/broadcasts');
    expect(sw.text).toContain('<h1>Matangazo</h1>');
    expect(sw.text).toContain('Waliopendekeza mawazo katika mzunguko');
    const coordinator = await agent('coordinator');
    // From here (signed in: sign-ins are audit entries too), only Send adds to the chain.
    const before = await chain();
    expect(before.notices).toBe(0);
    const page = await coordinator.get('/console/broadcasts');
    expect(page.text).toContain('action="/console/broadcasts/preview"');
    expect(page.text).toContain('Everyone who voted cannot be chosen');
    expect(page.text).not.toContain('<script');
    // A missing language is named; a text with a character outside GSM-7 shows UCS-2.
    const missing = await coordinator
      .get('/console/broadcasts/preview')
      .query({ cycle: 'c-open', audience: 'proposers', ward: 'north', ...TEXT, 'text.sw': '' });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('text.sw');
    const bad = await coordinator.get('/console/broadcasts/preview').query({ cycle: 'c-open', audience: 'voters', ...TEXT });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('audience must be one of proposers, followers');
    const preview = await coordinator
      .get('/console/broadcasts/preview')
      .query({ cycle: 'c-open', audience: 'proposers', ward: 'north', ...TEXT, 'text.en': 'Ballot opens ✓ soon' });
    expect(preview.status).toBe(200);
    expect(preview.text).toMatch(/<td>GSM-7<\/td><td>1<\/td>/);
    expect(preview.text).toMatch(/<td>UCS-2<\/td><td>1<\/td>/);
    expect(preview.text).toContain('only known on gateways');
    // The ledger's estimate: the north ward's ideas (four, from three numbers), labelled as an upper bound.
    expect(preview.text).toContain('at most 4 proposers');
    expect(await chain()).toEqual(before);

    // Sending needs the session's CSRF token.
    const csrf = csrfOf(preview.text);
    expect(
      (
        await coordinator
          .post('/console/broadcasts')
          .type('form')
          .send({ cycle: 'c-open', audience: 'proposers', ward: 'north', ...TEXT })
      ).status,
    ).toBe(403);
    expect(await chain()).toEqual(before);
    // The preview's form as a browser sends it: with the page's own send id.
    const sendId = preview.text.match(/name="send" value="([0-9a-f-]{36})"/)?.[1];
    expect(sendId).toBeDefined();
    const form = { _csrf: csrf, send: sendId!, cycle: 'c-open', audience: 'proposers', ward: 'north', ...TEXT };
    const send = await coordinator.post('/console/broadcasts').type('form').send(form);
    expect(send.status).toBe(303);
    expect(send.headers.location).toBe('/console/broadcasts?notice=sent');
    expect(await chain()).toEqual({ events: before.events + 1, notices: before.notices + 1 });
    // The same page sent again (a double click, a browser resending the form): nothing more.
    const again = await coordinator.post('/console/broadcasts').type('form').send(form);
    expect(again.headers.location).toBe('/console/broadcasts?notice=already-sent');
    expect(await chain()).toEqual({ events: before.events + 1, notices: before.notices + 1 });
    expect((await coordinator.get('/console/broadcasts?notice=already-sent')).text).toContain('already recorded from this page; nothing was sent again');
    const listed = await coordinator.get('/console/broadcasts?notice=sent');
    expect(listed.text).toContain('Broadcast recorded');
    expect(listed.text).toContain(TEXT['text.sw']);

    // The gateway: one SMS per north proposer, in their language; none to the STOPped number or the south.
    expect(await round()).toMatchObject({ notices: { stored: 1, queued: 2 } });
    const out = sent();
    expect(out.map((s) => [s.voter_key, s.body])).toEqual([
      [key(SW_PROPOSER), TEXT['text.sw']],
      [key(FR_PROPOSER), TEXT['text.fr']],
    ]);
    expect(out.every((s) => s.kind === 'broadcast' && s.provider === 'africastalking')).toBe(true);
    // Downloaded again, or its receipt lost (a crash before the notice was kept): nothing more.
    expect(await round()).toMatchObject({ notices: { stored: 0, queued: 0 } });
    gw.db.prepare('DELETE FROM notices_received').run();
    expect(await round()).toMatchObject({ notices: { stored: 1, queued: 0 } });
    expect(sent()).toHaveLength(2);

    // The chain vouches for the broadcast: changed or deleted behind its back, verify names it.
    expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true });
    const row = await ledger.conn.db.selectFrom('ledger_notices').selectAll().where('kind', '=', 'broadcast').executeTakeFirstOrThrow();
    await ledger.conn.db
      .updateTable('ledger_notices')
      .set({ body: row.body.replace('proposers', 'followers') })
      .where('seq', '=', row.seq)
      .execute();
    expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: false, problem: expect.stringContaining('stored broadcast') });
    await ledger.conn.db.deleteFrom('ledger_notices').where('seq', '=', row.seq).execute();
    expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: false, problem: expect.stringContaining('broadcast') });
  });

  it('followers of a ward’s projects (FOLLOW) get it in their language; those of another ward do not', async () => {
    const { gw, round, sent, agent } = await setup(backend);
    await round();
    const seal = phoneSeal(SECRET);
    const follow = gw.db.prepare(
      "INSERT INTO project_follows (voter_key, cycle_id, code, provider, phone, lang, followed_at) VALUES (?, 'c-open', ?, 'africastalking', ?, ?, '2026-12-01T00:00:00Z')",
    );
    follow.run(key(SW_PROPOSER), 1, seal.seal(SW_PROPOSER), 'sw');
    follow.run(key(SW_PROPOSER), 2, seal.seal(SW_PROPOSER), 'sw');
    follow.run(key(SOUTH), 20, seal.seal(SOUTH), 'en');
    const coordinator = await agent('coordinator');
    const csrf = csrfOf((await coordinator.get('/console/broadcasts')).text);
    expect(
      (
        await coordinator
          .post('/console/broadcasts')
          .type('form')
          .send({ _csrf: csrf, cycle: 'c-open', audience: 'followers', ward: 'north', ...TEXT })
      ).status,
    ).toBe(303);
    expect(await round()).toMatchObject({ notices: { stored: 1, queued: 1 } });
    expect(sent().map((s) => [s.voter_key, s.body])).toEqual([[key(SW_PROPOSER), TEXT['text.sw']]]);
  });
});

describe('a broadcast’s estimated cost', () => {
  const priced = testDeployment((r) => {
    r.sms.pricePerSegment = { amount: 0.35, currency: 'KES' };
  });
  const costs = (segments: Record<string, number>) =>
    Object.entries(segments).map(([lang, n]) => ({ lang, cost: { encoding: 'GSM-7' as const, units: 0, segments: n } }));

  it('is the recipients estimated × the most segments of any language × the price, exactly; none without a price or an estimate', () => {
    expect(broadcastPrice(priced, costs({ en: 1, sw: 3, fr: 2 }), 1001)).toEqual({
      currency: 'KES',
      perMessage: [
        { lang: 'en', amount: '0.35' },
        { lang: 'sw', amount: '1.05' },
        { lang: 'fr', amount: '0.70' },
      ],
      // 1001 × 3 × 0.35 = 1051.05 (0.35 × 3 × 1001 in floating point is 1051.0499999999997).
      total: { amount: '1,051.05', recipients: 1001, segments: 3 },
    });
    expect(broadcastPrice(priced, costs({ en: 1, sw: 1, fr: 1 }), null)?.total).toBeNull();
    expect(broadcastPrice(testDeployment(), costs({ en: 1, sw: 1, fr: 1 }), 10)).toBeNull();
    const fine = testDeployment((r) => (r.sms.pricePerSegment = { amount: 0.0125, currency: 'USD' }));
    expect(broadcastPrice(fine, costs({ en: 2 }), 3)?.total?.amount).toBe('0.075');
  });

  it('the schema names a bad price', () => {
    expect(() => testDeployment((r) => (r.sms.pricePerSegment = { amount: 0.12345, currency: 'KES' }))).toThrow(/at most 4 decimals/);
    expect(() => testDeployment((r) => (r.sms.pricePerSegment = { amount: 1, currency: 'shillings' }))).toThrow(/ISO 4217/);
    expect(() => testDeployment((r) => (r.sms.pricePerSegment = { amount: 0, currency: 'KES' }))).toThrow(/pricePerSegment/);
  });

  it('the preview shows the price per message and the total for the proposers estimated; without a price it says so', async () => {
    const ledger = await testLedger('sqlite', priced);
    closers.push(() => ledger.close());
    await seedProposals(ledger, [{ title: 'Borehole' }, { title: 'Lights' }, { title: 'Roof', wardId: 'south' }]);
    await seedTeam(ledger);
    const coordinator = request.agent(createLedgerApp(ledger, silent));
    await signIn(coordinator, 'coordinator');
    const long = 'Kura itafunguliwa tarehe 1 Novemba. '.repeat(5).trim();
    const preview = await coordinator
      .get('/console/broadcasts/preview')
      .query({ cycle: 'c-open', audience: 'proposers', ward: 'north', ...TEXT, 'text.sw': long });
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('Cost per message (KES)');
    expect(preview.text).toMatch(/<td>GSM-7<\/td><td>2<\/td><td>0.70<\/td>/);
    expect(preview.text).toContain('Estimated cost: at most KES 1.40 (2 recipients × 2 segments × 0.35 per segment).');
    // One recipient, one segment: the singular, in each language's own plural rule.
    const one = await coordinator.get('/console/broadcasts/preview').query({ cycle: 'c-open', audience: 'proposers', ward: 'south', ...TEXT });
    expect(one.text).toContain('(1 recipient × 1 segment × 0.35 per segment)');
    const followers = await coordinator.get('/console/broadcasts/preview').query({ cycle: 'c-open', audience: 'followers', ...TEXT });
    expect(followers.text).toContain('The total depends on how many recipients gateways hold');

    const unpriced = await testLedger('sqlite', testDeployment());
    closers.push(() => unpriced.close());
    await seedTeam(unpriced);
    const other = request.agent(createLedgerApp(unpriced, silent));
    await signIn(other, 'coordinator');
    const plain = await other.get('/console/broadcasts/preview').query({ cycle: 'c-open', audience: 'proposers', ...TEXT });
    expect(plain.text).toContain('No price per SMS segment is set (sms.pricePerSegment');
    expect(plain.text).not.toContain('Cost per message');
  });
});
