// An assisted vote over OpenRosa: the resident's consent (none, nothing stored), the receipt in
// the OpenRosaResponse and by SMS when a number is given (sealed in the SMS queue, never in the
// event), the roll's eligibility digests as the vote form's media (manifest, md5, download), and
// ranking and cumulative ballots from Collect's instance XML. Real gateway, real-shaped requests.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { eligibilitySalt, voterDigest } from '../field/eligibility.ts';
import { addOfficer } from '../src/engine/field-capture.ts';
import { FieldStore } from '../src/store/field-store.ts';
import { NOW, rawFixture } from './helpers/deployment.ts';
import { PUBLIC_URL, SECRET, testGateway } from './helpers/gateway.ts';
import { tempDir } from './helpers/tmp.ts';

const COLLECT = { 'X-OpenRosa-Version': '1.0', 'User-Agent': 'org.odk.collect.android/v2024.3.4 Dalvik/2.1.0 (Linux; U; Android 13)', Date: NOW.toUTCString() };

function configWith(edit: (raw: Record<string, any>) => void, files: Record<string, string> = {}): string {
  const dir = tempDir('sauti-field-assisted-');
  const raw = rawFixture();
  edit(raw);
  const configFile = join(dir, 'deployment.yaml');
  writeFileSync(configFile, stringify(raw));
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  return configFile;
}

function gateway(configFile?: string, ward: string | null = null) {
  const gw = testGateway({ clock: () => NOW, configFile });
  const officer = addOfficer(new FieldStore(gw.db), gw.deployment, 'Amina Otieno', ward, NOW);
  return { gw, officer, base: `/openrosa/key/${officer.token}` };
}

/** A vote instance as Collect serialises it; `group` is the ward group's inner XML. */
function voteXml(o: { consent?: string; voterId?: string; ward?: string; group?: string; phone?: string; instanceId?: string } = {}): string {
  const ward = o.ward ?? 'north';
  return (
    `<?xml version='1.0' ?><data id="sauti-vote-c-open" version="0123456789abcdef" xmlns:orx="http://openrosa.org/xforms">` +
    `<start>2026-11-22T11:50:02.318+03:00</start><end>2026-11-22T11:55:40.004+03:00</end>` +
    (o.consent === undefined ? '<consent>yes</consent>' : o.consent === '' ? '' : `<consent>${o.consent}</consent>`) +
    `<voter_id>${o.voterId ?? 'V-001'}</voter_id><ward>${ward}</ward><w_${ward}>${o.group ?? '<picks>1 3</picks><total>7400000</total><readback>yes</readback>'}</w_${ward}>` +
    `<phone>${o.phone ?? ''}</phone>` +
    `<orx:meta><orx:instanceID>${o.instanceId ?? 'uuid:6f1c2f4e-5b1a-4c55-9d1e-0a2b3c4d5e6f'}</orx:instanceID></orx:meta></data>`
  );
}

const submit = (app: Parameters<typeof request>[0], base: string, xml: string) =>
  request(app).post(`${base}/submission`).set(COLLECT).attach('xml_submission_file', Buffer.from(xml), { filename: 'vote.xml', contentType: 'text/xml' });

const message = (body: string) => /<message nature="[a-z_]+">([^<]*)<\/message>/.exec(body)?.[1]?.replace(/&apos;/g, "'");

