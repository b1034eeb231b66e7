// Every clip's text per language: the word clips numbers, amounts and codes are made of (owned
// here), merged with the dialogue's prompts. `sauti voice render` speaks these texts; a city
// records the same texts to replace them.
import type { Deployment, Lang } from '../../src/config/schema.ts';
import { ALPHABET } from '../../src/domain/codes.ts';
import { languagePack } from '../../src/i18n/languages.ts';
import { dialogueTexts } from '../../src/i18n/voice/index.ts';
import * as en from './words/en.ts';
import * as fr from './words/fr.ts';
import * as sw from './words/sw.ts';

const WORDS: Record<string, { words: Record<string, string>; currencies: Record<string, string> }> = { en, sw, fr };

/** Built-in languages with word clips, so numbers, amounts and codes can be spoken in them. */
export const CLIP_LANGUAGES = Object.keys(WORDS);

/** Clip key → text for `lang`, amounts named in `currency` (the deployment's ISO 4217 code). */
export function clipTexts(lang: string, currency = 'KES'): Record<string, string> {
  const own = WORDS[lang] ?? languagePack(lang)?.voice.numbers;
  if (!own) return { ...dialogueTexts(lang) };
  // An ISO code with no name here is spelled out, "K E S": understood, never silent.
  const name = own.currencies[currency] ?? currency.split('').join(' ');
  const letters = Object.fromEntries([...ALPHABET].filter((c) => c > '9').map((c) => [`char-${c.toLowerCase()}`, c]));
  return {
    ...own.words,
    ...letters,
    'money-currency': name,
    // French says "de" after millions; an added language on the French grammar names the currency alone.
    ...(lang === 'fr' ? { 'money-of-currency': fr.ofCurrency(name) } : languagePack(lang)?.voice.numbers.grammar === 'french' ? { 'money-of-currency': name } : {}),
    ...dialogueTexts(lang),
  };
}

/**
 * The clips a deployment adds: its wards', categories' and cycles' names and its projects' titles,
 * as the call says them (`ward.<id>`, `category.<id>`, `cycle.<id>`, `project.<cycle>.<code>`,
 * flows/voice/render.ts).
 */
export function deploymentClipTexts(d: Deployment, lang: string): Record<string, string> {
  const l = lang as Lang;
  const texts: Record<string, string> = {};
  for (const w of d.wards) if (w.name[l]) texts[`ward.${w.id}`] = w.name[l];
  for (const c of d.categories) if (c.name[l]) texts[`category.${c.id}`] = c.name[l];
  for (const cycle of d.cycles) if (cycle.name[l]) texts[`cycle.${cycle.id}`] = cycle.name[l];
  for (const cycle of d.cycles) for (const p of cycle.projects) if (p.title[l]) texts[`project.${cycle.id}.${p.code}`] = p.title[l];
  return texts;
}

/** Every clip a call of deployment `d` may play in `lang`, with its text. */
export function allClipTexts(d: Deployment, lang: string): Record<string, string> {
  return { ...clipTexts(lang, d.deployment.currency), ...deploymentClipTexts(d, lang) };
}
