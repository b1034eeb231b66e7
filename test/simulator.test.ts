// `sauti simulate ussd` talks to a real gateway as Africa's Talking would.
import type { AddressInfo } from 'node:net';
import { afterAll, expect, it, vi } from 'vitest';
import { simulateSms } from '../src/cli/simulate-sms.ts';
import { simulateUssd } from '../src/cli/simulate-ussd.ts';
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
  const reply = await simulateSms({ phone: '+254711000006', text: 'VOTE 20', url, provider: 'africastalking', token: TOKEN, dbFile: gw.settings.dbFile });
  expect(reply).toMatch(/^Vote recorded in South Ward: 20 Fish cold room\. Receipt /);
});

it('texts as Twilio would, with a valid signature', async () => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const reply = await simulateSms({
    phone: '+254711000007', text: 'HELP', url, provider: 'twilio', token: TOKEN, dbFile: gw.settings.dbFile,
    publicUrl: PUBLIC_URL, twilio: { accountSid: TWILIO_SID, authToken: TWILIO_TOKEN },
  });
  expect(reply).toMatch(/^PROJECTS for the ballot, VOTE 3 7 to vote/);
});
