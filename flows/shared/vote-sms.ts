// The SMS that confirms a vote: the answer to VOTE by SMS, and the copy of a receipt a caller asks
// for at the end of a call. One segment: the projects' short titles when they fit, else their numbers.
import type { Deployment, Lang } from '../../src/config/schema.ts';
import { smsCost, toGsmLookalikes } from '../../src/domain/sms-encoding.ts';
import { t } from '../../src/i18n/index.ts';
import { picksTexts, shortTitle } from './picks.ts';

/** A vote as its confirmation names it. */
export interface ConfirmedVote {
  cycleId: string;
  wardId: string;
  picks: readonly number[];
  receipt: string;
}

/** "Vote recorded in North Ward: 1 Market borehole, 2 Station Rd lights. Receipt …", in `lang`, in one segment where it can be. */
export function voteConfirmationSms(lang: Lang, deployment: Deployment, vote: ConfirmedVote, replaced: boolean): string {
  const cycle = deployment.cycles.find((c) => c.id === vote.cycleId);
  const ward = deployment.wards.find((w) => w.id === vote.wardId)?.name[lang] ?? vote.wardId;
  const texts = picksTexts(cycle?.ballot, vote.picks, lang, ' ', shortTitle(cycle, lang)).map((codes) =>
    t(lang, replaced ? 'smsVoteReplaced' : 'smsVoteRecorded', { codes, ward, receipt: vote.receipt }),
  );
  return texts.find((text) => smsCost(toGsmLookalikes(text)).segments === 1) ?? texts[texts.length - 1]!;
}
