// Residents report on winning projects: REPORT 7 <text> by SMS on a real gateway is answered with a
// reference after the commit (once, whatever the provider's retries), its number kept sealed on the
// gateway against that reference; the report syncs to the ledger (a phone number in the text never
// leaves), lands in the console under its project, where a reviewer sets its status and answer
// (CSRF, roles, audit entries that `ledger verify` checks), and the answer is a `report.answered`
// notice that the signed notice feed carries back to the gateway that holds the number, which texts
// it once in the reporter's language (never again on a repeated pull; a new answer is a new SMS;
// nothing after STOP). Bad input gets a clear reply in the resident's language.
import { createPrivateKey } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { createLogger } from '../src/logging.ts';
import { decodeBatch, newKeyPair } from '../src/domain/protocol.ts';
import { reportAnswerSms } from '../src/domain/report-text.ts';
import { smsCost, toGsmLookalikes } from '../src/domain/sms-encoding.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import { parseSms } from '../flows/sms/grammar.ts';
import { syncRound } from '../sync/sync-job.ts';
import { buildBatch } from '../sync/batch.ts';
import type { GatewayIdentity } from '../sync/identity.ts';
import { noticesAfter } from '../ledger/notices.ts';
import type { LedgerDb } from '../ledger/schema.ts';
import { parseNoticeFeed, type ReportAnswerNotice } from '../src/domain/notices.ts';
import { verifyChain } from '../ledger/verify.ts';
import { handleReport, listReports, verifyReportTrail } from '../console/reports.ts';
import { ledgerBackends, testLedger } from './helpers/ledger.ts';
import { voterKey } from '../src/domain/voter.ts';
import type { EventRow } from '../src/store/gateway-store.ts';
import { connectedRelay } from './helpers/ledger-server.ts';
import { testDeployment } from './helpers/deployment.ts';
import { SECRET, testGateway, textGateway } from './helpers/gateway.ts';
import { phoneSeal } from '../src/domain/phone-seal.ts';
import { ImplementationStore } from '../src/store/implementation-store.ts';
import { csrfOf, seedTeam, signIn } from './helpers/console.ts';
import { publishedByFieldGateway } from './helpers/closed-cycle.ts';

const silent = createLogger('silent');
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

const REPORTER = '+254711000401';

/** The report answers the notice feed carries for `gatewayId` after entry `after`. */
async function reportAnswers(db: LedgerDb, gatewayId: string, after: number): Promise<ReportAnswerNotice[]> {
  const { items } = await noticesAfter(db, after);
  return items.filter((n): n is ReportAnswerNotice => n.kind === 'report.answered' && n.gatewayId === gatewayId);
}

/** A ledger that published c-open with project 7 among the winners, and a gateway syncing with it. */
async function setup() {
  const { ledger, setNow } = await publishedByFieldGateway();
  closers.push(() => ledger.close());

  const gw = testGateway();
  closers.push(async () => {
    gw.db.close();
  });
  const { relay, stop } = await connectedRelay(gw, ledger);
  closers.push(stop);
  const round = () => syncRound(relay, gw.ballots, silent, gw.implementation, gw.notices);
  /** The answers texted to reporters, oldest first. */
  const answersSent = () =>
    gw.db
      .prepare("SELECT source_ref, body, to_phone, kind, provider, voter_key FROM sms_outbound WHERE source_ref LIKE 'report-answer:%' ORDER BY id")
      .all() as {
      source_ref: string;
      body: string;
      to_phone: string;
      kind: string;
      provider: string;
      voter_key: string;
    }[];
  /** Texts the gateway as provider message `id`; returns its reply as queued. */
  const text = (from: string, body: string, id: string) => textGateway(gw, from, body, id);
  return { ledger, gw, round, text, answersSent, setNow };
}

