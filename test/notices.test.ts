// An idea's proposer hears of its review: an idea texted to a real gateway syncs to the ledger, a
// reviewer changes its status in the console, the gateway downloads the ledger's signed notices
// feed and texts the proposer exactly one SMS per change, in their language (a repeated or redone
// download sends nothing more), proposers of a duplicate merged into it are told too, STOP ends
// it, and STATUS <ref> answers the real status and reason. `ledger verify` checks the notices.
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { SUPPORTED_LANGUAGES } from '../src/config/schema.ts';
import { ideaStatusText } from '../src/domain/idea-status-text.ts';
import { smsCost, toGsmLookalikes } from '../src/domain/sms-encoding.ts';
import { syncRound } from '../sync/sync-job.ts';
import { listInbox, reviewProposal } from '../console/proposals.ts';
import { mergeProposal } from '../console/merges.ts';
import { verifyChain } from '../ledger/verify.ts';
import { testLedger } from './helpers/ledger.ts';
import { connectedRelay } from './helpers/ledger-server.ts';
import { testDeployment } from './helpers/deployment.ts';
import { testGateway, textGateway, TOKEN, ussdBody } from './helpers/gateway.ts';

const silent = createLogger('silent');
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

const PROPOSER = '+254711000401';
const SECOND = '+254711000402';
const READER = '+254711000403';
const USSD_PROPOSER = '+254711000404';
const REASON = {
  en: 'The borehole is on private land.',
  sw: 'Kisima kiko kwenye ardhi ya binafsi.',
  fr: 'Le forage est sur un terrain privé.',
};
const reviewer = { name: 'reviewer', role: 'reviewer' };
const review = (status: string, extra: Partial<{ cost: string; costNote: string; reason: Record<string, string> }> = {}) => ({
  status,
  cost: '',
  costNote: '',
  reason: {},
  ...extra,
});

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
  let n = 0;
  /** Texts the gateway; returns its reply as queued. */
  const text = (from: string, body: string) => textGateway(gw, from, body, `notice-${n++}`);
  const newsSent = () =>
    gw.db.prepare("SELECT voter_key, body, to_phone, kind, provider FROM sms_outbound WHERE source_ref LIKE 'notice:%' ORDER BY id").all() as {
      voter_key: string;
      body: string;
      to_phone: string;
      kind: string;
      provider: string;
    }[];
  const refOf = (title: string) => gw.db.prepare('SELECT reference FROM proposals WHERE title LIKE ?').pluck().get(`%${title}%`) as string;
  /** The ledger's event id of the proposal with this reference, as the console's inbox lists it. */
  const eventOf = async (ref: string) => (await listInbox(ledger.conn.db, { page: 1 })).rows.find((r) => r.reference === ref)!.event_id;
  return { d, ledger, gw, round, text, newsSent, refOf, eventOf };
}

