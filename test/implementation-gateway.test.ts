// Implementation updates reach residents: a real gateway syncs the ledger's signed feed, answers
// STATUS 7 in the resident's language, texts each new update to numbers that sent FOLLOW 7 exactly
// once (whatever the number of syncs), and STOP ends it. STATUS <idea reference> still works.
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { smsCost, toGsmLookalikes } from '../src/domain/sms-encoding.ts';
import { SUPPORTED_LANGUAGES } from '../src/config/schema.ts';
import { parseSms } from '../flows/sms/grammar.ts';
import { syncRound } from '../sync/sync-job.ts';
import { connectedRelay } from './helpers/ledger-server.ts';
import { testDeployment } from './helpers/deployment.ts';
import { testGateway, textGateway, TOKEN, ussdBody } from './helpers/gateway.ts';
import { listReports } from '../console/reports.ts';
import { sms, smsCtx } from './helpers/sms.ts';
import { LATER, publishedByFieldGateway } from './helpers/closed-cycle.ts';

const silent = createLogger('silent');
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

const MILESTONE = { en: 'Drilling started', sw: 'Uchimbaji umeanza', fr: 'Forage commencé' };
const FOLLOWER = '+254711000301';
const READER = '+254711000302';

/** A ledger that published c-open with project 7 among the winners, and a gateway syncing with it. */
async function setup() {
  const { ledger, published, setNow } = await publishedByFieldGateway();
  closers.push(() => ledger.close());
  expect(published.wards.flatMap((w) => w.projects.filter((p) => p.selected).map((p) => p.code))).toContain(7);
  // Months after the vote: the updates below are dated 2027, and a day after today is refused.
  setNow(LATER);

  const gw = testGateway();
  closers.push(async () => {
    gw.db.close();
  });
  const { relay, stop } = await connectedRelay(gw, ledger);
  closers.push(stop);
  const round = () => syncRound(relay, gw.ballots, silent, gw.implementation);
  let n = 0;
  /** Texts the gateway; returns its reply as queued. */
  const text = (from: string, body: string) => textGateway(gw, from, body, `impl-${n++}`);
  const updatesSent = () =>
    gw.db.prepare("SELECT voter_key, body, to_phone, kind FROM sms_outbound WHERE source_ref LIKE 'implementation:%' ORDER BY id").all() as {
      voter_key: string;
      body: string;
      to_phone: string;
      kind: string;
    }[];
  /** One USSD hop, as Africa's Talking posts it; returns the screen ("CON …" or "END …"). */
  const ussd = (phone: string, session: string, keys: string) =>
    request(gw.app)
      .post(`/africastalking/ussd/${TOKEN}`)
      .type('form')
      .send(ussdBody({ sessionId: session, phoneNumber: phone, text: keys }))
      .expect(200)
      .then((r) => r.text);
  return { ledger, gw, round, text, updatesSent, ussd };
}