describe('REPORT 7 by SMS', () => {
  it('is understood in every built-in language, with or without punctuation, and nothing else is taken for it', () => {
    expect(parseSms('REPORT 7 the contractor left')).toEqual({ kind: 'report', code: 7, text: 'the contractor left', lang: 'en' });
    expect(parseSms('ripoti #7: kazi imesimama')).toEqual({ kind: 'report', code: 7, text: 'kazi imesimama', lang: 'sw' });
    expect(parseSms('Signaler P7. chantier arrêté')).toEqual({ kind: 'report', code: 7, text: 'chantier arrêté', lang: 'fr' });
    expect(parseSms('REPORT 7')).toEqual({ kind: 'report', code: 7, text: '', lang: 'en' });
    // A bigger number or a decimal is not a project number: the how-to answers it.
    expect(parseSms('REPORT 120 bags missing')).toMatchObject({ kind: 'report', code: null });
    expect(parseSms('REPORT 7.5 bags missing')).toMatchObject({ kind: 'report', code: null });
    expect(parseSms('REPORT the road')).toMatchObject({ kind: 'report', code: null, text: 'the road' });
  });

  it('records the report after the commit, once per provider message; the ledger gets it without the number; the console answers it', async () => {
    const { ledger, gw, round, text, answersSent } = await setup();
    expect(await round()).toMatchObject({ ballot: 'updated' });

    // Bad input: each answered in the keyword's language, nothing recorded.
    expect(await text(REPORTER, 'RIPOTI 3 kazi imesimama', 'r-1')).toBe('Hakuna mradi ulioshinda wenye nambari 3. Tuma MATOKEO kuona iliyoshinda.');
    expect(await text(REPORTER, 'SIGNALER 7', 'r-2')).toBe('Dites ce que vous voyez après le numéro, ex. SIGNALER 7 chantier arreté.');
    expect(await text(REPORTER, 'REPORT the road is broken', 'r-3')).toBe(
      'To report on a winning project, send REPORT, its number and what you see, e.g. REPORT 7 the work has stopped.',
    );
    expect(await text(REPORTER, 'REPORT 50 broken pipe', 'r-4')).toBe('No winning project has number 50. Send RESULTS for the winners.');
    expect(gw.db.prepare("SELECT count(*) FROM events WHERE type = 'project.reported'").pluck().get()).toBe(0);

    // A report with a phone number in it: recorded with a reference, the number replaced.
    const body = 'REPORT 7 the contractor left, call me 0711 000 401';
    const reply = await text(REPORTER, body, 'r-5');
    const ref = /Reference (R-[0-9A-Z]{5}-[0-9A-Z]{3})\./.exec(reply ?? '')?.[1];
    expect(reply).toBe(`Report on project 7 Clinic roof repairs recorded. Reference ${ref}. The city team will answer you by SMS.`);
    expect(smsCost(toGsmLookalikes(reply!)).segments).toBe(1);
    // The provider retries the same message: nothing new, no second reply.
    await text(REPORTER, body, 'r-5');
    const events = gw.db.prepare("SELECT payload FROM events WHERE type = 'project.reported'").pluck().all() as string[];
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]!)).toEqual({ wardId: 'north', code: 7, text: 'the contractor left, call me [phone]', reference: ref, lang: 'en' });
    expect(gw.db.prepare("SELECT count(*) FROM sms_outbound WHERE source_ref = 'sms:africastalking:r-5'").pluck().get()).toBe(1);
    // The number is kept on the gateway, sealed, against the reference: the answer's way back.
    const kept = gw.db.prepare('SELECT phone, lang FROM report_contacts WHERE reference = ?').get(ref) as { phone: string; lang: string };
    expect(kept.phone).toMatch(/^s1:/);
    expect(kept.phone).not.toContain('711000401');
    expect(new ImplementationStore(gw.db, phoneSeal(SECRET)).reporter(ref!)).toMatchObject({ phone: REPORTER, provider: 'africastalking', lang: 'en' });

    // Synced: the ledger holds it under project 7, with status new, and nothing of the number.
    await round();
    const { rows } = await listReports(ledger.conn.db, { cycle: 'c-open', code: 7, page: 1 });
    expect(rows).toHaveLength(1);
    const report = rows[0]!;
    expect(report).toMatchObject({
      reference: ref,
      code: 7,
      ward_id: 'north',
      status: 'new',
      answer: '{}',
      gateway_id: gw.gatewayId,
      lang: 'en',
      channel: 'sms',
    });
    const everything = JSON.stringify(await ledger.conn.db.selectFrom('ledger_events').selectAll().execute());
    expect(everything).not.toContain('711000401');
    expect(everything).not.toContain('0711 000');

    // The console: a signed-out visitor sees nothing; the list and the project's page show it.
    const app = createLedgerApp(ledger, silent);
    await seedTeam(ledger);
    expect((await request(app).get('/console/reports')).status).toBe(303);
    const reviewer = request.agent(app);
    await signIn(reviewer, 'reviewer');
    const list = await reviewer.get('/console/reports?cycle=c-open&code=7');
    expect(list.status).toBe(200);
    expect(list.text).toContain('Reports on project 7 Clinic roof repairs');
    expect(list.text).toContain('the contractor left, call me [phone]');
    const page = await reviewer.get(`/console/reports/${report.event_id}`);
    expect(page.text).toContain(ref);
    const csrf = csrfOf(page.text);

    // No CSRF token: refused. An auditor: refused. Nothing changed.
    expect((await reviewer.post(`/console/reports/${report.event_id}`).type('form').send({ status: 'acknowledged' })).status).toBe(403);
    const auditor = request.agent(app);
    await signIn(auditor, 'auditor');
    const auditorCsrf = csrfOf((await auditor.get(`/console/reports/${report.event_id}`)).text);
    expect((await auditor.post(`/console/reports/${report.event_id}`).type('form').send({ _csrf: auditorCsrf, status: 'resolved' })).status).toBe(403);
    expect((await reviewer.post(`/console/reports/${report.event_id}`).type('form').send({ _csrf: csrf, status: 'closed' })).status).toBe(400);

    // An answer in another language only, or too long for one SMS: refused, the field named.
    const onlySw = await reviewer
      .post(`/console/reports/${report.event_id}`)
      .type('form')
      .send({ _csrf: csrf, status: 'acknowledged', 'answer.sw': 'Tumepokea' });
    expect(onlySw.status).toBe(400);
    expect(onlySw.text).toContain('id="e-answer.en"');
    const long = await reviewer
      .post(`/console/reports/${report.event_id}`)
      .type('form')
      .send({ _csrf: csrf, status: 'acknowledged', 'answer.en': 'x'.repeat(150) });
    expect(long.status).toBe(400);
    expect(long.text).toContain('does not fit one SMS');
    expect(await reportAnswers(ledger.conn.db, gw.gatewayId, 0)).toEqual([]);

    // Acknowledged with an answer: saved, audited, and ready for the gateway's notice feed.
    const answer = { en: 'The county engineer visits the site on Monday.', sw: 'Mhandisi wa kaunti atatembelea Jumatatu.' };
    const saved = await reviewer
      .post(`/console/reports/${report.event_id}`)
      .type('form')
      .send({ _csrf: csrf, status: 'acknowledged', 'answer.en': answer.en, 'answer.sw': answer.sw, 'answer.fr': '' });
    expect(saved.status).toBe(303);
    const feed = await reportAnswers(ledger.conn.db, gw.gatewayId, 0);
    expect(feed).toEqual([
      { kind: 'report.answered', seq: expect.any(Number), cycleId: 'c-open', recordedAt: expect.any(String), reference: ref, gatewayId: gw.gatewayId, answer },
    ]);
    expect(await reportAnswers(ledger.conn.db, 'gw-other', 0)).toEqual([]);
    expect(reportAnswerSms('en', ref!, answer.en)).toBe(`City answer to your report ${ref}: The county engineer visits the site on Monday.`);
    // The gateway pulls the feed: exactly one SMS, in the reporter's language, to the sealed number.
    expect(await round()).toMatchObject({ notices: { stored: 1, queued: 1 } });
    expect(answersSent()).toEqual([
      {
        source_ref: `report-answer:${feed[0]!.seq}`,
        body: toGsmLookalikes(reportAnswerSms('en', ref!, answer.en)),
        to_phone: expect.stringMatching(/^s1:/),
        kind: 'broadcast',
        provider: 'africastalking',
        voter_key: expect.any(String),
      },
    ]);
    // Pulled again, even with the gateway's copy of the notices lost: nothing sent twice.
    expect(await round()).toMatchObject({ notices: { stored: 0, queued: 0 } });
    gw.db.prepare('DELETE FROM notices_received').run();
    expect(await round()).toMatchObject({ notices: { queued: 0 } });
    expect(answersSent()).toHaveLength(1);
    // Resolved without a new answer: audited, but nothing new for the feed (the reporter is not texted twice).
    const resolved = await reviewer
      .post(`/console/reports/${report.event_id}`)
      .type('form')
      .send({ _csrf: csrf, status: 'resolved', 'answer.en': answer.en, 'answer.sw': answer.sw });
    expect(resolved.status).toBe(303);
    expect(await reportAnswers(ledger.conn.db, gw.gatewayId, feed[0]!.seq)).toEqual([]);
    expect(await round()).toMatchObject({ notices: { stored: 0, queued: 0 } });
    // A changed answer is a new audit entry, a new notice and a new SMS.
    const update = { en: 'The engineer found the roof safe; work resumes on 10 Dec.', sw: 'Kazi itaendelea tarehe 10 Desemba.' };
    const changed = await reviewer
      .post(`/console/reports/${report.event_id}`)
      .type('form')
      .send({ _csrf: csrf, status: 'resolved', 'answer.en': update.en, 'answer.sw': update.sw });
    expect(changed.status).toBe(303);
    expect(await round()).toMatchObject({ notices: { stored: 1, queued: 1 } });
    expect(answersSent().map((m) => m.body)).toEqual([
      toGsmLookalikes(reportAnswerSms('en', ref!, answer.en)),
      toGsmLookalikes(reportAnswerSms('en', ref!, update.en)),
    ]);
    answer.en = update.en;
    answer.sw = update.sw;
    const shown = await reviewer.get(`/console/reports/${report.event_id}`);
    expect(shown.text).toContain('Resolved');
    expect(shown.text).toContain('report.handled');
    expect((await reviewer.get('/console/reports?status=new')).text).toContain('No reports match.');

    // The chain and the console's report rows verify; a row changed behind the console's back does not.
    expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true });
    expect(await verifyReportTrail(ledger.conn.db)).toBeNull();
    await ledger.conn.db
      .updateTable('ledger_reports')
      .set({ answer: JSON.stringify({ en: 'All fixed.' }) })
      .execute();
    expect(await verifyReportTrail(ledger.conn.db)).toMatchObject({ problem: expect.stringContaining('not as its last audit entry recorded') });
    await ledger.conn.db
      .updateTable('ledger_reports')
      .set({ answer: JSON.stringify(answer), text: 'nothing to see' })
      .execute();
    expect(await verifyReportTrail(ledger.conn.db)).toMatchObject({ problem: expect.stringContaining('not as its chain entry') });

    // STOP: the number behind the report is forgotten; an answer would reach nobody.
    await text(REPORTER, 'STOP', 'r-6');
    expect(gw.count('report_contacts')).toBe(0);
    expect(new ImplementationStore(gw.db, phoneSeal(SECRET)).reporter(ref!)).toBeNull();
  });

  it('an answer after STOP texts nobody; notices of a kind the gateway does not know are skipped, logged once, and the feed moves past them', async () => {
    const { ledger, gw, round, text, answersSent } = await setup();
    await round();
    const reply = await text(REPORTER, 'RIPOTI 7 mkandarasi ameondoka', 's-1');
    const ref = /(R-[0-9A-Z]{5}-[0-9A-Z]{3})/.exec(reply ?? '')?.[1];
    expect(ref).toBeTruthy();
    await round();

    // A later ledger's notices (a kind this gateway does not know) make up a whole page.
    const head = await ledger.conn.db
      .selectFrom('ledger_events')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirstOrThrow();
    const top = Number(head.seq);
    for (const seq of [top - 1, top])
      await ledger.conn.db
        .insertInto('ledger_notices')
        .values({
          seq,
          kind: 'broadcast.sent',
          cycle_id: 'c-open',
          body: JSON.stringify({ audience: 'north', text: { en: 'Hello' } }),
          recorded_at: ledger.now().toISOString(),
        })
        .execute();
    expect(await round()).toMatchObject({ notices: { stored: 2, queued: 0 } });
    expect(gw.notices.cursor()).toBe(top);
    expect(await round()).toMatchObject({ notices: { stored: 0, queued: 0 } });
    const warned = gw.logs.lines.filter((l) => l.includes('does not know'));
    expect(warned).toHaveLength(1);
    expect(JSON.parse(warned[0]!)).toMatchObject({ kind: 'broadcast.sent' });
    expect(gw.logs.text()).not.toContain('711000401');

    // The reporter sends STOP before the team answers: the answer's notice arrives, nobody is texted.
    await text(REPORTER, 'ACHA', 's-2');
    const [row] = (await listReports(ledger.conn.db, { page: 1 })).rows;
    await handleReport(
      ledger.conn,
      ledger.deployment(),
      { name: 'reviewer', role: 'reviewer' },
      row!.event_id,
      { status: 'acknowledged', answer: { sw: 'Tumepokea, tunafuatilia.' } },
      ledger.now(),
    );
    expect(await round()).toMatchObject({ notices: { stored: 1, queued: 0 } });
    expect(answersSent()).toEqual([]);

    // Another resident reports in Kiswahili: the answer comes back in Kiswahili, once.
    const other = await text('+254711000409', 'RIPOTI 7 hakuna wafanyakazi', 's-3');
    const otherRef = /(R-[0-9A-Z]{5}-[0-9A-Z]{3})/.exec(other ?? '')?.[1];
    await round();
    const theirs = (await listReports(ledger.conn.db, { page: 1 })).rows.find((r) => r.reference === otherRef)!;
    const answer = { en: 'Workers return on Monday.', sw: 'Wafanyakazi watarudi Jumatatu.' };
    await handleReport(
      ledger.conn,
      ledger.deployment(),
      { name: 'reviewer', role: 'reviewer' },
      theirs.event_id,
      { status: 'acknowledged', answer },
      ledger.now(),
    );
    expect(await round()).toMatchObject({ notices: { stored: 1, queued: 1 } });
    expect(answersSent().map((m) => m.body)).toEqual([toGsmLookalikes(reportAnswerSms('sw', otherRef!, answer.sw))]);
    expect(answersSent()[0]!.body).toContain('Wafanyakazi watarudi Jumatatu.');
    expect(await round()).toMatchObject({ notices: { stored: 0, queued: 0 } });
    expect(answersSent()).toHaveLength(1);
  });

  it('a notice feed page: unknown kinds pass as entries to step over, a malformed known kind refuses the page', () => {
    const answer = {
      kind: 'report.answered',
      seq: 5,
      cycleId: 'c-open',
      recordedAt: '2026-12-03T09:00:00.000Z',
      gatewayId: 'gw-test',
      reference: 'R-AAAAA-BBB',
      answer: { en: 'Noted.' },
    };
    expect(parseNoticeFeed({ items: [{ kind: 'poll.opened', seq: 4, anything: [1] }, answer], more: true })).toEqual({
      items: [{ kind: 'unknown', seq: 4, named: 'poll.opened' }, answer],
      more: true,
    });
    expect(parseNoticeFeed({ items: [{ ...answer, answer: 'Noted.' }], more: false })).toBeNull();
    expect(parseNoticeFeed({ items: [{ kind: 'poll.opened' }], more: false })).toBeNull();
  });

  it('a report the console never handled verifies as received; one handled without the console does not', async () => {
    const { ledger, round, text } = await setup();
    await round();
    await text(REPORTER, 'REPORT 7 no workers since Monday', 'v-1');
    await round();
    expect(await verifyReportTrail(ledger.conn.db)).toBeNull();
    const [row] = (await listReports(ledger.conn.db, { page: 1 })).rows;
    await handleReport(
      ledger.conn,
      ledger.deployment(),
      { name: 'reviewer', role: 'reviewer' },
      row!.event_id,
      { status: 'acknowledged', answer: {} },
      ledger.now(),
    );
    expect(await verifyReportTrail(ledger.conn.db)).toBeNull();
    await ledger.conn.db.updateTable('ledger_reports').set({ status: 'new', audit_seq: null }).execute();
    expect(await verifyReportTrail(ledger.conn.db)).toMatchObject({ problem: expect.stringContaining('but its last audit entry is') });
  });
});

