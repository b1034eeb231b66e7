// Counting rules: small instances worked by hand, properties on random instances, and Equal
// Shares checked against a plain voter-by-voter implementation written from Pabulib's checker.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProfileBuilder, type Instance, type VoteType } from './profile.ts';
import { count, type RuleName } from './rules.ts';
import { fractionToDecimal } from './rational.ts';

/** An instance from readable parts: projects `{ id: cost }`, ballots as lists of ids. */
function instance(costs: Record<string, number>, budget: number, ballots: string[][], voteType: VoteType = 'approval', points?: number[][]): Instance {
  const ids = Object.keys(costs);
  const builder = new ProfileBuilder(voteType);
  ballots.forEach((b, i) =>
    builder.add(
      b.map((id) => ids.indexOf(id)),
      points?.[i],
    ),
  );
  return { projects: ids.map((id) => ({ id, cost: costs[id]! })), budget, profile: builder.build() };
}
const winners = (inst: Instance, rule: RuleName, opts = {}) => count(inst, rule, opts).selected.map((p) => inst.projects[p]!.id);
const repeat = <T>(n: number, x: T): T[] => Array.from({ length: n }, () => x);

describe('greedy', () => {
  // Votes: A 5, B 4, C 3, D 2. Budget 100.
  const inst = instance({ A: 60, B: 50, C: 30, D: 10 }, 100, [
    ...repeat(2, ['A', 'B', 'C', 'D']),
    ...repeat(1, ['A', 'B', 'C']),
    ...repeat(1, ['A', 'B']),
    ['A'],
  ]);

  it('skips a project that does not fit and tries the next (greedy)', () => {
    // A (60) fits, B (50) does not (40 left), C (30) fits, D (10) fits: 100 spent.
    expect(winners(inst, 'greedy')).toEqual(['A', 'C', 'D']);
  });

  it('stops at the first project that does not fit (greedy-no-skip)', () => {
    expect(winners(inst, 'greedy-no-skip')).toEqual(['A']);
  });

  it('passes over projects under the threshold; a score equal to it is enough (greedy-threshold)', () => {
    expect(winners(inst, 'greedy-threshold', { threshold: 3 })).toEqual(['A', 'C']);
    expect(winners(inst, 'greedy-threshold', { threshold: 6 })).toEqual([]);
  });

  it('breaks ties by the order projects are listed in', () => {
    const tied = instance({ X: 50, Y: 50, Z: 50 }, 100, [['Z', 'Y', 'X']]);
    expect(winners(tied, 'greedy')).toEqual(['X', 'Y']);
  });

  it('ranks ranked ballots by points per rank, cumulative ballots by points', () => {
    // Ordinal 3-2-1: A = 3+1 = 4, B = 2+3 = 5, C = 1+2 = 3; one project fits.
    const ranked = instance(
      { A: 10, B: 10, C: 10 },
      10,
      [
        ['A', 'B', 'C'],
        ['B', 'C', 'A'],
      ],
      'ordinal',
      [
        [3, 2, 1],
        [3, 2, 1],
      ],
    );
    expect(winners(ranked, 'greedy')).toEqual(['B']);
    // Cumulative: A gets 9 points from one voter, B 2+2 from two; points decide, not heads.
    const cumulative = instance({ A: 10, B: 10 }, 10, [['A', 'B'], ['B']], 'cumulative', [[9, 1], [3]]);
    expect(count(cumulative, 'greedy').scores.votes[1]).toBe(2);
    expect(winners(cumulative, 'greedy')).toEqual(['A']);
  });

  it('counts an ordinal ballot without points by position (len, len−1, …)', () => {
    const ranked = instance({ A: 10, B: 10 }, 10, [['A', 'B'], ['B', 'A'], ['B']], 'ordinal');
    expect(Array.from(count(ranked, 'greedy').scores.score)).toEqual([3, 4]);
  });
});

