// Ballot rules, shared by every channel and (later) by the ledger's validation.
import type { BallotRule, Project } from '../config/schema.ts';

/** Why a pick or a ballot breaks the rule; flows turn these into messages. */
export type RuleViolation =
  | { kind: 'too-many'; max: number }
  | { kind: 'too-few'; min: number }
  | { kind: 'over-budget'; left: number }
  | { kind: 'unknown-project'; code: number }
  | { kind: 'duplicate'; code: number };

/** Fewest and most picks a ballot may hold under the rule (knapsack: bounded by budget only). */
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
  }
}

/** Total cost of the picked codes. */
export function totalCost(picks: readonly number[], projects: readonly Project[]): number {
  return picks.reduce((sum, code) => sum + (projects.find((p) => p.code === code)?.cost ?? 0), 0);
}

/** Checks adding `code` to `picks`; null when allowed. */
export function checkAdd(
  rule: BallotRule,
  picks: readonly number[],
  code: number,
  projects: readonly Project[],
  budget: number,
): RuleViolation | null {
  const project = projects.find((p) => p.code === code);
  if (!project) return { kind: 'unknown-project', code };
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
export function checkBallot(
  rule: BallotRule,
  picks: readonly number[],
  projects: readonly Project[],
  budget: number,
): RuleViolation | null {
  const seen: number[] = [];
  for (const code of picks) {
    const v = checkAdd(rule, seen, code, projects, budget);
    if (v) return v;
    seen.push(code);
  }
  const { min } = pickBounds(rule);
  if (picks.length < min) return { kind: 'too-few', min };
  return null;
}
