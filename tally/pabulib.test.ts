// Pabulib files: every real instance in ../shared/pabulib reproduces its published winners; a
// written file reads back the same; a bad file is refused with its line and field named.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePb, pbInstance, PbError, readPb, writePb, type PbInstance } from './pabulib.ts';
import { count } from './rules.ts';

// Copies of ../shared/pabulib (Pabulib snapshot 88cfaba3), kept in the repository so a clone tests alone.
const SHARED = resolve(import.meta.dirname, '../test/fixtures/pabulib');
const files = readdirSync(SHARED).filter((f) => f.endsWith('.pb'));

/**
 * Reads a file both ways — whole (`parsePb` then `pbInstance`) and streaming (`readPb`, which
 * `sauti results --from` uses) — and checks they agree on everything, errors included.
 */
function bothWays(text: string): PbInstance {
  const attempt = (read: () => PbInstance) => {
    try {
      return { value: read() };
    } catch (error) {
      return { error: error as Error };
    }
  };
  const whole = attempt(() => pbInstance(parsePb(text)));
  const streamed = attempt(() => readPb(text));
  expect(streamed.error?.message).toBe(whole.error?.message);
  if (whole.error) throw whole.error;
  expect(streamed.value).toEqual(whole.value);
  return whole.value!;
}

