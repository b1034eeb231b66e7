// "My vote" (USSD) and RECEIPT (SMS): a ballot read back with what the city ledger said of it,
// and, once its cycle has closed, that voting closed and when results come.
import type { Lang } from '../../src/config/schema.ts';
import { formatDate } from '../../src/domain/format.ts';
import type { BallotSnapshot } from '../../src/engine/flow-contract.ts';
import { t, type MessageKey } from '../../src/i18n/index.ts';
import { closedNotes, type ReplyRoom } from './after-close.ts';
import { picksTexts, shortTitle } from './picks.ts';
import { checkText, ledgerNote } from './standing.ts';
import type { VotingContext } from './voting.ts';

/** The channel's sentence for a ballot ({ward}, {date}, {codes}, {receipt}) and how it joins codes. */
export interface ReadBackRoom extends ReplyRoom {
  vote: MessageKey;
  sep: string;
}

/**
 * The first reply that fits, in this order of what is given up: the projects' titles, then the
 * results sentence, then the picks themselves (CHECK's answer for the receipt, which always
 * fits), then that voting closed. The ledger's word is never given up, and never more than it:
 * the note is the one `ledgerNote` makes of the standing the gateway last heard.
 */
export function readBack(lang: Lang, ctx: VotingContext, b: BallotSnapshot, room: ReadBackRoom): string {
  const cycle = ctx.deployment.cycles.find((c) => c.id === b.cycleId);
  const ward = ctx.deployment.wards.find((w) => w.id === b.wardId)?.name[lang] ?? b.wardId;
  const date = formatDate(b.castAt, lang, ctx.deployment.deployment.timezone);
  const votes = picksTexts(cycle?.ballot, b.picks, lang, room.sep, shortTitle(cycle, lang)).map((codes) =>
    t(lang, room.vote, { ward, date, codes, receipt: b.receipt }),
  );
  const note = ledgerNote(lang, b.ledger, b.countedChannel);
  const withPicks = note ? votes.map((v) => `${v} ${note}`) : votes;
  const check = note && b.ledger ? [checkText(lang, b.receipt, { state: b.ledger, countedChannel: b.countedChannel })] : [];
  const closed = cycle && cycle.phases.voting.closes.getTime() <= ctx.now.getTime() ? closedNotes(lang, ctx, cycle, room) : null;
  const tails = closed ? [closed, closed.slice(0, 1)] : [[]];
  const join = (body: string, tail: string[]) => [body, ...tail].join(' ');
  const candidates = [...tails.flatMap((tail) => withPicks.map((body) => join(body, tail))), ...tails.flatMap((tail) => check.map((body) => join(body, tail)))];
  return candidates.find((text) => room.fits(text)) ?? check[0] ?? withPicks.at(-1)!;
}