describe('Method of Equal Shares (worked by hand)', () => {
  // 4 voters, budget 100 (25 each). A (60) ← v1 v2 v3; B (40) ← v4; C (30) ← everyone.
  // Round 1: C costs 7.50 each, ρ/cost = 0.25; A costs 20 each, ρ/cost = 0.33; B: v4 has 25 < 40.
  // C is bought; everyone has 17.50. A: 3 × 17.50 = 52.50 < 60. Nothing else is affordable.
  const inst = instance({ A: 60, B: 40, C: 30 }, 100, [
    ['A', 'C'],
    ['A', 'C'],
    ['A', 'C'],
    ['B', 'C'],
  ]);

  it('buys the project with the lowest payment per unit of cost, then stops when nothing is affordable', () => {
    const o = count(inst, 'equalshares');
    expect(o.selected.map((p) => inst.projects[p]!.id)).toEqual(['C']);
    expect(fractionToDecimal(o.equalShares!.purchases[0]!.payment)).toBe('7.50');
  });

  it('add1 raises each share by one unit while the outcome fits the budget, and keeps the last that fits', () => {
    // From 26 each on, C then A: A needs 3 × (b − 7.50) ≥ 60, so b ≥ 27.50 gives {C, A} (90).
    // B joins only when v4 has 40 after paying 7.50 for C: b ≥ 47.50 → {C, A, B} costs 130 > 100.
    // So the last fitting share is 47 per voter: a virtual budget of 188.
    const o = count(inst, 'equalshares/add1');
    expect(o.selected.map((p) => inst.projects[p]!.id)).toEqual(['C', 'A']);
    expect(o.equalShares!.virtualBudget).toBe(188n);
  });

  it('greedy completion spends what Equal Shares left, by votes', () => {
    expect(winners(inst, 'equalshares', { completion: 'greedy' })).toEqual(['C', 'A']);
  });

  it('comparison keeps Equal Shares unless strictly more voters prefer greedy', () => {
    // Greedy by approvals: C (4), A (3) → {C, A}. v1–v3 have 2 winners against 1: greedy is preferred.
    const o = count(inst, 'equalshares-comparison');
    expect(o.equalShares!.comparison).toMatchObject({ kept: 'greedy', preferGreedy: 3, preferEqualShares: 0 });
    expect(o.selected.map((p) => inst.projects[p]!.id)).toEqual(['C', 'A']);
  });

  it('is proportional where greedy is not (the classic 2-group example)', () => {
    // 6 voters, budget 60 (10 each). Four voters approve A1 A2 A3 (20 each); two approve B1 B2 (20 each).
    // Greedy funds A1 A2 A3. Equal Shares: each A costs 5 per A-voter (ρ/c = 1/4), each B 10 per B-voter (1/2).
    // A1, A2 are bought (A-voters spend 10 and are out); then A3 is unaffordable and B1 costs the
    // two B-voters 10 each: the minority gets a third of the budget, as it is a third of the voters.
    const classic = instance({ A1: 20, A2: 20, A3: 20, B1: 20, B2: 20 }, 60, [...repeat(4, ['A1', 'A2', 'A3']), ...repeat(2, ['B1', 'B2'])]);
    expect(winners(classic, 'greedy')).toEqual(['A1', 'A2', 'A3']);
    expect(winners(classic, 'equalshares')).toEqual(['A1', 'A2', 'B1']);
  });

  it('breaks an exact tie by lower cost, then listing order (more supporters in between: see the reference check)', () => {
    // Big: ρ = 10, ρ/cost = 1/2; Small: ρ = 5, ρ/cost = 1/2 — equal; the cheaper goes first.
    const tieCost = instance({ Big: 20, Small: 10 }, 60, [
      ['Big', 'Small'],
      ['Big', 'Small'],
    ]);
    expect(winners(tieCost, 'equalshares')).toEqual(['Small', 'Big']);
    // Same cost, same supporters: the project listed first.
    const tie = instance({ P: 10, Q: 10 }, 20, [['Q'], ['P']]);
    expect(winners(tie, 'equalshares')).toEqual(['P', 'Q']);
  });

  it('stays exact where floating point drifts (thirds of a budget)', () => {
    // 3 voters, budget 1: each holds exactly 1/3. A costs 1 and needs all three to pay 1/3 exactly.
    const thirds = instance({ A: 1 }, 1, [['A'], ['A'], ['A']]);
    expect(winners(thirds, 'equalshares')).toEqual(['A']);
    // With 1/10s summed in floating point, 0.1 × 10 is not 1; exact fractions make it affordable.
    const tenths = instance({ A: 1 }, 1, repeat(10, ['A']));
    expect(winners(tenths, 'equalshares')).toEqual(['A']);
  });
});