describe('real Pabulib instances', () => {
  it('are all here', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  for (const file of files) {
    it(`${file}: counting VOTES with the META rule reproduces the published selection`, () => {
      const pb = bothWays(readFileSync(join(SHARED, file), 'utf8'));
      // The recount of VOTES agrees with the file's own votes/score columns.
      expect(pb.mismatches).toEqual([]);
      const outcome = count(pb.instance, pb.rule ?? 'greedy', { threshold: pb.threshold });
      const ids = outcome.selected.map((p) => pb.instance.projects[p]!.id).sort();
      if (pb.published) expect(ids).toEqual([...pb.published].sort());
      else expect(pb.meta.get('rule')).toBe('unknown'); // the one file without a `selected` column
      expect(outcome.cost).toBeLessThanOrEqual(pb.instance.budget);
    });
  }

  it('round-trips: written and read again, the same instance and winners', () => {
    for (const file of files) {
      const parsed = parsePb(readFileSync(join(SHARED, file), 'utf8'));
      const again = parsePb(writePb(parsed));
      expect(again.meta).toEqual(parsed.meta);
      expect(again.projects.map((r) => ({ ...r }))).toEqual(parsed.projects.map((r) => ({ ...r })));
      const a = pbInstance(parsed);
      const b = pbInstance(again);
      expect(b.instance.profile.picks).toEqual(a.instance.profile.picks);
      expect(count(b.instance, 'equalshares').selected).toEqual(count(a.instance, 'equalshares').selected);
    }
  });
});

describe('a bad .pb file', () => {
  const good = [
    'META',
    'key;value',
    'description;t',
    'country;Kenya',
    'unit;K',
    'instance;1',
    'num_projects;2',
    'num_votes;2',
    'budget;100',
    'vote_type;approval',
    'rule;greedy',
    'date_begin;2026',
    'date_end;2026',
    'PROJECTS',
    'project_id;cost;votes',
    '1;60;2',
    '2;50;1',
    'VOTES',
    'voter_id;vote',
    'a;1,2',
    'b;1',
  ];
  const attempt = (lines: string[]) => () => bothWays(lines.join('\n'));

  it('reads when well formed, with a BOM and blank lines', () => {
    const pb = bothWays('\ufeff' + good.join('\r\n') + '\r\n\r\n');
    expect(pb.instance.profile.voters).toBe(2);
  });

  it('reads a file whose VOTES section comes before PROJECTS the same way', () => {
    const votesFirst = [...good.slice(0, 13), ...good.slice(17), ...good.slice(13, 17)];
    expect(votesFirst[13]).toBe('VOTES');
    expect(bothWays(votesFirst.join('\n')).instance.profile.voters).toBe(2);
  });

  it('reads a vote list digit by digit only when it is plain: a leading zero, a space or an empty item is read as written', () => {
    const withVote = (vote: string) => {
      const lines = [...good];
      lines[19] = `a;${vote}`;
      return attempt(lines);
    };
    // '01' is not project 1: ids are text.
    expect(withVote('01,2')).toThrow(new PbError(20, 'VOTES vote: no project 01 in PROJECTS'));
    expect(withVote('1,,2')).toThrow(new PbError(20, "VOTES vote: '1,,2' has an empty item"));
    expect(withVote('2,')).toThrow(new PbError(20, "VOTES vote: '2,' has an empty item"));
    expect(withVote(' 1 , 2')().instance.profile.picks.slice(0, 2)).toEqual(Uint16Array.from([0, 1]));
  });

  it('names the line and field of a vote for a project that does not exist', () => {
    const bad = [...good];
    bad[19] = 'a;1,9';
    expect(attempt(bad)).toThrow(new PbError(20, 'VOTES vote: no project 9 in PROJECTS'));
  });

  it('names a missing META key, a bad cost, and counts that do not match', () => {
    expect(attempt(good.filter((l) => !l.startsWith('budget')))).toThrow(/META budget is missing/);
    const badCost = [...good];
    badCost[15] = '1;sixty;2';
    expect(attempt(badCost)).toThrow(/line 16: PROJECTS cost: 'sixty'/);
    const moreVotes = [...good, 'c;2'];
    expect(attempt(moreVotes)).toThrow(/num_votes is 2 but VOTES has 3 rows/);
    expect(attempt(good.map((l) => (l === 'vote_type;approval' ? 'vote_type;borda' : l)))).toThrow(/vote_type 'borda'/);
  });

  it('reports a votes column that disagrees with the ballots', () => {
    const off = good.map((l) => (l === '2;50;1' ? '2;50;7' : l));
    expect(bothWays(off.join('\n')).mismatches).toEqual(['project 2: votes says 7, the ballots give 1']);
  });
});

// Real files with the quirks found across the whole corpus (test/fixtures/pabulib/quirky/README.md).
// Expected winners are the file's own `selected` column, or, where it has none, greedy over the
// file's own PROJECTS score/votes column worked out apart (Python's csv module, as Pabulib's tools read).
describe('real Pabulib files with quirks', () => {
  const QUIRKY = resolve(SHARED, 'quirky');
  const cases: { file: string; rule: string | null; warnings: [number, RegExp][]; winners: string[] }[] = [
    {
      file: 'Poland_Czestochowa_2020_Bleszno.pb',
      rule: 'greedy',
      warnings: [[40, /^a quote inside an unquoted field \(Konkurs " NA NAJŁADNIEJSZĄ .*\); read as a plain character$/]],
      winners: ['281', '408', '567', '571'], // no `selected` column: greedy by its score column
    },
    {
      file: 'Poland_Czestochowa_2020_Grabowka.pb',
      rule: 'greedy',
      warnings: [[29, /^text after a closing quote \("Odkupmy" i my - zakup .*\); read as one field$/]],
      winners: ['196', '198', '443', '463', '47'], // no `selected` column: greedy by its score column
    },
    {
      file: 'Poland_Poznan_2024_9_-_Stare_Miasto__large.pb',
      rule: null, // greedy-custom: not a rule Sauti counts; greedy gives the published winner
      warnings: [[13, /^ends with LF where line 1 ends with CRLF; read as the end of the line$/]],
      winners: ['RD-IX.1'], // its `selected` column
    },
    {
      file: 'Poland_Wieliczka_2023_Green_Budget.pb',
      rule: 'equalshares/add1-comparison', // the bare LF ends the rule line itself
      warnings: [[12, /^ends with LF where line 1 ends with CRLF; read as the end of the line$/]],
      // its `selected` column
      winners: [
        '17',
        '19',
        '20',
        '24',
        '25',
        '26',
        '29',
        '32',
        '33',
        '34',
        '36',
        '39',
        '40',
        '41',
        '42',
        '43',
        '46',
        '56',
        '58',
        '6',
        '60',
        '61',
        '62',
        '69',
        '7',
        '70',
        '71',
        '74',
        '88',
        '9',
      ],
    },
    {
      file: 'US_Stanford_Dataset_Your_Voice_Your_Choice_Parks_and_Streets-_Seattle_2019_District_3_vote_knapsacks.pb',
      rule: null, // unknown
      warnings: ['1229', '1230', '1227'].map((id): [number, RegExp] => [
        123,
        new RegExp(`^VOTES vote: project ${id} is listed twice; counted as listed, as the file's PROJECTS votes column counts it$`),
      ]),
      winners: ['1229', '1230', '1231', '1232'], // no `selected` column: greedy by its votes column
    },
  ];
  for (const c of cases) {
    it(`${c.file}: read with its warnings, and the expected winners`, () => {
      const pb = bothWays(readFileSync(join(QUIRKY, c.file), 'utf8'));
      expect(pb.rule).toBe(c.rule);
      expect(pb.warnings.map((w) => w.line)).toEqual(c.warnings.map(([line]) => line));
      pb.warnings.forEach((w, i) => expect(w.message).toMatch(c.warnings[i]![1]));
      expect(pb.mismatches).toEqual([]);
      const outcome = count(pb.instance, pb.rule ?? 'greedy', { threshold: pb.threshold });
      expect(outcome.selected.map((p) => pb.instance.projects[p]!.id).sort()).toEqual([...c.winners].sort());
      if (pb.published) expect([...pb.published].sort()).toEqual([...c.winners].sort());
    });
  }
});

describe('what the reader tolerates and what it refuses', () => {
  const meta = [
    'META',
    'key;value',
    'description;t',
    'country;Kenya',
    'unit;K',
    'instance;1',
    'num_projects;2',
    'num_votes;2',
    'budget;100',
    'vote_type;approval',
    'rule;greedy',
    'date_begin;2026',
    'date_end;2026',
  ];
  const rest = ['PROJECTS', 'project_id;cost;votes;name', '1;60;2;Well', '2;50;1;Road', 'VOTES', 'voter_id;vote', 'a;1,2', 'b;1'];
  const read = (lines: string[], eol = '\n') => bothWays(lines.join(eol));

  it('reads any line ending, a bare CR too, and names the odd lines', () => {
    const text = [...meta, ...rest].join('\r\n').replace('rule;greedy\r\n', 'rule;greedy\n').replace('b;1', 'b;1\r');
    const pb = bothWays(text.replace('1;60;2;Well\r\n', '1;60;2;Well\r'));
    expect(pb.instance.profile.voters).toBe(2);
    expect(pb.rule).toBe('greedy');
    expect(pb.meta.get('date_begin')).toBe('2026');
    expect(pb.warnings).toEqual([
      { line: 11, message: 'ends with LF where line 1 ends with CRLF; read as the end of the line' },
      { line: 16, message: 'ends with CR where line 1 ends with CRLF; read as the end of the line' },
    ]);
  });

  it('reads a quoted field across lines, with the next rows’ line numbers still right', () => {
    const lines = [...meta, ...rest];
    lines[15] = '1;60;2;"Well;\nand pump"';
    const pb = read(lines);
    expect(pb.instance.projects[0]!.name).toBe('Well;\nand pump');
    expect(pb.warnings).toEqual([]);
    const badVote = [...lines];
    badVote[19] = 'a;1,9';
    expect(() => read(badVote)).toThrow(new PbError(21, 'VOTES vote: no project 9 in PROJECTS'));
  });

  it('refuses a quoted field that never closes, naming where it opened', () => {
    const lines = [...meta, ...rest];
    lines[15] = '1;60;2;"Well';
    expect(() => read(lines)).toThrow(new PbError(16, 'not readable as a .pb file (a quoted field is never closed)'));
  });

  it('warns on missing META a count does not need, and refuses missing META it does', () => {
    const pb = read([...meta.filter((l) => !l.startsWith('date_begin') && !l.startsWith('country')), ...rest]);
    expect(pb.warnings.map((w) => w.message)).toEqual(['META country is missing (not needed to count)', 'META date_begin is missing (not needed to count)']);
    for (const key of ['budget', 'rule', 'vote_type', 'num_votes']) {
      expect(() => read([...meta.filter((l) => !l.startsWith(`${key};`)), ...rest])).toThrow(`META ${key} is missing`);
    }
  });

  it('ignores empty extra fields with a warning; refuses a row whose extra fields hold values', () => {
    const lines = [...meta, ...rest];
    lines[16] = '2;50;1;Road;;';
    expect(read(lines).warnings).toEqual([{ line: 17, message: 'PROJECTS row has 6 fields but the header has 4; the 2 extra fields are empty and ignored' }]);
    lines[16] = '2;50;1;Road; tarmac';
    expect(() => read(lines)).toThrow(/^line 17: PROJECTS row has 5 fields but the header has 4: a field was split or two rows run together/);
  });

  it('refuses what would change a count: a voter twice, an empty list item, a repeat the file does not count', () => {
    const twice = [...meta, ...rest];
    twice[20] = 'a;2';
    expect(() => read(twice)).toThrow(new PbError(21, 'VOTES voter_id a appears twice (also line 20)'));
    const hole = [...meta, ...rest];
    hole[19] = 'a;1,,2';
    expect(() => read(hole)).toThrow(new PbError(20, "VOTES vote: '1,,2' has an empty item"));
    const badCost = [...meta, ...rest];
    badCost[15] = '1;60 000;2;Well';
    expect(() => read(badCost)).toThrow(/line 16: PROJECTS cost: '60 000'/);
    // Listed twice: read only when the file's votes column counts it as listed (here it says 2 for 3 listings).
    const repeat = [...meta, ...rest];
    repeat[19] = 'a;1,2,1';
    expect(() => read(repeat)).toThrow(
      new PbError(20, 'VOTES vote: project 1 is listed twice, and the PROJECTS votes column does not show whether it counts once or as listed'),
    );
    repeat[15] = '1;60;3;Well';
    const pb = read(repeat);
    expect(pb.warnings).toEqual([
      { line: 20, message: "VOTES vote: project 1 is listed twice; counted as listed, as the file's PROJECTS votes column counts it" },
    ]);
    repeat[19] = 'a;1,2,1,1';
    repeat[15] = '1;60;4;Well';
    expect(read(repeat).warnings).toEqual([
      { line: 20, message: "VOTES vote: project 1 is listed 3 times; counted as listed, as the file's PROJECTS votes column counts it" },
    ]);
    expect(pb.mismatches).toEqual([]);
  });
});
