// Roll eligibility end to end: the roll file is imported as pseudonyms, listed phones vote in
// their own ward without being asked, others are told where to register.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { rawFixture } from './helpers/deployment.ts';
import { TOKEN, testGateway, ussdBody } from './helpers/gateway.ts';
import { tempDir } from './helpers/tmp.ts';

const dir = tempDir();
const raw = rawFixture();
raw.eligibility = {
  mode: 'roll',
  rollFile: 'roll.csv',
  registerHelp: { en: 'Register at the ward office.', sw: 'Jisajili ofisi ya wadi.', fr: 'Inscrivez-vous au bureau.' },
};
const configFile = join(dir, 'deployment.yaml');
writeFileSync(configFile, stringify(raw));
writeFileSync(join(dir, 'roll.csv'), 'voter_id,phone,ward\nV-001,0711000001,south\nV-002,+254722000002,north\n');

describe('voter roll', () => {
  it('stores pseudonyms only and lets a listed phone vote in its ward', async () => {
    const gw = testGateway({ configFile });
    expect(gw.count('roll')).toBe(2);
    expect(JSON.stringify(gw.db.prepare('SELECT * FROM roll').all())).not.toMatch(/711000001|722000002/);
    const post = (text: string, phoneNumber: string, sessionId: string) =>
      request(gw.app).post(`/africastalking/ussd/${TOKEN}`).type('form').send(ussdBody({ text, phoneNumber, sessionId }));
    await post('', '+254711000001', 'a');
    await post('1', '+254711000001', 'a');
    const res = await post('1*1', '+254711000001', 'a');
    expect(res.text).toMatch(/^CON South Ward: pick 1-3/);
    const outsider = await post('1*1', '+254799000009', 'b');
    expect(outsider.text).toBe('END Your number is not on the voter roll. Register at the ward office.');
  });

  it('refuses to start with a roll row whose phone is not a number, naming its line', () => {
    writeFileSync(join(dir, 'bad-roll.csv'), '\ufeffvoter_id,phone,ward\r\nV-000,0711000001,south\r\n\r\nV-001,not-a-phone,south\r\n');
    const bad = { ...raw, eligibility: { ...raw.eligibility, rollFile: 'bad-roll.csv' } };
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, stringify(bad));
    expect(() => testGateway({ configFile: file })).toThrow(/line 4 \(voter V-001\): phone: not a valid phone number/);
  });
});
