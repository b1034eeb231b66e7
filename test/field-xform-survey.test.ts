// A needs-assessment survey the city supplies as its own XForm (surveys[].xform): refused at load
// with the file and the problem named when Sauti could not store it or it asks for personal data;
// otherwise in Collect's form list with the city's formID, version and the file's md5, downloaded
// byte for byte, its submissions stored as survey.answered events, synced, and exported per ward.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { surveyCsv } from '../ledger/survey-export.ts';
import { ballotDocOf, mergeBallot } from '../src/config/ballot-doc.ts';
import { ConfigError } from '../src/config/errors.ts';
import { loadDeployment } from '../src/config/load.ts';
import { addOfficer } from '../src/engine/field-capture.ts';
import { FieldStore } from '../src/store/field-store.ts';
import { NOW, rawFixture } from './helpers/deployment.ts';
import { testGateway } from './helpers/gateway.ts';
import { ledgerBackends, testLedger } from './helpers/ledger.ts';
import { connectedRelay } from './helpers/ledger-server.ts';
import { tempDir } from './helpers/tmp.ts';

const WATER = fileURLToPath(new URL('./fixtures/surveys/water.xml', import.meta.url));
const WATER_XML = readFileSync(WATER, 'utf8');
const BACKENDS = await ledgerBackends();
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/** A deployment file beside `water.xml` (or the given XForm text), naming it relatively. */
function config(xml = WATER_XML, edit: (survey: Record<string, any>) => void = () => {}): string {
  const dir = tempDir('sauti-xform-survey-');
  writeFileSync(join(dir, 'water.xml'), xml);
  const raw = rawFixture();
  const survey: Record<string, any> = {
    id: 'water',
    cycle: 'c-open',
    title: { en: 'Water access', sw: 'Upatikanaji wa maji', fr: 'Accès à l’eau' },
    public: true,
    opens: '2026-11-01T00:00:00+03:00',
    closes: '2026-12-31T00:00:00+03:00',
    xform: './water.xml',
  };
  edit(survey);
  raw.surveys = [survey];
  const file = join(dir, 'deployment.yaml');
  writeFileSync(file, stringify(raw));
  return file;
}

function problems(file: string): string[] {
  try {
    loadDeployment(file);
  } catch (err) {
    if (err instanceof ConfigError) return [err.source.endsWith('water.xml') ? 'water.xml' : err.source, ...err.problems];
    throw err;
  }
  return [];
}

const COLLECT = { 'X-OpenRosa-Version': '1.0' };
/** A filled instance as ODK Collect (and Web Forms) send it: the form's own elements, groups included. */
function answers(o: Partial<Record<'ward' | 'consent' | 'instance' | 'end' | 'source' | 'minutes' | 'problems' | 'comment', string>> = {}): string {
  const end = o.end ?? '2026-11-22T11:55:40.004+03:00';
  return (
    `<?xml version='1.0' ?><data id="kiboko-water-2026" version="2026031001" xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms">` +
    `<start>${end}</start><end>${end}</end><intro/><consent>${o.consent ?? 'yes'}</consent><ward>${o.ward ?? 'north'}</ward>` +
    `<household><water_source>${o.source ?? 'surface'}</water_source><minutes_to_water>${o.minutes ?? '40'}</minutes_to_water><treats_water>no</treats_water></household>` +
    `<problems>${o.problems ?? 'dry dirty'}</problems><comment>${o.comment ?? ''}</comment>` +
    `<meta><instanceID>${o.instance ?? 'uuid:6b000000-5b1a-4c55-9d1e-0a2b3c4d5e6f'}</instanceID></meta></data>`
  );
}
const submit = (app: Parameters<typeof request>[0], token: string, xml: string) =>
  request(app)
    .post(`/openrosa/key/${token}/submission`)
    .set(COLLECT)
    .attach('xml_submission_file', Buffer.from(xml), { filename: 'water.xml', contentType: 'text/xml' });
const message = (body: string) => /<message nature="[a-z_]+">([^<]*)<\/message>/.exec(body)?.[1]?.replace(/&apos;/g, "'");

