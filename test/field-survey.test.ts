// Needs-assessment surveys: a survey in the deployment becomes a form in Collect's list; answers
// come back over OpenRosa, are checked against the questions (consent, required, bounds, choices),
// stored as survey.answered events, synced, accepted by the ledger (SQLite and PostgreSQL), and
// exported per ward as CSV with no personal field.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { surveyCsv } from '../ledger/survey-export.ts';
import { deploymentSchema } from '../src/config/schema.ts';
import { addOfficer } from '../src/engine/field-capture.ts';
import { FieldStore } from '../src/store/field-store.ts';
import { NOW, rawFixture } from './helpers/deployment.ts';
import { testGateway } from './helpers/gateway.ts';
import { ledgerBackends, testLedger } from './helpers/ledger.ts';
import { connectedRelay } from './helpers/ledger-server.ts';
import { tempDir } from './helpers/tmp.ts';

const BACKENDS = await ledgerBackends();
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

const t3 = (en: string) => ({ en, sw: `${en} (sw)`, fr: `${en} (fr)` });
const SURVEY = {
  id: 'needs-2026',
  cycle: 'c-open',
  title: t3('Household needs 2026'),
  public: true,
  opens: '2026-11-01T00:00:00+03:00',
  closes: '2026-12-31T00:00:00+03:00',
  questions: [
    {
      id: 'water_source',
      type: 'select_one',
      label: t3('Main water source'),
      required: true,
      choices: [
        { id: 'tap', label: t3('Tap') },
        { id: 'borehole', label: t3('Borehole') },
        { id: 'river', label: t3('River') },
      ],
    },
    { id: 'household', type: 'integer', label: t3('People in the household'), min: 1, max: 40 },
    {
      id: 'needs',
      type: 'select_multiple',
      label: t3('Needs'),
      choices: [
        { id: 'water', label: t3('Water') },
        { id: 'roads', label: t3('Roads') },
        { id: 'health', label: t3('Health') },
      ],
    },
    { id: 'comment', type: 'text', label: t3('Anything else') },
  ],
};

function config(edit: (raw: Record<string, any>) => void = () => {}): string {
  const raw = rawFixture();
  raw.surveys = [structuredClone(SURVEY)];
  edit(raw);
  const file = join(tempDir('sauti-survey-'), 'deployment.yaml');
  writeFileSync(file, stringify(raw));
  return file;
}

const COLLECT = { 'X-OpenRosa-Version': '1.0' };

function answers(o: { ward?: string; consent?: string; instance?: string; end?: string } & Record<string, string | undefined> = {}): string {
  const end = o.end ?? '2026-11-22T11:55:40.004+03:00';
  const q = (id: string, v: string) => `<${id}>${o[id] ?? v}</${id}>`;
  return (
    `<?xml version='1.0' ?><data id="sauti-survey-needs-2026" version="v" xmlns:orx="http://openrosa.org/xforms"><start>${end}</start><end>${end}</end>` +
    `<consent>${o.consent ?? 'yes'}</consent><ward>${o.ward ?? 'north'}</ward>${q('water_source', 'river')}${q('household', '6')}${q('needs', 'water health')}${q('comment', 'The borehole is dry')}` +
    `<orx:meta><orx:instanceID>${o.instance ?? 'uuid:5a000000-5b1a-4c55-9d1e-0a2b3c4d5e6f'}</orx:instanceID></orx:meta></data>`
  );
}

const submit = (app: Parameters<typeof request>[0], token: string, xml: string) =>
  request(app)
    .post(`/openrosa/key/${token}/submission`)
    .set(COLLECT)
    .attach('xml_submission_file', Buffer.from(xml), { filename: 'survey.xml', contentType: 'text/xml' });
const message = (body: string) => /<message nature="[a-z_]+">([^<]*)<\/message>/.exec(body)?.[1]?.replace(/&apos;/g, "'");

