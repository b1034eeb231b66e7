// Deployment files and environment settings: good ones load, bad ones name the key.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { rawFixture } from '../../test/helpers/deployment.ts';
import { tempDir } from '../../test/helpers/tmp.ts';
import { maxPerProject, type CumulativeRule } from '../domain/ballot.ts';
import { loadSettings } from './env.ts';
import { ConfigError } from './errors.ts';
import { loadDeployment, loadRoll, parseDeployment } from './load.ts';

const EXAMPLE = fileURLToPath(new URL('../../config/example.yaml', import.meta.url));

describe('deployment file', () => {
  it('the shipped example is valid: 3 wards, about 12 projects, 3 languages', () => {
    const d = loadDeployment(EXAMPLE);
    expect(d.wards).toHaveLength(3);
    expect(d.languages.map((l) => l.code)).toEqual(['en', 'sw', 'fr']);
    expect(d.cycles.find((c) => c.id === 'pb-2026')!.projects).toHaveLength(12);
  });

  it('the cumulative ballot the example shows in a comment is valid too', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    const line = text.match(/^ *# *(ballot: \{ rule: cumulative.*\})$/m)![1]!;
    const raw = parse(text);
    raw.cycles.find((c: { id: string }) => c.id === 'pb-2026').ballot = parse(line).ballot;
    const cycle = parseDeployment(stringify(raw), 'example.yaml').cycles.find((c) => c.id === 'pb-2026')!;
    expect(cycle.ballot).toEqual({ rule: 'cumulative', points: 5, maxPerProject: 3, min: 1 });
  });

  it('the demographics the example shows in a comment are valid too', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    const line = text.match(/^ *# *(demographics: \{.*\})$/m)![1]!;
    const raw = parse(text);
    raw.demographics = parse(line).demographics;
    expect(parseDeployment(stringify(raw), 'example.yaml').demographics).toEqual({
      ageBands: ['18-24', '25-34', '35-64', '65+'],
      genders: ['female', 'male', 'other'],
      minCell: 5,
    });
  });

  const broken: [string, (r: Record<string, any>) => void, RegExp][] = [
    ['a cost given as text', (r) => (r.cycles[0].projects[2].cost = '2.9M'), /cycles\[0\]\.projects\[2\]\.cost: .*number/],
    ['a project in an unknown ward', (r) => (r.cycles[0].projects[0].ward = 'east'), /cycles\[0\]\.projects\[0\]\.ward: unknown ward 'east'/],
    ['a missing Swahili title', (r) => delete r.cycles[0].projects[1].short.sw, /cycles\[0\]\.projects\[1\]\.short\.sw: missing text for language 'sw'/],
    ['a duplicated project code', (r) => (r.cycles[0].projects[1].code = 1), /cycles\[0\]\.projects\[1\]\.code: code 1 is used twice/],
    ['a code clashing with More (98)', (r) => (r.cycles[0].projects[0].code = 98), /cycles\[0\]\.projects\[0\]\.code: .*97/],
    [
      'voting closing before it opens',
      (r) => (r.cycles[0].phases.voting.closes = '2019-01-01T00:00:00+03:00'),
      /cycles\[0\]\.phases\.voting\.closes: opens must be before closes/,
    ],
    ['a date without an offset', (r) => (r.cycles[0].phases.voting.opens = '2026-11-01'), /cycles\[0\]\.phases\.voting\.opens/],
    ['an unknown ballot rule', (r) => (r.cycles[0].ballot = { rule: 'borda' }), /cycles\[0\]\.ballot\.rule/],
    ['approval min above max', (r) => (r.cycles[0].ballot = { rule: 'approval', min: 4, max: 3 }), /cycles\[0\]\.ballot\.min: min is above max/],
    [
      'ranking points not one per place',
      (r) => (r.cycles[0].ballot = { rule: 'ranking', k: 3, points: [3, 1] }),
      /cycles\[0\]\.ballot\.points: give 3 values, one per place/,
    ],
    ['cumulative points below 2', (r) => (r.cycles[0].ballot = { rule: 'cumulative', points: 1 }), /cycles\[0\]\.ballot\.points: .*2/],
    [
      'cumulative points beyond what a ballot carries',
      (r) => (r.cycles[0].ballot = { rule: 'cumulative', points: 98 }),
      /cycles\[0\]\.ballot\.points: at most 97/,
    ],
    [
      'cumulative maxPerProject above points',
      (r) => (r.cycles[0].ballot = { rule: 'cumulative', points: 5, maxPerProject: 6 }),
      /cycles\[0\]\.ballot\.maxPerProject: maxPerProject is above points \(5\)/,
    ],
    [
      'cumulative min above points',
      (r) => (r.cycles[0].ballot = { rule: 'cumulative', points: 3, min: 4 }),
      /cycles\[0\]\.ballot\.min: min is above points \(3\)/,
    ],
    ['cumulative points not a whole number', (r) => (r.cycles[0].ballot = { rule: 'cumulative', points: 2.5 }), /cycles\[0\]\.ballot\.points/],
    [
      'greedy-threshold without a threshold',
      (r) => (r.cycles[0].selection = { rule: 'greedy-threshold' }),
      /cycles\[0\]\.selection\.threshold: greedy-threshold needs a threshold/,
    ],
    ['an unknown selection rule', (r) => (r.cycles[0].selection = { rule: 'borda' }), /cycles\[0\]\.selection\.rule/],
    [
      'a language without translations',
      (r) => r.languages.push({ code: 'de', name: 'Deutsch' }),
      /languages\[3\]\.code: no built-in catalogue for 'de' \(built in: en, sw, fr\): add catalogue: <file>\.yaml/,
    ],
    [
      'a catalogue for a built-in language',
      (r) => (r.languages[1].catalogue = 'sw.yaml'),
      /languages\[1\]\.catalogue: 'sw' has a built-in catalogue: remove this key/,
    ],
    [
      'a language code that is not an ISO 639 one',
      (r) => r.languages.push({ code: 'Dholuo', name: 'Dholuo', catalogue: 'luo.yaml' }),
      /languages\[3\]\.code: use an ISO 639 code/,
    ],
    ['an unknown time zone', (r) => (r.deployment.timezone = 'Africa/Atlantis'), /deployment\.timezone: unknown IANA time zone/],
    [
      'a country code that is not one (UK for GB)',
      (r) => (r.deployment.country = 'UK'),
      /deployment\.country: not a country libphonenumber-js knows: use its ISO 3166 code \(GB, not UK\)/,
    ],
    ['a roll without registration help', (r) => (r.eligibility = { mode: 'roll', rollFile: 'roll.csv' }), /eligibility\.registerHelp/],
    [
      'results expected before voting closes',
      (r) => (r.cycles[1].resultsExpected = '2019-03-15T00:00:00+03:00'),
      /cycles\[1\]\.resultsExpected: must not be before voting closes/,
    ],
    ['a results entry for a missing project', (r) => (r.cycles[1].results.selected = [99]), /cycles\[1\]\.results\.selected\[0\]: no project with code 99/],
    [
      'two voting windows that overlap',
      (r) => (r.cycles[1].phases.voting = { opens: '2030-01-01T00:00:00+03:00', closes: '2030-02-01T00:00:00+03:00' }),
      /cycles\[1\]\.phases\.voting: overlaps the voting window of cycle 'c-open'/,
    ],
    [
      'an age band listed twice',
      (r) => (r.demographics = { ageBands: ['18-24', '25-34', '18-24'], genders: ['female'] }),
      /demographics\.ageBands\[2\]: '18-24' is listed twice/,
    ],
    [
      'a gender listed twice',
      (r) => (r.demographics = { ageBands: ['18-24'], genders: ['female', 'male', 'female'] }),
      /demographics\.genders\[2\]: 'female' is listed twice/,
    ],
    ['no genders at all', (r) => (r.demographics = { ageBands: ['18-24'], genders: [] }), /demographics\.genders: .*1/],
    [
      'an age band that is not a short label',
      (r) => (r.demographics = { ageBands: ['18-24', ' '], genders: ['female'] }),
      /demographics\.ageBands\[1\]: use 1-24 letters/,
    ],
    ['a gender that spans lines', (r) => (r.demographics = { ageBands: ['18-24'], genders: ['fe\nmale'] }), /demographics\.genders\[0\]: use 1-24 letters/],
    [
      'a minimum cell that can single a person out',
      (r) => (r.demographics = { ageBands: ['18-24'], genders: ['female'], minCell: 2 }),
      /demographics\.minCell: use at least 3/,
    ],
    ['ages given as numbers', (r) => (r.demographics = { ageBands: [18, 25], genders: ['female'] }), /demographics\.ageBands\[0\]: .*string/],
    [
      'a short title too long for a menu',
      (r) => (r.cycles[0].projects[0].short.en = 'A very long short title here'),
      /cycles\[0\]\.projects\[0\]\.short\.en: .*22/,
    ],
  ];
  it.each(broken)('rejects %s, naming the key', (_name, edit, message) => {
    const raw = rawFixture();
    edit(raw);
    expect(() => parseDeployment(stringify(raw), 'test.yaml')).toThrow(message);
  });

  it('accepts a cumulative ballot: min defaults to 1, maxPerProject to all the points', () => {
    const raw = rawFixture();
    raw.cycles[0].ballot = { rule: 'cumulative', points: 10 };
    const d = parseDeployment(stringify(raw), 'test.yaml');
    expect(d.cycles[0]!.ballot).toEqual({ rule: 'cumulative', points: 10, min: 1 });
    expect(maxPerProject(d.cycles[0]!.ballot as CumulativeRule)).toBe(10);
  });

  it('demographics are optional; when given, groups under 5 ballots are hidden unless minCell says otherwise', () => {
    expect(parseDeployment(stringify(rawFixture()), 'test.yaml').demographics).toBeUndefined();
    const raw = rawFixture();
    raw.demographics = { ageBands: ['18-24', '25-34', '65+'], genders: ['female', 'male', 'other'] };
    expect(parseDeployment(stringify(raw), 'test.yaml').demographics).toEqual({
      ageBands: ['18-24', '25-34', '65+'],
      genders: ['female', 'male', 'other'],
      minCell: 5,
    });
  });

  it('reports YAML syntax errors with the file name', () => {
    expect(() => parseDeployment('wards: [unclosed', 'bad.yaml')).toThrow(/bad\.yaml is invalid:\n {2}- YAML syntax/);
  });

  it('reports a missing file without a stack trace', () => {
    const err = (() => {
      try {
        loadDeployment('/nonexistent/sauti.yaml');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe('/nonexistent/sauti.yaml is invalid:\n  - cannot read the file (ENOENT)');
  });
});

describe('voter roll file', () => {
  const dir = tempDir();
  const wards = new Set(['north', 'south']);
  const roll = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return name;
  };
  const config = join(dir, 'deployment.yaml');

  it('reads voter id, phone and ward', () => {
    const f = roll('ok.csv', 'voter_id,phone,ward\nV1,+254711000001,north\nV2,0722000002,south\n');
    expect(loadRoll(config, f, { wardIds: wards })).toEqual([
      { voter_id: 'V1', phone: '+254711000001', ward: 'north', line: 2 },
      { voter_id: 'V2', phone: '0722000002', ward: 'south', line: 3 },
    ]);
  });

  it('reads a roll saved by Excel (byte-order mark, CRLF) like any other', () => {
    const f = roll('excel.csv', '\ufeffvoter_id,phone,ward\r\nV1,+254711000001,north\r\nV2,0722000002,south\r\n');
    expect(loadRoll(config, f, { wardIds: wards })).toEqual([
      { voter_id: 'V1', phone: '+254711000001', ward: 'north', line: 2 },
      { voter_id: 'V2', phone: '0722000002', ward: 'south', line: 3 },
    ]);
  });

  // Line numbers are the ones an editor shows: blank lines and cells spanning lines counted.
  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ])('names the true line after blank and multi-line rows (%s)', (_name, nl) => {
    const text = [
      '\ufeffvoter_id,phone,ward',
      '',
      'V1,+254711000001,north',
      '"V2',
      'annex",0722000002,south',
      '  ',
      '',
      'V3,,south',
      'V4,0744000004,east',
      '',
    ].join(nl);
    const f = roll('drift.csv', text);
    expect(() => loadRoll(config, f, { wardIds: wards })).toThrow(/line 8: phone: .*\n.*line 9: ward: unknown ward 'east'/);
    const ok = roll('drift-ok.csv', text.replace('V3,,', 'V3,0733000003,').replace(',east', ',north'));
    expect(loadRoll(config, ok, { wardIds: wards }).map((r) => [r.voter_id, r.line])).toEqual([
      ['V1', 3],
      ['V2\nannex', 4],
      ['V3', 8],
      ['V4', 9],
    ]);
  });

  it('rejects the whole file when a row is bad, naming line and field', () => {
    const f = roll('bad.csv', 'voter_id,phone,ward\nV1,+254711000001,north\nV2,,south\nV3,0733,east\n');
    expect(() => loadRoll(config, f, { wardIds: wards })).toThrow(/line 3: phone: .*\n.*line 4: ward: unknown ward 'east'/);
  });

  const demographics = { ageBands: ['18-24', '25-34', '65+'], genders: ['female', 'male', 'other'] };
  const HEAD = 'voter_id,phone,ward,age_band,gender\n';

  it('reads optional age_band and gender; an empty cell means not collected', () => {
    const f = roll('demo.csv', `${HEAD}V1,+254711000001,north,18-24,female\nV2,0722000002,south,,\nV3,0733000003,south,65+,\n`);
    expect(loadRoll(config, f, { wardIds: wards, demographics })).toEqual([
      { voter_id: 'V1', phone: '+254711000001', ward: 'north', age_band: '18-24', gender: 'female', line: 2 },
      { voter_id: 'V2', phone: '0722000002', ward: 'south', line: 3 },
      { voter_id: 'V3', phone: '0733000003', ward: 'south', age_band: '65+', line: 4 },
    ]);
  });

  // Each bad value refuses the whole file and names the line (the header is line 1) and the column.
  const badRolls: [string, string, RegExp][] = [
    [
      'an age band not in the list',
      `${HEAD}V1,+254711000001,north,18-24,female\nV2,0722000002,south,17-20,male\n`,
      /line 3: age_band: '17-20' is not one of demographics\.ageBands \(18-24, 25-34, 65\+\)/,
    ],
    [
      'a gender not in the list',
      `${HEAD}V1,+254711000001,north,18-24,Female\n`,
      /line 2: gender: 'Female' is not one of demographics\.genders \(female, male, other\)/,
    ],
    ['both wrong on one line', `${HEAD}V1,+254711000001,north,18 to 24,f\n`, /line 2: age_band: '18 to 24' .*\n.*line 2: gender: 'f' /],
    ['an over-long value', `${HEAD}V1,+254711000001,north,${'x'.repeat(70)},\n`, /line 2: age_band: .*64/],
  ];
  it.each(badRolls)('refuses the whole roll for %s', (_name, text, message) => {
    const f = roll('bad-demo.csv', text);
    expect(() => loadRoll(config, f, { wardIds: wards, demographics })).toThrow(message);
  });

  it('refuses demographic columns the deployment file does not list, once per column', () => {
    const f = roll('unlisted.csv', `${HEAD}V1,+254711000001,north,18-24,female\nV2,0722000002,south,25-34,male\n`);
    const err = (() => {
      try {
        loadRoll(config, f, { wardIds: wards });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err?.problems).toEqual([
      'line 2: age_band: the deployment file lists no demographics.ageBands; add them or empty the column',
      'line 2: gender: the deployment file lists no demographics.genders; add them or empty the column',
    ]);
    // Columns present but empty are fine without demographics.
    const empty = roll('empty.csv', `${HEAD}V1,+254711000001,north,,\n`);
    expect(loadRoll(config, empty, { wardIds: wards })).toEqual([{ voter_id: 'V1', phone: '+254711000001', ward: 'north', line: 2 }]);
  });
});

describe('environment settings', () => {
  it('uses development defaults and lists them so start-up can warn', () => {
    const s = loadSettings({});
    expect(s.devDefaults).toEqual(['SAUTI_CALLBACK_TOKEN', 'SAUTI_VOTER_KEY_SECRET']);
    expect(s.port).toBe(8080);
  });

  it('names the bad key', () => {
    expect(() => loadSettings({ PORT: 'eighty' })).toThrow(/environment is invalid:\n {2}- PORT:/);
    expect(() => loadSettings({ SAUTI_CALLBACK_TOKEN: 'short' })).toThrow(/SAUTI_CALLBACK_TOKEN: use at least 16 characters/);
    expect(() => loadSettings({ SAUTI_LEDGER_VOTER_SECRET: 'too-short-for-a-ledger' })).toThrow(/SAUTI_LEDGER_VOTER_SECRET: use at least 32 characters/);
  });

  it('refuses a ledger voter secret that a gateway also holds, and passes both ledger secrets to the ledger storage', () => {
    const same = 'the-same-secret-on-gateway-and-ledger-0123';
    expect(() => loadSettings({ SAUTI_VOTER_KEY_SECRET: same, SAUTI_LEDGER_VOTER_SECRET: same })).toThrow(
      /SAUTI_LEDGER_VOTER_SECRET: must differ from SAUTI_VOTER_KEY_SECRET/,
    );
    expect(() => loadSettings({ SAUTI_VOTER_KEY_SECRET: same, SAUTI_LEDGER_NEXT_VOTER_SECRET: same })).toThrow(/SAUTI_LEDGER_NEXT_VOTER_SECRET: must differ/);
    const s = loadSettings({
      SAUTI_LEDGER_VOTER_SECRET: 'ledger-voter-secret-0123456789abcdef',
      SAUTI_LEDGER_NEXT_VOTER_SECRET: 'ledger-voter-secret-next-0123456789ab',
      DATABASE_URL: 'postgres://x@h/db',
    });
    expect(s.ledgerStorage).toEqual({
      kind: 'postgres',
      url: 'postgres://x@h/db',
      schema: undefined,
      voterSecret: 'ledger-voter-secret-0123456789abcdef',
      nextVoterSecret: 'ledger-voter-secret-next-0123456789ab',
    });
  });
});
