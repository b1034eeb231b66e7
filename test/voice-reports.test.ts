// A report spoken on a call (issue 16, "Residents report back"): on Africa's Talking, Project
// progress, a winner's number, 2, then the report after the beep. The recording is kept on the
// gateway and named by the project.reported event (no text); the caller's number is kept sealed
// against the reference. The signed sync carries the event and then the recording to the ledger;
// the console's report page plays it; the team's answer comes back as a notice and is texted to
// the caller. Once the report is resolved and the retention period has passed, the recording is
// erased (the cycle's published results, which came before the report, do not count).
import { createHash, randomBytes } from 'node:crypto';
import nock from 'nock';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { reportPayloadSchema } from '../src/domain/protocol.ts';
import { reportAnswerSms } from '../src/domain/report-text.ts';
import { toGsmLookalikes } from '../src/domain/sms-encoding.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import { syncRound } from '../sync/sync-job.ts';
import { recordingsDue } from '../ledger/recording-retention.ts';
import { purgeDeliveredRecordings } from '../src/store/scrub.ts';
import { verifyReportTrail } from '../console/reports.ts';
import { connectedRelay } from './helpers/ledger-server.ts';
import { PUBLIC_URL, TOKEN, testGateway } from './helpers/gateway.ts';
import { csrfOf, seedTeam, signIn } from './helpers/console.ts';
import { publishedByFieldGateway } from './helpers/closed-cycle.ts';

const silent = createLogger('silent');
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

const CALLER = '+254711000402';
const SESSION = 'ATVId_report_1';
const REC = 'https://voice.africastalking.com';
const DAY = 86_400_000;
type Gw = ReturnType<typeof testGateway>;

/** A ledger that published c-open with project 7 among the winners, and a gateway syncing with it. */
async function setup() {
  const { ledger, setNow } = await publishedByFieldGateway();
  closers.push(() => ledger.close());
  const gw = testGateway();
  closers.push(() => {
    gw.db.close();
  });
  const { relay, stop } = await connectedRelay(gw, ledger);
  closers.push(stop);
  const round = () => syncRound(relay, gw.ballots, silent, gw.implementation, gw.notices);
  return { ledger, gw, round, setNow, now: () => ledger.now() };
}

const form = (gw: Gw, path: string, fields: Record<string, string>) => request(gw.app).post(path).type('form').send(fields);
const fields = (extra: Record<string, string> = {}) => ({
  isActive: '1',
  sessionId: SESSION,
  direction: 'Inbound',
  callerNumber: CALLER,
  destinationNumber: '+254711082000',
  ...extra,
});
const pathOf = (xml: string, el: string) =>
  xml
    .match(new RegExp(`<${el} [^>]*callbackUrl="([^"]*)"`))![1]!
    .replace(/&amp;/g, '&')
    .replace(PUBLIC_URL, '');
