// Pabulib files: every real instance in ../shared/pabulib reproduces its published winners; a
// written file reads back the same; a bad file is refused with its line and field named.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePb, pbInstance, PbError, writePb } from './pabulib.ts';
import { count } from './rules.ts';

// Copies of ../shared/pabulib (Pabulib snapshot 88cfaba3), kept in the repository so a clone tests alone.
const SHARED = resolve(import.meta.dirname, '../test/fixtures/pabulib');
const files = readdirSync(SHARED).filter((f) => f.endsWith('.pb'));

describe('real Pabulib instances', () => {
  it('are all here', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  for (const file of files) {
    it(`${file}: counting VOTES with the META rule reproduces the published selection`, () => {
      const pb = pbInstance(parsePb(readFileSync(join(SHARED, file), 'utf8')));
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
  const good = ['META', 'key;value', 'description;t', 'country;Kenya', 'unit;K', 'instance;1', 'num_projects;2', 'num_votes;2', 'budget;100', 'vote_type;approval', 'rule;greedy', 'date_begin;2026', 'date_end;2026', 'PROJECTS', 'project_id;cost;votes', '1;60;2', '2;50;1', 'VOTES', 'voter_id;vote', 'a;1,2', 'b;1'];
  const attempt = (lines: string[]) => () => pbInstance(parsePb(lines.join('\n')));

  it('reads when well formed, with a BOM and blank lines', () => {
    const pb = pbInstance(parsePb('\ufeff' + good.join('\r\n') + '\r\n\r\n'));
    expect(pb.instance.profile.voters).toBe(2);
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
    expect(pbInstance(parsePb(off.join('\n'))).mismatches).toEqual(['project 2: votes says 7, the ballots give 1']);
  });
});
