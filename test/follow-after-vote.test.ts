// Following the projects voted for, right after the vote (issue 16, "After the vote"): on USSD the
// receipt screen offers 1 Follow, by voice the receipt offers key 3. Both keep the number sealed in
// the store FOLLOW 7 uses, once however often the provider retries, never for a number that sent
// STOP; the next implementation update of a followed project is texted to it.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { NOW } from './helpers/deployment.ts';
import { atCall as atVoiceCall, clipsOf, postForm, twilioCall as twilioVoiceCall } from './helpers/voice-call.ts';
import { atSmsBody, TOKEN, testGateway, ussdBody } from './helpers/gateway.ts';

type Gw = ReturnType<typeof testGateway>;
const PHONE = '+254711000001';
// English, vote, North Ward, projects 3 and 1, done, confirm.
const USSD_VOTE = '1*1*1*3*1*99*1';
// Kiswahili, vote, North Ward, pick project 1, next, pick project 2, done, confirm.
const VOICE_VOTE = ['2', '1', '1', '1', '2', '1', '9', '1'];

const form = postForm;
const clips = clipsOf;
const follows = (gw: Gw) =>
  gw.db.prepare('SELECT cycle_id, code, provider, phone, lang FROM project_follows ORDER BY code').all() as {
    cycle_id: string;
    code: number;
    provider: string;
    phone: string;
    lang: string;
  }[];
const ussd = (gw: Gw, session: string, text: string) =>
  request(gw.app)
    .post(`/africastalking/ussd/${TOKEN}`)
    .type('form')
    .send(ussdBody({ sessionId: session, phoneNumber: PHONE, text }))
    .expect(200)
    .then((r) => r.text);
const stop = (gw: Gw) =>
  request(gw.app)
    .post(`/africastalking/sms/${TOKEN}`)
    .type('form')
    .send(atSmsBody({ from: PHONE, text: 'STOP' }))
    .expect(200);

const atCall = (gw: Gw, sessionId = 'ATVId_follow_1') => atVoiceCall(gw, PHONE, sessionId);
const twilioCall = (gw: Gw) => twilioVoiceCall(gw, PHONE, '8');

describe('USSD: follow after voting', () => {
  it('the receipt screen offers Follow; 1 keeps the number sealed for each project voted for, once, and the next update is texted', async () => {
    const gw = testGateway({ clock: () => NOW });
    let text = '';
    for (const keys of ['', '1', '1*1', '1*1*1', '1*1*1*3', '1*1*1*3*1', '1*1*1*3*1*99']) text = await ussd(gw, 'u-f1', keys);
    expect(text).toContain('1 Confirm');
    const receipt = await ussd(gw, 'u-f1', USSD_VOTE);
    const code = gw.db.prepare('SELECT receipt FROM ballots').pluck().get() as string;
    // The vote is recorded before the offer is answered.
    expect(receipt).toBe(`CON Thank you! Your vote is recorded. Receipt: ${code}\n1 Follow these projects by SMS\n0 Exit`);
    const done = await ussd(gw, 'u-f1', `${USSD_VOTE}*1`);
    expect(done).toBe(`END You will get the news of the projects you chose (3, 1) by SMS if they win. Receipt: ${code}. Send STOP to end all messages.`);
    // A provider retry of the hop answers the same and keeps nothing twice.
    expect(await ussd(gw, 'u-f1', `${USSD_VOTE}*1`)).toBe(done);
    const kept = follows(gw);
    expect(kept).toEqual([
      { cycle_id: 'c-open', code: 1, provider: 'africastalking', phone: expect.stringMatching(/^s1:/), lang: 'en' },
      { cycle_id: 'c-open', code: 3, provider: 'africastalking', phone: expect.stringMatching(/^s1:/), lang: 'en' },
    ]);
    expect(JSON.stringify(kept)).not.toContain('711000001');
    expect(gw.logs.text()).not.toContain('711000001');

    // The same store FOLLOW 7 fills: an update of project 3 is texted to this number.
    const stored = await gw.implementation.receive([
      {
        seq: 1,
        cycleId: 'c-open',
        code: 3,
        status: 'in-progress',
        progress: 10,
        date: '2027-01-10',
        milestone: { en: 'Site cleared', sw: 'Eneo limesafishwa', fr: 'Terrain dégagé' },
        reason: null,
        photo: null,
        recordedAt: '2027-01-10T09:00:00Z',
      },
    ]);
    expect(stored).toEqual({ stored: 1, queued: 1 });
    const sent = gw.db.prepare("SELECT body FROM sms_outbound WHERE source_ref LIKE 'implementation:%'").pluck().all() as string[];
    expect(sent).toEqual(['Update on project 3 Maternity wing: in progress, 10% (10 Jan 2027). Site cleared. STOP to end.']);
  });

  it('Exit ends on the receipt and keeps nothing; a number that sent STOP is not offered to follow', async () => {
    const gw = testGateway({ clock: () => NOW });
    for (const keys of ['', '1', '1*1', '1*1*1', '1*1*1*3', '1*1*1*3*1', '1*1*1*3*1*99', USSD_VOTE]) await ussd(gw, 'u-f2', keys);
    expect(await ussd(gw, 'u-f2', `${USSD_VOTE}*0`)).toMatch(/^END Thank you! Your vote is recorded\. Receipt: /);
    expect(follows(gw)).toEqual([]);

    await stop(gw);
    let text = '';
    for (const keys of ['', '1', '1*1', '1*1*1', '1*1*1*3', '1*1*1*3*1', '1*1*1*3*1*99']) text = await ussd(gw, 'u-f3', keys);
    text = await ussd(gw, 'u-f3', '1*1*1*3*1*99*1');
    expect(text).toMatch(/^END Thank you! Your vote is recorded\. Receipt: /);
    expect(text).not.toContain('Follow');
    expect(follows(gw)).toEqual([]);
  });
});

