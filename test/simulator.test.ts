// `sauti simulate ussd` and `simulate sms` talk to a real gateway as the providers would; the
// SMS reply is read from that gateway, through a route that shows nobody else's messages.
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { SIMULATOR_WINDOW_MS } from '../src/http/simulator.ts';
import { FIXTURE } from './helpers/deployment.ts';
import { tempDir } from './helpers/tmp.ts';
import { simulateSms } from '../src/cli/simulate-sms.ts';
import { simulateUssd } from '../src/cli/simulate-ussd.ts';
import { allClipTexts } from '../voice/prompts/catalogue.ts';
import { promptText, readAnswer, simulateVoice } from '../src/cli/simulate-voice.ts';
import { PUBLIC_URL, TOKEN, TWILIO_SID, TWILIO_TOKEN, testGateway } from './helpers/gateway.ts';

const gw = testGateway();
const server = gw.app.listen(0, '127.0.0.1');
afterAll(() => server.close());

it('dials a whole vote from scripted inputs and shows every screen', async () => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  if (!server.listening) await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const screens = await simulateUssd({ phone: '+254711000005', url, serviceCode: '*384*99#', token: TOKEN, inputs: '1*1*2*20*99*1' });
  expect(screens[0]).toMatch(/^Choose language/);
  expect(screens.at(-1)).toMatch(/^Thank you! Your vote is recorded\. Receipt: /);
  expect(screens).toHaveLength(7);
  expect(gw.count('ballots')).toBe(1);
});

it('texts a vote as Africa’s Talking would and shows the queued reply', async () => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  if (!server.listening) await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const reply = await simulateSms({ phone: '+254711000006', text: 'VOTE 20', url, provider: 'africastalking', token: TOKEN });
  expect(reply).toMatch(/^Vote recorded in South Ward: 20 Fish cold room\. Receipt /);
});

it('texts as Twilio would, with a valid signature', async () => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const reply = await simulateSms({
    phone: '+254711000007',
    text: 'HELP',
    url,
    provider: 'twilio',
    token: TOKEN,
    publicUrl: PUBLIC_URL,
    twilio: { accountSid: TWILIO_SID, authToken: TWILIO_TOKEN },
  });
  expect(reply).toMatch(/^PROJECTS for the ballot, VOTE 3 7 to vote/);
});

it('shows the reply of the gateway it texted, not of the database in its own settings (a second instance)', { timeout: 60_000 }, async () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The shell's SAUTI_DB is another gateway's (or none): the reply must still come from the one at --url.
  const other = join(tempDir(), 'other-instance.db');
  const cli = resolve(import.meta.dirname, '../src/cli/main.ts');
  const out = await new Promise<string>((res) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'simulate', 'sms', 'HELP', '--phone', '+254711000008', '--url', url], {
      env: { ...process.env, LOG_LEVEL: 'silent', SAUTI_CONFIG: FIXTURE, SAUTI_DB: other, SAUTI_CALLBACK_TOKEN: TOKEN },
    });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    child.once('exit', () => res(text));
  });
  expect(out).toMatch(/┌ reply \(GSM-7, 1 segment, \w+\)[^\n]*\nPROJECTS for the ballot, VOTE 3 7 to vote/);
});

