// An idea a field officer captured, whose proposer asked for the review's news by SMS (with
// consent, their number and language in the form): the gateway keeps the number sealed, beside
// the idea and never in its event, the ledger, the logs or the officer's answer; the idea syncs,
// a reviewer changes its status in the console, and the gateway texts that proposer once per
// change, in their language. Without consent, or after STOP, nothing is kept or sent.
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import { addOfficer } from '../src/engine/field-capture.ts';
import { FieldStore } from '../src/store/field-store.ts';
import { ideaStatusText } from '../src/domain/idea-status-text.ts';
import { phoneSeal } from '../src/domain/phone-seal.ts';
import { toGsmLookalikes } from '../src/domain/sms-encoding.ts';
import { voterKey } from '../src/domain/voter.ts';
import { syncRound } from '../sync/sync-job.ts';
import { listInbox } from '../console/proposals.ts';
import { verifyChain } from '../ledger/verify.ts';
import { testLedger } from './helpers/ledger.ts';
import { connectedRelay } from './helpers/ledger-server.ts';
import { testDeployment } from './helpers/deployment.ts';
import { SECRET, testGateway, textGateway } from './helpers/gateway.ts';
import { seedTeam, sessionCsrf, signIn } from './helpers/console.ts';

const silent = createLogger('silent');
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/** As the officer typed it: a Kenyan number without its country code. */
const TYPED = '0711 000 777';
const E164 = '+254711000777';
const COLLECT = { 'X-OpenRosa-Version': '1.0', 'User-Agent': 'org.odk.collect.android/v2024.3.4' };

/** A filled proposal form as Collect serialises it; `news` is the proposer's answer, with their number and language. */
function ideaXml(instance: string, title: string, news?: { answer: string; phone?: string; lang?: string }): string {
  // A minute ago by the device's clock: inside the open cycle's proposals window, never ahead of the gateway.
  const at = new Date(Date.now() - 60_000).toISOString();
  const extra = news ? `<news>${news.answer}</news><phone>${news.phone ?? ''}</phone><sms_lang>${news.lang ?? ''}</sms_lang>` : '';
  return (
    `<?xml version='1.0' ?><data id="sauti-proposal-c-open" version="x" xmlns:orx="http://openrosa.org/xforms"><start>${at}</start><end>${at}</end>` +
    `<ward>north</ward><category>water</category><title>${title}</title><description/>${extra}` +
    `<orx:meta><orx:instanceID>uuid:${instance}</orx:instanceID></orx:meta></data>`
  );
}

async function setup() {
  const d = testDeployment();
  const ledger = await testLedger('sqlite', d);
  closers.push(() => ledger.close());
  const gw = testGateway();
  closers.push(async () => {
    gw.db.close();
  });
  const { relay, stop } = await connectedRelay(gw, ledger);
  closers.push(stop);
  const round = () => syncRound(relay, gw.ballots, silent, gw.implementation, gw.notices);
  const officer = addOfficer(new FieldStore(gw.db), gw.deployment, 'Amina Otieno', null, new Date());
  const submit = (xml: string) =>
    request(gw.app)
      .post(`/openrosa/key/${officer.token}/submission`)
      .set(COLLECT)
      .attach('xml_submission_file', Buffer.from(xml), { filename: 'Idea.xml', contentType: 'text/xml' });
  const refOf = (title: string) => gw.db.prepare('SELECT reference FROM proposals WHERE title = ?').pluck().get(title) as string;
  const newsSent = () =>
    gw.db.prepare("SELECT voter_key, body, to_phone, kind, provider, source_ref FROM sms_outbound WHERE source_ref LIKE 'notice:%' ORDER BY id").all() as {
      voter_key: string;
      body: string;
      to_phone: string;
      kind: string;
      provider: string;
      source_ref: string;
    }[];
  await seedTeam(ledger);
  const console = request.agent(createLedgerApp(ledger, silent));
  await signIn(console, 'reviewer');
  const csrf = await sessionCsrf(console);
  /** The reviewer sets a status on the proposal's page, as in the browser. */
  const review = async (ref: string, status: string, extra: Record<string, string> = {}) => {
    const eventId = (await listInbox(ledger.conn.db, { page: 1 })).rows.find((r) => r.reference === ref)!.event_id;
    const res = await console
      .post(`/console/proposals/${eventId}/review`)
      .type('form')
      .send({ _csrf: csrf, status, cost: '', costNote: '', ...extra });
    expect(res.status).toBe(303);
  };
  return { d, ledger, gw, round, submit, refOf, newsSent, review };
}

