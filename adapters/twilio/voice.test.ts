// Twilio Voice webhooks: signed form bodies in, TwiML out; the same call as on Africa's Talking.
import { createHash } from 'node:crypto';
import nock from 'nock';
import request from 'supertest';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { NOW } from '../../test/helpers/deployment.ts';
import { PUBLIC_URL, TWILIO_SID, TWILIO_TOKEN, testGateway } from '../../test/helpers/gateway.ts';

type Gw = ReturnType<typeof testGateway>;
const CALL = `CA${'1'.repeat(32)}`;
/** The fields Twilio posts to a voice webhook. */
const callParams = (fields: Record<string, string> = {}) => ({
  CallSid: CALL,
  AccountSid: TWILIO_SID,
  From: '+254711000001',
  To: '+15005550006',
  CallStatus: 'in-progress',
  Direction: 'inbound',
  ApiVersion: '2010-04-01',
  ...fields,
});
const sign = (path: string, params: Record<string, string>, token = TWILIO_TOKEN) => twilio.getExpectedTwilioSignature(token, `${PUBLIC_URL}${path}`, params);
const post = (gw: Gw, path: string, params: Record<string, string>, signature: string | null = sign(path, params)) => {
  let r = request(gw.app).post(path).type('form');
  if (signature !== null) r = r.set('X-Twilio-Signature', signature);
  return r.send(params);
};
const actionOf = (xml: string) =>
  xml
    .match(/<Gather [^>]*action="([^"]*)"/)?.[1]
    ?.replace(/&amp;/g, '&')
    .replace(PUBLIC_URL, '');
const clips = (xml: string) => [...xml.matchAll(/<Play>[^<]*\/prompts\/(\w+)\/([^<]+)\.wav<\/Play>/g)].map((m) => `${m[1]}:${decodeURIComponent(m[2]!)}`);

/** Calls and presses `keys`, following each Gather's action URL as Twilio does. */
async function call(gw: Gw, keys: string[]) {
  let res = await post(gw, '/twilio/voice', callParams());
  for (const key of keys) {
    const path = actionOf(res.text);
    if (!path) throw new Error(`no Gather: ${res.text}`);
    res = await post(gw, path, callParams({ Digits: key }));
  }
  return res.text;
}