const clips = (xml: string) => [...xml.matchAll(/\/prompts\/\w+\/([^"<]+)\.wav/g)].map((m) => decodeURIComponent(m[1]!));

/** English, Project progress, project 7, 2 Report, then the recording: returns the last answer. */
async function speakReport(gw: Gw, audio: Buffer): Promise<string> {
  let xml = (await form(gw, `/africastalking/voice/${TOKEN}`, fields())).text;
  for (const key of ['1', '6', '7', '2']) xml = (await form(gw, pathOf(xml, 'GetDigits'), fields({ dtmfDigits: key }))).text;
  expect(clips(xml)).toEqual(['voice.speakReport']);
  nock(REC).get(`/recordings/${SESSION}.mp3`).reply(200, audio, { 'Content-Type': 'audio/mpeg' });
  return (await form(gw, pathOf(xml, 'Record'), fields({ recordingUrl: `${REC}/recordings/${SESSION}.mp3` }))).text;
}

describe('a report spoken on a call', () => {
  it('reaches the console with its recording, which the team plays; their answer is texted to the caller; resolved, it is erased in time', async () => {
    const { ledger, gw, round, setNow, now } = await setup();
    expect(await round()).toMatchObject({ ballot: 'updated' });
    const audio = Buffer.concat([Buffer.from('ID3'), randomBytes(20_000)]);
    const sha256 = createHash('sha256').update(audio).digest('hex');

    const done = await speakReport(gw, audio);
    expect(clips(done)[0]).toBe('voice.reportRecorded');
    expect(clips(done)).toContain('voice.reportAnswerBySms');
    const payload = JSON.parse(gw.db.prepare("SELECT payload FROM events WHERE type = 'project.reported'").pluck().get() as string) as { reference: string };
    expect(payload).toMatchObject({ code: 7, text: '', audio: { sha256, bytes: audio.length } });
    const ref = payload.reference;
    expect(gw.db.prepare('SELECT provider FROM report_contacts WHERE reference = ?').pluck().get(ref)).toBe('africastalking');

    // Synced: the event, then its recording, bound to it by digest.
    const synced = await round();
    expect(synced.push).toMatchObject({ accepted: 1 });
    expect(synced.attachments).toMatchObject({ stored: 1, refused: 0 });
    const held = await ledger.attachment(sha256);
    expect(held!.audio.equals(audio)).toBe(true);
    const everything = JSON.stringify(await ledger.conn.db.selectFrom('ledger_events').selectAll().execute());
    expect(everything).not.toContain('711000402');
    // Held by the ledger and its event acknowledged: the gateway's sweep may now erase its copy.
    expect(purgeDeliveredRecordings(gw.db, '9999-12-31T00:00:00.000Z')).toBe(1);
    expect(gw.count('voice_recordings')).toBe(0);

    // The console: the project's list says it was spoken; its page plays the recording.
    const app = createLedgerApp(ledger, silent);
    await seedTeam(ledger);
    const reviewer = request.agent(app);
    await signIn(reviewer, 'reviewer');
    const list = await reviewer.get('/console/reports?cycle=c-open&code=7');
    expect(list.text).toContain(ref);
    expect(list.text).toContain('(spoken on a call: listen to the recording)');
    const report = (await ledger.conn.db.selectFrom('ledger_reports').selectAll().executeTakeFirstOrThrow()) as { event_id: string; channel: string };
    expect(report.channel).toBe('voice');
    const page = await reviewer.get(`/console/reports/${report.event_id}`);
    expect(page.text).toContain(`<audio controls preload="none" src="/console/recordings/${sha256}"></audio>`);
    const played = await reviewer.get(`/console/recordings/${sha256}`).buffer(true);
    expect(played.status).toBe(200);
    expect(played.headers['content-type']).toMatch(/^audio\/mpeg/);
    expect(Buffer.from(played.body as Buffer).equals(audio)).toBe(true);

    // Acknowledged with an answer: no longer new, and the answer is texted to the caller, once.
    const answer = 'The engineer visits the site on Monday.';
    const csrf = csrfOf(page.text);
    const saved = await reviewer.post(`/console/reports/${report.event_id}`).type('form').send({ _csrf: csrf, status: 'acknowledged', 'answer.en': answer });
    expect(saved.status).toBe(303);
    expect(await round()).toMatchObject({ notices: { stored: 1, queued: 1 } });
    const sent = gw.db.prepare("SELECT body, to_phone, provider FROM sms_outbound WHERE source_ref LIKE 'report-answer:%'").all();
    expect(sent).toEqual([{ body: toGsmLookalikes(reportAnswerSms('en', ref, answer)), to_phone: expect.stringMatching(/^s1:/), provider: 'africastalking' }]);
    expect(await round()).toMatchObject({ notices: { queued: 0 } });

    // Retention: the published results never finish a report; acknowledged is not finished either.
    const days = ledger.deployment().ledger.recordingRetentionDays;
    const later = (d: number) => new Date(now().getTime() + d * DAY);
    expect(await recordingsDue(ledger.conn.db, days, later(days + 1))).toEqual([]);
    const resolved = await reviewer.post(`/console/reports/${report.event_id}`).type('form').send({ _csrf: csrf, status: 'resolved', 'answer.en': answer });
    expect(resolved.status).toBe(303);
    expect(await recordingsDue(ledger.conn.db, days, later(days - 1))).toEqual([]);
    expect(await recordingsDue(ledger.conn.db, days, later(days))).toEqual([
      { sha256, eventId: report.event_id, finishedBy: 'report-resolved', finishedAt: now().toISOString() },
    ]);
    setNow(later(days));
    expect((await ledger.eraseRecordings()).erased).toHaveLength(1);
    // Months later, the session has expired: signed in again, the page says why there is no player.
    const back = request.agent(app);
    await signIn(back, 'reviewer');
    const erased = await back.get(`/console/reports/${report.event_id}`);
    expect(erased.text).not.toContain('<audio');
    expect(erased.text).toContain('the report was resolved, so its voice is no longer kept');
    expect(await verifyReportTrail(ledger.conn.db)).toBeNull();
  });
});

describe('the report event on the wire', () => {
  const base = { wardId: 'north', code: 7, reference: 'R-AB12C-DE3', lang: 'en' };
  const audio = { sha256: 'd'.repeat(64), bytes: 900 };

  it('says something: in words, or in a recording named by digest and length; never neither', () => {
    expect(reportPayloadSchema.safeParse({ ...base, text: 'the contractor left' }).success).toBe(true);
    expect(reportPayloadSchema.safeParse({ ...base, text: '', audio }).success).toBe(true);
    const empty = reportPayloadSchema.safeParse({ ...base, text: '' });
    expect(empty.success).toBe(false);
    expect(empty.error?.issues[0]?.path).toEqual(['text']);
    expect(reportPayloadSchema.safeParse({ ...base, text: '', audio: { ...audio, bytes: 0 } }).success).toBe(false);
    expect(reportPayloadSchema.safeParse({ ...base, text: '', audio: { ...audio, sha256: 'D'.repeat(64) } }).success).toBe(false);
  });
});
