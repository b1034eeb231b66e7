// Greedy selection, as Pabulib names and computes it: rank projects by score (highest first;
// ties keep the order the projects are listed in), then walk the ranking spending the budget.
import { excluded } from './exclusive.ts';

export type GreedyVariant = 'skip' | 'no-skip';

export interface GreedyInput {
  costs: readonly number[];
  /** What projects are ranked by (votes, or points for ranked and cumulative ballots). */
  ranking: ArrayLike<number>;
  budget: number;
  /** Projects scoring below this are passed over (greedy-threshold); `>=` is eligible. */
  threshold?: number;
  /** Start from these already-funded projects and spend only what is left (a completion). */
  funded?: readonly number[];
  /** Per project, the projects it cannot be funded with (tally/exclusive.ts): such a project is skipped. */
  conflicts?: readonly (readonly number[])[];
}

/** Project indices ordered by `ranking` descending; ties keep index order (a stable sort). */
export function rankProjects(ranking: ArrayLike<number>): number[] {
  const order = Array.from({ length: ranking.length }, (_, i) => i);
  return order.sort((a, b) => ranking[b]! - ranking[a]! || a - b);
}

/**
 * `skip`: a project that does not fit is skipped and the next one is tried.
 * `no-skip`: the walk stops at the first eligible project that does not fit.
 * Returns the selected indices in the order they were funded.
 */
export function greedy(input: GreedyInput, variant: GreedyVariant): number[] {
  const threshold = input.threshold ?? Number.NEGATIVE_INFINITY;
  const funded = new Set(input.funded ?? []);
  let left = input.budget - [...funded].reduce((sum, p) => sum + input.costs[p]!, 0);
  const selected: number[] = [];
  /** Funded before the walk or selected in it: what exclusive projects are checked against. */
  const chosen = new Set(funded);
  for (const p of rankProjects(input.ranking)) {
    if (funded.has(p) || input.ranking[p]! < threshold) continue;
    // greedy-exclusive: passed over, never a reason to stop (even for no-skip).
    if (excluded(input.conflicts, p, chosen)) continue;
    const cost = input.costs[p]!;
    if (cost <= left) {
      selected.push(p);
      chosen.add(p);
      left -= cost;
    } else if (variant === 'no-skip') {
      break;
    }
  }
  return selected;
}