describe('voice: follow after voting (key 3 after the receipt)', () => {
  it('Africa’s Talking: 3 keeps the number for the projects voted for, in Kiswahili, once however often the callback comes', async () => {
    const gw = testGateway({ clock: () => NOW });
    const at = atCall(gw);
    let xml = await at.start();
    for (const key of VOICE_VOTE) xml = await at.press(xml, key);
    expect(clips(xml)).toEqual(expect.arrayContaining(['voice.voteRecorded', 'voice.receiptAgain', 'voice.smsCopyOffer', 'voice.followVotedOffer']));
    expect(gw.count('ballots')).toBe(1);
    const path = at.next(xml);
    const [first, concurrent] = await Promise.all([form(gw, path, at.fields({ dtmfDigits: '3' })), form(gw, path, at.fields({ dtmfDigits: '3' }))]);
    expect(clips(first.text)).toEqual(['voice.followingVoted']);
    expect(first.text).not.toMatch(/GetDigits/);
    expect(concurrent.text).toBe(first.text);
    expect(follows(gw)).toEqual([
      { cycle_id: 'c-open', code: 1, provider: 'africastalking', phone: expect.stringMatching(/^s1:/), lang: 'sw' },
      { cycle_id: 'c-open', code: 2, provider: 'africastalking', phone: expect.stringMatching(/^s1:/), lang: 'sw' },
    ]);
    expect(gw.count('ballots')).toBe(1);
    expect(gw.logs.text()).not.toContain('711000001');
  });

  it('Twilio: 3 follows through Twilio’s SMS; 1 still hears the receipt again first', async () => {
    const gw = testGateway({ clock: () => NOW });
    const tw = twilioCall(gw);
    let xml = await tw.start();
    for (const key of VOICE_VOTE) xml = await tw.press(xml, key);
    const again = await tw.press(xml, '1');
    expect(clips(again)).toContain('voice.followVotedOffer');
    const done = await tw.press(again, '3');
    expect(clips(done)).toEqual(['voice.followingVoted']);
    expect(done).toMatch(/<Hangup\/><\/Response>$/);
    expect(follows(gw).map((f) => [f.code, f.provider])).toEqual([
      [1, 'twilio'],
      [2, 'twilio'],
    ]);
  });

  it('a number that sent STOP hears no follow offer, and 3 says goodbye', async () => {
    const gw = testGateway({ clock: () => NOW });
    await stop(gw);
    const at = atCall(gw, 'ATVId_follow_2');
    let xml = await at.start();
    for (const key of VOICE_VOTE) xml = await at.press(xml, key);
    expect(clips(xml)).not.toContain('voice.followVotedOffer');
    expect(clips(await at.press(xml, '3'))).toEqual(['voice.goodbye']);
    expect(follows(gw)).toEqual([]);
  });

  it('Project progress is on the call’s menu: 6, a winner’s number, then 1 follows it', async () => {
    const gw = testGateway({ clock: () => NOW });
    const at = atCall(gw, 'ATVId_follow_3');
    let xml = await at.start();
    xml = await at.press(xml, '1'); // English
    expect(clips(xml)).toContain('voice.menu.project');
    xml = await at.press(xml, '6');
    expect(clips(xml)).toEqual(['voice.askProjectCode']);
    expect(xml).toContain('numDigits="2"');
    xml = await at.press(xml, '31');
    expect(clips(xml)).toEqual(expect.arrayContaining(['voice.project', 'project.c-past.31', 'voice.projectNoUpdate', 'voice.projectFollowKey']));
    expect(clips(await at.press(xml, '1'))).toEqual(['voice.following']);
    expect(follows(gw)).toEqual([{ cycle_id: 'c-past', code: 31, provider: 'africastalking', phone: expect.stringMatching(/^s1:/), lang: 'en' }]);
  });
});
