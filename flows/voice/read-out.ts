// What a call reads out that USSD shows on one END screen or a list: "My vote" (the ballot and its
// standing with the city ledger), the rules of the vote, and the last published results. The same
// facts as the USSD screens (flows/shared), said as clips: numbers, amounts, dates and receipt
// characters are composed from word clips, names are the deployment's clips.
import type { Cycle } from '../../src/config/schema.ts';
import { maxPerProject, pointsByCode } from '../../src/domain/ballot.ts';
import { lastClosedCycle, phaseStatus, selectedProjects } from '../../src/domain/cycle.ts';
import type { BallotSnapshot, UssdContext } from '../../src/engine/flow-contract.ts';
import type { PromptPart } from '../../voice/prompt-part.ts';
import type { Draft, KeypadState } from '../keypad/state.ts';
import { currentBallot } from '../shared/voting.ts';
import { winningProject } from '../shared/winning.ts';

const clip = (key: string): PromptPart => ({ clip: key });
export const wardClip = (wardId: string): PromptPart => clip(`ward.${wardId}`);
export const projectClip = (cycleId: string, code: number): PromptPart => clip(`project.${cycleId}.${code}`);
export const cycleClip = (cycleId: string): PromptPart => clip(`cycle.${cycleId}`);

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** A moment as the calendar day it falls on in the deployment's time zone, to be said as a date. */
export function dayPart(ctx: Pick<UssdContext, 'deployment'>, at: Date): PromptPart {
  const timeZone = ctx.deployment.deployment.timezone;
  let f = dayFormats.get(timeZone);
  if (!f) {
    // en-CA writes dates as YYYY-MM-DD.
    f = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone });
    dayFormats.set(timeZone, f);
  }
  return { date: f.format(at) };
}

/** When a closed cycle's results come: published (heard from the menu), expected on a day, or to be announced. */
function resultsNote(ctx: UssdContext, cycle: Cycle): PromptPart[] {
  const now = ctx.now.getTime();
  if (cycle.results && cycle.results.published.getTime() <= now) return [clip('voice.resultsOut')];
  if (cycle.resultsExpected && cycle.resultsExpected.getTime() > now) return [clip('voice.resultsDue'), dayPart(ctx, cycle.resultsExpected)];
  return [clip('voice.resultsToCome')];
}

const CHANNELS = new Set(['ussd', 'sms', 'voice', 'field', 'paper']);

/** The ballot's standing with the city ledger, as `ledgerNote` words it for USSD; nothing when unknown. */
function standingParts(b: BallotSnapshot): PromptPart[] {
  if (!b.ledger || b.ledger === 'unknown') return [];
  const parts = [clip(`voice.ledger.${b.ledger}`)];
  if (b.ledger === 'replaced' || b.ledger === 'superseded') {
    parts.push(clip(`voice.channel.${b.countedChannel && CHANNELS.has(b.countedChannel) ? b.countedChannel : 'other'}`));
  }
  return parts;
}

/**
 * "My vote": the ballot USSD shows (`currentBallot`), with its ward, projects, receipt and the
 * ledger's word; once its cycle has closed, that voting closed and when results come. With no
 * ballot: not voted yet, or, after a vote closed, not voted in it and when its results come.
 */
export function myVoteParts(ctx: UssdContext): PromptPart[] {
  const b = currentBallot(ctx);
  if (!b) {
    const status = phaseStatus(ctx.deployment, 'voting', ctx.now);
    const closed = status.kind === 'open' ? undefined : lastClosedCycle(ctx.deployment, 'voting', ctx.now);
    if (!closed) return [clip('voice.noVote')];
    return [clip('voice.noVoteIn'), cycleClip(closed.id), clip('voice.votingClosedOn'), dayPart(ctx, closed.phases.voting.closes), ...resultsNote(ctx, closed)];
  }
  const cycle = ctx.deployment.cycles.find((c) => c.id === b.cycleId);
  const cumulative = cycle?.ballot.rule === 'cumulative';
  const parts: PromptPart[] = [clip('voice.yourVote'), wardClip(b.wardId)];
  for (const [code, points] of pointsByCode(b.picks)) {
    parts.push(clip('voice.project'), { number: code }, projectClip(b.cycleId, code));
    if (cumulative) parts.push(clip('voice.points'), { number: points });
  }
  parts.push(clip('voice.yourReceipt'), { chars: b.receipt }, ...standingParts(b));
  if (cycle && cycle.phases.voting.closes.getTime() <= ctx.now.getTime()) {
    parts.push(clip('voice.votingClosedOn'), dayPart(ctx, cycle.phases.voting.closes), ...resultsNote(ctx, cycle));
  }
  return parts;
}

