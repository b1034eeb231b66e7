// The Method of Equal Shares with cost utilities, in exact arithmetic, as Pabulib computes it.
//
// Every voter starts with an equal share of the budget. A project can be bought when its
// supporters together still have its cost; each supporter pays an equal amount ρ, or all they
// have left if that is less. The next project bought is the one with the smallest ρ per unit of
// cost (Pabulib's "effective vote count" cost/ρ, highest first); ties go to the lower cost, then
// to more supporters, then to the project listed first. Repeat until nothing is affordable.
//
// Why it is fast: voters who support the same funded projects have paid the same amounts, so
// they always hold the same budget. Voters are kept in such classes, and a project's payment is
// found by walking its supporters' classes from the poorest up, not its supporters one by one.
// Budgets are BigInt numerators over one common denominator, rescaled as shares are charged,
// so every comparison is exact.
import type { Profile } from './profile.ts';
import { compareFractions, reduce, type Fraction } from './rational.ts';

/** Supporters per project and distinct projects per voter, built once and reused by every run. */
export interface SupportIndex {
  voters: number;
  /** Projects per voter (each once), CSR over voters. */
  voterOffsets: Uint32Array;
  voterProjects: Uint16Array;
  supporterCount: Uint32Array;
  /** Voters per project, CSR over projects. */
  projectOffsets: Uint32Array;
  projectVoters: Uint32Array;
}

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

/** Every project on a ballot counts as supported by that voter (once, whatever its points). */
export function supportIndex(profile: Profile, projectCount: number): SupportIndex {
  const { voters, offsets, picks } = profile;
  const seen = new Int32Array(projectCount).fill(-1);
  const voterOffsets = new Uint32Array(voters + 1);
  const voterProjects = new Uint16Array(picks.length);
  const supporterCount = new Uint32Array(projectCount);
  let n = 0;
  for (let v = 0; v < voters; v++) {
    for (let i = offsets[v]!; i < offsets[v + 1]!; i++) {
      const p = picks[i]!;
      if (seen[p] === v) continue;
      seen[p] = v;
      voterProjects[n++] = p;
      supporterCount[p]!++;
    }
    voterOffsets[v + 1] = n;
  }
  const projectOffsets = new Uint32Array(projectCount + 1);
  for (let p = 0; p < projectCount; p++) projectOffsets[p + 1] = projectOffsets[p]! + supporterCount[p]!;
  const fill = projectOffsets.slice(0, projectCount);
  const projectVoters = new Uint32Array(n);
  for (let v = 0; v < voters; v++) {
    for (let i = voterOffsets[v]!; i < voterOffsets[v + 1]!; i++) projectVoters[fill[voterProjects[i]!]!++] = v;
  }
  return { voters, voterOffsets, voterProjects: voterProjects.subarray(0, n), supporterCount, projectOffsets, projectVoters };
}

const ZERO_CLASS = 0;

/**
 * One run of Equal Shares. `totalBudget` is split equally among all voters (including voters
 * whose ballot lists no project); costs are whole currency units.
 */
