// Counting rules by their Pabulib names, so a published result can be reproduced exactly.
// `count` is the one entry point: an instance and a rule in, the winners and the why out.
import { equalShares, equalSharesAdd1, type EqualSharesPurchase } from './equal-shares.ts';
import { supportIndex, type SupportIndex } from './support-index.ts';
import { greedy } from './greedy.ts';
import { conflictsOf, type ExclusiveGroups } from './exclusive.ts';
import { hasPoints, scoreProfile, type Instance, type Scores } from './profile.ts';

export const RULES = [
  'greedy',
  'greedy-no-skip',
  'greedy-threshold',
  'equalshares',
  'equalshares-comparison',
  'equalshares/add1',
  'equalshares/add1-comparison',
] as const;
export type RuleName = (typeof RULES)[number];

export function isRule(name: string): name is RuleName {
  return (RULES as readonly string[]).includes(name);
}

export interface RuleOptions {
  /**
   * The score a project needs (`>=`): required by greedy-threshold; when given to another rule,
   * a floor for its greedy steps (ledger counts pass 1, so a project nobody voted for is never
   * funded just because money was left).
   */
  threshold?: number;
  /** After Equal Shares, spend what is left greedily by score (not part of Pabulib's rules). */
  completion?: 'none' | 'greedy';
  /** Groups of project indices of which at most one is funded (tally/exclusive.ts says how each rule honours them). */
  exclusive?: ExclusiveGroups;
}

export interface Outcome {
  rule: RuleName;
  budget: number;
  /** Project indices in the order they were funded. */
  selected: number[];
  cost: number;
  scores: Scores;
  /** What greedy ranks by: ballots listing the project, or points for ranked and cumulative ballots. */
  rankedBy: 'votes' | 'score';
  equalShares?: {
    purchases: EqualSharesPurchase[];
    /** equalshares/add1: the total budget of the run that was kept. */
    virtualBudget?: bigint;
    comparison?: { kept: 'equalshares' | 'greedy'; preferEqualShares: number; preferGreedy: number; greedy: number[] };
    /** Projects the greedy completion added. */
    completion?: number[];
  };
}

/** Counts one instance with one rule. Deterministic: the same instance always gives the same outcome. */
export function count(instance: Instance, rule: RuleName, options: RuleOptions = {}): Outcome {
  const { projects, budget, profile } = instance;
  const costs = projects.map((p) => p.cost);
  const scores = scoreProfile(profile, projects.length);
  const rankedBy = hasPoints(profile.voteType) ? 'score' : 'votes';
  const ranking = rankedBy === 'score' ? scores.score : scores.votes;
  const done = (selected: number[], extra?: Outcome['equalShares']): Outcome => ({
    rule,
    budget,
    selected,
    cost: selected.reduce((sum, p) => sum + costs[p]!, 0),
    scores,
    rankedBy,
    ...(extra ? { equalShares: extra } : {}),
  });

  const conflicts = conflictsOf(options.exclusive, projects.length);
  const exclusive = conflicts ? { conflicts } : {};
  switch (rule) {
    case 'greedy':
      return done(greedy({ costs, ranking, budget, threshold: options.threshold, ...exclusive }, 'skip'));
    case 'greedy-threshold':
      return done(greedy({ costs, ranking, budget, threshold: options.threshold ?? 0, ...exclusive }, 'skip'));
    case 'greedy-no-skip':
      return done(greedy({ costs, ranking, budget, threshold: options.threshold, ...exclusive }, 'no-skip'));
  }

  const index = supportIndex(profile, projects.length);
  const wholeCosts = costs.map((c) => Math.floor(c));
  const add1 = rule.startsWith('equalshares/add1');
  const run = add1
    ? equalSharesAdd1(index, wholeCosts, budget, conflicts)
    : { ...equalShares(index, wholeCosts, BigInt(Math.floor(budget)), { conflicts }), virtualBudget: undefined };
  let selected = run.selected;
  const extra: NonNullable<Outcome['equalShares']> = { purchases: run.purchases, ...(add1 ? { virtualBudget: run.virtualBudget } : {}) };
  if (rule.endsWith('-comparison')) {
    const comparison = compareWithGreedy(index, wholeCosts, Math.floor(budget), selected, options.threshold, conflicts);
    extra.comparison = comparison;
    if (comparison.kept === 'greedy') selected = comparison.greedy;
  }
  if (options.completion === 'greedy') {
    extra.completion = greedy({ costs, ranking, budget, funded: selected, threshold: options.threshold, ...exclusive }, 'skip');
    selected = [...selected, ...extra.completion];
  }
  return done(selected, extra);
}

/**
 * Pabulib's comparison step: greedy by approvals (ties in listed order) against the Equal
 * Shares outcome; each voter prefers the set holding more of the projects they support. Greedy
 * replaces Equal Shares only if strictly more voters prefer it.
 */
function compareWithGreedy(index: SupportIndex, costs: number[], budget: number, equal: number[], threshold?: number, conflicts?: number[][]) {
  const ranking = Float64Array.from(index.supporterCount);
  const greedyWinners = greedy({ costs, ranking, budget, threshold, ...(conflicts ? { conflicts } : {}) }, 'skip');
  const inEqual = new Uint8Array(costs.length);
  const inGreedy = new Uint8Array(costs.length);
  for (const p of equal) inEqual[p] = 1;
  for (const p of greedyWinners) inGreedy[p] = 1;
  let preferEqualShares = 0;
  let preferGreedy = 0;
  for (let v = 0; v < index.voters; v++) {
    let e = 0;
    let g = 0;
    for (let i = index.voterOffsets[v]!; i < index.voterOffsets[v + 1]!; i++) {
      e += inEqual[index.voterProjects[i]!]!;
      g += inGreedy[index.voterProjects[i]!]!;
    }
    if (e > g) preferEqualShares++;
    else if (g > e) preferGreedy++;
  }
  return { kept: preferGreedy > preferEqualShares ? ('greedy' as const) : ('equalshares' as const), preferEqualShares, preferGreedy, greedy: greedyWinners };
}