describe('survey definitions', () => {
  it('the README’s survey example is valid in the example deployment', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = /```yaml\n(surveys:[^]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const raw = parse(readFileSync(new URL('../config/example.yaml', import.meta.url), 'utf8'));
    raw.surveys = parse(block!).surveys;
    const r = deploymentSchema.safeParse(raw);
    expect(r.error?.issues ?? []).toEqual([]);
    expect(r.data!.surveys[0]!.questions.map((q) => q.type)).toEqual(['select_one', 'integer', 'select_multiple', 'text']);
  });

  it('a bad survey is refused at load, naming the key', () => {
    const raw = rawFixture();
    raw.surveys = [
      {
        ...SURVEY,
        cycle: 'c-nope',
        questions: [
          { id: 'q1', type: 'select_one', label: t3('Q') },
          { id: 'ward', type: 'text', label: t3('W') },
        ],
      },
    ];
    const r = deploymentSchema.safeParse(raw);
    expect(r.success).toBe(false);
    const issues = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues).toEqual(expect.arrayContaining(['surveys.0.questions.1.id: this name is taken by the form itself']));
    const fixed = deploymentSchema.safeParse({
      ...raw,
      surveys: [{ ...SURVEY, cycle: 'c-nope', questions: [{ id: 'q1', type: 'select_one', label: t3('Q') }] }],
    });
    expect(fixed.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      "surveys.0.cycle: unknown cycle 'c-nope'",
      'surveys.0.questions.0.choices: a select_one question needs choices',
    ]);
  });
});

describe('surveys over OpenRosa', () => {
  it('an open survey is in the form list for the wards it runs in; a closed one is not', async () => {
    const gw = testGateway({
      clock: () => NOW,
      configFile: config((r) => r.surveys.push({ ...SURVEY, id: 'old', opens: '2020-01-01T00:00:00Z', closes: '2020-02-01T00:00:00Z' })),
    });
    const { token } = addOfficer(new FieldStore(gw.db), gw.deployment, 'Amina', null, NOW);
    const list = await request(gw.app).get(`/openrosa/key/${token}/formList`).set(COLLECT);
    expect([...list.text.matchAll(/<formID>([^<]+)<\/formID>/g)].map((m) => m[1])).toEqual([
      'sauti-vote-c-open',
      'sauti-proposal-c-open',
      'sauti-survey-needs-2026',
      'sauti-paper-c-open',
      'sauti-tally-c-open',
    ]);
    const form = await request(gw.app).get(`/openrosa/key/${token}/forms/sauti-survey-needs-2026.xml`).set(COLLECT);
    expect(form.status).toBe(200);
    expect(form.text).toContain('<consent/><ward/><water_source/><household/><needs/><comment/>');
    const southOnly = testGateway({ clock: () => NOW, configFile: config((r) => (r.surveys[0].wards = ['south'])) });
    const north = addOfficer(new FieldStore(southOnly.db), southOnly.deployment, 'Baraka', 'north', NOW);
    const listed = await request(southOnly.app).get(`/openrosa/key/${north.token}/formList`).set(COLLECT);
    expect(listed.text).not.toContain('sauti-survey');
  });

  it('answers become a survey.answered event with typed values and no number; bad answers are refused and nothing stored', async () => {
    const gw = testGateway({ clock: () => NOW, configFile: config() });
    const { token } = addOfficer(new FieldStore(gw.db), gw.deployment, 'Amina', null, NOW);
    const refusals: [string, string, number, RegExp][] = [
      ['no consent', answers({ consent: 'no' }), 400, /consent is not in this form/],
      ['required answer missing', answers({ water_source: '' }), 400, /^'water_source' needs an answer/],
      ['out of range', answers({ household: '41' }), 400, /^'household': A whole number from 1 to 40/],
      ['unknown choice', answers({ needs: 'water schools' }), 400, /^'needs': 'schools' is not one of its answers/],
      ['outside the survey window', answers({ end: '2026-10-01T10:00:00.000+03:00' }), 409, /was not open when this was taken/],
    ];
    for (const [name, xml, status, text] of refusals) {
      const res = await submit(gw.app, token, xml);
      expect(res.status, name).toBe(status);
      expect(message(res.text), name).toMatch(text);
    }
    expect(gw.count('events')).toBe(0);
    const ok = await submit(gw.app, token, answers({ comment: 'Call me on 0712 345 678 about it' }));
    expect([ok.status, message(ok.text)]).toEqual([201, 'Survey answers recorded.']);
    const event = gw.db.prepare('SELECT type, cycle_id, channel, payload FROM events').get() as Record<string, string>;
    expect(event).toMatchObject({ type: 'survey.answered', cycle_id: 'c-open', channel: 'field' });
    const payload = JSON.parse(event.payload!);
    expect(payload).toMatchObject({ surveyId: 'needs-2026', wardId: 'north', answers: { water_source: 'river', household: 6, needs: ['water', 'health'] } });
    expect(payload.answers.comment).not.toMatch(/712/);
    expect(gw.db.prepare('SELECT consent FROM field_submissions').pluck().get()).toBe('yes');
  });
});

describe.each(BACKENDS)('survey answers in the ledger on %s', (backend) => {
  it('are synced, accepted, and exported per ward as CSV without any personal field', async () => {
    const gw = testGateway({ configFile: config((r) => ((r.surveys[0].opens = '2020-01-01T00:00:00Z'), (r.surveys[0].closes = '2099-01-01T00:00:00Z'))) });
    closers.push(async () => void gw.db.close());
    const ledger = await testLedger(backend, gw.deployment);
    closers.push(() => ledger.close());
    const { relay, url, stop } = await connectedRelay(gw, ledger);
    closers.push(stop);
    const officer = addOfficer(new FieldStore(gw.db), gw.deployment, 'Amina', null, new Date());
    const end = new Date().toISOString();
    const forms = [
      answers({ end, instance: 'uuid:5a000001-5b1a-4c55-9d1e-0a2b3c4d5e6f', needs: 'roads', comment: '=HYPERLINK("x")' }),
      answers({ end, instance: 'uuid:5a000002-5b1a-4c55-9d1e-0a2b3c4d5e6f', ward: 'south', water_source: 'tap', household: '', needs: '', comment: '' }),
      answers({ end, instance: 'uuid:5a000003-5b1a-4c55-9d1e-0a2b3c4d5e6f', water_source: 'borehole', household: '3', comment: 'Clinic, road' }),
    ];
    for (const xml of forms) expect((await submit(gw.app, officer.token, xml)).status).toBe(201);
    expect(await relay.pushAll()).toMatchObject({ accepted: 3, rejected: 0 });
    const survey = gw.deployment.surveys[0]!;
    const north = await surveyCsv(ledger.conn.db, survey, 'north');
    expect(north.csv).toBe(
      ['ward,water_source,household,needs,comment', 'north,borehole,3,water health,"Clinic, road"', `north,river,6,roads,"'=HYPERLINK(""x"")"`, ''].join('\n'),
    );
    const all = await surveyCsv(ledger.conn.db, survey);
    expect(all.rows).toBe(3);
    expect(all.csv).toContain('south,tap,,,\n');
    const stored = await ledger.conn.db
      .selectFrom('ledger_events')
      .select(['voter_key', 'gateway_id', 'captured_at'])
      .where('type', '=', 'survey.answered')
      .execute();
    for (const s of stored) for (const v of Object.values(s)) expect(all.csv).not.toContain(String(v));
    expect(all.csv).not.toContain(officer.id);
    // Open data: a public survey's answers, once it has closed, per ward or all.
    const open = await fetch(`${url}/results/surveys/needs-2026/north.csv`);
    expect([open.status, await open.text()]).toEqual([404, `The answers of needs-2026 are published once it closes (2099-01-01T00:00:00.000Z).\n`]);
    survey.closes = new Date(Date.now() - 1000);
    const closed = await fetch(`${url}/results/surveys/needs-2026/north.csv`);
    expect([closed.status, closed.headers.get('content-type'), await closed.text()]).toEqual([200, 'text/csv; charset=utf-8', north.csv]);
    expect(await (await fetch(`${url}/results/surveys/needs-2026/all.csv`)).text()).toBe(all.csv);
    expect((await fetch(`${url}/results/surveys/needs-2026/east.csv`)).status).toBe(404);
    survey.public = false;
    expect((await fetch(`${url}/results/surveys/needs-2026/all.csv`)).status).toBe(404);
  });
});

describe('sauti ledger survey-export', { timeout: 120_000 }, () => {
  const CLI = resolve(import.meta.dirname, '../src/cli/main.ts');
  const sauti = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
      encoding: 'utf8',
      env: { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: '', ...env },
    });

  it('writes the CSV to --out (a header only when nothing was answered) and names an unknown survey or ward', () => {
    const dir = tempDir('sauti-survey-cli-');
    const env = { SAUTI_CONFIG: config(), SAUTI_LEDGER_DB: join(dir, 'ledger.db') };
    const out = join(dir, 'needs-north.csv');
    const ok = sauti(['ledger', 'survey-export', 'needs-2026', '--ward', 'north', '--out', out], env);
    expect([ok.status, ok.stderr.trim()]).toEqual([0, `0 answered forms of survey needs-2026 in ward north written to ${out}.`]);
    expect(readFileSync(out, 'utf8')).toBe('ward,water_source,household,needs,comment\n');
    const unknown = sauti(['ledger', 'survey-export', 'needs-2025'], env);
    expect([unknown.status, unknown.stderr.trim()]).toEqual([2, "No survey 'needs-2025' in the deployment; there are: needs-2026."]);
    const ward = sauti(['ledger', 'survey-export', 'needs-2026', '--ward', 'east'], env);
    expect([ward.status, ward.stderr.trim()]).toEqual([2, "No ward 'east': one of north, south."]);
  });
});
