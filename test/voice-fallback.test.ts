// A clip missing on disk is never silence (issue 14: "A missing clip falls back to the provider's
// Say where it speaks the language, else the default language, with a warning"). Africa's
// Talking's <Say> has no language and speaks English; Twilio's <Say language> speaks English and
// French here, not Kiswahili.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { NOW } from './helpers/deployment.ts';
import { PUBLIC_URL, TOKEN, TWILIO_SID, TWILIO_TOKEN, testGateway } from './helpers/gateway.ts';
import { allClips } from './helpers/prompts.ts';

type Gw = ReturnType<typeof testGateway>;

/** A prompts folder with every clip but these (`lang/key`). */
function promptsWithout(...missing: string[]): string {
  const dir = allClips(undefined, true);
  for (const m of missing) rmSync(join(dir, `${m}.wav`));
  return dir;
}

const MISSING = ['en/voice.welcome', 'sw/voice.menu.vote', 'sw/voice.menu.propose', 'en/voice.menu.propose', 'fr/voice.goodbye'];
/** What an answer plays, in order: `lang:key` for a clip, `say[:locale]:text` for the provider's voice. */
const heard = (xml: string) =>
  [...xml.matchAll(/<Play(?: url="([^"]*)"\/>|>([^<]*)<\/Play>)|<Say(?: language="([^"]*)")?>([^<]*)<\/Say>/g)].map((m) => {
    if (m[4] !== undefined) return `say${m[3] ? `:${m[3]}` : ''}:${m[4]}`;
    const u = /\/prompts\/(\w+)\/([^/]+)\.wav$/.exec(m[1] ?? m[2]!)!;
    return `${u[1]}:${decodeURIComponent(u[2]!)}`;
  });

function at(gw: Gw, sessionId: string) {
  const fields = (extra: Record<string, string> = {}) => ({
    isActive: '1',
    sessionId,
    direction: 'Inbound',
    callerNumber: '+254711000001',
    destinationNumber: '+254711082000',
    ...extra,
  });
  const post = async (path: string, extra: Record<string, string> = {}) => (await request(gw.app).post(path).type('form').send(fields(extra))).text;
  const next = (xml: string) =>
    xml
      .match(/<GetDigits [^>]*callbackUrl="([^"]*)"/)![1]!
      .replace(/&amp;/g, '&')
      .replace(PUBLIC_URL, '');
  return { start: () => post(`/africastalking/voice/${TOKEN}`), press: (xml: string, keys: string) => post(next(xml), { dtmfDigits: keys }) };
}

function tw(gw: Gw, callSid: string, from = '+254711000002') {
  const params = (extra: Record<string, string> = {}) => ({
    CallSid: callSid,
    AccountSid: TWILIO_SID,
    From: from,
    To: '+15005550006',
    CallStatus: 'in-progress',
    ...extra,
  });
  const post = async (path: string, p: Record<string, string>) =>
    (
      await request(gw.app)
        .post(path)
        .type('form')
        .set('X-Twilio-Signature', twilio.getExpectedTwilioSignature(TWILIO_TOKEN, `${PUBLIC_URL}${path}`, p))
        .send(p)
    ).text;
  const action = (xml: string) =>
    xml
      .match(/<Gather [^>]*action="([^"]*)"/)![1]!
      .replace(/&amp;/g, '&')
      .replace(PUBLIC_URL, '');
  return { start: () => post('/twilio/voice', params()), press: (xml: string, keys: string) => post(action(xml), params({ Digits: keys })) };
}

describe('a missing voice clip', () => {
  it('Africa’s Talking: <Say> of the English text, else the default language’s clip; each missing clip warned of once', async () => {
    const gw = testGateway({ clock: () => NOW, env: { SAUTI_PROMPTS_DIR: promptsWithout(...MISSING) } });
    const call = at(gw, 'ATVId_fallback_1');
    const first = await call.start();
    expect(heard(first)).toEqual(['say:Welcome to the participatory budget line.', 'en:voice.lang.en.1', 'en:voice.lang.sw.2', 'en:voice.lang.fr.3']);
    // Kiswahili: its missing menu clip is played in English (Say speaks no Kiswahili); where English
    // has no clip either, Say speaks the English text.
    const menu = await call.press(first, '2');
    expect(heard(menu).slice(0, 2)).toEqual(['en:voice.menu.vote', 'say:To propose an idea, press 2.']);
    expect(heard(menu).slice(2)).toContain('sw:voice.menu.myVote');
    // A second call: the same answers, and no second warning for the same clips.
    await at(gw, 'ATVId_fallback_2').start();
    const warnings = gw.logs.lines.map((l) => JSON.parse(l) as { level: number; clip?: string; msg: string }).filter((l) => l.clip);
    expect(warnings.map((w) => w.clip).sort()).toEqual(['en/voice.welcome', 'sw/voice.menu.propose', 'sw/voice.menu.vote']);
    expect(warnings.find((w) => w.clip === 'en/voice.welcome')!.msg).toMatch(
      /clip en\/voice\.welcome is missing \(run `sauti voice render` or record it\): the provider says its text/,
    );
    expect(warnings.every((w) => w.level === 40)).toBe(true);
  });

  it('Twilio: <Say language> in English and French; Kiswahili falls back to the English clip or text', async () => {
    const gw = testGateway({ clock: () => NOW, env: { SAUTI_PROMPTS_DIR: promptsWithout(...MISSING) } });
    const first = await tw(gw, `CA${'5'.repeat(32)}`, '+254711000003').start();
    expect(heard(first)[0]).toBe('say:en-GB:Welcome to the participatory budget line.');
    const call = tw(gw, `CA${'6'.repeat(32)}`);
    const menu = await call.press(await call.start(), '2');
    expect(heard(menu).slice(0, 2)).toEqual(['en:voice.menu.vote', 'say:en-GB:To propose an idea, press 2.']);
    // French is spoken by Twilio: its missing goodbye is said in French.
    const french = tw(gw, `CA${'8'.repeat(32)}`, '+254711000004');
    let xml = await french.start();
    for (const key of ['3', '4']) xml = await french.press(xml, key); // French, the rules
    const bye = await french.press(xml, '7'); // a key after the last prompt: goodbye
    expect(heard(bye)).toEqual(['say:fr-FR:Merci de votre appel. Au revoir.']);
  });

  it('with every clip in place, only clips are played and nothing is warned of', async () => {
    const gw = testGateway({ clock: () => NOW });
    const call = at(gw, 'ATVId_fallback_3');
    const menu = await call.press(await call.start(), '1');
    expect(menu).not.toMatch(/<Say/);
    expect(gw.logs.text()).not.toMatch(/is missing/);
  });
});
