// ODK Collect's conversation with the gateway, as Collect speaks it: the form list, a form
// download, HEAD then POST of a multipart submission with xml_submission_file, resubmission, and
// every refusal. Real gateway (express, SQLite file), real-shaped requests.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { voterIdKey, voterKey } from '../src/domain/voter.ts';
import { addOfficer } from '../src/engine/field-capture.ts';
import { FieldStore } from '../src/store/field-store.ts';
import { NOW, rawFixture } from './helpers/deployment.ts';
import { PUBLIC_URL, SECRET, TOKEN, atSmsBody, testGateway } from './helpers/gateway.ts';
import { tempDir } from './helpers/tmp.ts';

/** Headers ODK Collect sends on every OpenRosa request. */
const COLLECT = { 'X-OpenRosa-Version': '1.0', 'User-Agent': 'org.odk.collect.android/v2024.3.4 Dalvik/2.1.0 (Linux; U; Android 13)', Date: NOW.toUTCString() };

function gateway(configFile?: string) {
  const gw = testGateway({ clock: () => NOW, configFile });
  const officer = addOfficer(new FieldStore(gw.db), gw.deployment, 'Amina Otieno', null, NOW);
  const base = `/openrosa/key/${officer.token}`;
  return { gw, officer, base };
}

interface Vote {
  form?: string;
  instanceId?: string;
  voterId?: string;
  ward?: string;
  picks?: string;
  end?: string;
  /** The consent answer; 'yes' unless given ('' leaves it out, as a form from before consent). */
  consent?: string;
  phone?: string;
}

/** A filled vote form as Collect serialises the instance. */
function voteXml(v: Vote = {}): string {
  const ward = v.ward ?? 'north';
  const other = ward === 'north' ? 'south' : 'north';
  return (
    `<?xml version='1.0' ?><data id="${v.form ?? 'sauti-vote-c-open'}" version="0123456789abcdef" xmlns:h="http://www.w3.org/1999/xhtml" ` +
    `xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" xmlns:odk="http://www.opendatakit.org/xforms">` +
    `<start>2026-11-22T11:50:02.318+03:00</start><end>${v.end ?? '2026-11-22T11:55:40.004+03:00'}</end>` +
    `${v.consent === '' ? '' : `<consent>${v.consent ?? 'yes'}</consent>`}<voter_id>${v.voterId ?? 'V-001'}</voter_id><ward>${ward}</ward>` +
    `<w_${ward}><picks>${v.picks ?? '1 3'}</picks><total/><readback>yes</readback></w_${ward}><w_${other}><picks/><total/><readback/></w_${other}>` +
    (v.phone === undefined ? '' : `<phone>${v.phone}</phone>`) +
    `<orx:meta><orx:instanceID>${v.instanceId ?? 'uuid:6f1c2f4e-5b1a-4c55-9d1e-0a2b3c4d5e6f'}</orx:instanceID></orx:meta></data>`
  );
}

function submit(app: Parameters<typeof request>[0], base: string, xml: string | null, extra?: (r: request.Test) => request.Test) {
  let r = request(app).post(`${base}/submission`).set(COLLECT);
  if (xml !== null) r = r.attach('xml_submission_file', Buffer.from(xml), { filename: 'Vote_2026-11-22_11-55-40.xml', contentType: 'text/xml' });
  else r = r.field('deviceID', 'collect:abc');
  return extra ? extra(r) : r;
}

