// What a project's supporters would each pay for it under Equal Shares: exactly, and as a quick
// float estimate that says when it can be trusted.
//
// Supporters poorer than the payment ρ give all they have, the rest split what remains. Found
// by water-filling rather than sorting: every class poorer than the current split pays in
// full, which raises the split; repeat until no class is poorer.
import type { ClassBudgets } from './class-budgets.ts';

/** Supporters of one project per class of voters. */
export type ClassCounts = [cls: number, n: number][];

/**
 * The exact payment: the remaining cost and how many split it (ρ is their quotient, over the
 * common denominator), or null when the supporters cannot pay the cost.
 */
export function exactPayment(classes: ClassCounts, wallets: ClassBudgets, cost: bigint, supporters: bigint): { remaining: bigint; payers: bigint } | null {
  let remaining = cost;
  let payers = supporters;
  let open = classes;
  for (;;) {
    const still: ClassCounts = [];
    let capped = false;
    for (const entry of open) {
      const have = wallets.have(entry[0]);
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

/** Twice the float unit roundoff: every bound below is padded generously with it. */
const EPS = 2 ** -52;
/** What a float budget may be off by in absolute terms beyond its relative error (see ratioToFloat). */
const ABS = 2 ** -50;

/**
 * ρ in currency units as a float, with a bound on its error; 'unaffordable' when the
 * supporters certainly cannot pay; 'unsure' when some class holds so nearly ρ (or all of them
 * so nearly the cost) that float rounding could decide wrongly — then only `exactPayment` will
 * do. When a ρ is returned, the set of classes paying in full is certainly the exact one, so
 * the exact ρ lies within `err` of it.
 */
export function estimatePayment(
  classes: ClassCounts,
  wallets: ClassBudgets,
  cost: number,
  supporters: number,
): { rho: number; err: number } | 'unaffordable' | 'unsure' {
  const approx = wallets.approx;
  // Water-filling in floats finds a candidate ρ…
  let remaining = cost;
  let payers = supporters;
  let open = classes;
  for (;;) {
    const still: ClassCounts = [];
    let capped = false;
    for (const entry of open) {
      const have = approx[entry[0]]!;
      if (have * payers < remaining) {
        remaining -= have * entry[1];
        capped = true;
        payers -= entry[1];
      } else still.push(entry);
    }
    if (payers === 0 || !capped) break;
    open = still;
  }
  // …which is then checked from scratch: with S the classes holding less than it, ρ is
  // (cost − what S holds) / (voters outside S). If every class is clearly on one side of that
  // ρ, and the same side as of the candidate, then S is exactly the set paying in full.
  const guess = payers === 0 ? Infinity : remaining / payers;
  remaining = cost;
  payers = supporters;
  // Sum of the magnitudes added into `remaining`: its rounding error is proportional to it.
  let mass = cost;
  for (const [k, n] of classes) {
    const have = approx[k]!;
    if (have >= guess) continue;
    remaining -= have * n;
    mass += have * n;
    payers -= n;
  }
  const errRemaining = (classes.length + 8) * 4 * EPS * mass + supporters * ABS;
  if (payers === 0) return remaining > errRemaining ? 'unaffordable' : 'unsure';
  const rho = remaining / payers;
  const err = errRemaining / payers + 4 * EPS * rho;
  for (const [k] of classes) {
    const have = approx[k]!;
    if (Math.abs(have - rho) <= err + 4 * EPS * have + ABS || have < rho !== have < guess) return 'unsure';
  }
  return { rho, err };
}