describe('Twilio voice webhook', () => {
  it('answers a signed incoming call with a DTMF Gather that comes back even on silence', async () => {
    const gw = testGateway({ clock: () => NOW });
    const res = await post(gw, '/twilio/voice', callParams());
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    expect(res.text).toMatch(
      /<Gather input="dtmf" numDigits="1" timeout="10" finishOnKey="#" action="https:\/\/sauti\.example\.org\/twilio\/voice\?hop=1&amp;silent=0" actionOnEmptyResult="true"><Play>/,
    );
    expect(clips(res.text)).toEqual(['en:voice.welcome', 'en:voice.lang.en.1', 'en:voice.lang.sw.2', 'en:voice.lang.fr.3']);
  });

  const refused: [string, string, Record<string, string>, string | null, number][] = [
    ['no signature', '/twilio/voice', callParams(), null, 403],
    ['a signature over other parameters', '/twilio/voice', callParams(), sign('/twilio/voice', callParams({ From: '+254711000002' })), 403],
    ['a signature for another action URL', '/twilio/voice?hop=2&silent=0', callParams(), sign('/twilio/voice?hop=1&silent=0', callParams()), 403],
    ['a signature made with another token', '/twilio/voice', callParams(), sign('/twilio/voice', callParams(), 'not-the-token'), 403],
    ['another account', '/twilio/voice', callParams({ AccountSid: `AC${'b'.repeat(32)}` }), undefined as unknown as string, 403],
    ['no CallSid', '/twilio/voice', { AccountSid: TWILIO_SID, From: '+254711000001' }, undefined as unknown as string, 400],
    ['keys that are not keypad keys', '/twilio/voice', callParams({ Digits: '1x' }), undefined as unknown as string, 400],
  ];
  it.each(refused)('refuses %s and stores nothing', async (_name, path, params, signature, status) => {
    const gw = testGateway({ clock: () => NOW });
    const res = await post(gw, path, params, signature === undefined ? sign(path, params) : signature);
    expect(res.status).toBe(status);
    expect(gw.count('voice_calls')).toBe(0);
  });

  it('records a vote by keypad and reads the receipt, then hangs up after the offer to hear it again', async () => {
    const gw = testGateway({ clock: () => NOW });
    const last = await call(gw, ['1', '1', '1', '1', '2', '1', '9', '1']);
    const ballot = gw.db.prepare('SELECT picks, receipt, channel FROM ballots').get() as { picks: string; receipt: string; channel: string };
    expect(ballot).toMatchObject({ picks: '[1,2]', channel: 'voice' });
    expect(gw.db.prepare("SELECT source_ref FROM events WHERE type = 'vote.cast'").pluck().get()).toMatch(new RegExp(`^voice:twilio:${CALL}:\\d+#0$`));
    expect(clips(last)[0]).toBe('en:voice.voteRecorded');
    expect(clips(last)).toContain('en:voice.receiptAgain');
    // Silence after the offer: goodbye and <Hangup/>.
    const bye = await post(gw, actionOf(last)!, callParams({ Digits: '' }));
    expect(clips(bye.text)).toEqual(['en:voice.goodbye']);
    expect(bye.text).toMatch(/<Hangup\/><\/Response>$/);
  });

  it('answers a retried action with the same TwiML and applies it once', async () => {
    const gw = testGateway({ clock: () => NOW });
    const menu = await call(gw, ['1']);
    const path = actionOf(menu)!;
    const first = await post(gw, path, callParams({ Digits: '1' }));
    const retry = await post(gw, path, callParams({ Digits: '1' }));
    expect(retry.text).toBe(first.text);
    expect(gw.db.prepare('SELECT hop FROM voice_calls').pluck().get()).toBe(3);
  });

  it('re-prompts twice on silence, then says goodbye and hangs up', async () => {
    const gw = testGateway({ clock: () => NOW });
    let twiml = (await post(gw, '/twilio/voice', callParams())).text;
    for (const n of [1, 2]) {
      twiml = (await post(gw, actionOf(twiml)!, callParams({ Digits: '' }))).text;
      expect(clips(twiml)[0]).toBe('en:voice.noInput');
      expect(actionOf(twiml)).toMatch(new RegExp(`silent=${n}$`));
    }
    twiml = (await post(gw, actionOf(twiml)!, callParams({ Digits: '' }))).text;
    expect(clips(twiml)).toEqual(['en:voice.goodbye']);
    expect(twiml).toMatch(/<Hangup\/>/);
  });

  it('stores the length of a completed call from the status callback', async () => {
    const gw = testGateway({ clock: () => NOW });
    await post(gw, '/twilio/voice', callParams());
    const status = { CallSid: CALL, AccountSid: TWILIO_SID, CallStatus: 'completed', CallDuration: '63' };
    const res = await post(gw, '/twilio/voice-status', status);
    expect(res.status).toBe(200);
    expect(gw.db.prepare('SELECT duration_seconds, cost_amount FROM voice_calls').get()).toEqual({ duration_seconds: 63, cost_amount: null });
    expect((await post(gw, '/twilio/voice-status', status, null)).status).toBe(403);
  });
});

describe('Twilio spoken ideas', () => {
  it('records an idea with <Record> and a recording-status callback, fetches it with the account’s credentials and submits it', async () => {
    const gw = testGateway({ clock: () => NOW });
    const asked = await call(gw, ['1', '2', '1', '1']);
    expect(asked).toMatch(
      /<Record action="https:\/\/sauti\.example\.org\/twilio\/voice\?hop=5&amp;silent=0" recordingStatusCallback="https:\/\/sauti\.example\.org\/twilio\/voice-recording" maxLength="60" finishOnKey="#" playBeep="true" trim="trim-silence"\/>/,
    );
    const audio = Buffer.from('RIFF-fake-wav-'.repeat(100));
    const recUrl = `https://api.twilio.com/2010-04-01/Accounts/${TWILIO_SID}/Recordings/RE${'2'.repeat(32)}`;
    nock('https://api.twilio.com')
      .get(new URL(recUrl).pathname)
      .basicAuth({ user: TWILIO_SID, pass: TWILIO_TOKEN })
      .reply(200, audio, { 'Content-Type': 'audio/x-wav' });
    const path = '/twilio/voice?hop=5&silent=0';
    const res = await post(gw, path, callParams({ RecordingUrl: recUrl, RecordingDuration: '7' }));
    expect(clips(res.text)[0]).toBe('en:voice.ideaRecorded');
    const payload = JSON.parse(gw.db.prepare("SELECT payload FROM events WHERE type = 'proposal.submitted'").pluck().get() as string);
    expect(payload.audio).toEqual({ sha256: createHash('sha256').update(audio).digest('hex'), bytes: audio.length });
    const status = { AccountSid: TWILIO_SID, CallSid: CALL, RecordingSid: `RE${'2'.repeat(32)}`, RecordingStatus: 'completed' };
    expect((await post(gw, '/twilio/voice-recording', status)).status).toBe(200);
    expect((await post(gw, '/twilio/voice-recording', status, null)).status).toBe(403);
  });
});