describe('a supplied survey XForm at load', () => {
  it('the fixture loads: its formID, version, title and answers by path; a downloaded ballot keeps it', () => {
    const d = loadDeployment(config());
    const merged = mergeBallot(d, ballotDocOf(d));
    expect(merged.ok && merged.deployment.surveys[0]!.supplied).toEqual(d.surveys[0]!.supplied);
    const s = d.surveys[0]!;
    expect(s.supplied).toMatchObject({ formId: 'kiboko-water-2026', version: '2026031001', title: 'Water access 2026', wardPath: '/data/ward' });
    expect(s.supplied!.fields.map((f) => `${f.path}:${f.type}`)).toEqual([
      '/data/household/water_source:select_one',
      '/data/household/minutes_to_water:integer',
      '/data/household/treats_water:select_one',
      '/data/problems:select_multiple',
      '/data/comment:text',
    ]);
  });

  const cases: [string, (xml: string) => string, string][] = [
    ['not XML', (x) => x.replace('</h:html>', ''), 'not well-formed XML'],
    ['another root', (x) => x.replace('<h:html', '<h:form').replace('</h:html>', '</h:form>'), 'the root element must be <h:html>'],
    ['no formID', (x) => x.replace(' id="kiboko-water-2026"', ''), "the primary instance's root <data> needs an id attribute (the formID)"],
    [
      'a Sauti formID',
      (x) => x.replace('kiboko-water-2026', 'sauti-survey-water'),
      "formID 'sauti-survey-water': ids starting with sauti- are Sauti's own forms",
    ],
    ['no version', (x) => x.replace(' version="2026031001"', ''), "the primary instance's root needs a version attribute"],
    [
      'a bind to nothing',
      (x) => x.replace('nodeset="/data/comment"', 'nodeset="/data/comments"'),
      '<bind nodeset="/data/comments"> points to no element of the primary instance',
    ],
    ['no ward question', (x) => x.replaceAll('/data/ward', '/data/area').replace('<ward/>', '<area/>'), "no ward question: add a select1 named 'ward'"],
    [
      'a ward that is not one',
      (x) => x.replace('<name>south</name>', '<name>east</name>'),
      '/data/ward: ward choices east are not wards this survey runs in (north, south)',
    ],
    [
      'no consent question',
      (x) => x.replaceAll('/data/consent', '/data/agree').replace('<consent/>', '<agree/>'),
      "no consent question: add a select1 named 'consent'",
    ],
    [
      'a phone question',
      (x) => x.replaceAll('/data/comment', '/data/phone_number').replace('<comment/>', '<phone_number/>'),
      "/data/phone_number: 'phone_number' looks like personal data",
    ],
    [
      'a name question',
      (x) => x.replaceAll('/data/comment', '/data/head_name').replace('<comment/>', '<head_name/>'),
      "/data/head_name: 'head_name' looks like personal data",
    ],
    [
      'a location',
      (x) => x.replace('nodeset="/data/comment" type="string"', 'nodeset="/data/comment" type="geopoint"'),
      '/data/comment: type geopoint is refused (a location points at a household)',
    ],
    [
      'the device’s phone number',
      (x) => x.replace('jr:preload="timestamp" jr:preloadParams="start"', 'jr:preload="property" jr:preloadParams="phonenumber"'),
      '/data/start: jr:preload="property" (phonenumber) collects the device\'s or officer\'s identity: remove it',
    ],
    [
      'a repeat',
      (x) => x.replace('<group ref="/data/household">', '<group ref="/data/household"><repeat nodeset="/data/household"/>'),
      '/data/household: repeats are not supported',
    ],
    [
      'an upper-case name',
      (x) => x.replaceAll('/data/comment', '/data/Comment').replace('<comment/>', '<Comment/>'),
      "/data/Comment: the answer's name 'Comment' must be 1-32 lower-case letters",
    ],
    [
      'numeric choices of a multiple select',
      (x) => x.replace('<value>dry</value>', '<value>1</value>'),
      "/data/problems: choice '1' of a select (several answers) must be",
    ],
    ['no capture time', (x) => x.replace(/ jr:preload="timestamp" jr:preloadParams="(start|end)"/g, ''), 'no start or end time'],
  ];
  it.each(cases)('refuses %s, naming the file and the problem', (_name, edit, problem) => {
    const found = problems(config(edit(WATER_XML)));
    expect(found[0]).toBe('water.xml');
    expect(found.slice(1).join('\n')).toContain(`survey 'water': ${problem}`);
  });

  it('a name the city vouches for (notPersonal) is kept; the deployment keys are checked', () => {
    const villageName = WATER_XML.replaceAll('/data/comment', '/data/village_name').replace('<comment/>', '<village_name/>');
    expect(problems(config(villageName))[1]).toMatch(/'village_name' looks like personal data/);
    expect(problems(config(villageName, (s) => (s.notPersonal = ['village_name'])))).toEqual([]);
    const both = problems(config(WATER_XML, (s) => (s.questions = [{ id: 'q', type: 'text', label: { en: 'Q', sw: 'Q', fr: 'Q' } }])));
    expect(both.slice(1)).toEqual(['surveys[0].xform: give questions or an xform file, not both']);
    const missing = problems(config(WATER_XML, (s) => (s.xform = './nope.xml')));
    expect(missing[0]).toMatch(/nope\.xml$/);
    expect(missing[1]).toBe('surveys.water.xform: cannot read the file (ENOENT)');
  });
});