describe('an idea’s review reaches its proposer', () => {
  it('SMS idea → ledger → reviewed in the console → one SMS per change in the proposer’s language, never twice; STATUS <ref> answers the real status and reason', async () => {
    const { d, ledger, gw, round, text, newsSent, refOf, eventOf } = await setup();
    await round();
    // Sent in Kiswahili: the proposer is told in Kiswahili.
    expect(await text(PROPOSER, 'WAZO Wadi ya Kaskazini rekebisha kisima cha soko la Kiboko')).toMatch(/^Wazo limehifadhiwa\. Kumbukumbu P-/);
    const ref = refOf('kisima');
    // The proposer's number is kept sealed with the idea, never in plaintext.
    const kept = gw.db.prepare('SELECT phone, lang FROM proposal_contacts WHERE reference = ?').get(ref) as { phone: string; lang: string };
    expect(kept.phone).toMatch(/^s1:/);
    expect(kept.phone).not.toContain('711000401');
    expect(kept.lang).toBe('sw');
    expect(await text(READER, `STATUS ${ref}`)).toBe(`Idea ${ref}: received, waiting for review.`);

    expect(await round()).toMatchObject({ push: { accepted: 1 }, notices: { stored: 0, queued: 0 } });
    const eventId = await eventOf(ref);

    // Under review: one SMS, in Kiswahili, to the proposer's sealed number.
    expect(await reviewProposal(ledger.conn, d, reviewer, eventId, review('under-review'), ledger.now())).toBe('changed');
    expect(await round()).toMatchObject({ notices: { stored: 1, queued: 1 } });
    let sent = newsSent();
    expect(sent.map((s) => s.body)).toEqual([`Habari za wazo lako ${ref}: linakaguliwa na timu ya jiji. ACHA kusitisha.`]);
    expect(sent[0]).toMatchObject({ kind: 'broadcast', provider: 'africastalking' });
    expect(sent[0]!.to_phone).toMatch(/^s1:/);

    // Synced again: nothing new. Even with the gateway's copy of the notices lost and the feed
    // downloaded again, nothing is queued twice (one message per change per proposal).
    expect(await round()).toMatchObject({ notices: { stored: 0, queued: 0 } });
    gw.db.prepare('DELETE FROM notices_received').run();
    expect(await round()).toMatchObject({ notices: { stored: 1, queued: 0 } });
    expect(newsSent()).toHaveLength(1);

    // A cost note changed alone is no new status: no notice, no SMS.
    await reviewProposal(ledger.conn, d, reviewer, eventId, review('feasible', { cost: '450000', costNote: 'Quote' }), ledger.now());
    await reviewProposal(ledger.conn, d, reviewer, eventId, review('feasible', { cost: '450000', costNote: 'County quote, 2026' }), ledger.now());
    expect(await round()).toMatchObject({ notices: { stored: 1, queued: 1 } });
    expect(newsSent().at(-1)!.body).toBe(`Habari za wazo lako ${ref}: limekubaliwa kuwa linawezekana. ACHA kusitisha.`);

    // Not feasible, with the reason in every language: the proposer reads theirs; STATUS answers in the asker's.
    await reviewProposal(ledger.conn, d, reviewer, eventId, review('not-feasible', { reason: REASON }), ledger.now());
    expect(await round()).toMatchObject({ notices: { stored: 1, queued: 1 } });
    sent = newsSent();
    expect(sent).toHaveLength(3);
    expect(sent[2]!.body).toBe(`Habari za wazo lako ${ref}: halitekelezeki. Kisima kiko kwenye ardhi ya binafsi. ACHA kusitisha.`);
    expect(await text(READER, `STATUS ${ref}`)).toBe(`Idea ${ref}: found not feasible. The borehole is on private land.`);
    expect(await text(READER, `STATUT ${ref.toLowerCase()}`)).toBe(`Idée ${ref} : jugée non réalisable. Le forage est sur un terrain privé.`);
    expect(gw.db.prepare('SELECT status FROM proposals WHERE reference = ?').pluck().get(ref)).toBe('not-feasible');
    // On USSD, the proposer's menu has "My ideas" (a caller without ideas does not see it): the status and reason.
    const dial = async (phoneNumber: string, text: string) =>
      (
        await request(gw.app)
          .post(`/africastalking/ussd/${TOKEN}`)
          .type('form')
          .send(ussdBody({ sessionId: `ATUid_${phoneNumber}`, phoneNumber, text }))
      ).text;
    await dial(PROPOSER, '');
    expect(await dial(PROPOSER, '1')).toContain('7 My ideas');
    expect(await dial(PROPOSER, '1*7')).toBe(`END Your ideas:\nIdea ${ref}: found not feasible. The borehole is on private land.`);
    await dial(READER, '');
    expect(await dial(READER, '1')).not.toContain('My ideas');

    // The ledger's chain vouches for every notice: a stored one changed behind its back is named.
    expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true });
    await ledger.conn.db
      .updateTable('ledger_notices')
      .set({ body: sentBody('feasible', eventId, ref) })
      .where('seq', '=', (await maxNotice(ledger))!)
      .execute();
    expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: false, problem: expect.stringContaining('notice for gateways') });
  });

  it('proposers of a duplicate merged into the reviewed idea are told too, a USSD proposer included; STOP ends it', async () => {
    const { d, ledger, gw, round, text, newsSent, refOf, eventOf } = await setup();
    await round();
    await text(PROPOSER, 'IDEA North Ward light the path to the school');
    await text(SECOND, 'IDEE Quartier Nord eclairer le chemin de l ecole');
    // The same idea by USSD: language 1, menu 2 (propose), ward 1, category 1, a title, a description, confirm.
    const keys = ['1', '2', '1', '1', 'School path lights', 'Solar lamps', '1'];
    const screens: string[] = [];
    for (let i = 0; i <= keys.length; i++) {
      const res = await request(gw.app)
        .post(`/africastalking/ussd/${TOKEN}`)
        .type('form')
        .send(ussdBody({ sessionId: 'ATUid_notice', phoneNumber: USSD_PROPOSER, text: keys.slice(0, i).join('*') }));
      screens.push(res.text);
    }
    const [first, second, third] = [refOf('light the path'), refOf('eclairer'), refOf('School path lights')];
    expect(third, screens.join('\n---\n')).toBeTruthy();
    expect(gw.count('proposal_contacts')).toBe(3);
    await round();
    const into = await eventOf(first);
    await mergeProposal(ledger.conn, reviewer, await eventOf(second), first, ledger.now());
    await mergeProposal(ledger.conn, reviewer, await eventOf(third), first, ledger.now());

    await reviewProposal(ledger.conn, d, reviewer, into, review('under-review'), ledger.now());
    expect(await round()).toMatchObject({ notices: { stored: 1, queued: 3 } });
    expect(newsSent().map((s) => s.body)).toEqual([
      `News on your idea ${first}: under review by the city team. STOP to end.`,
      `Votre idée ${second} : en cours d'examen par la ville. STOP pour arreter.`,
      `News on your idea ${third}: under review by the city team. STOP to end.`,
    ]);
    // Each merged proposal answers STATUS with the reviewed one's status.
    expect(await text(READER, `STATUS ${second}`)).toBe(`Idea ${second}: under review by the city team.`);

    // STOP: the proposer's sealed number is gone; the next change texts only the others.
    await text(PROPOSER, 'STOP');
    expect(gw.db.prepare('SELECT reference FROM proposal_contacts ORDER BY reference').pluck().all()).toEqual([second, third].sort());
    await reviewProposal(ledger.conn, d, reviewer, into, review('feasible', { cost: '90000', costNote: 'Estimate' }), ledger.now());
    expect(await round()).toMatchObject({ notices: { stored: 1, queued: 2 } });
    const bodies = newsSent().map((s) => s.body);
    expect(bodies.filter((b) => b.includes(first))).toHaveLength(1);
    expect(bodies.filter((b) => b.includes('feasible') || b.includes('réalisable'))).toHaveLength(2);
    // START again does not bring the contact back; STATUS still answers the real status.
    await text(PROPOSER, 'START');
    expect(await text(PROPOSER, `STATUS ${first}`)).toBe(`Idea ${first}: found feasible by the city team.`);
  });

  it('every idea status text is one GSM-7 segment in every language, a 500-character reason included', () => {
    const long = 'Kisima kiko kwenye ardhi ya binafsi na mmiliki hajakubali kukitoa kwa matumizi ya umma '.repeat(7).slice(0, 500);
    for (const lang of SUPPORTED_LANGUAGES)
      for (const status of ['submitted', 'under-review', 'feasible', 'not-feasible'])
        for (const kind of ['answer', 'news'] as const)
          for (const reason of [{}, { en: long, sw: long, fr: long }] as Record<string, string>[]) {
            const out = toGsmLookalikes(ideaStatusText(lang, kind, 'P-ABCD-EFGH', status, reason));
            expect(smsCost(out), `${lang} ${status} ${kind}: ${out}`).toMatchObject({ encoding: 'GSM-7', segments: 1 });
          }
  });
});

async function maxNotice(ledger: Awaited<ReturnType<typeof testLedger>>): Promise<number | undefined> {
  const row = await ledger.conn.db
    .selectFrom('ledger_notices')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  return row?.seq === undefined || row.seq === null ? undefined : Number(row.seq);
}

/** A notice body saying another status than the review recorded. */
function sentBody(status: string, eventId: string, reference: string): string {
  return JSON.stringify({ status, reason: {}, proposals: [{ gatewayId: 'gw-test', eventId, reference }] });
}
