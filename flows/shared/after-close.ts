// What a resident is told once a cycle's voting has closed: which cycle, when it closed, when its
// results come and when the next vote opens. Shared by every channel; each says how much fits.
import type { Cycle, Lang } from '../../src/config/schema.ts';
import { lastClosedCycle, phaseStatus } from '../../src/domain/cycle.ts';
import { formatDate } from '../../src/domain/format.ts';
import { t, type MessageKey } from '../../src/i18n/index.ts';
import type { VotingContext } from './voting.ts';

/** How much one reply may hold on a channel, and how that channel shows published results. */
export interface ReplyRoom {
  fits(text: string): boolean;
  /** "see Results in the menu" (USSD), "send RESULTS" (SMS). */
  resultsOut: MessageKey;
}

/** A cycle's name in `lang` (the deployment gives one per configured language). */
export function cycleName(cycle: Cycle, lang: Lang): string {
  return cycle.name[lang] ?? cycle.id;
}

const day = (ctx: VotingContext, d: Date, lang: Lang) => formatDate(d, lang, ctx.deployment.deployment.timezone);

/**
 * When results come: out already (and where to see them), expected on the date the PB team set,
 * or to be announced. A date already past is never given as the one results are expected on.
 */
export function resultsNote(lang: Lang, ctx: VotingContext, cycle: Cycle, room: ReplyRoom): string {
  const now = ctx.now.getTime();
  if (cycle.results && cycle.results.published.getTime() <= now) return t(lang, room.resultsOut);
  if (cycle.resultsExpected && cycle.resultsExpected.getTime() > now) return t(lang, 'resultsDue', { date: day(ctx, cycle.resultsExpected, lang) });
  return t(lang, 'resultsToCome');
}

/**
 * The sentences said once `cycle` has closed: `named` "PB 2026: voting closed on 31 Mar 2027.",
 * `bare` the same without the cycle's name (for replies that name it already, or have no room),
 * and `results`, when results come.
 */
export function closedSentences(lang: Lang, ctx: VotingContext, cycle: Cycle, room: ReplyRoom): { named: string; bare: string; results: string } {
  const date = day(ctx, cycle.phases.voting.closes, lang);
  return {
    named: t(lang, 'votingClosedIn', { cycle: cycleName(cycle, lang), date }),
    bare: t(lang, 'votingClosed', { date }),
    results: resultsNote(lang, ctx, cycle, room),
  };
}

/**
 * The answer to "vote" once `cycle` has closed: that it closed, when results come and, when
 * another vote is planned, when it opens. What does not fit the channel is left out, the cycle's
 * name last of all (a deployment may give a long one).
 */
export function votingClosedText(lang: Lang, ctx: VotingContext, cycle: Cycle, room: ReplyRoom, nextOpens?: Date): string {
  const { named, bare, results } = closedSentences(lang, ctx, cycle, room);
  const next = nextOpens ? [t(lang, 'votingNextOpens', { date: day(ctx, nextOpens, lang) })] : [];
  const candidates = [named, bare].flatMap((head) => [[head, results, ...next], [head, ...next], [head, results], [head]].map((parts) => parts.join(' ')));
  return candidates.find((text) => room.fits(text)) ?? candidates.at(-1)!;
}

/**
 * "My vote" and RECEIPT for a resident with no ballot to show. While a vote is open or before the
 * first one, "You have not voted yet."; after a vote has closed, that they did not vote in it,
 * when it closed, when its results come and when the next vote opens (as much as fits).
 */
export function noVoteText(lang: Lang, ctx: VotingContext, room: ReplyRoom): string {
  const status = phaseStatus(ctx.deployment, 'voting', ctx.now);
  const closed = status.kind === 'open' ? undefined : lastClosedCycle(ctx.deployment, 'voting', ctx.now);
  if (!closed) return t(lang, 'noVote');
  const { bare, results } = closedSentences(lang, ctx, closed, room);
  const head = t(lang, 'noVoteIn', { cycle: cycleName(closed, lang) });
  const next = status.kind === 'upcoming' ? [t(lang, 'votingNextOpens', { date: day(ctx, status.opens, lang) })] : [];
  const candidates = [[head, bare, results, ...next], [head, bare, results], [head, bare], [head], [t(lang, 'noVote')]].map((parts) => parts.join(' '));
  return candidates.find((text) => room.fits(text)) ?? candidates.at(-1)!;
}