// ——— a plain implementation, voter by voter, straight from Pabulib's checker, for comparison ———
type Q = { n: bigint; d: bigint };
const q = (n: bigint, d = 1n): Q => ({ n, d });
const sub = (a: Q, b: Q) => q(a.n * b.d - b.n * a.d, a.d * b.d);
const add = (a: Q, b: Q) => q(a.n * b.d + b.n * a.d, a.d * b.d);
const cmp = (a: Q, b: Q) => Math.sign(Number(a.n * b.d - b.n * a.d));
const div = (a: Q, k: bigint) => q(a.n, a.d * k);

function referenceMes(costs: number[], ballots: number[][], total: bigint): number[] {
  const budget = ballots.map(() => q(total, BigInt(ballots.length)));
  const approvers = costs.map((_, p) => ballots.flatMap((b, v) => (b.includes(p) ? [v] : [])));
  const remaining = new Set(costs.flatMap((c, p) => (c > 0 && approvers[p]!.length > 0 ? [p] : [])));
  const winners: number[] = [];
  for (;;) {
    let best: { p: number; e: Q; mp: Q } | undefined;
    for (const p of [...remaining].sort((a, b) => a - b)) {
      const cost = q(BigInt(costs[p]!));
      const money = approvers[p]!.reduce((s, v) => add(s, budget[v]!), q(0n));
      if (cmp(money, cost) < 0) {
        remaining.delete(p);
        continue;
      }
      const sorted = [...approvers[p]!].sort((a, b) => cmp(budget[a]!, budget[b]!));
      let paid = q(0n);
      let k = BigInt(sorted.length);
      for (const v of sorted) {
        const mp = div(sub(cost, paid), k);
        if (cmp(mp, budget[v]!) > 0) {
          paid = add(paid, budget[v]!);
          k -= 1n;
          continue;
        }
        const e = q(cost.n * mp.d, mp.n); // cost / mp
        const c = best ? cmp(e, best.e) : 1;
        const tieBetter = best && c === 0 && (costs[p]! < costs[best.p]! || (costs[p] === costs[best.p] && approvers[p]!.length > approvers[best.p]!.length));
        if (c > 0 || tieBetter) best = { p, e, mp };
        break;
      }
    }
    if (!best) return winners;
    winners.push(best.p);
    remaining.delete(best.p);
    for (const v of approvers[best.p]!) budget[v] = cmp(budget[v]!, best.mp) > 0 ? sub(budget[v]!, best.mp) : q(0n);
  }
}

const randomInstance = fc
  .record({
    costs: fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 8 }),
    budget: fc.integer({ min: 1, max: 200 }),
    ballots: fc.array(fc.array(fc.nat(7), { maxLength: 5 }), { minLength: 1, maxLength: 25 }),
  })
  .map(({ costs, budget, ballots }) => ({ costs, budget, ballots: ballots.map((b) => [...new Set(b.filter((p) => p < costs.length))]) }));

function build({ costs, budget, ballots }: { costs: number[]; budget: number; ballots: number[][] }): Instance {
  const builder = new ProfileBuilder('approval');
  ballots.forEach((b) => builder.add(b));
  return { projects: costs.map((cost, i) => ({ id: String(i), cost })), budget, profile: builder.build() };
}

