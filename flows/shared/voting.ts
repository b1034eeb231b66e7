// Rules every channel's conversation shares: who may vote now, in which cycle.
import type { Lang } from '../../src/config/schema.ts';
import { lastClosedCycle, phaseStatus } from '../../src/domain/cycle.ts';
import { formatDate } from '../../src/domain/format.ts';
import type { BallotSnapshot, UssdContext } from '../../src/engine/flow-contract.ts';
import { t } from '../../src/i18n/index.ts';
import { votingClosedText, type ReplyRoom } from './after-close.ts';

/** What the voting check needs from a flow's context. */
export type VotingContext = Pick<UssdContext, 'now' | 'deployment' | 'voter'>;

/**
 * The cycle this caller may vote in now, or the END text saying why they cannot. After a vote
 * closes it names that cycle and when results come, and when the next vote opens if one is set.
 */
export function votingCycle(lang: Lang, ctx: VotingContext, room: ReplyRoom, cycleId?: string): { cycleId: string } | { blocked: string } {
  const status = phaseStatus(ctx.deployment, 'voting', ctx.now);
  const date = (d: Date) => formatDate(d, lang, ctx.deployment.deployment.timezone);
  if (status.kind === 'upcoming') {
    const last = lastClosedCycle(ctx.deployment, 'voting', ctx.now);
    if (last) return { blocked: votingClosedText(lang, ctx, last, room, status.opens) };
    return { blocked: t(lang, 'votingUpcoming', { date: date(status.opens) }) };
  }
  if (status.kind === 'closed') return { blocked: votingClosedText(lang, ctx, status.cycle, room) };
  if (status.kind === 'none') return { blocked: t(lang, 'votingNone') };
  if (cycleId && status.cycle.id !== cycleId) {
    return {
      blocked: votingClosedText(
        lang,
        ctx,
        ctx.deployment.cycles.find((c) => c.id === cycleId)!,
        room,
      ),
    };
  }
  if (ctx.deployment.eligibility.mode === 'roll' && !ctx.voter.roll.eligible) {
    return { blocked: t(lang, 'notOnRoll', { help: ctx.deployment.eligibility.registerHelp[lang] ?? '' }) };
  }
  const ballot = ctx.voter.ballot;
  if (ballot && ballot.cycleId === status.cycle.id && status.cycle.revote === 'refuse') {
    return { blocked: t(lang, 'alreadyVotedRefuse', { date: date(ballot.castAt), receipt: ballot.receipt }) };
  }
  return { cycleId: status.cycle.id };
}

/**
 * The resident's ward when it is known without asking: their roll entry, the ward of their last
 * ballot, or the deployment's only ward. Null means a flow must ask.
 */
export function knownWard(ctx: VotingContext): string | null {
  const wards = ctx.deployment.wards;
  return ctx.voter.roll.wardId ?? ctx.voter.ballot?.wardId ?? (wards.length === 1 ? wards[0]!.id : null);
}

/**
 * The ballot "My vote" and RECEIPT show: while a vote is open, only one cast in it, so last year's
 * vote never looks current; otherwise the latest one, which the reply names with its cycle and
 * says is closed (a resident who has just voted must never hear "you have not voted").
 */
export function currentBallot(ctx: VotingContext): BallotSnapshot | null {
  const b = ctx.voter.ballot;
  if (!b) return null;
  const status = phaseStatus(ctx.deployment, 'voting', ctx.now);
  if (status.kind === 'open') return b.cycleId === status.cycle.id ? b : null;
  return b;
}