describe('implementation updates on the gateway', () => {
  it('syncs the feed; STATUS 7 answers the latest update in Kiswahili; FOLLOW 7 gets exactly one SMS per update, even after more syncs; STOP ends it', async () => {
    const { ledger, gw, round, text, updatesSent } = await setup();
    expect(await round()).toMatchObject({ ballot: 'updated', implementation: { stored: 0, queued: 0 } });

    // Before any update: the project is known as a winner, with nothing to say yet.
    expect(await text(READER, 'HALI 7')).toBe('Mradi 7 Paa la zahanati: hakuna taarifa ya utekelezaji bado. Tuma FUATILIA 7 kupata taarifa kwa SMS.');
    expect(await text(FOLLOWER, 'FOLLOW 7')).toBe('You will get each update on project 7 Clinic roof repairs by SMS. Send STOP to end all messages.');
    expect(await text(FOLLOWER, 'FOLLOW 3')).toBe('No winning project has number 3. Send RESULTS for the winners.');
    // The follower's number is kept sealed, never in plaintext.
    const stored = gw.db.prepare('SELECT phone FROM project_follows').pluck().all() as string[];
    expect(stored).toHaveLength(1);
    for (const p of stored) {
      expect(p).toMatch(/^s1:/);
      expect(p).not.toContain('711000301');
    }

    const update = await ledger.recordImplementation('c-open', { code: 7, status: 'in-progress', progress: 40, milestone: MILESTONE, date: '2027-03-01' });
    expect(await round()).toMatchObject({ implementation: { stored: 1, queued: 1 } });
    const sent = updatesSent();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toBe('Update on project 7 Clinic roof repairs: in progress, 40% (1 Mar 2027). Drilling started. STOP to end.');
    expect(sent[0]!.kind).toBe('broadcast');
    expect(sent[0]!.to_phone).toMatch(/^s1:/);

    // Synced again: nothing new, nothing sent. Even if the gateway lost its copy and downloads
    // the update again, the message is not queued twice (one per update per number).
    expect(await round()).toMatchObject({ implementation: { stored: 0, queued: 0 } });
    gw.db.prepare('DELETE FROM implementation_updates').run();
    expect(await round()).toMatchObject({ implementation: { stored: 1, queued: 0 } });
    expect(updatesSent()).toHaveLength(1);
    expect(gw.db.prepare('SELECT ledger_seq FROM implementation_updates').pluck().all()).toEqual([update.seq]);

    // STATUS 7 answers the latest update in the resident's language (the keyword's, here Kiswahili).
    expect(await text(READER, 'HALI 7')).toBe('Mradi 7 Paa la zahanati: kazi inaendelea, 40% (1 Mac 2027). Uchimbaji umeanza.');
    expect(await text(READER, 'STATUT #7')).toBe('Projet 7 Toit du dispensaire : en cours, 40 % (1 mars 2027). Forage commencé.');

    // STOP: the follow and its sealed number are gone; the next update goes to nobody.
    await text(FOLLOWER, 'STOP');
    expect(gw.count('project_follows')).toBe(0);
    await ledger.recordImplementation('c-open', {
      code: 7,
      progress: 70,
      milestone: { en: 'Walls up', sw: 'Kuta zimejengwa', fr: 'Murs montés' },
      date: '2027-04-01',
    });
    expect(await round()).toMatchObject({ implementation: { stored: 1, queued: 0 } });
    expect(updatesSent()).toHaveLength(1);
    // START again does not bring the follow back: it must be asked for again.
    await text(FOLLOWER, 'START');
    expect(gw.count('project_follows')).toBe(0);
  });

  it('texts a follower in the language they chose, and refuses a project that did not win', async () => {
    const { ledger, round, text, updatesSent } = await setup();
    await round();
    await text(FOLLOWER, 'LANG sw');
    expect(await text(FOLLOWER, 'FUATILIA 7')).toBe('Utapokea kila taarifa ya mradi 7 Paa la zahanati kwa SMS. Tuma ACHA kusitisha ujumbe wote.');
    expect(await text(FOLLOWER, 'FOLLOW')).toBe('Tuma FUATILIA na nambari ya mradi ulioshinda, mfano FUATILIA 7, kupata taarifa zake kwa SMS.');
    expect(await text(READER, 'STATUS 55')).toBe('No winning project has number 55. Send RESULTS for the winners.');
    // The cancellation's reason in the follower's language (it was English inside Kiswahili).
    await ledger.recordImplementation('c-open', {
      code: 7,
      status: 'cancelled',
      reason: { en: 'The clinic is being rebuilt elsewhere', sw: 'Zahanati inajengwa upya mahali pengine', fr: 'Le dispensaire est reconstruit ailleurs' },
      date: '2027-05-01',
    });
    await round();
    expect(updatesSent().map((s) => s.body)).toEqual([
      'Habari za mradi 7 Paa la zahanati: imesitishwa, 0% (1 Mei 2027). Zahanati inajengwa upya mahali pengine. ACHA kusitisha.',
    ]);
    expect(await text(READER, 'STATUS 7')).toBe('Project 7 Clinic roof repairs: cancelled, 0% (1 May 2027). The clinic is being rebuilt elsewhere.');
  });

  it('a cancellation with a milestone keeps its reason, in each language; an older update’s single reason is read as it is', async () => {
    const { ledger, gw, round, text } = await setup();
    await round();
    await ledger.recordImplementation('c-open', {
      code: 7,
      status: 'cancelled',
      progress: 5,
      reason: { en: 'The site flooded.', sw: 'Eneo lilifurika.', fr: 'Le site a été inondé.' },
      milestone: { en: 'Works stopped', sw: 'Kazi zimesimama', fr: 'Travaux arrêtés' },
      date: '2027-05-01',
    });
    await round();
    expect(await text(READER, 'STATUT 7')).toBe('Projet 7 Toit du dispensaire : annulé, 5 % (1 mai 2027). Le site a été inondé. Travaux arretés.'); // ê is no GSM-7 letter: the gateway writes e
    expect(await text(READER, 'HALI 7')).toBe('Mradi 7 Paa la zahanati: imesitishwa, 5% (1 Mei 2027). Eneo lilifurika. Kazi zimesimama.');
    // A feed from a ledger before reasons had languages: one string, the same in every language.
    await gw.implementation.receive([
      {
        seq: 900,
        cycleId: 'c-open',
        code: 7,
        status: 'cancelled',
        progress: 2,
        date: '2027-06-01',
        milestone: {},
        reason: 'The site flooded',
        photo: null,
        recordedAt: '2027-06-01T09:00:00Z',
      },
    ]);
    expect(await text(READER, 'HALI 7')).toBe('Mradi 7 Paa la zahanati: imesitishwa, 2% (1 Jun 2027). The site flooded.');
    expect(gw.implementation.cursor()).toBe(900);
  });
});

