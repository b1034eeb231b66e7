// A prompt's parts → the clip keys to play, in order. Numbers, amounts and code characters are
// made of word clips, so nothing is synthesised while a caller waits.
import { ALPHABET } from '../../src/domain/codes.ts';
import { compactAmount } from '../../src/domain/format.ts';
import type { PromptPart } from '../prompt-part.ts';
import { numberClips, numberGrammar } from './numbers.ts';

/**
 * Clip keys: letters, digits, dots, dashes and underscores, not starting with a dot or dash
 * (the dialogue's keys are camel-cased: `voice.pickHelp`); also the file name, `<key>.wav`.
 */
export const CLIP_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

/** The clip keys that speak `parts` in `lang`. Throws RangeError on a number it cannot speak. */
export function composeClips(parts: PromptPart[], lang: string): string[] {
  return parts.flatMap((p) => {
    if ('clip' in p) return [p.clip];
    if ('number' in p) return numberClips(p.number, lang);
    if ('money' in p) return moneyClips(p.money, lang);
    if ('date' in p) return dateClips(p.date, lang);
    return charClips(p.chars);
  });
}

/** Public URL of a clip, as providers fetch it: `${publicUrl}/prompts/<lang>/<key>.wav`. */
export function clipUrl(publicUrl: string, lang: string, key: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/prompts/${encodeURIComponent(lang)}/${encodeURIComponent(key)}.wav`;
}

const SCALES = { M: { one: 'num-million', many: 'num-millions' }, B: { one: 'num-billion', many: 'num-billions' } } as const;

/**
 * An amount as USSD shows it (`compactAmount`): exact below 10,000; "12.3K" is said as twelve
 * thousand three hundred; "3.8M" as three point eight million. English and French put the
 * currency after the amount ("trois virgule huit millions de shillings"), Kiswahili before it
 * ("shilingi milioni tatu nukta nane"); an added language as the grammar its catalogue names.
 */
export function moneyClips(amount: number, lang: string): string[] {
  const shown = /^(\d+)(?:\.(\d))?([KMB]?)$/.exec(compactAmount(amount, 'en'));
  if (!shown) throw new RangeError(`cannot speak the amount ${amount}`);
  const whole = Number(shown[1]);
  const tenth = shown[2] === undefined ? undefined : Number(shown[2]);
  const suffix = shown[3] as '' | 'K' | 'M' | 'B';
  const grammar = numberGrammar(lang);
  if (suffix === '' || suffix === 'K') {
    const exact = suffix === 'K' ? whole * 1000 + (tenth ?? 0) * 100 : whole;
    const words = numberClips(exact, lang);
    return grammar === 'swahili' ? ['money-currency', ...words] : [...words, 'money-currency'];
  }
  const decimals = tenth === undefined ? [] : ['num-point', ...numberClips(tenth, lang)];
  const scale = SCALES[suffix];
  if (grammar === 'swahili') return ['money-currency', scale.one, ...numberClips(whole, lang), ...decimals];
  if (grammar === 'french') return [...numberClips(whole, lang), ...decimals, whole >= 2 ? scale.many : scale.one, 'money-of-currency'];
  return [...numberClips(whole, lang), ...decimals, scale.one, 'money-currency'];
}

/**
 * A calendar day (`YYYY-MM-DD`) as the day, the month's name and the year: "the 31st of March"
 * is said "thirty one March two thousand and twenty seven" in English, and in the same order in
 * French and Kiswahili ("trente et un mars deux mille vingt-sept", "thelathini na moja Machi …").
 */
export function dateClips(day: string, lang: string): string[] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const month = Number(m?.[2]);
  if (!m || month < 1 || month > 12) throw new RangeError(`cannot speak the date ${day}: use YYYY-MM-DD`);
  return [...numberClips(Number(m[3]), lang), `month-${month}`, ...numberClips(Number(m[1]), lang)];
}

/**
 * A receipt or reference read one character at a time. Dashes and spaces are skipped; I and L
 * are read as 1 and O as 0, as Crockford base32 decodes them; anything else outside the
 * alphabet is skipped rather than failing the call.
 */
export function charClips(chars: string): string[] {
  const out: string[] = [];
  for (const raw of chars.toUpperCase()) {
    const c = raw === 'I' || raw === 'L' ? '1' : raw === 'O' ? '0' : raw;
    if (c >= '0' && c <= '9') out.push(`num-${c}`);
    else if (ALPHABET.includes(c)) out.push(`char-${c.toLowerCase()}`);
  }
  return out;
}
