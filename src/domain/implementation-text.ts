// What a resident reads of an implementation update, by SMS: the answer to STATUS 7 and the
// message followers get. One GSM-7 segment whatever the milestone's length: a cancellation's
// reason, then the milestone, shortened from the end until the message fits.
import type { Lang } from '../config/schema.ts';
import { t, type MessageKey } from '../i18n/index.ts';
import { reasonIn, type ImplementationStatus, type ImplementationUpdate } from './implementation.ts';
import { formatDate } from './format.ts';
import { smsCost, toGsmLookalikes } from './sms-encoding.ts';

const STATUS_KEYS: Record<ImplementationStatus, MessageKey> = {
  studying: 'projStudying',
  procurement: 'projProcurement',
  'in-progress': 'projInProgress',
  completed: 'projCompleted',
  cancelled: 'projCancelled',
};

/** The status in words, in `lang`. */
export const statusWord = (lang: Lang, status: ImplementationStatus): string => t(lang, STATUS_KEYS[status]);

const oneSegment = (text: string) => smsCost(toGsmLookalikes(text)).segments === 1;

/**
 * `smsProjectStatus` (STATUS 7) or `smsProjectUpdate` (to followers) for an update, in `lang`:
 * a cancellation's reason in that language (an older update's single reason as it is), then the
 * milestone in that language (else the first one given), cut from the end to fit one segment (or `fits`: a USSD screen with its options). `name` is the
 * project's short title.
 */
export function updateText(
  lang: Lang,
  key: 'smsProjectStatus' | 'smsProjectUpdate',
  u: Omit<ImplementationUpdate, 'photo'>,
  name: string,
  fits: (text: string) => boolean = oneSegment,
): string {
  const date = formatDate(new Date(`${u.date}T12:00:00Z`), lang, 'UTC');
  const params = { code: u.code, name, status: statusWord(lang, u.status), progress: u.progress, date };
  const sentence = (text: string) => (text && !/[.!?]$/.test(text) ? `${text}.` : text);
  const oneLine = (text: string | null | undefined) => (text ?? '').replace(/\s+/g, ' ').trim();
  // The reason first: it is why the project stopped, and the milestone's words are cut before it.
  const said = [sentence(oneLine(reasonIn(u.reason, lang))), oneLine(u.milestone[lang] ?? Object.values(u.milestone)[0])].filter(Boolean).join(' ');
  const full = t(lang, key, { ...params, milestone: said ? ` ${said}${/[.!?]$/.test(said) ? '' : '.'}` : '' });
  if (fits(full)) return full;
  // Shorten the milestone word by word (never the status or progress), ending in "...".
  const words = said.split(' ');
  while (words.length > 0) {
    words.pop();
    const text = t(lang, key, { ...params, milestone: words.length ? ` ${words.join(' ')}...` : '' });
    if (fits(text)) return text;
  }
  return t(lang, key, { ...params, milestone: '' });
}