describe('the simulator reply route', () => {
  const post = (id: string, from = '+254711000009') =>
    request(gw.app).post(`/africastalking/sms/${TOKEN}`).type('form').send({ id, from, to: '22384', text: 'HELP', date: '2026-11-22 09:00:00', linkId: 'l1' });
  const read = (path: string) => request(gw.app).get(path).set('authorization', `Bearer ${TOKEN}`);

  it('gives the reply to the message id just posted, and no phone number', async () => {
    await post('sim-route-1');
    const res = await read('/simulator/sms/africastalking/sim-route-1/reply');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      received: true,
      reply: { body: expect.stringMatching(/^PROJECTS for the ballot, VOTE 3 7 to vote/), encoding: 'GSM-7', segments: 1, state: expect.any(String) },
    });
    expect(res.text).not.toMatch(/711000009/);
  });

  it('shows nothing without the callback token, through a proxy, for another provider path or an unknown id', async () => {
    await post('sim-route-2');
    const path = '/simulator/sms/africastalking/sim-route-2/reply';
    expect((await request(gw.app).get(path)).status).toBe(404);
    expect((await request(gw.app).get(path).set('authorization', 'Bearer not-the-token')).status).toBe(404);
    expect((await read(path).set('x-forwarded-for', '203.0.113.9')).status).toBe(404);
    expect((await read(path).set('forwarded', 'for=203.0.113.9')).status).toBe(404);
    expect((await read('/simulator/sms/twilio/sim-route-2/reply')).body).toEqual({ received: false });
    expect((await read('/simulator/sms/other/sim-route-2/reply')).status).toBe(404);
    expect((await read('/simulator/sms/africastalking/sim-route-unknown/reply')).body).toEqual({ received: false });
    for (const res of [await request(gw.app).get(path), await read('/simulator/sms/africastalking/sim-route-unknown/reply')])
      expect(res.text).not.toMatch(/VOTE 3 7/);
  });

  it('forgets a reply once the simulator window has passed', async () => {
    let now = new Date('2026-11-22T09:00:00Z');
    const timed = testGateway({ clock: () => now });
    await request(timed.app)
      .post(`/africastalking/sms/${TOKEN}`)
      .type('form')
      .send({ id: 'sim-old', from: '+254711000010', to: '22384', text: 'HELP', date: '2026-11-22 09:00:00', linkId: 'l1' });
    const path = '/simulator/sms/africastalking/sim-old/reply';
    expect((await request(timed.app).get(path).set('authorization', `Bearer ${TOKEN}`)).body.reply.body).toMatch(/^PROJECTS for the ballot, VOTE 3 7 to vote/);
    now = new Date(now.getTime() + SIMULATOR_WINDOW_MS + 1000);
    expect((await request(timed.app).get(path).set('authorization', `Bearer ${TOKEN}`)).status).toBe(404);
  });
});

it('calls as Africa’s Talking would, votes by keypad with a silence on the way, and reports the call’s end', async () => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  if (!server.listening) await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const heard = await simulateVoice({ phone: '+254711000009', url, provider: 'africastalking', token: TOKEN, inputs: '1,,1,1,1,9,1' });
  expect(heard[0]).toBe('Welcome to the participatory budget line. For English, press 1. Kwa Kiswahili, bonyeza 2. Pour le français, appuyez sur 3.');
  expect(heard[2]).toMatch(/^We did not hear a key\. To vote, press 1\./);
  expect(heard.at(-1)).toMatch(/^Thank you\. Your vote is recorded\. Your receipt code is [a-zA-Z ]+ To hear your receipt code again, press 1\./);
  const call = gw.db.prepare("SELECT duration_seconds, cost_currency FROM voice_calls WHERE provider = 'africastalking'").get();
  expect(call).toEqual({ duration_seconds: expect.any(Number), cost_currency: 'KES' });
  expect(gw.db.prepare("SELECT count(*) FROM ballots WHERE channel = 'voice'").pluck().get()).toBe(1);
});

it('calls as Twilio would, with signed requests', async () => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const heard = await simulateVoice({
    phone: '+254711000010',
    url,
    provider: 'twilio',
    token: TOKEN,
    inputs: '2,1',
    publicUrl: PUBLIC_URL,
    twilio: { accountSid: TWILIO_SID, authToken: TWILIO_TOKEN },
    texts: (lang) => allClipTexts(gw.deployment, lang),
  });
  expect(heard[1]).toBe(
    'Kupiga kura, bonyeza 1. Kutoa wazo, bonyeza 2. Kusikia kura yako na risiti yake, bonyeza 3. Kusikia jinsi ya kupiga kura, bonyeza 4. Kusikia matokeo, bonyeza 5. Kusikia maendeleo ya mradi ulioshinda, bonyeza 6. Kubadilisha lugha, bonyeza 9.',
  );
  expect(heard[2]).toMatch(/^Chagua wadi yako\. Kwa Wadi ya Kaskazini bonyeza moja Kwa Wadi ya Kusini bonyeza mbili$/);
  expect(gw.db.prepare("SELECT duration_seconds FROM voice_calls WHERE provider = 'twilio'").pluck().get()).toEqual(expect.any(Number));
});

it('shows what the provider’s own voice says for a missing clip, in its place among the clips', () => {
  const at = readAnswer(
    '<Response><GetDigits callbackUrl="https://x.org/v?hop=1"><Say>Welcome &amp; hello.</Say><Play url="https://x.org/prompts/en/voice.menu.vote.wav"/></GetDigits></Response>',
  );
  expect(promptText(at.clips)).toBe('Welcome & hello. To vote, press 1.');
  const tw = readAnswer(
    '<Response><Gather action="https://x.org/twilio/voice?hop=1"><Play>https://x.org/prompts/fr/num-7.wav</Play><Say language="fr-FR">Au revoir.</Say></Gather></Response>',
  );
  expect(promptText(tw.clips)).toBe('sept Au revoir.');
});