describe('assisted votes: consent, read-back, receipt', () => {
  it('a vote without the resident’s consent is refused and nothing is stored', async () => {
    const { gw, base } = gateway();
    for (const consent of ['', 'no']) {
      const res = await submit(gw.app, base, voteXml({ consent }));
      expect([res.status, message(res.text)]).toEqual([400, "The resident's consent is not in this form. Not recorded."]);
    }
    expect([gw.count('events'), gw.count('ballots'), gw.count('field_submissions')]).toEqual([0, 0, 0]);
    const ok = await submit(gw.app, base, voteXml());
    expect(ok.status).toBe(201);
    expect(gw.db.prepare('SELECT consent, sms_receipt FROM field_submissions').get()).toEqual({ consent: 'yes', sms_receipt: 0 });
  });

  it('the OpenRosaResponse carries the receipt; a number given gets it by SMS, sealed in the queue and nowhere else', async () => {
    const { gw, base } = gateway();
    const res = await submit(gw.app, base, voteXml({ phone: '0712 345 678' }));
    expect(res.status).toBe(201);
    const text = message(res.text)!;
    const receipt = /^Vote recorded\. Receipt: ([0-9A-Z]{5}-[0-9A-Z]{5}) The receipt is also sent by SMS\.$/.exec(text)?.[1];
    expect(receipt, text).toBeDefined();
    const sms = gw.db.prepare('SELECT * FROM sms_outbound').all() as Record<string, unknown>[];
    expect(sms).toHaveLength(1);
    expect(sms[0]).toMatchObject({
      provider: 'africastalking',
      kind: 'confirmation',
      state: 'queued',
      source_ref: 'field:uuid:6f1c2f4e-5b1a-4c55-9d1e-0a2b3c4d5e6f:receipt',
    });
    expect(sms[0]!.body).toBe(`Thank you! Your vote is recorded. Receipt: ${receipt}`);
    expect(gw.sms.recipient(sms[0] as never)).toBe('+254712345678');
    // Sealed at rest; and the number is in no event, ballot, submission row or log.
    const everywhere = JSON.stringify([
      gw.db.prepare('SELECT * FROM events').all(),
      gw.db.prepare('SELECT * FROM ballots').all(),
      gw.db.prepare('SELECT * FROM field_submissions').all(),
      sms,
    ]);
    expect(everywhere).not.toMatch(/712\s?345\s?678/);
    expect(gw.logs.text()).toContain('field submission stored');
    expect(gw.logs.text()).not.toMatch(/712\s?345\s?678/);
    expect(gw.db.prepare('SELECT sms_receipt FROM field_submissions').pluck().get()).toBe(1);
    // Collect resending the same form gets the same answer, and no second SMS.
    const again = await submit(gw.app, base, voteXml({ phone: '0712 345 678' }));
    expect([again.status, message(again.text)]).toEqual([201, text]);
    expect(gw.count('sms_outbound')).toBe(1);
  });

  it('a number that is not one is refused with the reason, before anything is stored', async () => {
    const { gw, base } = gateway();
    const res = await submit(gw.app, base, voteXml({ phone: '12' }));
    expect([res.status, message(res.text)]).toEqual([400, "'12' is not a phone number: correct it or leave it empty. Not recorded."]);
    expect([gw.count('events'), gw.count('sms_outbound')]).toEqual([0, 0]);
  });

  it('ranking: places r1… in order become the ballot; a project ranked twice is refused', async () => {
    const { gw, base } = gateway(configWith((r) => (r.cycles[0].ballot = { rule: 'ranking', k: 3 })));
    const form = await request(gw.app).get(`${base}/forms/sauti-vote-c-open.xml`).set(COLLECT);
    expect(form.text).toContain('<r1/><r2/><r3/>');
    expect(form.text).toContain('<submission method="post" orx:auto-delete="true"/>'); // Collect deletes a sent vote from the phone
    const res = await submit(gw.app, base, voteXml({ group: '<r1>7</r1><r2>1</r2><r3/><total/><readback>yes</readback>' }));
    expect(res.status).toBe(201);
    expect(JSON.parse(gw.db.prepare('SELECT payload FROM events').pluck().get() as string).picks).toEqual([7, 1]);
    const twice = await submit(
      gw.app,
      base,
      voteXml({ group: '<r1>7</r1><r2>7</r2><r3/><total/><readback>yes</readback>', instanceId: 'uuid:22222222-5b1a-4c55-9d1e-0a2b3c4d5e6f' }),
    );
    expect([twice.status, message(twice.text)]).toEqual([400, 'Project 7 is picked twice. Not recorded.']);
  });

  it('cumulative: points per project become one pick per point; more points than allowed are refused', async () => {
    const { gw, base } = gateway(configWith((r) => (r.cycles[0].ballot = { rule: 'cumulative', points: 5, maxPerProject: 3 })));
    const res = await submit(gw.app, base, voteXml({ group: '<p_1>3</p_1><p_2>0</p_2><p_3>2</p_3><total/><points>5</points><readback>yes</readback>' }));
    expect(res.status).toBe(201);
    expect(JSON.parse(gw.db.prepare('SELECT payload FROM events').pluck().get() as string).picks).toEqual([1, 1, 1, 3, 3]);
    const over = await submit(
      gw.app,
      base,
      voteXml({ group: '<p_1>3</p_1><p_3>3</p_3><readback>yes</readback>', instanceId: 'uuid:22222222-5b1a-4c55-9d1e-0a2b3c4d5e6f' }),
    );
    expect(over.status).toBe(400);
    expect(gw.count('events')).toBe(1);
  });
});

