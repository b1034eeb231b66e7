// Every clip's text per language: the word clips numbers, amounts and codes are made of (owned
// here), merged with the dialogue's prompts. `sauti voice render` speaks these texts; a city
// records the same texts to replace them.
import { ALPHABET } from '../../src/domain/codes.ts';
import * as en from './words/en.ts';
import * as fr from './words/fr.ts';
import * as sw from './words/sw.ts';
const DIALOGUE: Record<string, Record<string, string>> = {}; // MERGE (coordinator): the dialogue's texts per language, from src/i18n/voice/{en,sw,fr}.ts (keyed by clip key)

const WORDS: Record<string, { words: Record<string, string>; currencies: Record<string, string> }> = { en, sw, fr };

/** Languages with word clips, so numbers, amounts and codes can be spoken in them. */
export const CLIP_LANGUAGES = Object.keys(WORDS);

/** Clip key → text for `lang`, amounts named in `currency` (the deployment's ISO 4217 code). */
export function clipTexts(lang: string, currency = 'KES'): Record<string, string> {
  const own = WORDS[lang];
  if (!own) return { ...DIALOGUE[lang] };
  // An ISO code with no name here is spelled out, "K E S": understood, never silent.
  const name = own.currencies[currency] ?? currency.split('').join(' ');
  const letters = Object.fromEntries([...ALPHABET].filter((c) => c > '9').map((c) => [`char-${c.toLowerCase()}`, c]));
  return {
    ...own.words,
    ...letters,
    'money-currency': name,
    ...(lang === 'fr' ? { 'money-of-currency': fr.ofCurrency(name) } : {}),
    ...DIALOGUE[lang],
  };
}
