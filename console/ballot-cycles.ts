// Cycles added and removed in the console, each as a new ballot version (changeBallot in
// ./ballot.ts: checked by the deployment schema and the voting guard, audited in the chain in the
// same transaction, so `sauti ledger verify` covers them like every other ballot change). Wards,
// their budgets and the currency are the deployment's, shared by every cycle: a new cycle uses
// them as they stand (the wards page edits them). A cycle is removed only while nothing can have
// happened in it: no event of it in the chain, no results, and its phases not yet opened (a
// gateway off the network may hold ideas it has not synced).
import { sql } from 'kysely';
import type { BallotDoc } from '../src/config/ballot-doc.ts';
import type { Deployment } from '../src/config/schema.ts';
import type { LedgerConnection } from '../ledger/connect.ts';
import type { Actor } from './accounts.ts';
import type { Trx } from './audit.ts';
import { BallotError, changeBallot } from './ballot.ts';
import { parsePhases, type PhaseField } from './ballot-wards.ts';

/** A cycle's name is shown on USSD screens and in SMS; the deployment schema allows 160 characters. */
export const MAX_CYCLE_NAME = 160;

/** A new cycle as the form sends it: its id, names, four phase dates, rule fields and the cycle its counting settings are copied from. */
export interface NewCycleInput {
  id: string;
  name: Record<string, string>;
  phases: Record<string, string>;
  /** `rule`, and `min`, `max`, `k`, `points`, `maxPerProject` where the rule has them (empty: not given). */
  rule: Record<string, string>;
  /** An existing cycle whose winner selection and revote policy the new one takes; empty for the defaults. */
  copyFrom: string;
}

type DocCycle = BallotDoc['cycles'][number];

/** The rule as the deployment schema reads it, from the form's fields (the schema names a bad one). */
export function ruleOf(fields: Record<string, string>): Record<string, unknown> {
  const rule: Record<string, unknown> = { rule: (fields.rule ?? '').trim() };
  for (const key of ['min', 'max', 'k', 'points', 'maxPerProject']) {
    const v = (fields[key] ?? '').trim();
    if (v !== '') rule[key] = Number(v);
  }
  return rule;
}

function newCycle(d: Deployment, input: NewCycleInput, now: Date): DocCycle {
  const id = input.id.trim();
  if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(id)) throw new BallotError('id', 'badId', 'id: 1-40 lower-case letters, digits or dashes');
  const name: Record<string, string> = {};
  for (const { code } of d.languages) {
    const text = (input.name[code] ?? '').trim();
    if (!text) throw new BallotError(`name.${code}`, 'textNeeded', `name.${code}: a cycle needs its name in every language`);
    if (text.length > MAX_CYCLE_NAME) throw new BallotError(`name.${code}`, 'tooLong', `name.${code}: at most ${MAX_CYCLE_NAME} characters`);
    name[code] = text;
  }
  const dates = parsePhases(input.phases);
  // A cycle that opened the moment it was made would be under the voting guard before anyone saw it.
  if (dates['proposals.opens'] <= now) throw new BallotError('proposals.opens', 'phaseOrder', 'proposals.opens: a new cycle must open later than now');
  const iso = (f: PhaseField) => dates[f].toISOString() as unknown as Date;
  return {
    id,
    name,
    phases: {
      proposals: { opens: iso('proposals.opens'), closes: iso('proposals.closes') },
      voting: { opens: iso('voting.opens'), closes: iso('voting.closes') },
    },
    ballot: ruleOf(input.rule) as DocCycle['ballot'],
    revote: 'replace',
    selection: { rule: 'greedy', completion: 'none' },
    projects: [],
    exclusive: [],
  };
}

/**
 * Adds a cycle at the end of the latest version: no projects yet (ideas are collected first), the
 * rule as given, the winner selection and revote policy copied from `copyFrom` when named. A bad
 * rule, a taken id or a window overlapping another cycle's is named by the deployment schema.
 */
export function addCycle(conn: LedgerConnection, d: Deployment, actor: Actor, input: NewCycleInput, now: Date) {
  let cycle: DocCycle;
  try {
    cycle = newCycle(d, input, now);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  return changeBallot(conn, d, actor, now, 'ballot.cycle-added', (doc) => {
    const from = input.copyFrom.trim();
    if (from) {
      const source = doc.cycles.find((c) => c.id === from);
      if (!source) throw new BallotError('copyFrom', 'noProject', `copyFrom: there is no cycle ${from}`);
      cycle.selection = structuredClone(source.selection);
      cycle.revote = source.revote;
    }
    doc.cycles.push(cycle);
    return { before: { cycleId: cycle.id, cycle: null }, after: { cycleId: cycle.id, cycle, copiedFrom: from || null } };
  });
}

/** Why a cycle may not be removed, or null when nothing has happened in it. */
async function whyNotRemovable(trx: Trx, doc: BallotDoc, c: DocCycle, now: Date): Promise<string | null> {
  const opens = [c.phases.proposals.opens, c.phases.voting.opens].map((v) => new Date(v as unknown as string)).sort((a, b) => +a - +b)[0]!;
  if (c.results) return `${c.id} has results in the ballot`;
  const published = await trx.selectFrom('ledger_results').select('cycle_id').where('cycle_id', '=', c.id).executeTakeFirst();
  if (published) return `${c.id} has published results`;
  if (opens <= now) return `${c.id} opened on ${opens.toISOString()}: a gateway may hold ideas or votes of it that have not reached the ledger yet`;
  // Votes, ideas, survey answers, paper tallies, reports: every event names its cycle. A removal is
  // rare and reaches this only for a cycle that has not opened, so a scan of the chain is affordable.
  const event = await sql<{ type: string }>`SELECT type FROM ledger_events WHERE cycle_id = ${c.id} LIMIT 1`.execute(trx);
  if (event.rows.length) return `${c.id} already has entries in the ledger (${event.rows[0]!.type})`;
  if (doc.cycles.length === 1) return `${c.id} is the only cycle: a ballot needs one`;
  return null;
}

/**
 * Takes a cycle off the next version, refused with the reason while anything has happened in it
 * (results, entries in the chain, a phase opened). Surveys of the deployment file that name the
 * cycle make the deployment schema refuse it, naming them.
 */
export function removeCycle(conn: LedgerConnection, d: Deployment, actor: Actor, cycleId: string, now: Date) {
  return changeBallot(conn, d, actor, now, 'ballot.cycle-removed', async (doc, trx) => {
    const c = doc.cycles.find((x) => x.id === cycleId);
    if (!c) throw new BallotError('cycle', 'noProject', `there is no cycle ${cycleId}`);
    const why = await whyNotRemovable(trx, doc, c, now);
    if (why) throw new BallotError('cycle', 'cycleInUse', `${cycleId} cannot be removed: ${why}`);
    doc.cycles = doc.cycles.filter((x) => x.id !== cycleId);
    return { before: { cycleId, cycle: c }, after: { cycleId, cycle: null } };
  });
}