describe('offline eligibility: the roll’s digests as the vote form’s media', () => {
  const roll = 'voter_id,phone,ward\nV-001,0711000001,south\nV-002,+254722000002,north\nV-003,0733000003,north\n';
  const onRoll = (r: Record<string, any>) =>
    (r.eligibility = { mode: 'roll', rollFile: 'roll.csv', registerHelp: { en: 'Register.', sw: 'Jisajili.', fr: 'Inscrivez-vous.' } });

  it('formList gives the vote form a manifestUrl; the manifest lists eligible.csv with its md5; the file holds digests and wards only', async () => {
    const { gw, base, officer } = gateway(configWith(onRoll, { 'roll.csv': roll }), 'north');
    const list = await request(gw.app).get(`${base}/formList`).set(COLLECT);
    const manifestUrl = /<formID>sauti-vote-c-open<\/formID>.*?<manifestUrl>([^<]+)<\/manifestUrl>/.exec(list.text)?.[1];
    expect(manifestUrl).toBe(`${PUBLIC_URL}/openrosa/key/${officer.token}/forms/sauti-vote-c-open/manifest`);
    expect(list.text).not.toMatch(/<formID>sauti-proposal-c-open<\/formID>[^]*?<manifestUrl>/); // the idea form has no media
    const manifest = await request(gw.app).get(manifestUrl!.slice(PUBLIC_URL.length)).set(COLLECT);
    expect(manifest.status).toBe(200);
    expect(manifest.headers['x-openrosa-version']).toBe('1.0');
    const [, filename, hash, url] =
      /<manifest xmlns="http:\/\/openrosa.org\/xforms\/xformsManifest"><mediaFile><filename>([^<]+)<\/filename><hash>(md5:[0-9a-f]{32})<\/hash><downloadUrl>([^<]+)<\/downloadUrl><\/mediaFile><\/manifest>/.exec(
        manifest.text,
      )!;
    expect(filename).toBe('eligible.csv');
    const file = await request(gw.app).get(url!.slice(PUBLIC_URL.length)).set(COLLECT);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toMatch(/^text\/csv/);
    expect(`md5:${createHash('md5').update(file.text).digest('hex')}`).toBe(hash);
    // The officer's ward only: two north voters, as digests; no id, phone or pseudonym.
    const salt = eligibilitySalt(SECRET, 'c-open');
    expect(file.text).toBe(
      `d,w\n${[voterDigest(salt, 'V-002'), voterDigest(salt, 'V-003')]
        .sort()
        .map((d) => `${d},north`)
        .join('\n')}\n`,
    );
    expect(file.text).not.toMatch(/V-00|0711|254|0733/);
    const form = await request(gw.app).get(`${base}/forms/sauti-vote-c-open.xml`).set(COLLECT);
    expect(form.text).toContain('<instance id="eligible" src="jr://file-csv/eligible.csv"/>');
    expect(form.text).toContain(salt);
    const missing = await request(gw.app).get(`${base}/forms/sauti-vote-c-open/media/roll.csv`).set(COLLECT);
    expect(missing.status).toBe(404);
  });

  it('without a roll there is no attachment and no manifestUrl', async () => {
    const { gw, base } = gateway();
    const list = await request(gw.app).get(`${base}/formList`).set(COLLECT);
    expect(list.text).not.toContain('<manifestUrl>');
    expect((await request(gw.app).get(`${base}/forms/sauti-vote-c-open.xml`).set(COLLECT)).text).not.toContain('jr://file-csv');
  });
});
