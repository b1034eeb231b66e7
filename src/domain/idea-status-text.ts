// What a resident reads of their idea's review, by SMS: the answer to STATUS <reference> and the
// message the proposer gets at each new status. One GSM-7 segment whatever the reason's length:
// the reason is shortened word by word until the message fits (never the reference or status).
import type { Lang } from '../config/schema.ts';
import { t, type MessageKey } from '../i18n/index.ts';
import { smsCost, toGsmLookalikes } from './sms-encoding.ts';

/** A status as the gateway holds it: 'submitted' (before any notice) or one of the review's. */
const STATUS_KEYS: Record<string, MessageKey> = {
  submitted: 'statusSubmitted',
  received: 'statusSubmitted',
  'under-review': 'statusUnderReview',
  feasible: 'statusFeasible',
  'not-feasible': 'statusNotFeasible',
};

/** The status in words, in `lang` (an unknown status reads as received). */
export const ideaStatusWord = (lang: Lang, status: string): string => t(lang, STATUS_KEYS[status] ?? 'statusSubmitted');

const fits = (text: string) => smsCost(toGsmLookalikes(text)).segments === 1;

/**
 * STATUS <ref> (`answer`) or the proposer's news of a new status (`news`), in `lang`: with the
 * reason in that language (else the first one given) when there is one, cut to fit one segment.
 */
export function ideaStatusText(lang: Lang, kind: 'answer' | 'news', ref: string, status: string, reason: Record<string, string>): string {
  const [plain, withReason]: [MessageKey, MessageKey] = kind === 'answer' ? ['smsStatus', 'smsStatusReason'] : ['smsIdeaNews', 'smsIdeaNewsReason'];
  // {state} in the texts with a reason: the status in words, the longest of which the catalogue check fills in.
  const word = ideaStatusWord(lang, status);
  const params = { ref, status: word, state: word };
  const said = (reason[lang] ?? Object.values(reason)[0] ?? '').replace(/\s+/g, ' ').trim();
  if (!said) return t(lang, plain, params);
  const full = t(lang, withReason, { ...params, reason: /[.!?]$/.test(said) ? said : `${said}.` });
  if (fits(full)) return full;
  const words = said.split(' ');
  while (words.length > 1) {
    words.pop();
    const text = t(lang, withReason, { ...params, reason: `${words.join(' ')}...` });
    if (fits(text)) return text;
  }
  return t(lang, plain, params);
}
