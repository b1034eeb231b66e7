// A provider brings its own settings: its environment variables and its `sms.<provider>` section
// are declared in its folder, registered with its adapter, and checked by config like any other.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { expect, it } from 'vitest';
import { adapters, providerSettingsKeys, simulators, smsSendingProviders, ussdProviders } from '../adapters/registry.ts';
import { providerNames, providerSettings } from '../adapters/settings.ts';
import { describeSettings, loadSettings } from '../src/config/env.ts';
import { parseDeployment } from '../src/config/load.ts';
import { smsProviders } from '../src/config/schema.ts';
import { rawFixture } from './helpers/deployment.ts';
import { tempDir } from './helpers/tmp.ts';

it('the registry lists each provider’s settings keys, from its own folder', () => {
  expect(providerSettingsKeys()).toEqual([
    { provider: 'africastalking', env: ['AT_USERNAME', 'AT_API_KEY'], sms: ['shortCode', 'senderId', 'perSecond'] },
    { provider: 'twilio', env: ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN'], sms: ['from', 'perSecond'] },
  ]);
});

it('every adapter with settings registers the very settings config composes, under its folder name', () => {
  const withSettings = adapters.filter((a) => a.settings);
  expect(withSettings.map((a) => a.folder)).toEqual(providerNames);
  for (const a of withSettings) expect(a.settings).toBe(providerSettings[a.folder as keyof typeof providerSettings]);
});

it('config reads each provider’s credentials with the provider’s own rule, and describes its variables', () => {
  expect(loadSettings({}).providers).toEqual({ africastalking: undefined, twilio: undefined });
  // Half the credentials: the provider holds back (messages wait) rather than fail later.
  expect(loadSettings({ AT_USERNAME: 'sandbox' }).providers.africastalking).toBeUndefined();
  const s = loadSettings({ AT_USERNAME: 'sandbox', AT_API_KEY: 'k', TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't' });
  expect(s.providers).toEqual({ africastalking: { username: 'sandbox', apiKey: 'k' }, twilio: { accountSid: 'AC1', authToken: 't' } });
  const help = describeSettings().map((l) => l.split(':')[0]);
  for (const { env } of providerSettingsKeys()) for (const key of env) expect(help).toContain(key);
});

it('a bad provider section is refused naming the field, and a deployment names its SMS providers in order', () => {
  const raw = rawFixture();
  raw.sms.twilio = { from: '0711 000 000' };
  expect(() => parseDeployment(stringify(raw), 'test.yaml')).toThrow(/test\.yaml is invalid:\n {2}- sms\.twilio\.from: use an E\.164 number/);
  raw.sms.twilio = { from: '+15005550006' };
  raw.sms.africastalking = { shortCode: '22384', perSecond: -1 };
  expect(() => parseDeployment(stringify(raw), 'test.yaml')).toThrow(/sms\.africastalking\.perSecond:/);
  raw.sms.africastalking = { shortCode: '22384' };
  const d = parseDeployment(stringify(raw), 'test.yaml');
  expect(d.sms.africastalking).toEqual({ shortCode: '22384', perSecond: 10 });
  expect(smsProviders(d)).toEqual(['africastalking', 'twilio']);
  delete raw.sms.africastalking;
  expect(smsProviders(parseDeployment(stringify(raw), 'test.yaml'))).toEqual(['twilio']);
});

it('`sauti check-config` refuses a bad provider setting, naming the field', async () => {
  const raw = rawFixture();
  raw.sms.africastalking = { shortCode: '22384', senderId: 'A-sender-id-far-too-long' };
  const file = join(tempDir(), 'bad-provider.yaml');
  writeFileSync(file, stringify(raw));
  const cli = resolve(import.meta.dirname, '../src/cli/main.ts');
  const out = await new Promise<{ status: number | null; stderr: string }>((res) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'check-config', file], { env: { ...process.env, LOG_LEVEL: 'silent' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.once('exit', (status) => res({ status, stderr }));
  });
  expect(out.status).toBe(2);
  expect(out.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(out.stderr).toMatch(/- sms\.africastalking\.senderId: .*11/);
}, 30_000);

it('each provider brings its simulator: USSD from Africa’s Talking, SMS and voice from both', () => {
  expect(simulators('ussd').map((s) => s.provider)).toEqual(['africastalking']);
  expect(simulators('sms').map((s) => s.provider)).toEqual(['africastalking', 'twilio']);
  expect(simulators('voice').map((s) => s.provider)).toEqual(['africastalking', 'twilio']);
  // Twilio's hook refuses to sign without the credentials, naming the settings.
  expect(() => simulators('voice')[1]!.simulator.voice!({ token: 't', credentials: {} }, '+254711000001')).toThrow(
    'set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and SAUTI_PUBLIC_URL to sign a Twilio request',
  );
});

it('the registry says which providers serve USSD and send SMS, and the CLI’s help names them from it', async () => {
  expect(ussdProviders()).toEqual([{ provider: 'africastalking', path: '/africastalking/ussd/:token' }]);
  expect(smsSendingProviders()).toEqual(['africastalking', 'twilio']);
  const cli = resolve(import.meta.dirname, '../src/cli/main.ts');
  const help = await new Promise<string>((res) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'simulate', 'voice', '--help'], { env: { ...process.env, LOG_LEVEL: 'silent' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', () => res(out));
  });
  const words = help.replace(/\s+/g, ' ');
  expect(words).toContain('as Africa’s Talking or Twilio would forward the call');
  expect(words).toContain('--provider <name> africastalking or twilio (default: "africastalking")');
}, 30_000);
