// Cycles' phase dates, wards (names, population, need index) and ward budgets by formula, edited
// in the console as new ballot versions (changeBallot in ./ballot.ts: checked by the deployment
// schema and the voting guard, audited in the chain in the same transaction). Publishing such a
// version is what gateways download: their voting windows and budget checks follow it.
import { z } from 'zod';
import type { BallotDoc } from '../src/config/ballot-doc.ts';
import type { Deployment } from '../src/config/schema.ts';
import { zoneOffsetMs } from '../src/domain/format.ts';
import type { LedgerConnection } from '../ledger/connect.ts';
import type { Actor } from './accounts.ts';
import { BallotError, changeBallot } from './ballot.ts';
import { budgetsByFormula, FormulaError, type FormulaInput, type FormulaResult } from './ward-formula.ts';

/** A ward's name is shown on 182-character USSD screens: the deployment schema allows 30 characters. */
export const MAX_WARD_NAME = 30;

const PHASE_FIELDS = ['proposals.opens', 'proposals.closes', 'voting.opens', 'voting.closes'] as const;
export type PhaseField = (typeof PHASE_FIELDS)[number];

const isoWithOffset = z.iso.datetime({ offset: true });

/** An instant as ISO 8601 in `timeZone` with its offset (2026-11-16T06:00:00+03:00), as the form shows it. */
export function isoInZone(at: Date, timeZone: string): string {
  const whole = Math.floor(at.getTime() / 1000) * 1000;
  const offset = Math.round(zoneOffsetMs(at, timeZone) / 60_000);
  const local = new Date(whole + offset * 60_000).toISOString().slice(0, 19);
  const abs = Math.abs(offset);
  return `${local}${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * The four dates of a form, checked: each ISO 8601 with an offset, each window opening before it
 * closes, and the phases in order (proposals open no later than voting, and close no later).
 */
export function parsePhases(fields: Record<string, string>): Record<PhaseField, Date> {
  const out = {} as Record<PhaseField, Date>;
  for (const f of PHASE_FIELDS) {
    const text = (fields[f] ?? '').trim();
    if (!isoWithOffset.safeParse(text).success) throw new BallotError(f, 'badDate', `${f}: a date and time with its offset, e.g. 2027-10-01T06:00:00+03:00`);
    out[f] = new Date(text);
  }
  const order: [PhaseField, PhaseField, string][] = [
    ['proposals.opens', 'proposals.closes', 'must be after proposals.opens'],
    ['voting.opens', 'voting.closes', 'must be after voting.opens'],
  ];
  for (const [a, b, why] of order) if (out[a] >= out[b]) throw new BallotError(b, 'phaseOrder', `${b}: ${why}`);
  if (out['voting.opens'] < out['proposals.opens']) throw new BallotError('voting.opens', 'phaseOrder', 'voting.opens: must not be before proposals.opens');
  if (out['voting.closes'] < out['proposals.closes'])
    throw new BallotError('proposals.closes', 'phaseOrder', 'proposals.closes: must not be after voting.closes');
  return out;
}

/** Sets a cycle's phase dates (refused, by the voting guard, once its voting opened). */
export function setPhases(conn: LedgerConnection, d: Deployment, actor: Actor, cycleId: string, fields: Record<string, string>, now: Date) {
  let dates: Record<PhaseField, Date>;
  try {
    dates = parsePhases(fields);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  return changeBallot(conn, d, actor, now, 'ballot.phases-changed', (doc) => {
    const c = doc.cycles.find((x) => x.id === cycleId);
    if (!c) throw new BallotError('cycle', 'noProject', `there is no cycle ${cycleId}`);
    const before = { cycleId, phases: structuredClone(c.phases) };
    const iso = (f: PhaseField) => dates[f].toISOString() as unknown as Date;
    (c as { phases: unknown }).phases = {
      proposals: { opens: iso('proposals.opens'), closes: iso('proposals.closes') },
      voting: { opens: iso('voting.opens'), closes: iso('voting.closes') },
    };
    return { before, after: { cycleId, phases: c.phases } };
  });
}

/** A ward's names, population and need index as the form sends them (empty: not known). */
export interface WardInput {
  name: Record<string, string>;
  population: string;
  need: string;
}

/** Reads the form's numbers: a whole population above zero, a need index from 0 (up to 4 decimals). */
function wardNumbers(input: WardInput): { population?: number; need?: number } {
  const out: { population?: number; need?: number } = {};
  const pop = input.population.trim().replace(/[ ,_]/g, '');
  if (pop !== '') {
    if (!/^\d{1,9}$/.test(pop) || Number(pop) < 1) throw new BallotError('population', 'badNumber', 'population: a whole number of residents above zero');
    out.population = Number(pop);
  }
  const need = input.need.trim();
  if (need !== '') {
    if (!/^\d{1,7}(\.\d{1,4})?$/.test(need) || Number(need) > 1_000_000)
      throw new BallotError('need', 'badNumber', 'need: a number from 0 to 1000000, at most 4 decimals');
    out.need = Number(need);
  }
  return out;
}

/**
 * Changes a ward's names (every language, up to 30 characters), population and need index. None
 * of these changes counting, so they may change during a vote; the budget is edited apart.
 */
export function editWard(conn: LedgerConnection, d: Deployment, actor: Actor, wardId: string, input: WardInput, now: Date) {
  let values: { name: Record<string, string>; population?: number; need?: number };
  try {
    const name: Record<string, string> = {};
    for (const { code } of d.languages) {
      const text = (input.name[code] ?? '').trim();
      if (!text) throw new BallotError(`name.${code}`, 'textNeeded', `name.${code}: a ward needs its name in every language`);
      if (text.length > MAX_WARD_NAME) throw new BallotError(`name.${code}`, 'tooLong', `name.${code}: at most ${MAX_WARD_NAME} characters`);
      name[code] = text;
    }
    values = { name, ...wardNumbers(input) };
  } catch (err) {
    return Promise.reject(err as Error);
  }
  return changeBallot(conn, d, actor, now, 'ballot.ward-changed', (doc) => {
    const w = doc.wards.find((x) => x.id === wardId);
    if (!w) throw new BallotError('ward', 'noProject', `there is no ward ${wardId}`);
    const before = { wardId, name: w.name, population: w.population ?? null, need: w.need ?? null };
    w.name = values.name;
    if (values.population === undefined) delete w.population;
    else w.population = values.population;
    if (values.need === undefined) delete w.need;
    else w.need = values.need;
    return { before, after: { wardId, name: w.name, population: w.population ?? null, need: w.need ?? null } };
  });
}

/** A new ward as the form sends it: its id and budget, and the fields of WardInput. */
export interface NewWardInput extends WardInput {
  id: string;
  budget: string;
}

/**
 * Adds a ward (at the end, so existing wards keep their menu numbers). Refused by the voting
 * guard while a cycle whose vote opened has no results (the budgets would change); a bad or
 * duplicate id is named by the deployment schema.
 */
export function addWard(conn: LedgerConnection, d: Deployment, actor: Actor, input: NewWardInput, now: Date) {
  let ward: BallotDoc['wards'][number];
  try {
    const name: Record<string, string> = {};
    for (const { code } of d.languages) {
      const text = (input.name[code] ?? '').trim();
      if (!text) throw new BallotError(`name.${code}`, 'textNeeded', `name.${code}: a ward needs its name in every language`);
      if (text.length > MAX_WARD_NAME) throw new BallotError(`name.${code}`, 'tooLong', `name.${code}: at most ${MAX_WARD_NAME} characters`);
      name[code] = text;
    }
    const budget = input.budget.trim().replace(/[ ,_]/g, '');
    if (!/^\d{1,15}$/.test(budget) || !Number.isSafeInteger(Number(budget)) || Number(budget) < 1)
      throw new BallotError('budget', 'badCost', 'budget: a whole amount above zero, digits only');
    ward = { id: input.id.trim(), name, budget: Number(budget), ...wardNumbers(input) };
  } catch (err) {
    return Promise.reject(err as Error);
  }
  return changeBallot(conn, d, actor, now, 'ballot.ward-added', (doc) => {
    doc.wards.push(ward);
    return { before: { wardId: ward.id, ward: null }, after: { wardId: ward.id, ward } };
  });
}

/** The admin's formula form: total and weights as typed. */
export interface FormulaForm {
  total: string;
  population: string;
  need: string;
}

/** Reads the formula form; a bad field is named. */
export function parseFormula(form: FormulaForm): FormulaInput {
  const total = form.total.trim().replace(/[ ,_]/g, '');
  if (!/^\d{1,15}$/.test(total) || !Number.isSafeInteger(Number(total)) || Number(total) < 1)
    throw new BallotError('total', 'badFormula', 'total: a whole amount above zero, digits only');
  const weight = (field: 'population' | 'need') => {
    const text = form[field].trim();
    if (!/^\d{1,4}(\.\d{1,4})?$/.test(text))
      throw new BallotError(`weight.${field}`, 'badFormula', `weight.${field}: a number from 0 to 1000, at most 4 decimals`);
    return Number(text);
  };
  return { total: Number(total), weights: { population: weight('population'), need: weight('need') } };
}

/** The formula applied to a ballot's wards, its errors as BallotError (the field named). */
export function previewFormula(doc: Pick<BallotDoc, 'wards'>, input: FormulaInput): FormulaResult {
  try {
    return budgetsByFormula(doc.wards, input);
  } catch (err) {
    if (err instanceof FormulaError) throw new BallotError(err.field, 'badFormula', err.message);
    throw err;
  }
}

/**
 * Sets every ward's budget by the formula, as one new version whose chain entry holds the
 * formula, the total, the weights, each ward's population and need, and the budgets before and
 * after. Refused (voting guard) while a cycle whose vote opened has no results.
 */
export function applyBudgetFormula(conn: LedgerConnection, d: Deployment, actor: Actor, form: FormulaForm, now: Date) {
  let input: FormulaInput;
  try {
    input = parseFormula(form);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  return changeBallot(conn, d, actor, now, 'ballot.budgets-by-formula', (doc) => {
    const result = previewFormula(doc, input);
    const before = { budgets: doc.wards.map((w) => ({ wardId: w.id, budget: w.budget })) };
    for (const b of result.budgets) doc.wards.find((w) => w.id === b.wardId)!.budget = b.budget;
    return { before, after: result };
  });
}
