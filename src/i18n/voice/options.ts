// The language menu's clips, the same in every catalogue: each is said in its own language, since
// the menu speaks to a caller whose language is not known yet. The digit is the language's
// place in the deployment's list (at most 8 languages), so every place has its clip.
const OPTION = {
  en: 'For English, press {n}.',
  sw: 'Kwa Kiswahili, bonyeza {n}.',
  fr: 'Pour le français, appuyez sur {n}.',
} as const;

/** Every place a language can have in a deployment's list. */
export const LANGUAGE_POSITIONS = [1, 2, 3, 4, 5, 6, 7, 8] as const;

type OptionKey = `voice.lang.${keyof typeof OPTION}.${(typeof LANGUAGE_POSITIONS)[number]}`;

export const LANGUAGE_OPTIONS = Object.fromEntries(
  Object.entries(OPTION).flatMap(([code, text]) => LANGUAGE_POSITIONS.map((n) => [`voice.lang.${code}.${n}`, text.replace('{n}', String(n))])),
) as Record<OptionKey, string>;
