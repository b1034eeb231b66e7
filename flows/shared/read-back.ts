// "My vote" (USSD) and RECEIPT (SMS): a ballot read back with what the city ledger said of it,
// and, once its cycle has closed, that voting closed and when results come.
import type { Lang } from '../../src/config/schema.ts';
import { formatDate } from '../../src/domain/format.ts';
import type { BallotSnapshot } from '../../src/engine/flow-contract.ts';
import { t, type MessageKey } from '../../src/i18n/index.ts';
import { closedSentences, cycleName, type ReplyRoom } from './after-close.ts';
import { picksTexts, shortTitle } from './picks.ts';
import { checkText, ledgerNote } from './standing.ts';
import type { VotingContext } from './voting.ts';

/** The channel's sentence for a ballot ({ward}, {date}, {codes}, {receipt}) and how it joins codes. */
export interface ReadBackRoom extends ReplyRoom {
  vote: MessageKey;
  sep: string;
}

/**
 * The first reply that fits. While its cycle's vote is open: the ballot with the projects' titles,
 * else their numbers, then the ledger's word. Once it has closed, also that voting closed and when
 * results come; what gives way first is the ward and date of the vote (the cycle is named with the
 * vote instead), then the titles, then the picks (CHECK's answer for the receipt, which always
 * fits), then the results sentence. The ledger's word is never given up, and never more than it:
 * the note is the one `ledgerNote` makes of the standing the gateway last heard.
 */
export function readBack(lang: Lang, ctx: VotingContext, b: BallotSnapshot, room: ReadBackRoom): string {
  const cycle = ctx.deployment.cycles.find((c) => c.id === b.cycleId);
  const ward = ctx.deployment.wards.find((w) => w.id === b.wardId)?.name[lang] ?? b.wardId;
  const date = formatDate(b.castAt, lang, ctx.deployment.deployment.timezone);
  const note = ledgerNote(lang, b.ledger, b.countedChannel);
  const withNote = (vote: string) => (note ? `${vote} ${note}` : vote);
  const forms = (key: MessageKey, params: Record<string, string>) =>
    picksTexts(cycle?.ballot, b.picks, lang, room.sep, shortTitle(cycle, lang)).map((codes) =>
      withNote(t(lang, key, { ...params, codes, receipt: b.receipt })),
    );
  const full = forms(room.vote, { ward, date });
  const check = note && b.ledger ? [checkText(lang, b.receipt, { state: b.ledger, countedChannel: b.countedChannel })] : [];
  let candidates = [...full, ...check];
  if (cycle && cycle.phases.voting.closes.getTime() <= ctx.now.getTime()) {
    const { named, bare, results } = closedSentences(lang, ctx, cycle, room);
    const short = forms('yourVoteIn', { cycle: cycleName(cycle, lang) });
    const join = (...parts: string[]) => parts.join(' ');
    candidates = [
      // Titles before the ward and date: each way of writing the picks, in the full sentence, then the short one.
      ...full.flatMap((v, i) => [join(v, named, results), join(short[i]!, bare, results)]),
      ...check.map((c) => join(c, named, results)),
      ...check.map((c) => join(c, bare, results)),
      ...short.map((v) => join(v, bare)),
      ...check.map((c) => join(c, bare)),
    ];
  }
  return candidates.find((text) => room.fits(text)) ?? check[0] ?? full.at(-1)!;
}
