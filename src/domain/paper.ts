// Paper ballots, pure rules shared by the gateway and the ledger: serial numbers and meeting ids,
// the pseudonym a paper ballot or a tally sheet is filed under, the time a meeting's ballots are
// recorded at, and the reconciliation of a meeting's tally sheet with the ballot rule.
import { createHmac } from 'node:crypto';
import type { BallotRule, Project } from '../config/schema.ts';
import { zoneOffsetMs } from './format.ts';

/** A serial number printed on a ballot, or a meeting (batch) id, as typed: letters, digits and dashes. */
export const PAPER_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,39}$/;

/** One spelling of a serial or meeting id: upper case, so `kb-0012` and `KB-0012` are the same paper. */
export function paperId(raw: string): string | null {
  const id = raw.trim().toUpperCase();
  return PAPER_ID.test(id) ? id : null;
}

/**
 * The pseudonym a paper ballot is filed under: one per serial number and cycle. A paper ballot
 * has no phone and no voter id, so "one ballot per voter" on paper is "one stored ballot per
 * printed serial"; that each voter was given one ballot is the meeting's register, checked by
 * its tally sheet (issued = valid + spoiled). Its own label: never equal to a phone's or a voter id's key.
 */
export function paperBallotKey(cycleId: string, serial: string, secret: string): string {
  return createHmac('sha256', secret).update(`sauti-paper-ballot/1\n${cycleId}\n${serial}`).digest('base64url');
}

/** The key a meeting's tally sheet is filed under (the protocol needs one; it is no voter's). */
export function tallySheetKey(cycleId: string, meetingId: string, secret: string): string {
  return createHmac('sha256', secret).update(`sauti-paper-tally/1\n${cycleId}\n${meetingId}`).digest('base64url');
}

/**
 * The instant a meeting's paper is recorded at: noon of the meeting's day in the deployment's
 * time zone, moved inside the voting window when the day is its first or last. The same for both
 * officers' entries whenever they type them (days later, at the office), so the ledger checks the
 * meeting, not the typing, against the window. Null when the day is outside voting.
 */
export function meetingInstant(day: string, timeZone: string, window: { opens: Date; closes: Date }): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) return null;
  const start = zonedMidnight(day, timeZone);
  const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const end = zonedMidnight(next, timeZone);
  if (end.getTime() <= window.opens.getTime() || start.getTime() >= window.closes.getTime()) return null;
  const noon = start.getTime() + 12 * 3_600_000;
  return new Date(Math.min(Math.max(noon, window.opens.getTime()), window.closes.getTime() - 1));
}

/** Midnight starting `day` (YYYY-MM-DD) in `timeZone`, as an instant. */
function zonedMidnight(day: string, timeZone: string): Date {
  const guess = Date.parse(`${day}T00:00:00Z`);
  // Two rounds: the offset at the first guess can differ from the offset at the answer (a DST change).
  let t = guess - zoneOffsetMs(new Date(guess), timeZone);
  t = guess - zoneOffsetMs(new Date(t), timeZone);
  return new Date(t);
}

/** A meeting's tally sheet: ballots issued, valid and spoiled, and each project's votes among the valid ones. */
export interface TallySheet {
  issued: number;
  valid: number;
  spoiled: number;
  counts: { code: number; votes: number }[];
}

/** Ballot rules a tally sheet can be reconciled with: per-project counts say nothing about ranks or points. */
export const TALLY_RULES: readonly BallotRule['rule'][] = ['approval', 'choose-1', 'knapsack'];

/** Why a tally sheet does not add up. */
export type TallyProblem =
  | { kind: 'rule'; rule: string }
  | { kind: 'issued'; issued: number; valid: number; spoiled: number }
  | { kind: 'unknown-project'; code: number }
  | { kind: 'duplicate'; code: number }
  | { kind: 'over-valid'; code: number; votes: number; valid: number }
  | { kind: 'too-many'; total: number; most: number }
  | { kind: 'too-few'; total: number; least: number }
  | { kind: 'over-budget'; spent: number; most: number };

