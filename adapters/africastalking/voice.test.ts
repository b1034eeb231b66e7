// Africa's Talking Voice callbacks: real-shaped form bodies in, <Response> XML out, store checked.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import nock from 'nock';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { NOW } from '../../test/helpers/deployment.ts';
import { PUBLIC_URL, TOKEN, testGateway } from '../../test/helpers/gateway.ts';

const PATH = `/africastalking/voice/${TOKEN}`;
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8').trim();
type Gw = ReturnType<typeof testGateway>;

/** An Africa's Talking voice form body. */
function voiceBody(fields: Record<string, string> = {}) {
  return new URLSearchParams({
    isActive: '1',
    sessionId: 'ATVId_test_call_1',
    direction: 'Inbound',
    callerNumber: '+254711000001',
    destinationNumber: '+254711082000',
    ...fields,
  }).toString();
}

const post = (gw: Gw, body: string, path = PATH) => request(gw.app).post(path).set('Content-Type', 'application/x-www-form-urlencoded').send(body);
/** A callback URL in an answer, as a path Africa's Talking would post to. */
const pathOf = (url: string) => url.replace(PUBLIC_URL, '').replace(/&amp;/g, '&');
const attr = (xml: string, el: string, name: string) => xml.match(new RegExp(`<${el}[^>]* ${name}="([^"]*)"`))?.[1];
const redirect = (xml: string) => xml.match(/<Redirect>([^<]*)<\/Redirect>/)?.[1];
/** The clip keys an answer plays, in order. */
const clips = (xml: string) => [...xml.matchAll(/<Play url="[^"]*\/prompts\/(\w+)\/([^"]+)\.wav"\/>/g)].map((m) => `${m[1]}:${decodeURIComponent(m[2]!)}`);

/** Calls and presses `keys` one callback at a time, following each answer's callbackUrl. */
async function call(gw: Gw, keys: string[], fields: Record<string, string> = {}) {
  let res = await post(gw, voiceBody(fields));
  const answers = [res.text];
  for (const key of keys) {
    const next = attr(res.text, 'GetDigits', 'callbackUrl');
    if (!next) throw new Error(`no GetDigits after ${answers.length} answers: ${res.text}`);
    res = await post(gw, voiceBody({ ...fields, dtmfDigits: key }), pathOf(next));
    answers.push(res.text);
  }
  return { res, last: res.text, answers };
}

// English, vote, North Ward, hear project 1 and pick it, next, pick project 2, done, confirm.
const VOTE = ['1', '1', '1', '1', '2', '1', '9', '1'];

describe('Africa’s Talking voice callback', () => {
  it('answers a real first callback with the welcome and the language menu in a GetDigits, then a re-prompt', async () => {
    const gw = testGateway({ clock: () => NOW });
    const res = await post(gw, fixture('voice-first-callback.txt'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/xml/);
    expect(res.text).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?><Response><GetDigits timeout="10" numDigits="1" finishOnKey="#" callbackUrl="https:\/\/sauti\.example\.org\/africastalking\/voice\/[^"]+\?hop=1"><Play url=/,
    );
    expect(clips(res.text)).toEqual(['en:voice.welcome', 'en:voice.lang.en.1', 'en:voice.lang.sw.2', 'en:voice.lang.fr.3']);
    expect(redirect(res.text)).toBe(`${PUBLIC_URL}${PATH}?hop=1&amp;silent=1`);
    expect(res.text.indexOf('</GetDigits><Redirect>')).toBeGreaterThan(0);
  });

  const rejected: [string, string, string, number, RegExp][] = [
    ['a wrong token', voiceBody(), '/africastalking/voice/not-the-token', 403, /Forbidden/],
    ['no token', voiceBody(), '/africastalking/voice', 403, /Forbidden/],
    ['no sessionId', 'isActive=1&direction=Inbound&callerNumber=%2B254711000001&destinationNumber=%2B254711082000', PATH, 400, /sessionId/],
    ['no callerNumber', 'isActive=1&sessionId=s&direction=Inbound&destinationNumber=%2B254711082000', PATH, 400, /callerNumber/],
    ['no isActive', 'sessionId=s&direction=Inbound&callerNumber=%2B254711000001&destinationNumber=%2B254711082000', PATH, 400, /isActive/],
    ['an empty body', '', PATH, 400, /isActive, sessionId, direction, callerNumber, destinationNumber/],
    ['keys that are not keypad keys', voiceBody({ dtmfDigits: '1a' }), PATH, 400, /dtmfDigits/],
    ['an amount that is not one', voiceBody({ isActive: '0', amount: 'ten' }), PATH, 400, /amount/],
    ['a caller number that is not one', voiceBody({ callerNumber: '12ab' }), PATH, 400, /invalid callerNumber/],
    ['a hop that is not a number', voiceBody(), `${PATH}?hop=x`, 400, /hop/],
  ];
  it.each(rejected)('refuses %s and stores nothing', async (_name, body, path, status, message) => {
    const gw = testGateway({ clock: () => NOW });
    const res = await post(gw, body, path);
    expect(res.status).toBe(status);
    expect(res.text).toMatch(message);
    expect(res.text).not.toMatch(/at .*\.ts/);
    expect(gw.count('voice_calls')).toBe(0);
  });

  it('records a vote by keypad: committed in the ballots table and the outbox before the caller hears the receipt', async () => {
    const gw = testGateway({ clock: () => NOW });
    const { last, answers } = await call(gw, VOTE);
    // The project list: one project at a time, with its number, name clip and cost.
    expect(clips(answers[3]!)).toEqual([
      'en:voice.pickHelp',
      'en:voice.pickUpTo',
      'en:num-3',
      'en:voice.project',
      'en:num-1',
      'en:project.c-open.1',
      'en:voice.costs',
      'en:num-4',
      'en:num-point',
      'en:num-5',
      'en:num-million',
      'en:money-currency',
    ]);
    expect(clips(answers[4]!)).toContain('en:voice.chosen');
    expect(clips(answers[7]!).slice(0, 7)).toEqual([
      'en:voice.confirmVote',
      'en:voice.project',
      'en:num-1',
      'en:project.c-open.1',
      'en:voice.project',
      'en:num-2',
      'en:project.c-open.2',
    ]);
    const ballot = gw.db.prepare('SELECT picks, receipt, channel FROM ballots').get() as { picks: string; receipt: string; channel: string };
    expect(ballot).toMatchObject({ picks: '[1,2]', channel: 'voice' });
    const event = gw.db.prepare("SELECT channel, source_ref, payload FROM events WHERE type = 'vote.cast' AND acked_at IS NULL").get() as {
      channel: string;
      source_ref: string;
      payload: string;
    };
    expect(event.channel).toBe('voice');
    expect(event.source_ref).toMatch(/^voice:africastalking:ATVId_test_call_1:\d+#0$/);
    expect(event.payload).not.toContain('254711000001');
    // The receipt, character by character, then the offers to hear it again, have it by SMS or
    // follow the projects voted for, then goodbye.
    const spelled = [...ballot.receipt.replace('-', '')].map((c) => (/\d/.test(c) ? `en:num-${c}` : `en:char-${c.toLowerCase()}`));
    expect(clips(last)).toEqual([
      'en:voice.voteRecorded',
      ...spelled,
      'en:voice.receiptAgain',
      'en:voice.smsCopyOffer',
      'en:voice.followVotedOffer',
      'en:voice.goodbye',
    ]);
    expect(redirect(last)).toBeUndefined();
    // Pressing 1 reads the receipt again; nothing more is recorded.
    const again = await post(gw, voiceBody({ dtmfDigits: '1' }), pathOf(attr(last, 'GetDigits', 'callbackUrl')!));
    expect(clips(again.text).slice(0, spelled.length + 1)).toEqual(['en:voice.voteRecorded', ...spelled]);
    expect(gw.count('events')).toBe(1);
  });

  it('answers a duplicate delivery with the same prompt and applies it once', async () => {
    const gw = testGateway({ clock: () => NOW });
    const { answers } = await call(gw, VOTE.slice(0, -1));
    const confirmUrl = pathOf(attr(answers.at(-1)!, 'GetDigits', 'callbackUrl')!);
    const first = await post(gw, voiceBody({ dtmfDigits: '1' }), confirmUrl);
    const retry = await post(gw, voiceBody({ dtmfDigits: '1' }), confirmUrl);
    expect(retry.text).toBe(first.text);
    expect(gw.count('ballots')).toBe(1);
    expect(gw.db.prepare("SELECT count(*) FROM events WHERE type = 'vote.cast'").pluck().get()).toBe(1);
  });

  it('re-prompts after silence twice, then says goodbye and hangs up', async () => {
    const gw = testGateway({ clock: () => NOW });
    const first = (await post(gw, voiceBody())).text;
    const once = (await post(gw, voiceBody(), pathOf(redirect(first)!))).text;
    expect(clips(once)).toEqual(['en:voice.noInput', ...clips(first)]);
    expect(redirect(once)).toMatch(/silent=2$/);
    const twice = (await post(gw, voiceBody(), pathOf(redirect(once)!))).text;
    expect(clips(twice)[0]).toBe('en:voice.noInput');
    const bye = (await post(gw, voiceBody(), pathOf(redirect(twice)!))).text;
    expect(clips(bye)).toEqual(['en:voice.goodbye']);
    expect(bye).not.toMatch(/GetDigits|Redirect/);
    // A key after a silence goes on from the same prompt.
    const menu = (await post(gw, voiceBody({ dtmfDigits: '1' }), pathOf(attr(once, 'GetDigits', 'callbackUrl')!))).text;
    expect(clips(menu)).toEqual([
      'en:voice.menu.vote',
      'en:voice.menu.propose',
      'en:voice.menu.myVote',
      'en:voice.menu.rules',
      'en:voice.menu.results',
      'en:voice.menu.project',
      'en:voice.menu.language',
    ]);
  });

  it('stores the length and cost of a call from the final callback and answers it with no actions', async () => {
    const gw = testGateway({ clock: () => NOW });
    await post(gw, voiceBody());
    const res = await post(gw, voiceBody({ isActive: '0', durationInSeconds: '47', currencyCode: 'KES', amount: '2.3500', dtmfDigits: '' }));
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(gw.db.prepare('SELECT duration_seconds, cost_amount, cost_currency FROM voice_calls').get()).toEqual({
      duration_seconds: 47,
      cost_amount: '2.3500',
      cost_currency: 'KES',
    });
  });

  it('offers a caller who hung up mid-vote to resume when they call back within the window', async () => {
    const gw = testGateway({ clock: () => NOW });
    await call(gw, ['1', '1', '1', '1']); // English, vote, North Ward, pick project 1
    await post(gw, voiceBody({ isActive: '0', durationInSeconds: '30' }));
    const back = await call(gw, [], { sessionId: 'ATVId_test_call_2' });
    expect(clips(back.last)).toEqual(['en:voice.welcome', 'en:voice.resume']);
    const resumed = await post(gw, voiceBody({ sessionId: 'ATVId_test_call_2', dtmfDigits: '1' }), pathOf(attr(back.last, 'GetDigits', 'callbackUrl')!));
    expect(clips(resumed.text)).toContain('en:voice.chosen');
    expect(gw.count('ballots')).toBe(0);
  });

  it('apologises in the caller’s language and ends the call when the store fails', async () => {
    const gw = testGateway({ clock: () => NOW });
    await call(gw, ['2']); // Kiswahili, remembered for the number
    gw.db.exec('DROP TABLE voice_calls');
    const res = await post(gw, voiceBody({ sessionId: 'ATVId_test_call_3' }));
    expect(res.status).toBe(200);
    expect(clips(res.text)).toEqual(['sw:voice.internalError']);
    expect(res.text).not.toMatch(/GetDigits/);
    expect(gw.logs.text()).not.toContain('254711000001');
  });
});

describe('Africa’s Talking: My vote, the rules and the results', () => {
  it('reads back the vote cast on an earlier call with its receipt and ledger standing, and hears it again with 1', async () => {
    const gw = testGateway({ clock: () => NOW });
    await call(gw, VOTE);
    const receipt = gw.db.prepare('SELECT receipt FROM ballots').pluck().get() as string;
    const { last } = await call(gw, ['3'], { sessionId: 'ATVId_test_call_2' });
    const spelled = [...receipt.replace('-', '')].map((c) => (/\d/.test(c) ? `en:num-${c}` : `en:char-${c.toLowerCase()}`));
    expect(clips(last)).toEqual([
      'en:voice.yourVote',
      'en:ward.north',
      'en:voice.project',
      'en:num-1',
      'en:project.c-open.1',
      'en:voice.project',
      'en:num-2',
      'en:project.c-open.2',
      'en:voice.yourReceipt',
      ...spelled,
      'en:voice.ledger.pending',
      'en:voice.hearAgain',
      'en:voice.goodbye',
    ]);
    const again = await post(gw, voiceBody({ sessionId: 'ATVId_test_call_2', dtmfDigits: '1' }), pathOf(attr(last, 'GetDigits', 'callbackUrl')!));
    expect(clips(again.text).slice(0, 2)).toEqual(['en:voice.yourVote', 'en:ward.north']);
    expect(gw.count('events')).toBe(1);
  });

  it('reads the rules with the closing day as a date, and the published results of a ward, 0 going back', async () => {
    const gw = testGateway({ clock: () => NOW });
    const rules = await call(gw, ['1', '4']);
    expect(clips(rules.last).slice(0, 9)).toEqual([
      'en:voice.rules.approval',
      'en:num-1',
      'en:voice.rules.atMost',
      'en:num-3',
      'en:voice.rules.replace',
      'en:num-30',
      'en:num-1',
      'en:month-12',
      'en:num-2',
    ]);
    const results = await call(gw, ['5', '2'], { sessionId: 'ATVId_test_call_4' });
    expect(clips(results.last)).toContain('en:project.c-past.40');
    expect(redirect(results.last)).toMatch(/silent=1$/);
    const back = await post(gw, voiceBody({ sessionId: 'ATVId_test_call_4', dtmfDigits: '0' }), pathOf(attr(results.last, 'GetDigits', 'callbackUrl')!));
    expect(clips(back.text)[0]).toBe('en:voice.chooseWard');
  });
});

describe('Africa’s Talking spoken ideas', () => {
  const AUDIO = Buffer.from('ID3-fake-mp3-frames-'.repeat(200));
  const REC = 'https://voice.africastalking.com';

  it('records an idea after the ward and category, keeps the audio by digest and submits it', async () => {
    const gw = testGateway({ clock: () => NOW });
    const { last } = await call(gw, ['1', '2', '1', '1']); // English, propose, North Ward, Water
    expect(last).toMatch(
      /<Response><Record finishOnKey="#" maxLength="60" trimSilence="true" playBeep="true" callbackUrl="[^"]+\?hop=5"><Play url="[^"]*voice\.speakIdea\.wav"\/><\/Record><\/Response>$/,
    );
    nock(REC).get('/recordings/ATVId_test_call_1.mp3').reply(200, AUDIO, { 'Content-Type': 'audio/mpeg' });
    const callback = pathOf(attr(last, 'Record', 'callbackUrl')!);
    const res = await post(gw, voiceBody({ recordingUrl: `${REC}/recordings/ATVId_test_call_1.mp3` }), callback);
    const sha256 = createHash('sha256').update(AUDIO).digest('hex');
    expect(clips(res.text)[0]).toBe('en:voice.ideaRecorded');
    const event = JSON.parse(gw.db.prepare("SELECT payload FROM events WHERE type = 'proposal.submitted'").pluck().get() as string);
    expect(event).toMatchObject({ wardId: 'north', category: 'water', audio: { sha256, bytes: AUDIO.length } });
    expect(gw.db.prepare('SELECT sha256, bytes, content_type, length(audio) AS stored FROM voice_recordings').get()).toEqual({
      sha256,
      bytes: AUDIO.length,
      content_type: 'audio/mpeg',
      stored: AUDIO.length,
    });
    // A retry of the same callback is answered again and stores nothing more (no second fetch).
    const retry = await post(gw, voiceBody({ recordingUrl: `${REC}/recordings/ATVId_test_call_1.mp3` }), callback);
    expect(retry.text).toBe(res.text);
    expect(gw.count('proposals')).toBe(1);
  });

  it('asks again when nothing was recorded or the recording cannot be fetched, and submits nothing', async () => {
    const gw = testGateway({ clock: () => NOW });
    const { last } = await call(gw, ['1', '2', '1', '1']);
    const empty = await post(gw, voiceBody({ recordingUrl: '' }), pathOf(attr(last, 'Record', 'callbackUrl')!));
    expect(clips(empty.text)).toEqual(['en:voice.noRecording', 'en:voice.speakIdea']);
    nock(REC).get('/gone.mp3').reply(404);
    const gone = await post(gw, voiceBody({ recordingUrl: `${REC}/gone.mp3` }), pathOf(attr(empty.text, 'Record', 'callbackUrl')!));
    expect(clips(gone.text)).toEqual(['en:voice.noRecording', 'en:voice.speakIdea']);
    const plain = await post(gw, voiceBody({ recordingUrl: 'http://169.254.169.254/latest' }), pathOf(attr(gone.text, 'Record', 'callbackUrl')!));
    expect(clips(plain.text)[0]).toBe('en:voice.noRecording');
    expect(gw.count('proposals')).toBe(0);
    expect(gw.count('voice_recordings')).toBe(0);
  });
});

describe('Africa’s Talking spoken reports on a project', () => {
  const AUDIO = Buffer.from('ID3-fake-report-frames-'.repeat(150));
  const REC = 'https://voice.africastalking.com';
  // English, Project progress, winning project 31, 2 Report a problem.
  const REPORT = ['1', '6', '31', '2'];
  const reports = (gw: Gw) => gw.db.prepare("SELECT payload FROM events WHERE type = 'project.reported'").pluck().all() as string[];

  it('records a report after 2 on a project’s status, keeps the audio and the caller’s sealed number, and reads the reference', async () => {
    const gw = testGateway({ clock: () => NOW });
    const { answers, last } = await call(gw, REPORT);
    expect(clips(answers[3]!)).toEqual(expect.arrayContaining(['en:voice.projectFollowKey', 'en:voice.projectReportKey']));
    expect(last).toMatch(
      /<Response><Record finishOnKey="#" maxLength="60" trimSilence="true" playBeep="true" callbackUrl="[^"]+\?hop=5"><Play url="[^"]*voice\.speakReport\.wav"\/><\/Record><\/Response>$/,
    );
    nock(REC).get('/recordings/ATVId_test_call_1.mp3').reply(200, AUDIO, { 'Content-Type': 'audio/mpeg' });
    const callback = pathOf(attr(last, 'Record', 'callbackUrl')!);
    const res = await post(gw, voiceBody({ recordingUrl: `${REC}/recordings/ATVId_test_call_1.mp3` }), callback);
    const sha256 = createHash('sha256').update(AUDIO).digest('hex');
    const [payload] = reports(gw).map((p) => JSON.parse(p) as { reference: string });
    expect(payload).toEqual({
      wardId: 'north',
      code: 31,
      text: '',
      reference: expect.stringMatching(/^R-/),
      lang: 'en',
      audio: { sha256, bytes: AUDIO.length },
    });
    // The reference, character by character, after "your report is recorded".
    const spelled = [...payload!.reference.slice(2).replace('-', '')].map((c) => (/\d/.test(c) ? `en:num-${c}` : `en:char-${c.toLowerCase()}`));
    expect(clips(res.text).slice(0, spelled.length + 1)).toEqual(['en:voice.reportRecorded', ...spelled]);
    expect(gw.db.prepare('SELECT sha256, bytes, length(audio) AS stored FROM voice_recordings').get()).toEqual({
      sha256,
      bytes: AUDIO.length,
      stored: AUDIO.length,
    });
    // The number is kept sealed against the reference, for the team's answer by SMS.
    const kept = gw.db.prepare('SELECT provider, phone, lang FROM report_contacts WHERE reference = ?').get(payload!.reference);
    expect(kept).toEqual({ provider: 'africastalking', phone: expect.stringMatching(/^s1:/), lang: 'en' });
    // A duplicate of the callback answers the same, fetches nothing and records nothing more.
    const retry = await post(gw, voiceBody({ recordingUrl: `${REC}/recordings/ATVId_test_call_1.mp3` }), callback);
    expect(retry.text).toBe(res.text);
    expect(reports(gw)).toHaveLength(1);
    expect(gw.count('voice_recordings')).toBe(1);
    expect(gw.count('report_contacts')).toBe(1);
    expect(gw.logs.text()).not.toContain('711000001');
  });

  it('asks again when nothing was recorded, and records no report', async () => {
    const gw = testGateway({ clock: () => NOW });
    const { last } = await call(gw, REPORT);
    const empty = await post(gw, voiceBody({ recordingUrl: '' }), pathOf(attr(last, 'Record', 'callbackUrl')!));
    expect(clips(empty.text)).toEqual(['en:voice.noRecording', 'en:voice.speakReport']);
    nock(REC).get('/silent.mp3').reply(200, Buffer.alloc(0), { 'Content-Type': 'audio/mpeg' });
    const silent = await post(gw, voiceBody({ recordingUrl: `${REC}/silent.mp3` }), pathOf(attr(empty.text, 'Record', 'callbackUrl')!));
    expect(clips(silent.text)).toEqual(['en:voice.noRecording', 'en:voice.speakReport']);
    expect(reports(gw)).toEqual([]);
    expect(gw.count('report_contacts')).toBe(0);
  });
});