/** The OpenRosaResponse message as Collect shows it (XML entities decoded). */
const message = (body: string) =>
  /<message nature="[a-z_]+">([^<]*)<\/message>/
    .exec(body)?.[1]
    ?.replace(/&apos;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

describe('OpenRosa for ODK Collect', () => {
  it('lists the forms with version, md5 hash and download URL under the officer’s server URL, and serves each form with that hash', async () => {
    const { gw, base, officer } = gateway();
    const list = await request(gw.app).get(`${base}/formList`).set(COLLECT);
    expect(list.status).toBe(200);
    expect(list.headers['x-openrosa-version']).toBe('1.0');
    expect(list.headers['content-type']).toMatch(/^text\/xml/);
    expect(list.text).toContain('<xforms xmlns="http://openrosa.org/xforms/xformsList">');
    const forms = [
      ...list.text.matchAll(
        /<formID>([^<]+)<\/formID><name>[^<]+<\/name><version>([0-9a-f]{16})<\/version><hash>(md5:[0-9a-f]{32})<\/hash><downloadUrl>([^<]+)<\/downloadUrl>/g,
      ),
    ];
    expect(forms.map((f) => f[1])).toEqual(['sauti-vote-c-open', 'sauti-proposal-c-open', 'sauti-paper-c-open', 'sauti-tally-c-open']);
    for (const [, formId, version, hash, url] of forms) {
      expect(url).toBe(`${PUBLIC_URL}/openrosa/key/${officer.token}/forms/${formId}.xml`);
      const form = await request(gw.app).get(url!.slice(PUBLIC_URL.length)).set(COLLECT);
      expect(form.status).toBe(200);
      expect(form.text).toContain(`<data id="${formId}" version="${version}">`);
      expect(`md5:${createHash('md5').update(form.text).digest('hex')}`).toBe(hash);
    }
    expect((await request(gw.app).get(`${base}/forms/nope.xml`).set(COLLECT)).status).toBe(404);
    const row = gw.db.prepare('SELECT last_contact_at FROM field_officers WHERE id = ?').get(officer.id) as { last_contact_at: string };
    expect(row.last_contact_at).toBe(NOW.toISOString());
  });

  it('HEAD submission answers 204 with X-OpenRosa-Accept-Content-Length, never 200', async () => {
    const { gw, base } = gateway();
    const res = await request(gw.app).head(`${base}/submission`).set(COLLECT);
    expect(res.status).toBe(204);
    expect(res.headers['x-openrosa-version']).toBe('1.0');
    expect(Number(res.headers['x-openrosa-accept-content-length'])).toBe(10 * 1024 * 1024);
  });

  it('a vote becomes a field vote.cast committed like any channel’s, at the device’s capture time, with the officer kept on the gateway only', async () => {
    const { gw, base, officer } = gateway();
    const res = await submit(gw.app, base, voteXml());
    expect(res.status).toBe(201);
    expect(res.headers['x-openrosa-version']).toBe('1.0');
    expect(res.text).toContain('<OpenRosaResponse xmlns="http://openrosa.org/http/response"><message nature="submit_success">');
    const receipt = /Receipt: ([0-9A-Z]{5}-[0-9A-Z]{5})/.exec(message(res.text)!)![1]!;
    const event = gw.db.prepare("SELECT * FROM events WHERE type = 'vote.cast'").get() as Record<string, string>;
    expect(event).toMatchObject({ channel: 'field', cycle_id: 'c-open', captured_at: '2026-11-22T08:55:40.004Z', voter_key: voterIdKey('V-001', SECRET) });
    expect(JSON.parse(event.payload!)).toEqual({ wardId: 'north', picks: [1, 3], receipt, replaces: null });
    expect(JSON.stringify(event)).not.toContain(officer.id);
    expect(gw.db.prepare('SELECT officer_id, event_id FROM field_submissions').get()).toEqual({ officer_id: officer.id, event_id: event.id });
    expect(gw.db.prepare('SELECT channel, receipt FROM ballots').get()).toEqual({ channel: 'field', receipt });
    // The officer's token is stored only as its hash.
    expect(JSON.stringify(gw.db.prepare('SELECT * FROM field_officers').all())).not.toContain(officer.token);
  });

  it('without a roll, a voter id typed in another case is the same voter: one ballot, the second replacing the first', async () => {
    const { gw, base } = gateway();
    expect((await submit(gw.app, base, voteXml({ voterId: 'V-1001', instanceId: 'uuid:00000000-0000-4000-8000-000000000001' }))).status).toBe(201);
    const second = await submit(gw.app, base, voteXml({ voterId: 'v-1001', picks: '2', instanceId: 'uuid:00000000-0000-4000-8000-000000000002' }));
    expect(second.status).toBe(201);
    expect(gw.db.prepare("SELECT DISTINCT voter_key FROM events WHERE type = 'vote.cast'").pluck().all()).toEqual([voterIdKey('V-1001', SECRET)]);
    expect(gw.count('ballots')).toBe(1);
  });

  it('the same instanceID with identical XML is 201 again and stored once; different XML is 409', async () => {
    const { gw, base } = gateway();
    const first = await submit(gw.app, base, voteXml());
    const again = await submit(gw.app, base, voteXml());
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(message(again.text)).toBe(message(first.text));
    const changed = await submit(gw.app, base, voteXml({ picks: '2' }));
    expect(changed.status).toBe(409);
    expect(message(changed.text)).toMatch(/different form with the same instanceID/);
    expect(gw.count('events')).toBe(1);
    expect(gw.count('field_submissions')).toBe(1);
  });

  it('the same submission sent twice at once (a retry racing the first) is 201 twice and stored once', async () => {
    const { gw, base } = gateway();
    const answers = await Promise.all([submit(gw.app, base, voteXml()), submit(gw.app, base, voteXml()), submit(gw.app, base, voteXml())]);
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    expect(new Set(answers.map((a) => message(a.text))).size).toBe(1);
    expect(gw.count('events')).toBe(1);
  });

  it('refuses what cannot be stored, with a message the officer can read, and stores nothing', async () => {
    const { gw, base } = gateway();
    const cases: [string, request.Test, number, RegExp][] = [
      ['missing xml_submission_file', submit(gw.app, base, null), 400, /xml_submission_file: missing/],
      ['unknown form', submit(gw.app, base, voteXml({ form: 'household-survey' })), 404, /Unknown form/],
      ['cycle gone from the deployment', submit(gw.app, base, voteXml({ form: 'sauti-vote-c-gone' })), 404, /Unknown form/],
      [
        'closed cycle',
        submit(gw.app, base, voteXml({ form: 'sauti-vote-c-past', picks: '31' })),
        409,
        /^Voting in .* was not open when this vote was taken \(2026-11-22 11:55\); the voting period is 2019-03-01 to 2019-04-01\. Not recorded\.$/,
      ],
      ['ballot rule: too many', submit(gw.app, base, voteXml({ picks: '1 2 3 4' })), 400, /^Too many projects: at most 3\. Not recorded\.$/],
      ['another ward’s project', submit(gw.app, base, voteXml({ picks: '20' })), 400, /Project 20 is not on the ballot of this ward/],
      ['device clock ahead', submit(gw.app, base, voteXml({ end: '2026-11-22T14:00:00.000+03:00' })), 400, /clock is ahead of the server by 120 minutes/],
      ['not XML', submit(gw.app, base, '<data id="sauti-vote-c-open"><oops></data>'), 400, /not well-formed XML/],
      // Well-formed, but what the parser refuses: a 400 the officer reads, never a 500 Collect retries.
      [
        'nested past the parser’s limit',
        submit(gw.app, base, `<data id="sauti-vote-c-open">${'<a>'.repeat(101)}${'</a>'.repeat(101)}</data>`),
        400,
        /not a form instance/,
      ],
      [
        'an element named like a prototype key',
        submit(gw.app, base, '<data id="sauti-vote-c-open"><constructor>x</constructor></data>'),
        400,
        /not a form instance/,
      ],
      // Plain words, never zod's own ("Invalid input: expected string, received undefined").
      ['no instanceID', submit(gw.app, base, voteXml({ instanceId: '' })), 400, /^meta\/instanceID: empty\. Not recorded\.$/],
      ['no ward', submit(gw.app, base, voteXml().replace('<ward>north</ward>', '')), 400, /^ward: missing\. Not recorded\.$/],
      ['not multipart', request(gw.app).post(`${base}/submission`).set(COLLECT).type('text/xml').send(voteXml()), 400, /multipart\/form-data/],
      [
        'a content coding it does not read',
        submit(gw.app, base, voteXml(), (r) => r.set('Content-Encoding', 'gzip')),
        400,
        /Content-Encoding 'gzip' is not read here/,
      ],
    ];
    for (const [what, req, status, text] of cases) {
      const res = await req;
      expect(res.status, what).toBe(status);
      expect(res.headers['x-openrosa-version'], what).toBe('1.0');
      expect(message(res.text), what).toMatch(text);
    }
    expect(gw.count('events')).toBe(0);
    expect(gw.count('ballots')).toBe(0);
    expect(gw.count('field_submissions')).toBe(0);
  });

  it('a ballot taken offline yesterday inside the voting window counts, at yesterday’s time', async () => {
    const { gw, base } = gateway();
    const res = await submit(gw.app, base, voteXml({ end: '2026-11-21T16:20:00.000+03:00' }));
    expect(res.status).toBe(201);
    expect(gw.db.prepare('SELECT captured_at FROM events').pluck().get()).toBe('2026-11-21T13:20:00.000Z');
  });

  it('a wrong or revoked token is 403 at once, on every route', async () => {
    const { gw, base, officer } = gateway();
    expect((await request(gw.app).get('/openrosa/key/not-a-real-token-0123456789abc/formList').set(COLLECT)).status).toBe(403);
    expect(new FieldStore(gw.db).revoke(officer.id, NOW.toISOString())).toBe('revoked');
    for (const res of [
      await request(gw.app).get(`${base}/formList`).set(COLLECT),
      await request(gw.app).head(`${base}/submission`).set(COLLECT),
      await submit(gw.app, base, voteXml()),
    ]) {
      expect(res.status).toBe(403);
    }
    expect(gw.count('events')).toBe(0);
    expect(gw.logs.text()).not.toContain(officer.token);
  });

  it('an officer of one ward gets that ward’s forms and cannot submit for another', async () => {
    const { gw } = gateway();
    const south = addOfficer(new FieldStore(gw.db), gw.deployment, 'Baraka', 'south', NOW);
    const form = await request(gw.app).get(`/openrosa/key/${south.token}/forms/sauti-vote-c-open.xml`).set(COLLECT);
    expect(form.text).toContain('w_south');
    expect(form.text).not.toContain('w_north');
    const res = await submit(gw.app, `/openrosa/key/${south.token}`, voteXml());
    expect(res.status).toBe(400);
    expect(message(res.text)).toMatch(/ward south only/);
  });

  it('a proposal becomes a proposal.submitted event with a reference', async () => {
    const { gw, base } = gateway();
    const xml =
      `<?xml version='1.0' ?><data id="sauti-proposal-c-open" version="x" xmlns:orx="http://openrosa.org/xforms"><start>2026-11-22T11:00:00.000+03:00</start><end>2026-11-22T11:04:00.000+03:00</end>` +
      `<ward>south</ward><category>water</category><title>Borehole at Kiboko market</title><description>The old one is dry &amp; broken</description>` +
      `<orx:meta><orx:instanceID>uuid:0b6f7d0e-1111-4c55-9d1e-0a2b3c4d5e6f</orx:instanceID></orx:meta></data>`;
    const res = await submit(gw.app, base, xml);
    expect(res.status).toBe(201);
    expect(message(res.text)).toMatch(/^Idea recorded\. Reference: P-[0-9A-Z-]+$/);
    expect(gw.db.prepare('SELECT ward_id, category, title, description FROM proposals').get()).toEqual({
      ward_id: 'south',
      category: 'water',
      title: 'Borehole at Kiboko market',
      description: 'The old one is dry & broken',
    });
  });
});

describe('field votes on a roll: one ballot per voter across channels', () => {
  const dir = tempDir('sauti-field-roll-');
  const raw = rawFixture();
  raw.eligibility = {
    mode: 'roll',
    rollFile: 'roll.csv',
    registerHelp: { en: 'Register at the ward office.', sw: 'Jisajili ofisi ya wadi.', fr: 'Inscrivez-vous au bureau.' },
  };
  raw.cycles[0].revote = 'refuse';
  const configFile = join(dir, 'deployment.yaml');
  writeFileSync(configFile, stringify(raw));
  writeFileSync(join(dir, 'roll.csv'), 'voter_id,phone,ward\nV-001,0711000001,south\nV-002,+254722000002,north\n');

  it('the roll’s voter id carries its phone’s key: a resident who voted by SMS is refused a second ballot with an officer', async () => {
    const { gw, base } = gateway(configFile);
    const sms = await request(gw.app)
      .post(`/africastalking/sms/${TOKEN}`)
      .type('form')
      .send(atSmsBody({ id: 'ATXid_1', from: '+254722000002', text: 'VOTE 1 3' }));
    expect(sms.status).toBe(200);
    expect(gw.count('ballots')).toBe(1);
    const res = await submit(gw.app, base, voteXml({ voterId: 'V-002', picks: '2' }));
    expect(res.status).toBe(409);
    expect(message(res.text)).toMatch(/already voted/);
    expect(gw.count('events')).toBe(1);
    // Another voter on the roll votes with the officer under their phone's key.
    const other = await submit(
      gw.app,
      base,
      voteXml({ voterId: 'V-001', ward: 'south', picks: '20', instanceId: 'uuid:22222222-5b1a-4c55-9d1e-0a2b3c4d5e6f' }),
    );
    expect(other.status).toBe(201);
    expect(gw.db.prepare("SELECT voter_key FROM events WHERE channel = 'field'").pluck().get()).toBe(voterKey('+254711000001', SECRET));
  });

  it('a voter id not on the roll, or in another ward, is refused by name', async () => {
    const { gw, base } = gateway(configFile);
    const unknown = await submit(gw.app, base, voteXml({ voterId: 'V-999' }));
    expect([unknown.status, message(unknown.text)]).toEqual([400, "Voter id 'V-999' is not on the roll. Not recorded."]);
    const ward = await submit(gw.app, base, voteXml({ voterId: 'V-001', ward: 'north' }));
    expect(message(ward.text)).toMatch(/on the roll of ward south, not north/);
    expect(gw.count('events')).toBe(0);
  });
});