export function equalShares(index: SupportIndex, costs: readonly number[], totalBudget: bigint): EqualSharesOutcome {
  const projectCount = costs.length;
  if (index.voters === 0) return { selected: [], purchases: [], cost: 0 };

  // Budgets are numerators over `denominator`. Class 0 holds voters with nothing left.
  let denominator = BigInt(index.voters);
  const budget: bigint[] = [0n, totalBudget];
  const size: number[] = [0, index.voters];
  const classOf = new Uint32Array(index.voters).fill(1);
  // Scratch for counting a project's supporters per class.
  let tally = new Uint32Array(64);
  const candidates = new Set<number>();
  // A lower bound on each project's ρ/cost: budgets only shrink, so ρ only grows.
  const bound: Fraction[] = [];
  for (let p = 0; p < projectCount; p++) {
    bound.push({ num: 1n, den: BigInt(Math.max(1, index.supporterCount[p]!)) });
    if (costs[p]! > 0 && index.supporterCount[p]! > 0) candidates.add(p);
  }

  /** Supporters of `p` per class. */
  const classesOf = (p: number): [cls: number, n: number][] => {
    if (tally.length < budget.length) tally = new Uint32Array(budget.length * 2);
    const seen: number[] = [];
    for (let i = index.projectOffsets[p]!; i < index.projectOffsets[p + 1]!; i++) {
      const k = classOf[index.projectVoters[i]!]!;
      if (tally[k]!++ === 0) seen.push(k);
    }
    const out = seen.map((k): [number, number] => [k, tally[k]!]);
    for (const k of seen) tally[k] = 0;
    return out;
  };

  const selected: number[] = [];
  const purchases: EqualSharesPurchase[] = [];
  let spent = 0;
  for (;;) {
    const order = [...candidates].sort((a, b) => compareFractions(bound[a]!, bound[b]!) || a - b);
    let best: { project: number; key: Fraction; remaining: bigint; payers: bigint } | undefined;
    for (const p of order) {
      if (best && compareFractions(bound[p]!, best.key) > 0) break;
      const walk = payment(classesOf(p), budget, BigInt(costs[p]!) * denominator, BigInt(index.supporterCount[p]!));
      if (!walk) {
        candidates.delete(p);
        continue;
      }
      // ρ = remaining / (payers · denominator); the key is ρ / cost.
      const key: Fraction = { num: walk.remaining, den: walk.payers * denominator * BigInt(costs[p]!) };
      bound[p] = key;
      if (!best || better(p, key, best.project, best.key, costs, index.supporterCount)) best = { project: p, key, ...walk };
    }
    if (!best) break;

    const p = best.project;
    candidates.delete(p);
    selected.push(p);
    spent += costs[p]!;
    purchases.push({ project: p, payment: reduce({ num: best.remaining, den: best.payers * denominator }) });
    // Charge: the common denominator gains a factor `payers`, so ρ's numerator is `remaining`.
    const m = best.payers;
    const paying = classesOf(p);
    denominator *= m;
    for (let k = 1; k < budget.length; k++) if (size[k]! > 0) budget[k]! *= m;
    const split = new Map<number, number>();
    for (const [k, n] of paying) {
      if (k === ZERO_CLASS) continue;
      const left = budget[k]! - best.remaining;
      const to = left > 0n ? budget.push(left) - 1 : ZERO_CLASS;
      if (to !== ZERO_CLASS) size.push(0);
      split.set(k, to);
      size[k]! -= n;
      size[to]! += n;
    }
    for (let i = index.projectOffsets[p]!; i < index.projectOffsets[p + 1]!; i++) {
      const v = index.projectVoters[i]!;
      const to = split.get(classOf[v]!);
      if (to !== undefined) classOf[v] = to;
    }
  }
  return { selected, purchases, cost: spent };
}

/**
 * The equal payment for one project: supporters poorer than the payment give all they have,
 * the rest split what remains. Found by water-filling rather than sorting: every class poorer
 * than the current split pays in full, which raises the split; repeat until no class is
 * poorer. Returns the remaining cost and how many split it (ρ is their quotient, over the
 * common denominator), or null when the supporters cannot pay the cost.
 */
function payment(classes: [cls: number, n: number][], budget: bigint[], cost: bigint, supporters: bigint): { remaining: bigint; payers: bigint } | null {
  let remaining = cost;
  let payers = supporters;
  let open = classes;
  for (;;) {
    const still: [number, number][] = [];
    let capped = false;
    for (const entry of open) {
      const have = budget[entry[0]]!;
      if (have * payers < remaining) {
        // Pays everything it has; ρ can only rise, so it stays capped.
        remaining -= have * BigInt(entry[1]);
        capped = true;
        payers -= BigInt(entry[1]);
        if (payers === 0n) return null;
      } else still.push(entry);
    }
    if (!capped) return { remaining, payers };
    open = still;
  }
}

/** Lower ρ/cost wins; then lower cost, then more supporters, then the project listed first. */
function better(p: number, key: Fraction, q: number, bestKey: Fraction, costs: readonly number[], supporters: Uint32Array): boolean {
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
export function equalSharesAdd1(index: SupportIndex, costs: readonly number[], budget: number): EqualSharesOutcome & { virtualBudget: bigint } {
  const B = BigInt(Math.floor(budget));
  const n = BigInt(index.voters);
  let outcome = equalShares(index, costs, B);
  let virtualBudget = B;
  if (n === 0n) return { ...outcome, virtualBudget };
  const fundable = costs.filter((c, p) => c > 0 && index.supporterCount[p]! > 0).length;
  let a = (B / n) * n;
  // Once every supported project is funded a larger budget cannot change anything.
  while (outcome.selected.length < fundable) {
    const next = equalShares(index, costs, a + n);
    if (next.cost > budget) break;
    a += n;
    outcome = next;
    virtualBudget = a;
  }
  return { ...outcome, virtualBudget };
}