describe('a field idea’s proposer hears of its review', () => {
  it('field idea with the proposer’s number → ledger → reviewed in the console → one SMS per change, in their language, to that number', async () => {
    const { ledger, gw, round, submit, refOf, newsSent, review } = await setup();
    /** The French news as queued (after the same look-alike replacement every SMS gets). */
    const fr = (ref: string, status: string) => toGsmLookalikes(ideaStatusText('fr', 'news', ref, status, {}));
    await round();
    const res = await submit(ideaXml('0b6f7d0e-2222-4c55-9d1e-0a2b3c4d5e6f', 'Borehole at Kiboko market', { answer: 'yes', phone: TYPED, lang: 'fr' }));
    expect(res.status).toBe(201);
    expect(res.text).toContain('The proposer will be texted at each step of the review.');
    const ref = refOf('Borehole at Kiboko market');

    // Kept sealed beside the idea, under the number's own pseudonym (so its STOP reaches it), in French.
    const kept = gw.db.prepare('SELECT voter_key, provider, phone, lang FROM proposal_contacts WHERE reference = ?').get(ref) as {
      voter_key: string;
      provider: string;
      phone: string;
      lang: string;
    };
    expect(kept).toMatchObject({ voter_key: voterKey(E164, SECRET), provider: '', lang: 'fr' });
    expect(kept.phone).toMatch(/^s1:/);
    expect(phoneSeal(SECRET).open(kept.phone)).toBe(E164);
    // Never in the event (nor its voter key: the idea stays unlinked to the number), the ledger or the logs.
    const event = gw.db.prepare("SELECT voter_key, payload FROM events WHERE type = 'proposal.submitted'").get() as { voter_key: string; payload: string };
    expect(event.voter_key).not.toBe(voterKey(E164, SECRET));
    expect(event.payload).not.toMatch(/711\s?000\s?777/);
    expect(await round()).toMatchObject({ push: { accepted: 1 }, notices: { stored: 0, queued: 0 } });
    const chain = await ledger.conn.db.selectFrom('ledger_events').select(['voter_key', 'payload']).execute();
    expect(JSON.stringify(chain)).not.toMatch(/711\s?000\s?777/);

    // Under review, in the console: one SMS, in French, to that number, through the first provider that sends.
    await review(ref, 'under-review');
    expect(await round()).toMatchObject({ notices: { stored: 1, queued: 1 } });
    let sent = newsSent();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ body: fr(ref, 'under-review'), kind: 'broadcast', provider: 'africastalking' });
    expect(sent[0]!.body).toContain('en cours d');
    expect(phoneSeal(SECRET).open(sent[0]!.to_phone)).toBe(E164);
    // Synced again: nothing more.
    expect(await round()).toMatchObject({ notices: { stored: 0, queued: 0 } });

    // Feasible: a second SMS, in French.
    await review(ref, 'feasible', { cost: '450000', costNote: 'County quote' });
    expect(await round()).toMatchObject({ notices: { stored: 1, queued: 1 } });
    sent = newsSent();
    expect(sent.map((s) => s.body)).toEqual([fr(ref, 'under-review'), fr(ref, 'feasible')]);
    expect(gw.logs.text()).not.toMatch(/711\s?000\s?777/);
    expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true });
  });

  it('without the proposer’s consent no number is kept, even one typed; a bad number is refused, naming it; STOP erases it', async () => {
    const { gw, round, submit, refOf, newsSent, review } = await setup();
    await round();
    // Declined (a number left over from before they changed their mind is ignored).
    expect((await submit(ideaXml('0b6f7d0e-3333-4c55-9d1e-0a2b3c4d5e6f', 'Market lights', { answer: 'no', phone: TYPED, lang: 'sw' }))).status).toBe(201);
    // A form without the question (downloaded before it existed).
    expect((await submit(ideaXml('0b6f7d0e-4444-4c55-9d1e-0a2b3c4d5e6f', 'Bus shelter'))).status).toBe(201);
    expect(gw.count('proposal_contacts')).toBe(0);
    const bad = await submit(ideaXml('0b6f7d0e-5555-4c55-9d1e-0a2b3c4d5e6f', 'Clinic roof', { answer: 'yes', phone: '12', lang: 'sw' }));
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('&apos;12&apos; is not a phone number');
    const noLang = await submit(ideaXml('0b6f7d0e-6666-4c55-9d1e-0a2b3c4d5e6f', 'Clinic roof', { answer: 'yes', phone: TYPED }));
    expect(noLang.status).toBe(400);
    expect(noLang.text).toContain('sms_lang: the language to text the proposer in is missing');
    expect(gw.count('proposals')).toBe(2);

    // Kept, then the number texts STOP: gone, and the review texts no one.
    expect((await submit(ideaXml('0b6f7d0e-7777-4c55-9d1e-0a2b3c4d5e6f', 'Clinic roof', { answer: 'yes', phone: TYPED, lang: 'sw' }))).status).toBe(201);
    expect(gw.count('proposal_contacts')).toBe(1);
    await textGateway(gw, E164, 'STOP', 'field-stop');
    expect(gw.count('proposal_contacts')).toBe(0);
    await round();
    await review(refOf('Clinic roof'), 'under-review');
    expect(await round()).toMatchObject({ notices: { stored: 1, queued: 0 } });
    expect(newsSent()).toEqual([]);
    // A number that sent STOP is not kept again by a later field idea.
    expect((await submit(ideaXml('0b6f7d0e-8888-4c55-9d1e-0a2b3c4d5e6f', 'Footbridge', { answer: 'yes', phone: TYPED, lang: 'sw' }))).status).toBe(201);
    expect(gw.count('proposal_contacts')).toBe(0);
  });
});
