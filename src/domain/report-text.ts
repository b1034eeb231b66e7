// What a resident reads of the PB team's answer to their report (REPORT 7 …): one SMS naming the
// report's reference. The console refuses an answer whose message would not fit one segment, so
// the gateway that texts it (through the notice feed) never has to cut the team's words.
import type { Lang } from '../config/schema.ts';
import { t } from '../i18n/index.ts';
import { smsCost, toGsmLookalikes } from './sms-encoding.ts';

/** The SMS that carries `answer` to the sender of report `reference`, in `lang`. */
export function reportAnswerSms(lang: Lang, reference: string, answer: string): string {
  return t(lang, 'smsReportAnswer', { ref: reference, answer: answer.replace(/\s+/g, ' ').trim() });
}

/** Whether that SMS, as sent (look-alikes applied), is one segment. */
export function answerFits(lang: Lang, reference: string, answer: string): boolean {
  return smsCost(toGsmLookalikes(reportAnswerSms(lang, reference, answer))).segments === 1;
}
