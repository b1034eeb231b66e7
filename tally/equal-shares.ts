// The Method of Equal Shares with cost utilities, in exact arithmetic, as Pabulib computes it.
//
// Every voter starts with an equal share of the budget. A project can be bought when its
// supporters together still have its cost; each supporter pays an equal amount ρ, or all they
// have left if that is less. The next project bought is the one with the smallest ρ per unit of
// cost (Pabulib's "effective vote count" cost/ρ, highest first); ties go to the lower cost, then
// to more supporters, then to the project listed first. Repeat until nothing is affordable.
//
// Why it is fast:
//   - voters who support the same funded projects have paid the same amounts, so they always
//     hold the same budget. Voters are kept in such classes, and a project's payment is found
//     from its supporters' classes, not its supporters one by one;
//   - budgets are exact (BigInt numerators over one common denominator, see class-budgets.ts),
//     but projects are first ranked by float estimates with proven error bounds. Only the
//     projects that could still be the cheapest within those bounds — usually just the winner —
//     get an exact payment, and the choice among them is exact. A project's ρ/cost never
//     falls (budgets only shrink), so each round looks only at projects whose last estimate
//     could still beat the best found.
//   - which class each voter is in depends only on which projects were bought in which order,
//     so the runs of one count (add1 makes hundreds) share it: a project's supporters are
//     counted per class once for every run that reaches the same point (prefix-classes.ts).
import { ClassBudgets, ratioToFloat } from './class-budgets.ts';
import { estimatePayment, exactPayment, type ClassCounts } from './equal-shares-payment.ts';
import { compareFractions, reduce, type Fraction } from './rational.ts';
import { PrefixClasses } from './prefix-classes.ts';
import type { SupportIndex } from './support-index.ts';
import { excluded } from './exclusive.ts';

/** Per project, the projects it cannot be funded with (tally/exclusive.ts). */
type Conflicts = readonly (readonly number[])[];

/** A project bought, and what each of its supporters paid at most (currency units, exact). */
export interface EqualSharesPurchase {
  project: number;
  payment: Fraction;
}

export interface EqualSharesOutcome {
  selected: number[];
  purchases: EqualSharesPurchase[];
  cost: number;
}

/** Relative padding of a key's float bounds: several times the rounding of one division. */
const KEY_PAD = 2 ** -50;

/**
 * One run of Equal Shares. `totalBudget` is split equally among all voters (including voters
 * whose ballot lists no project); costs are whole currency units. `classes` may be shared with
 * other runs over the same index, whatever their costs and budgets (add1 does).
 */
export function equalShares(
  index: SupportIndex,
  costs: readonly number[],
  totalBudget: bigint,
  opts: { classes?: PrefixClasses; conflicts?: Conflicts } = {},
): EqualSharesOutcome {
  return reduced(run(index, costs, totalBudget, opts.classes, opts.conflicts));
}

function reduced(outcome: EqualSharesOutcome): EqualSharesOutcome {
  return { ...outcome, purchases: outcome.purchases.map((b) => ({ project: b.project, payment: reduce(b.payment) })) };
}

/** A project's exact payment and key (ρ/cost), for choosing between close contenders. */
interface Priced {
  project: number;
  key: Fraction;
  remaining: bigint;
  payers: bigint;
  paying: ClassCounts;
}

/**
 * Equal Shares with each payment left unreduced (reducing is costly and add1 keeps only its last
 * run). `classes` carries voters' classes between the runs of one count (see prefix-classes.ts);
 * `conflicts` are the exclusive projects (tally/exclusive.ts).
 */