describe('Project progress on USSD, through the gateway', () => {
  const CALLER = '+254711000303';

  it('shows the latest update, Follow by SMS texts the next update to the caller, and a report reaches the ledger', async () => {
    const { ledger, gw, round, updatesSent, ussd } = await setup();
    await round();
    await ledger.recordImplementation('c-open', { code: 7, status: 'in-progress', progress: 40, milestone: MILESTONE, date: '2027-03-01' });
    await round();

    // Language, then menu 6, the project number: the same words STATUS 7 answers by SMS.
    expect(await ussd(CALLER, 'u-1', '')).toContain('Choose language');
    expect(await ussd(CALLER, 'u-1', '1')).toContain('6 Project progress');
    expect(await ussd(CALLER, 'u-1', '1*6')).toContain('Type the number of a winning project:');
    expect(await ussd(CALLER, 'u-1', '1*6*3')).toContain('No winning project has number 3.');
    const status = await ussd(CALLER, 'u-1', '1*6*3*7');
    expect(status).toBe('CON Project 7 Clinic roof repairs: in progress, 40% (1 Mar 2027). Drilling started.\n1 Follow by SMS\n2 Report a problem\n0 Back');
    expect(await ussd(CALLER, 'u-1', '1*6*3*7*1')).toBe('END You will get each update on project 7 Clinic roof repairs by SMS. Send STOP to end all messages.');
    // Kept sealed, through the USSD provider's SMS.
    const follows = gw.db.prepare('SELECT phone, provider, lang FROM project_follows').all() as { phone: string; provider: string; lang: string }[];
    expect(follows).toEqual([{ phone: expect.stringMatching(/^s1:/), provider: 'africastalking', lang: 'en' }]);
    expect(follows[0]!.phone).not.toContain('711000303');

    // The next update is texted to that number, once.
    await ledger.recordImplementation('c-open', {
      code: 7,
      progress: 70,
      milestone: { en: 'Walls up', sw: 'Kuta zimejengwa', fr: 'Murs montés' },
      date: '2027-04-01',
    });
    expect(await round()).toMatchObject({ implementation: { stored: 1, queued: 1 } });
    const sent = updatesSent();
    expect(sent.map((m) => m.body)).toEqual(['Update on project 7 Clinic roof repairs: in progress, 70% (1 Apr 2027). Walls up. STOP to end.']);
    const [row] = gw.db.prepare("SELECT provider FROM sms_outbound WHERE source_ref LIKE 'implementation:%'").pluck().all() as string[];
    expect(row).toBe('africastalking');
    expect(sent[0]!.voter_key).toBe(gw.db.prepare('SELECT voter_key FROM project_follows').pluck().get());

    // A report typed on USSD: recorded with its reference (after the commit), the number kept sealed for the answer.
    expect(await ussd(CALLER, 'u-2', '')).toContain('6 Project progress');
    await ussd(CALLER, 'u-2', '6');
    await ussd(CALLER, 'u-2', '6*7');
    expect(await ussd(CALLER, 'u-2', '6*7*2')).toContain('What do you see at project 7?');
    const done = await ussd(CALLER, 'u-2', '6*7*2*The contractor left');
    const ref = /Reference (R-[0-9A-Z]{5}-[0-9A-Z]{3})\./.exec(done)?.[1];
    expect(done).toBe(`END Report on project 7 Clinic roof repairs recorded. Reference ${ref}. The city team will answer you by SMS.`);
    // A provider retry of the same hop records nothing twice.
    expect(await ussd(CALLER, 'u-2', '6*7*2*The contractor left')).toBe(done);
    const events = gw.db.prepare("SELECT payload, channel FROM events WHERE type = 'project.reported'").all() as { payload: string; channel: string }[];
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]!.payload)).toEqual({ wardId: 'north', code: 7, text: 'The contractor left', reference: ref, lang: 'en' });
    const kept = gw.db.prepare('SELECT phone, provider FROM report_contacts WHERE reference = ?').get(ref) as { phone: string; provider: string };
    expect(kept).toMatchObject({ phone: expect.stringMatching(/^s1:/), provider: 'africastalking' });

    await round();
    const { rows } = await listReports(ledger.conn.db, { cycle: 'c-open', code: 7, page: 1 });
    expect(rows).toEqual([expect.objectContaining({ reference: ref, code: 7, ward_id: 'north', status: 'new', channel: 'ussd', lang: 'en' })]);
  });
  it('a number that sent STOP is offered no Follow, and its report keeps no number', async () => {
    const { gw, round, text, ussd } = await setup();
    await round();
    await text(CALLER, 'STOP');
    await ussd(CALLER, 'u-3', '');
    await ussd(CALLER, 'u-3', '1');
    await ussd(CALLER, 'u-3', '1*6');
    const status = await ussd(CALLER, 'u-3', '1*6*7');
    expect(status).toBe('CON Project 7 Clinic roof repairs: no implementation update yet.\n2 Report a problem\n0 Back');
    expect(await ussd(CALLER, 'u-3', '1*6*7*1')).toContain('Invalid choice');
    await ussd(CALLER, 'u-3', '1*6*7*1*2');
    const done = await ussd(CALLER, 'u-3', '1*6*7*1*2*No workers since May');
    expect(done).toMatch(/^END Report on project 7 Clinic roof repairs recorded\. Reference R-[0-9A-Z]{5}-[0-9A-Z]{3}\. Thank you\.$/);
    expect(gw.count('project_follows')).toBe(0);
    expect(gw.count('report_contacts')).toBe(0);
    expect(gw.db.prepare("SELECT count(*) FROM events WHERE type = 'project.reported'").pluck().get()).toBe(1);
  });
});