describe('properties on random instances', () => {
  const RULES_ALL: RuleName[] = [
    'greedy',
    'greedy-no-skip',
    'greedy-threshold',
    'equalshares',
    'equalshares/add1',
    'equalshares-comparison',
    'equalshares/add1-comparison',
  ];

  it('never spends more than the budget, under any rule', () => {
    fc.assert(
      fc.property(randomInstance, fc.constantFrom(...RULES_ALL), (r, rule) => {
        const o = count(build(r), rule, { threshold: 2 });
        expect(o.cost).toBeLessThanOrEqual(r.budget);
        expect(new Set(o.selected).size).toBe(o.selected.length);
      }),
    );
  });

  it('skip-greedy: every unselected project cost more than the money left when its turn came', () => {
    fc.assert(
      fc.property(randomInstance, (r) => {
        const inst = build(r);
        const o = count(inst, 'greedy');
        const votes = o.scores.votes;
        const order = r.costs.map((_, i) => i).sort((a, b) => votes[b]! - votes[a]! || a - b);
        let left = r.budget;
        for (const p of order) {
          if (o.selected.includes(p)) left -= r.costs[p]!;
          else expect(r.costs[p]!).toBeGreaterThan(left);
        }
      }),
    );
  });

  it('Equal Shares never picks a project its supporters could not pay for, and matches the voter-by-voter reference', () => {
    fc.assert(
      fc.property(randomInstance, (r) => {
        const o = count(build(r), 'equalshares');
        expect(o.selected).toEqual(referenceMes(r.costs, r.ballots, BigInt(r.budget)));
        // Replay the purchases: each supporter pays min(what they have, ρ) and together they pay the cost.
        const money = r.ballots.map(() => q(BigInt(r.budget), BigInt(r.ballots.length)));
        for (const { project, payment } of o.equalShares!.purchases) {
          const rho = q(payment.num, payment.den);
          let paid = q(0n);
          r.ballots.forEach((b, v) => {
            if (!b.includes(project)) return;
            const pay = cmp(money[v]!, rho) < 0 ? money[v]! : rho;
            paid = add(paid, pay);
            money[v] = sub(money[v]!, pay);
          });
          expect(cmp(paid, q(BigInt(r.costs[project]!)))).toBe(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('Equal Shares matches the reference on larger instances, where voters split into many classes', () => {
    // Hundreds of voters over a dozen projects: many classes and long float sums, so the
    // float estimates and their error bounds do real work (the small instances above mostly
    // end in exact ties, which are priced exactly).
    const larger = fc
      .record({
        costs: fc.array(fc.integer({ min: 50, max: 5000 }), { minLength: 4, maxLength: 12 }),
        share: fc.double({ min: 0.1, max: 1.5, noNaN: true }),
        ballots: fc.array(fc.uniqueArray(fc.nat(11), { minLength: 1, maxLength: 4 }), { minLength: 100, maxLength: 300 }),
      })
      .map(({ costs, share, ballots }) => ({
        costs,
        budget: Math.max(1, Math.round(costs.reduce((a, b) => a + b, 0) * share)),
        ballots: ballots.map((b) => b.filter((p) => p < costs.length)),
      }));
    fc.assert(
      fc.property(larger, (r) => {
        expect(count(build(r), 'equalshares').selected).toEqual(referenceMes(r.costs, r.ballots, BigInt(r.budget)));
      }),
      { numRuns: 40 },
    );
  });

  it('add1 keeps an outcome that fits the real budget and is at least as costly as plain Equal Shares', () => {
    fc.assert(
      fc.property(randomInstance, (r) => {
        const inst = build(r);
        const plain = count(inst, 'equalshares');
        const add1 = count(inst, 'equalshares/add1');
        expect(add1.cost).toBeLessThanOrEqual(r.budget);
        expect(add1.selected).toEqual(referenceAdd1(r));
        expect(plain.cost).toBeLessThanOrEqual(r.budget);
      }),
      { numRuns: 100 },
    );
  });
});

function referenceAdd1(r: { costs: number[]; budget: number; ballots: number[][] }): number[] {
  const n = BigInt(r.ballots.length);
  const B = BigInt(r.budget);
  const costOf = (w: number[]) => w.reduce((s, p) => s + r.costs[p]!, 0);
  let w = referenceMes(r.costs, r.ballots, B);
  let a = (B / n) * n;
  const fundable = r.costs.filter((c, p) => c > 0 && r.ballots.some((b) => b.includes(p))).length;
  while (w.length < fundable) {
    const next = referenceMes(r.costs, r.ballots, a + n);
    if (costOf(next) > r.budget) break;
    a += n;
    w = next;
  }
  return w;
}