function run(
  index: SupportIndex,
  costs: readonly number[],
  totalBudget: bigint,
  classes = new PrefixClasses(index),
  conflicts?: Conflicts,
): EqualSharesOutcome {
  const projectCount = costs.length;
  if (index.voters === 0) return { selected: [], purchases: [], cost: 0 };

  const wallets = new ClassBudgets(index.voters, totalBudget);
  let node = classes.startRun();
  const candidates = new Set<number>();
  // A lower bound on each project's ρ/cost, from its last estimate less that estimate's error.
  const floor = new Float64Array(projectCount);
  for (let p = 0; p < projectCount; p++) {
    if (costs[p]! > 0 && index.supporterCount[p]! > 0) candidates.add(p);
  }

  const selected: number[] = [];
  const price = (p: number, paying: ClassCounts): Priced | null => {
    const walk = exactPayment(paying, wallets, BigInt(costs[p]!) * wallets.denominator, BigInt(index.supporterCount[p]!));
    if (!walk) return null;
    // ρ = remaining / (payers · denominator); the key is ρ / cost.
    return { project: p, key: { num: walk.remaining, den: walk.payers * wallets.denominator * BigInt(costs[p]!) }, paying, ...walk };
  };

  const purchases: EqualSharesPurchase[] = [];
  let spent = 0;
  for (;;) {
    // Estimate keys from the lowest floor up, until floors pass the lowest upper bound found.
    const order = [...candidates].sort((a, b) => floor[a]! - floor[b]! || a - b);
    let ceiling = Infinity;
    const estimated: { p: number; paying: ClassCounts; low: number; exact: Priced | null }[] = [];
    for (const p of order) {
      if (floor[p]! > ceiling) break;
      const paying = classes.supportersPerClass(node, p);
      const guess = estimatePayment(paying, wallets, costs[p]!, index.supporterCount[p]!);
      let low: number;
      let high: number;
      let exact: Priced | null = null;
      if (guess === 'unaffordable') {
        candidates.delete(p);
        continue;
      } else if (guess === 'unsure') {
        exact = price(p, paying);
        if (!exact) {
          candidates.delete(p);
          continue;
        }
        low = high = ratioToFloat(exact.key.num, exact.key.den);
      } else {
        low = (guess.rho - guess.err) / costs[p]!;
        high = (guess.rho + guess.err) / costs[p]!;
      }
      // Padded for the rounding of the conversion or division that made them.
      low *= 1 - KEY_PAD;
      high *= 1 + KEY_PAD;
      floor[p] = low;
      ceiling = Math.min(ceiling, high);
      estimated.push({ p, paying, low, exact });
    }
    // Whoever could still be at or below the lowest ceiling is priced exactly; the exact best wins.
    let best: Priced | undefined;
    for (const e of estimated) {
      if (e.low > ceiling) continue;
      const priced = e.exact ?? price(e.p, e.paying);
      // A certified estimate means the supporters can pay; anything else is a broken error bound.
      if (!priced) throw new Error(`Equal Shares: project ${e.p} was estimated affordable but its supporters cannot pay for it`);
      if (!best || better(priced, best, costs, index.supporterCount)) best = priced;
    }
    if (!best) break;

    const p = best.project;
    candidates.delete(p);
    // Exclusive projects (tally/exclusive.ts): once one is bought, the others of its groups are out.
    for (const q of conflicts?.[p] ?? []) candidates.delete(q);
    selected.push(p);
    spent += costs[p]!;
    purchases.push({ project: p, payment: { num: best.remaining, den: best.payers * wallets.denominator } });
    // Charge: the common denominator gains a factor `payers`, so ρ's numerator is `remaining`.
    // Each class holding supporters splits: its supporters form a new class, numbered in the
    // order of `paying` (as the next node numbers them), holding what is left after paying ρ,
    // or nothing when they paid all they had. Classes that hold nothing stay apart (they are
    // not merged into class 0) so that the classes depend only on what was bought.
    wallets.rescale(best.payers);
    for (const [k] of best.paying) {
      const left = wallets.have(k) - best.remaining;
      wallets.add(left > 0n ? left : 0n);
    }
    node = classes.child(node, p);
  }
  return { selected, purchases, cost: spent };
}

/** Lower ρ/cost wins; then lower cost, then more supporters, then the project listed first. */
function better({ project: p, key }: Priced, { project: q, key: bestKey }: Priced, costs: readonly number[], supporters: Uint32Array): boolean {
  const c = compareFractions(key, bestKey);
  if (c !== 0) return c < 0;
  if (costs[p] !== costs[q]) return costs[p]! < costs[q]!;
  if (supporters[p] !== supporters[q]) return supporters[p]! > supporters[q]!;
  return p < q;
}

/**
 * Pabulib's equalshares/add1: start from Equal Shares with the real budget B, then give every
 * voter one more currency unit at a time (virtual budgets floor(B/n)·n + n, + 2n, …) as long as
 * the outcome still costs at most B; keep the last outcome that fits. No completion afterwards.
 */
export function equalSharesAdd1(
  index: SupportIndex,
  costs: readonly number[],
  budget: number,
  conflicts?: Conflicts,
): EqualSharesOutcome & { virtualBudget: bigint } {
  const B = BigInt(Math.floor(budget));
  const n = BigInt(index.voters);
  // One set of voters' classes for every run: runs that buy the same projects first share the walks.
  const classes = new PrefixClasses(index);
  let outcome = run(index, costs, B, classes, conflicts);
  let virtualBudget = B;
  if (n === 0n) return { ...outcome, virtualBudget };
  const fundable = costs.filter((c, p) => c > 0 && index.supporterCount[p]! > 0).length;
  let a = (B / n) * n;
  // Once every supported project is funded a larger budget cannot change anything. With
  // exclusive projects: once every supported project is funded or excluded by one funded, the
  // runs stop too (otherwise they would never end while the outcome stays within B).
  const settled = (o: EqualSharesOutcome) => (conflicts ? allSettled(o.selected, costs, index, conflicts) : o.selected.length >= fundable);
  while (!settled(outcome)) {
    const next = run(index, costs, a + n, classes, conflicts);
    if (next.cost > budget) break;
    a += n;
    outcome = next;
    virtualBudget = a;
  }
  return { ...reduced(outcome), virtualBudget };
}

/** Every supported project funded, or sharing an exclusive group with one funded. */
function allSettled(selected: readonly number[], costs: readonly number[], index: SupportIndex, conflicts: Conflicts): boolean {
  const chosen = new Set(selected);
  return costs.every((c, p) => !(c > 0 && index.supporterCount[p]! > 0) || chosen.has(p) || excluded(conflicts, p, chosen));
}
