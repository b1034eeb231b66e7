// Ballot rules, shared by every channel and by the ledger's validation.
import type { BallotRule, Project } from '../config/schema.ts';

/** A cumulative ballot rule: points shared among projects. */
export type CumulativeRule = Extract<BallotRule, { rule: 'cumulative' }>;

/** Why a pick or a ballot breaks the rule; flows turn these into messages. */
export type RuleViolation =
  | { kind: 'too-many'; max: number }
  | { kind: 'too-few'; min: number }
  | { kind: 'over-budget'; left: number }
  | { kind: 'unknown-project'; code: number }
  | { kind: 'duplicate'; code: number }
  /** Cumulative: one more point than the voter has to give. */
  | { kind: 'over-points'; points: number }
  /** Cumulative: one more point for `code` than one project may get. */
  | { kind: 'project-points'; code: number; max: number };

/**
 * Fewest and most picks a ballot may hold under the rule (knapsack: bounded by budget only).
 * Cumulative: a pick is a point, so at most `points` picks, and `min` counts distinct projects.
 */
export function pickBounds(rule: BallotRule): { min: number; max: number } {
  switch (rule.rule) {
    case 'approval':
      return { min: rule.min, max: rule.max };
    case 'choose-1':
      return { min: 1, max: 1 };
    case 'knapsack':
      return { min: rule.min, max: Number.POSITIVE_INFINITY };
    case 'ranking':
      return { min: rule.min, max: rule.k };
    case 'cumulative':
      return { min: rule.min, max: rule.points };
  }
}

/** Most points one project may get under a cumulative rule. */
export function maxPerProject(rule: CumulativeRule): number {
  return rule.maxPerProject ?? rule.points;
}

/**
 * A cumulative ballot's points per project, in the order projects were first picked: the picks
 * [3, 3, 7] give 3 two points and 7 one. Ballots keep the repeated-code form so the wire protocol
 * and storage stay the same for every rule; this is where repeats become points.
 */
export function pointsByCode(picks: readonly number[]): Map<number, number> {
  const points = new Map<number, number>();
  for (const code of picks) points.set(code, (points.get(code) ?? 0) + 1);
  return points;
}

/** Total cost of the picked codes. */
export function totalCost(picks: readonly number[], projects: readonly Project[]): number {
  return picks.reduce((sum, code) => sum + (projects.find((p) => p.code === code)?.cost ?? 0), 0);
}

/** Checks adding `code` to `picks` (under cumulative: one more point for it); null when allowed. */
export function checkAdd(rule: BallotRule, picks: readonly number[], code: number, projects: readonly Project[], budget: number): RuleViolation | null {
  const project = projects.find((p) => p.code === code);
  if (!project) return { kind: 'unknown-project', code };
  if (rule.rule === 'cumulative') {
    const max = maxPerProject(rule);
    if (picks.filter((c) => c === code).length >= max) return { kind: 'project-points', code, max };
    if (picks.length >= rule.points) return { kind: 'over-points', points: rule.points };
    return null;
  }
  if (picks.includes(code)) return { kind: 'duplicate', code };
  const { max } = pickBounds(rule);
  if (picks.length + 1 > max) return { kind: 'too-many', max };
  if (rule.rule === 'knapsack') {
    const left = budget - totalCost(picks, projects);
    if (project.cost > left) return { kind: 'over-budget', left };
  }
  return null;
}

/** Checks a complete ballot (order matters only for ranking); null when valid. */
export function checkBallot(rule: BallotRule, picks: readonly number[], projects: readonly Project[], budget: number): RuleViolation | null {
  const seen: number[] = [];
  for (const code of picks) {
    const v = checkAdd(rule, seen, code, projects, budget);
    if (v) return v;
    seen.push(code);
  }
  const { min } = pickBounds(rule);
  const chosen = rule.rule === 'cumulative' ? new Set(picks).size : picks.length;
  if (chosen < min) return { kind: 'too-few', min };
  return null;
}
