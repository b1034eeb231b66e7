// Phone numbers written inside free text (an idea, later a transcript or a note) are personal
// data too: they are replaced before the text is stored or sent to the ledger. The proposer can
// still be reached through the gateway, which keeps their pseudonym.
import { findNumbers, type CountryCode } from 'libphonenumber-js';

/** What a phone number in free text becomes. */
export const PHONE_PLACEHOLDER = '[phone]';

/**
 * The text with every phone number libphonenumber-js finds in it (national, international,
 * spaced or dashed, read with the deployment's country) replaced by PHONE_PLACEHOLDER. Valid
 * numbers only (findNumbers' default leniency): "possible" would also take plot numbers and
 * amounts for phone numbers.
 */
export function redactPhoneNumbers(text: string, defaultCountry: string, keep: readonly string[] = []): string {
  // Most texts (every reply the gateway writes, most ideas) hold no run of digits long enough to be
  // a number: the finder, which throws and catches an error for each short candidate, is not run.
  if (!mayHoldNumber(text)) return text;
  // `keep`: E.164 numbers that are not personal (the deployment's helpline), left as written.
  const found = findNumbers(text, { defaultCountry: defaultCountry as CountryCode, v2: true }).filter((m) => !keep.includes(m.number.number));
  if (found.length === 0) return text;
  let out = '';
  let from = 0;
  for (const m of found) {
    out += text.slice(from, m.startsAt) + PHONE_PLACEHOLDER;
    from = m.endsAt;
  }
  return out + text.slice(from);
}

/** Fewer digits than this in one run cannot be a valid number anywhere (the shortest plans have 4). */
const MIN_DIGITS = 4;
/** Digits as a number is written: joined only by spaces, dashes, dots, slashes and brackets. */
const DIGIT_RUN = /\d(?:[\s\-./()]*\d)*/g;

/** Whether `text` has a run of digits long enough to be a phone number, written any way. */
function mayHoldNumber(text: string): boolean {
  for (const run of text.matchAll(DIGIT_RUN)) {
    let digits = 0;
    for (let i = 0; i < run[0].length; i++) if (run[0].charCodeAt(i) >= 48 && run[0].charCodeAt(i) <= 57) digits++;
    if (digits >= MIN_DIGITS) return true;
  }
  return false;
}