/** "Rules & help" (flows/ussd/rules.ts) said in full: a call has no screen to run out of. */
export function rulesParts(ctx: UssdContext): PromptPart[] {
  const d = ctx.deployment;
  const parts: PromptPart[] = [];
  const voting = phaseStatus(d, 'voting', ctx.now);
  if (voting.kind === 'open' || voting.kind === 'upcoming') {
    const c = voting.cycle;
    const b = c.ballot;
    if (voting.kind === 'upcoming') parts.push(clip('voice.votingOpensOn'), dayPart(ctx, voting.opens));
    if (b.rule === 'approval') parts.push(clip('voice.rules.approval'), { number: b.min }, clip('voice.rules.atMost'), { number: b.max });
    if (b.rule === 'choose-1') parts.push(clip('voice.rules.chooseOne'));
    if (b.rule === 'ranking') parts.push(clip('voice.rules.ranking'), { number: b.k });
    if (b.rule === 'cumulative') parts.push(clip('voice.rules.cumulative'), { number: b.points }, clip('voice.maxPoints'), { number: maxPerProject(b) });
    if (b.rule === 'knapsack') {
      const wardId = ctx.voter.roll.wardId;
      const budget = wardId ? d.wards.find((w) => w.id === wardId)!.budget : Math.max(...d.wards.map((w) => w.budget));
      parts.push(clip('voice.rules.knapsack'), { money: budget });
    }
    parts.push(clip(c.revote === 'replace' ? 'voice.rules.replace' : 'voice.rules.refuse'), dayPart(ctx, c.phases.voting.closes));
  } else if (voting.kind === 'closed') {
    const c = voting.cycle;
    parts.push(cycleClip(c.id), clip('voice.votingClosedOn'), dayPart(ctx, c.phases.voting.closes), ...resultsNote(ctx, c));
  }
  const proposals = phaseStatus(d, 'proposals', ctx.now);
  if (proposals.kind === 'open') parts.push(clip('voice.rules.proposals'), dayPart(ctx, proposals.cycle.phases.proposals.closes));
  if (d.deployment.helpline) parts.push(clip('voice.rules.helpline'), { chars: d.deployment.helpline });
  return parts.length === 0 ? [clip('voice.votingNone')] : parts;
}

/** The results of `cycleId` in a ward: the cycle, the day they were published, and every project chosen. */
export function resultsParts(ctx: UssdContext, cycleId: string, wardId: string): PromptPart[] {
  const cycle = ctx.deployment.cycles.find((c) => c.id === cycleId)!;
  const parts: PromptPart[] = [clip('voice.resultsOf'), cycleClip(cycle.id)];
  if (cycle.results) parts.push(clip('voice.publishedOn'), dayPart(ctx, cycle.results.published));
  const chosen = selectedProjects(cycle, wardId);
  if (chosen.length === 0) parts.push(wardClip(wardId), clip('voice.resultsNone'));
  else {
    parts.push(clip('voice.resultsIn'), wardClip(wardId));
    for (const p of chosen) parts.push(clip('voice.project'), { number: p.code }, projectClip(cycle.id, p.code));
  }
  parts.push(clip('voice.resultsBack'));
  return parts;
}

/**
 * "Project progress" (USSD's status screen, STATUS 7 by SMS): the project, its status, how much of
 * the work is done and the day of that news, said with number and date clips. The milestone is
 * the team's free text, which no clip holds: the caller is told how to read it by SMS. Then
 * Follow (when SMS reaches the caller), Report (2: spoken after the beep) and Back.
 */
export function projectStatusParts(state: KeypadState, ctx: UssdContext): PromptPart[] {
  const draft = state.draft as Extract<Draft, { kind: 'project' }>;
  const update = winningProject(draft.code, ctx.deployment, ctx.projectUpdate)?.update;
  const parts: PromptPart[] = [clip('voice.project'), { number: draft.code }, projectClip(draft.cycleId, draft.code)];
  if (update) {
    parts.push(clip(`voice.projectStatus.${update.status}`), clip('voice.progress'), { number: update.progress });
    parts.push(clip('voice.newsOf'), { date: update.date }, clip('voice.projectBySms'));
  } else parts.push(clip('voice.projectNoUpdate'));
  if (ctx.smsFollow) parts.push(clip('voice.projectFollowKey'));
  parts.push(clip('voice.projectReportKey'), clip('voice.projectBack'));
  return parts;
}

/** Review statuses with a clip of their own; any other (received) is said as received. */
const IDEA_STATUSES = new Set(['under-review', 'feasible', 'not-feasible']);

/**
 * "My ideas": each idea the caller sent (newest first) by its reference, character by character,
 * and its review status. A reason is the team's free text: the caller is told how to read it by SMS.
 */
export function myIdeasParts(ctx: UssdContext): PromptPart[] {
  const ideas = ctx.voter.ideas ?? [];
  const parts: PromptPart[] = [clip('voice.yourIdeas')];
  for (const idea of ideas) {
    const status = IDEA_STATUSES.has(idea.status) ? idea.status : 'submitted';
    parts.push(clip('voice.idea'), { chars: idea.reference.replace(/^P-/, '') }, clip(`voice.ideaStatus.${status}`));
  }
  if (ideas.some((i) => Object.keys(i.reason).length > 0)) parts.push(clip('voice.ideaReasonBySms'));
  return parts;
}