describe('STATUS and FOLLOW in the SMS grammar', () => {
  it('a number alone is a project; an idea reference stays an idea', () => {
    expect(parseSms('STATUS 7')).toEqual({ kind: 'project-status', code: 7, lang: 'en' });
    expect(parseSms('hali p7')).toEqual({ kind: 'project-status', code: 7, lang: 'sw' });
    expect(parseSms('STATUS P-7K2MX-9QD')).toEqual({ kind: 'status', ref: 'P-7K2MX-9QD', lang: 'en' });
    expect(parseSms('STATUS p7k2mx9qd')).toEqual({ kind: 'status', ref: 'P-7K2MX-9QD', lang: 'en' });
    expect(parseSms('STATUS 98')).toMatchObject({ kind: 'status' });
    expect(parseSms('SUIVRE 12')).toEqual({ kind: 'follow', code: 12, lang: 'fr' });
    expect(parseSms('follow')).toEqual({ kind: 'follow', code: null, lang: 'en' });
    // The idea-reference reply is unchanged.
    const d = testDeployment();
    expect(sms('STATUS P-KNWN0-001', smsCtx(d)).reply!.text).toBe('Idea P-KNWN0-001: received, waiting for review.');
  });

  it('every STATUS and FOLLOW reply is one GSM-7 segment, a 300-character milestone included', () => {
    const d = testDeployment((r) => (r.cycles[0].results = { published: '2026-12-01T09:00:00Z', selected: [6] }));
    const long = 'Ufungaji wa mabomba na tangi kubwa la maji umeanza katika kijiji cha Kiboko karibu na soko '.repeat(4).slice(0, 300);
    const update = {
      seq: 9,
      cycleId: 'c-open',
      code: 6,
      status: 'procurement' as const,
      progress: 100,
      date: '2027-09-30',
      milestone: { en: long, sw: long, fr: long },
      reason: null,
      recordedAt: '2027-09-30T09:00:00.000Z',
    };
    for (const lang of SUPPORTED_LANGUAGES) {
      for (const body of ['STATUS 6', 'FOLLOW 6', 'FOLLOW', 'STATUS 55', 'STATUS']) {
        const r = sms(body, { ...smsCtx(d, { lang }), projectUpdate: (code) => (code === 6 ? update : null) });
        const out = toGsmLookalikes(r.reply!.text);
        expect(smsCost(out), `${lang} ${body}: ${out}`).toMatchObject({ encoding: 'GSM-7', segments: 1 });
      }
      const none = sms('STATUS 6', smsCtx(d, { lang }));
      expect(smsCost(toGsmLookalikes(none.reply!.text)).segments, none.reply!.text).toBe(1);
    }
  });
});