/**
 * Checks a tally sheet against the ward's ballot: issued = valid + spoiled; every count is for a
 * project on the ward's ballot, once, and at most the valid ballots (a ballot lists a project at
 * most once); the counts together fit the rule's picks per ballot × valid (approval: min×valid to
 * max×valid; choose-1: exactly valid; knapsack: at least min×valid, and their cost within the
 * ward budget × valid). Null when it reconciles.
 */
export function reconcileTally(rule: BallotRule, projects: readonly Project[], budget: number, t: TallySheet): TallyProblem | null {
  if (!TALLY_RULES.includes(rule.rule)) return { kind: 'rule', rule: rule.rule };
  if (t.issued !== t.valid + t.spoiled) return { kind: 'issued', issued: t.issued, valid: t.valid, spoiled: t.spoiled };
  const seen = new Set<number>();
  let total = 0;
  let spent = 0;
  for (const { code, votes } of t.counts) {
    const project = projects.find((p) => p.code === code);
    if (!project) return { kind: 'unknown-project', code };
    if (seen.has(code)) return { kind: 'duplicate', code };
    seen.add(code);
    if (votes > t.valid) return { kind: 'over-valid', code, votes, valid: t.valid };
    total += votes;
    spent += votes * project.cost;
  }
  switch (rule.rule) {
    case 'approval':
      if (total > rule.max * t.valid) return { kind: 'too-many', total, most: rule.max * t.valid };
      if (total < rule.min * t.valid) return { kind: 'too-few', total, least: rule.min * t.valid };
      return null;
    case 'choose-1':
      if (total > t.valid) return { kind: 'too-many', total, most: t.valid };
      if (total < t.valid) return { kind: 'too-few', total, least: t.valid };
      return null;
    case 'knapsack':
      if (total < rule.min * t.valid) return { kind: 'too-few', total, least: rule.min * t.valid };
      if (spent > budget * t.valid) return { kind: 'over-budget', spent, most: budget * t.valid };
      return null;
    default:
      return { kind: 'rule', rule: rule.rule };
  }
}

/** The problem in plain English, for the ledger's refusal detail and the operator. */
export function describeTallyProblem(p: TallyProblem): string {
  switch (p.kind) {
    case 'rule':
      return `a ${p.rule} ballot cannot be counted from per-project totals`;
    case 'issued':
      return `ballots issued (${p.issued}) must equal valid (${p.valid}) + spoiled (${p.spoiled}) = ${p.valid + p.spoiled}`;
    case 'unknown-project':
      return `project ${p.code} is not on the ballot of this ward`;
    case 'duplicate':
      return `project ${p.code} is counted twice`;
    case 'over-valid':
      return `project ${p.code} has ${p.votes} votes, more than the ${p.valid} valid ballots`;
    case 'too-many':
      return `the projects' votes add up to ${p.total}, more than the valid ballots allow (${p.most})`;
    case 'too-few':
      return `the projects' votes add up to ${p.total}, fewer than the valid ballots need (${p.least})`;
    case 'over-budget':
      return `the votes' costs add up to ${p.spent}, more than the ward budget × valid ballots (${p.most})`;
  }
}

/**
 * The content two different officers agree on, or null. Each officer counts once, with their
 * latest entry (a correction replaces their earlier typing), so one officer typing a ballot twice
 * never settles it; after a disagreement, a third officer's entry settles it by agreeing with one.
 */
export function agreement(entries: readonly { officer_id: string; content: string }[]): string | null {
  const latest = new Map<string, string>();
  for (const e of entries) latest.set(e.officer_id, e.content);
  const officers = new Map<string, number>();
  for (const content of latest.values()) {
    const n = (officers.get(content) ?? 0) + 1;
    if (n >= 2) return content;
    officers.set(content, n);
  }
  return null;
}