describe.each(await ledgerBackends())('reports in the ledger (%s)', (backend) => {
  it('ingests project.reported into ledger_reports, refuses one off the ward ballot, handles it with audit, feeds the answer, verifies', async () => {
    const now = new Date('2026-12-02T09:00:00Z');
    const ledger = await testLedger(backend, testDeployment(), () => now);
    closers.push(() => ledger.close());
    const { privatePem, publicKey } = newKeyPair();
    const gw: GatewayIdentity = { gatewayId: 'gw-rep', publicKey, privateKey: createPrivateKey(privatePem) };
    await ledger.addGateway('gw-rep', publicKey);
    const report = (seq: number, wardId: string, code: number, reference: string): EventRow => ({
      seq,
      id: uuidv7(),
      type: 'project.reported',
      cycle_id: 'c-open',
      voter_key: voterKey('+254711000499', 'test-secret-0123456789'),
      channel: 'sms',
      gateway_id: 'gw-rep',
      captured_at: '2026-12-02T08:00:00.000Z',
      source_ref: `test:gw-rep:${seq}`,
      payload: JSON.stringify({ wardId, code, text: 'No workers on site', reference, lang: 'sw' }),
      acked_at: null,
    });
    const rows = [report(1, 'north', 7, 'R-AAAAA-BBB'), report(2, 'south', 7, 'R-CCCCC-DDD')];
    const { header, lines } = decodeBatch(gunzipSync(buildBatch(gw, rows, 0, now).body).toString('utf8'));
    const answer = await ledger.ingest(header, lines, 'push');
    expect(answer.accepted.map((a) => a.id)).toEqual([rows[0]!.id]);
    expect(answer.rejected).toEqual([expect.objectContaining({ id: rows[1]!.id, reason: 'not-on-ballot' })]);

    const [row] = (await listReports(ledger.conn.db, { code: 7, page: 1 })).rows;
    expect(row).toMatchObject({ reference: 'R-AAAAA-BBB', status: 'new', gateway_id: 'gw-rep', lang: 'sw' });
    const d = ledger.deployment();
    const reviewer = { name: 'reviewer', role: 'reviewer' };
    // The answer is needed in the reporter's language (here Kiswahili) once any is given.
    await expect(handleReport(ledger.conn, d, reviewer, row!.event_id, { status: 'acknowledged', answer: { en: 'Noted' } }, now)).rejects.toMatchObject({
      field: 'answer.sw',
      key: 'answerNeeded',
    });
    expect(await handleReport(ledger.conn, d, reviewer, row!.event_id, { status: 'acknowledged', answer: { sw: 'Tumepokea, tunafuatilia.' } }, now)).toBe(
      'changed',
    );
    expect(await handleReport(ledger.conn, d, reviewer, row!.event_id, { status: 'acknowledged', answer: { sw: 'Tumepokea, tunafuatilia.' } }, now)).toBe(
      'unchanged',
    );
    const feed = await reportAnswers(ledger.conn.db, 'gw-rep', 0);
    expect(feed).toEqual([expect.objectContaining({ reference: 'R-AAAAA-BBB', gatewayId: 'gw-rep', answer: { sw: 'Tumepokea, tunafuatilia.' } })]);
    expect(typeof feed[0]!.seq).toBe('number');
    // The answer taken back: no new notice, and the row still verifies.
    await handleReport(ledger.conn, d, reviewer, row!.event_id, { status: 'resolved', answer: {} }, now);
    expect(await reportAnswers(ledger.conn.db, 'gw-rep', feed[0]!.seq)).toEqual([]);
    expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true });
    // The notice checks against its audit entry: one changed behind the console's back does not.
    const [stored] = await ledger.conn.db.selectFrom('ledger_notices').select(['seq', 'body']).execute();
    await ledger.conn.db
      .updateTable('ledger_notices')
      .set({ body: stored!.body.replace('Tumepokea', 'Imekamilika') })
      .execute();
    expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: false });
    await ledger.conn.db.updateTable('ledger_notices').set({ body: stored!.body }).execute();
    expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true });
    expect(await verifyReportTrail(ledger.conn.db)).toBeNull();
    await ledger.conn.db.deleteFrom('ledger_reports').execute();
    expect(await verifyReportTrail(ledger.conn.db)).toMatchObject({ problem: expect.stringContaining('gone from ledger_reports') });
  });
});