describe('a supplied survey over OpenRosa', () => {
  it('is listed with its own formID, version and md5, downloads unchanged, and its answers become a survey.answered event', async () => {
    const gw = testGateway({ clock: () => NOW, configFile: config() });
    const { token } = addOfficer(new FieldStore(gw.db), gw.deployment, 'Amina', null, NOW);
    const list = await request(gw.app).get(`/openrosa/key/${token}/formList`).set(COLLECT);
    const entry = /<xform>(?:(?!<\/xform>).)*kiboko-water-2026(?:(?!<\/xform>).)*<\/xform>/s.exec(list.text)?.[0] ?? '';
    expect(entry).toContain('<name>Water access 2026</name>');
    expect(entry).toContain('<version>2026031001</version>');
    expect(entry).toContain(`<hash>md5:${createHash('md5').update(WATER_XML).digest('hex')}</hash>`);
    const form = await request(gw.app).get(`/openrosa/key/${token}/forms/kiboko-water-2026.xml`).set(COLLECT);
    expect([form.status, form.text]).toEqual([200, WATER_XML]);

    const refusals: [string, string, number, RegExp][] = [
      ['no consent', answers({ consent: 'no' }), 400, /consent/],
      ['a choice the form does not offer', answers({ source: 'well' }), 400, /^'water_source': 'well' is not one of its answers/],
      ['not a whole number', answers({ minutes: 'ten' }), 400, /^'minutes_to_water'/],
      ['a ward not run', answers({ ward: 'east' }), 400, /east/],
      ['outside the survey window', answers({ end: '2026-10-01T10:00:00.000+03:00' }), 409, /was not open when this was taken/],
      [
        'Sauti’s own id for it',
        answers()
          .replace('kiboko-water-2026', 'sauti-survey-water')
          .replace(/<\/?household>/g, ''),
        404,
        /Unknown form 'sauti-survey-water'/,
      ],
    ];
    for (const [name, xml, status, text] of refusals) {
      const res = await submit(gw.app, token, xml);
      expect(res.status, name).toBe(status);
      expect(message(res.text), name).toMatch(text);
    }
    expect(gw.count('events')).toBe(0);
    const ok = await submit(gw.app, token, answers({ comment: 'Call 0712 345 678 about the kiosk' }));
    expect([ok.status, message(ok.text)]).toEqual([201, 'Survey answers recorded.']);
    expect((await submit(gw.app, token, answers({ comment: 'Call 0712 345 678 about the kiosk' }))).status).toBe(201);
    expect((await submit(gw.app, token, answers({ comment: 'other' }))).status).toBe(409);
    const event = gw.db.prepare('SELECT type, cycle_id, channel, payload FROM events').all() as Record<string, string>[];
    expect(event).toHaveLength(1);
    expect(event[0]).toMatchObject({ type: 'survey.answered', cycle_id: 'c-open', channel: 'field' });
    const payload = JSON.parse(event[0]!.payload!);
    expect(payload).toMatchObject({
      surveyId: 'water',
      wardId: 'north',
      answers: { water_source: 'surface', minutes_to_water: 40, treats_water: 'no', problems: ['dry', 'dirty'] },
    });
    expect(payload.answers.comment).not.toMatch(/712/);
  });
});

describe.each(BACKENDS)('a supplied survey’s answers in the ledger on %s', (backend) => {
  it('are synced, accepted, and exported per ward with the form’s answer names as columns', async () => {
    const gw = testGateway({ configFile: config(WATER_XML, (s) => ((s.opens = '2020-01-01T00:00:00Z'), (s.closes = '2099-01-01T00:00:00Z'))) });
    closers.push(async () => void gw.db.close());
    const ledger = await testLedger(backend, gw.deployment);
    closers.push(() => ledger.close());
    const { relay, stop } = await connectedRelay(gw, ledger);
    closers.push(stop);
    const officer = addOfficer(new FieldStore(gw.db), gw.deployment, 'Amina', null, new Date());
    const end = new Date().toISOString();
    const forms = [
      answers({ end, instance: 'uuid:6b000001-5b1a-4c55-9d1e-0a2b3c4d5e6f' }),
      answers({ end, instance: 'uuid:6b000002-5b1a-4c55-9d1e-0a2b3c4d5e6f', ward: 'south', source: 'rain', minutes: '', problems: '' }),
    ];
    for (const xml of forms) expect((await submit(gw.app, officer.token, xml)).status).toBe(201);
    expect(await relay.pushAll()).toMatchObject({ accepted: 2, rejected: 0 });
    const survey = gw.deployment.surveys[0]!;
    expect((await surveyCsv(ledger.conn.db, survey, 'north')).csv).toBe(
      ['ward,water_source,minutes_to_water,treats_water,problems,comment', 'north,surface,40,no,dry dirty,', ''].join('\n'),
    );
    expect((await surveyCsv(ledger.conn.db, survey, 'south')).csv).toContain('south,rain,,no,,\n');
  });
});
