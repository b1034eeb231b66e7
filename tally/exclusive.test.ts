// Exclusive projects in every rule: tables of small instances worked by hand (tally/exclusive.ts
// says the semantics), and a property: never two projects of one group, whatever the rule.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProfileBuilder, type Instance } from './profile.ts';
import { count, RULES, type RuleName, type RuleOptions } from './rules.ts';
import { conflictsOf } from './exclusive.ts';

function instance(costs: Record<string, number>, budget: number, ballots: string[][]): Instance {
  const ids = Object.keys(costs);
  const builder = new ProfileBuilder('approval');
  ballots.forEach((b) => builder.add(b.map((id) => ids.indexOf(id))));
  return { projects: ids.map((id) => ({ id, cost: costs[id]! })), budget, profile: builder.build() };
}
const repeat = <T>(n: number, x: T): T[] => Array.from({ length: n }, () => x);
/** Winners by id, with groups given by id. */
const winners = (inst: Instance, rule: RuleName, groups: string[][], opts: RuleOptions = {}) => {
  const ids = inst.projects.map((p) => p.id);
  return count(inst, rule, { ...opts, exclusive: groups.map((g) => g.map((id) => ids.indexOf(id))) }).selected.map((p) => ids[p]);
};

describe('greedy-exclusive', () => {
  // Votes: A 5, B 4, C 3, D 2. Budget 100.
  const inst = instance({ A: 60, B: 50, C: 30, D: 10 }, 100, [...repeat(2, ['A', 'B', 'C', 'D']), ['A', 'B', 'C'], ['A', 'B'], ['A']]);
  it.each([
    // [rule, groups, options, winners, why]
    ['greedy', [], {}, ['A', 'C', 'D'], 'no groups: plain greedy'],
    ['greedy', [['A', 'C']], {}, ['A', 'D'], 'C shares a group with A, already selected: skipped'],
    ['greedy', [['B', 'C']], {}, ['A', 'C', 'D'], 'B did not fit, so it excludes nothing: C is funded'],
    ['greedy', [['A', 'B', 'C', 'D']], {}, ['A'], 'one group of all: only the first funded'],
    [
      'greedy',
      [
        ['A', 'C'],
        ['C', 'D'],
      ],
      {},
      ['A', 'D'],
      'C excluded by A; D then excluded by nothing selected',
    ],
    ['greedy-no-skip', [], {}, ['A'], 'no groups: stops at B, which does not fit'],
    ['greedy-no-skip', [['A', 'B']], {}, ['A', 'C', 'D'], 'B is excluded, not too dear: passed over, the walk goes on'],
    ['greedy-threshold', [['A', 'C']], { threshold: 3 }, ['A'], 'D under the threshold, C excluded'],
  ] as [RuleName, string[][], RuleOptions, string[], string][])('%s with %j: %j (%s)', (rule, groups, opts, expected) => {
    expect(winners(inst, rule, groups, opts)).toEqual(expected);
  });
});

describe('Equal Shares with exclusive projects', () => {
  // Five voters, 20 each. Four approve A, B and D (40 each); one approves C (20).
  // Without groups: A, then B (the four spend their last 10 each), then C; D is left unaffordable.
  // With A and B exclusive: A, then B is out and the four's 40 buys D, then C.
  const inst = instance({ A: 40, B: 40, C: 20, D: 40 }, 100, [...repeat(4, ['A', 'B', 'D']), ['C']]);
  it.each([
    ['equalshares', [], ['A', 'B', 'C']],
    ['equalshares', [['A', 'B']], ['A', 'D', 'C']],
    ['equalshares', [['B', 'A']], ['A', 'D', 'C']],
    ['equalshares', [['A', 'B', 'D']], ['A', 'C']],
    // add1 ends once every supported project is funded or excluded (it would otherwise never end: the cost stays within B).
    ['equalshares/add1', [['A', 'B']], ['A', 'D', 'C']],
    ['equalshares-comparison', [['A', 'B']], ['A', 'D', 'C']],
    ['equalshares/add1-comparison', [['A', 'B']], ['A', 'D', 'C']],
  ] as [RuleName, string[][], string[]][])('%s with %j: %j', (rule, groups, expected) => {
    expect(winners(inst, rule, groups)).toEqual(expected);
  });

  it('the greedy completion honours the groups too', () => {
    // Equal Shares buys F (the four pay 7.5 each); G's one voter has 20 of its 60. The greedy
    // completion then funds G with the 70 left — unless G shares a group with F.
    const small = instance({ F: 30, G: 60 }, 100, [...repeat(4, ['F']), ['G']]);
    expect(winners(small, 'equalshares', [])).toEqual(['F']);
    expect(winners(small, 'equalshares', [], { completion: 'greedy' })).toEqual(['F', 'G']);
    expect(winners(small, 'equalshares', [['F', 'G']], { completion: 'greedy' })).toEqual(['F']);
  });

  it('refuses a group naming a project that is not there', () => {
    expect(() => conflictsOf([[0, 5]], 3)).toThrow(RangeError);
  });
});

describe('property: never two projects of one group, with any rule', () => {
  it.each(RULES)('%s', (rule) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 7 }).chain((n) =>
          fc.record({
            costs: fc.array(fc.integer({ min: 1, max: 50 }), { minLength: n, maxLength: n }),
            budget: fc.integer({ min: 0, max: 200 }),
            ballots: fc.array(fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { minLength: 1, maxLength: n }), { minLength: 1, maxLength: 12 }),
            groups: fc.array(fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { minLength: 2, maxLength: n }), { maxLength: 3 }),
          }),
        ),
        ({ costs, budget, ballots, groups }) => {
          const builder = new ProfileBuilder('approval');
          ballots.forEach((b) => builder.add(b));
          const inst = { projects: costs.map((cost, i) => ({ id: String(i), cost })), budget, profile: builder.build() };
          const out = count(inst, rule, { exclusive: groups, threshold: 1, completion: rule.startsWith('equalshares') ? 'greedy' : 'none' });
          for (const g of groups) expect(g.filter((p) => out.selected.includes(p)).length).toBeLessThanOrEqual(1);
          expect(out.cost).toBeLessThanOrEqual(budget);
        },
      ),
      { numRuns: 150 },
    );
  });
});