describe('Twilio recordings elsewhere', () => {
  it('fetches a recording on a host that is not Twilio’s without the account’s credentials', async () => {
    const gw = testGateway({ clock: () => NOW });
    await call(gw, ['1', '2', '1', '1']);
    const audio = Buffer.from('RIFF-fake-wav-'.repeat(100));
    let authorization: string | undefined = 'not asked';
    nock('https://recordings.example.net')
      .get('/RE1.wav')
      .reply(function () {
        authorization = this.req.headers.authorization as string | undefined;
        return [200, audio, { 'Content-Type': 'audio/x-wav' }];
      });
    const res = await post(gw, '/twilio/voice?hop=5&silent=0', callParams({ RecordingUrl: 'https://recordings.example.net/RE1.wav', RecordingDuration: '7' }));
    expect(clips(res.text)[0]).toBe('en:voice.ideaRecorded');
    expect(authorization).toBeUndefined();
  });
});

describe('Twilio spoken reports on a project', () => {
  const reports = (gw: Gw) => gw.db.prepare("SELECT payload FROM events WHERE type = 'project.reported'").pluck().all() as string[];
  // English, Project progress, winning project 31, 2 Report a problem.
  const REPORT = ['1', '6', '31', '2'];

  it('records a report with <Record>, fetches it, keeps the number for the answer, and a repeated action records nothing more', async () => {
    const gw = testGateway({ clock: () => NOW });
    const asked = await call(gw, REPORT);
    expect(asked).toMatch(
      /<Record action="https:\/\/sauti\.example\.org\/twilio\/voice\?hop=5&amp;silent=0" recordingStatusCallback="[^"]+\/twilio\/voice-recording"/,
    );
    expect(clips(asked)).toEqual(['en:voice.speakReport']);
    const audio = Buffer.from('RIFF-fake-report-wav-'.repeat(80));
    const recUrl = `https://api.twilio.com/2010-04-01/Accounts/${TWILIO_SID}/Recordings/RE${'3'.repeat(32)}`;
    nock('https://api.twilio.com')
      .get(new URL(recUrl).pathname)
      .basicAuth({ user: TWILIO_SID, pass: TWILIO_TOKEN })
      .reply(200, audio, { 'Content-Type': 'audio/x-wav' });
    const path = '/twilio/voice?hop=5&silent=0';
    const res = await post(gw, path, callParams({ RecordingUrl: recUrl, RecordingDuration: '6' }));
    expect(clips(res.text)[0]).toBe('en:voice.reportRecorded');
    const payload = JSON.parse(reports(gw)[0]!) as { reference: string; text: string; audio: unknown };
    expect(payload).toMatchObject({ code: 31, text: '', audio: { sha256: createHash('sha256').update(audio).digest('hex'), bytes: audio.length } });
    expect(gw.db.prepare('SELECT provider FROM report_contacts WHERE reference = ?').pluck().get(payload.reference)).toBe('twilio');
    // Twilio retries the action (no second fetch is mocked): the same answer, nothing new.
    const retry = await post(gw, path, callParams({ RecordingUrl: recUrl, RecordingDuration: '6' }));
    expect(retry.text).toBe(res.text);
    expect(reports(gw)).toHaveLength(1);
    expect(gw.count('voice_recordings')).toBe(1);
    // The recording-status callback is acknowledged, signed only.
    const status = { AccountSid: TWILIO_SID, CallSid: CALL, RecordingSid: `RE${'3'.repeat(32)}`, RecordingStatus: 'completed' };
    expect((await post(gw, '/twilio/voice-recording', status)).status).toBe(200);
    expect((await post(gw, '/twilio/voice-recording', status)).status).toBe(200);
    expect(reports(gw)).toHaveLength(1);
  });

  it('a silent caller (an empty recording) hears the prompt again, and no report is recorded', async () => {
    const gw = testGateway({ clock: () => NOW });
    await call(gw, REPORT);
    const res = await post(gw, '/twilio/voice?hop=5&silent=0', callParams({ RecordingUrl: '', RecordingDuration: '0' }));
    expect(clips(res.text)).toEqual(['en:voice.noRecording', 'en:voice.speakReport']);
    expect(res.text).toContain('<Record ');
    expect(reports(gw)).toEqual([]);
    expect(gw.count('report_contacts')).toBe(0);
  });
});
