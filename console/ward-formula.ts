// Ward budgets by a published formula (Porto Alegre style): a total shared between wards by
// population and need. Pure and exact: shares are computed as integer fractions (BigInt), so the
// rounding is the same on every machine and the parts always add up to the total.
import { SautiError } from '../src/domain/errors.ts';

/** A ward as the formula reads it. */
export interface FormulaWard {
  id: string;
  population?: number | undefined;
  need?: number | undefined;
}

/** What the admin enters: the total to share out and the weight of each criterion. */
export interface FormulaInput {
  total: number;
  weights: { population: number; need: number };
}

/** The budgets, with the formula as text and every input, for the chain entry. */
export interface FormulaResult {
  budgets: { wardId: string; budget: number }[];
  formula: string;
  total: number;
  weights: { population: number; need: number };
  inputs: { wardId: string; population: number | null; need: number | null }[];
}

/** Input the formula cannot use, the field named. */
export class FormulaError extends SautiError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('console.bad_formula', message);
  }
}

/** Weights and need indices are read to this many decimal places (scaled to integers for exact sums). */
const DECIMALS = 4;
const SCALE = 10 ** DECIMALS;
const scaled = (x: number) => BigInt(Math.round(x * SCALE));

/** The rounding rule, as recorded with every application. */
export const ROUNDING =
  'each ward gets the whole part of total × share; the units left over go one each to the wards with the largest remainders (ties: the order of the wards)';

/**
 * Budgets by `share(w) = (wp·pop(w)/Σpop + wn·need(w)/Σneed) / (wp + wn)`, in whole currency
 * units, rounded by largest remainder (Hamilton's method) so they sum exactly to `total`.
 * Weights are relative (0.7/0.3 and 70/30 give the same shares). A criterion with weight 0 is
 * not read; one with a positive weight must be known for every ward. Every ward must get at
 * least one unit (a ward budget is a positive amount).
 */
export function budgetsByFormula(wards: readonly FormulaWard[], input: FormulaInput): FormulaResult {
  const { total, weights } = input;
  if (!Number.isSafeInteger(total) || total < 1) throw new FormulaError('total', 'total: a whole amount above zero');
  for (const key of ['population', 'need'] as const) {
    const w = weights[key];
    if (!Number.isFinite(w) || w < 0 || w > 1000) throw new FormulaError(`weight.${key}`, `weight.${key}: a number from 0 to 1000`);
  }
  const wp = scaled(weights.population);
  const wn = scaled(weights.need);
  if (wp + wn === 0n) throw new FormulaError('weight.population', 'weight.population: at least one weight must be above zero');
  if (wards.length === 0) throw new FormulaError('wards', 'wards: there is no ward to share the total between');
  if (wp > 0n) {
    const missing = wards.find((w) => w.population === undefined);
    if (missing) throw new FormulaError('population', `population: ward ${missing.id} has no population (set it, or give population the weight 0)`);
  }
  if (wn > 0n) {
    const missing = wards.find((w) => w.need === undefined);
    if (missing) throw new FormulaError('need', `need: ward ${missing.id} has no need index (set it, or give need the weight 0)`);
  }
  const pops = wards.map((w) => (wp > 0n ? BigInt(w.population!) : 0n));
  const needs = wards.map((w) => (wn > 0n ? scaled(w.need!) : 0n));
  const sumPop = pops.reduce((a, b) => a + b, 0n);
  const sumNeed = needs.reduce((a, b) => a + b, 0n);
  if (wn > 0n && sumNeed === 0n) throw new FormulaError('need', 'need: every ward’s need index is 0, so need cannot share anything');
  // share(w) = num(w) / den, with the sums of the unused criterion taken as 1 so they cancel.
  const sp = sumPop === 0n ? 1n : sumPop;
  const sn = sumNeed === 0n ? 1n : sumNeed;
  const den = (wp + wn) * sp * sn;
  const big = BigInt(total);
  const parts = wards.map((w, i) => {
    const exact = big * (wp * pops[i]! * sn + wn * needs[i]! * sp);
    return { index: i, floor: exact / den, remainder: exact % den };
  });
  let left = big - parts.reduce((a, p) => a + p.floor, 0n);
  const order = [...parts].sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const p of order) {
    if (left === 0n) break;
    p.floor += 1n;
    left -= 1n;
  }
  const budgets = parts.map((p) => ({ wardId: wards[p.index]!.id, budget: Number(p.floor) }));
  const empty = budgets.find((b) => b.budget < 1);
  if (empty) throw new FormulaError('total', `total: ward ${empty.wardId} would get nothing (every ward needs a budget above zero)`);
  const num = (x: number) => String(Number(x.toFixed(DECIMALS)));
  return {
    budgets,
    formula: `budget(w) = total × (${num(weights.population)}·population(w)/Σpopulation + ${num(weights.need)}·need(w)/Σneed) / (${num(weights.population)} + ${num(weights.need)}); ${ROUNDING}`,
    total,
    weights: { population: Number(num(weights.population)), need: Number(num(weights.need)) },
    inputs: wards.map((w) => ({ wardId: w.id, population: w.population ?? null, need: w.need ?? null })),
  };
}
