// The languages a deployment adds with a catalogue file, beside the built-in en, sw and fr.
// The shell checks each catalogue (src/i18n/pack.ts and the checks it names) and installs it
// once at start-up, before anyone is answered; from then on it is read like the built-in
// catalogues, so flows stay pure functions of their input and these constant tables.

/** How a language's number words are put together: the grammar of a built-in language. */
export type NumberGrammar = 'english' | 'swahili' | 'french';

/** Everything a resident hears or reads in an added language. */
export interface LanguagePack {
  code: string;
  /** The Intl (CLDR) locale dates are written in. */
  locale: string;
  /** Every key of src/i18n/en.ts. */
  messages: Record<string, string>;
  /** SMS keywords per kind (src/i18n/keywords.ts), normalised (upper case, no diacritics). */
  keywords: Record<string, string[]>;
  /** Ordinary words of the language, normalised: a message of them is answered in it, and never taken for a mistyped keyword. */
  commonWords: string[];
  voice: {
    /** Every dialogue clip of src/i18n/voice/en.ts but the language menu's. */
    prompts: Record<string, string>;
    /** The language menu's option in this language, `{n}` the key to press. */
    languageOption: string;
    /** The eSpeak NG voice its clips are rendered with; none: the city records them. */
    espeak?: string;
    numbers: { grammar: NumberGrammar; words: Record<string, string>; currencies: Record<string, string> };
  };
  /** Officer-facing labels of the field forms given in this language (English for the rest). */
  field: Record<string, string>;
  /** Officer-facing labels of the paper forms (ballot entry, tally sheet) given in this language (English for the rest). */
  paper?: Record<string, string>;
}

const installed = new Map<string, LanguagePack>();
let generation = 0;

/** Makes checked packs usable (a pack with the code of one installed before replaces it). */
export function installLanguages(packs: readonly LanguagePack[]): void {
  for (const p of packs) installed.set(p.code, p);
  generation++;
}

/** The installed pack of an added language. */
export function languagePack(code: string): LanguagePack | undefined {
  return installed.get(code);
}

/** Every installed pack. */
export function installedPacks(): LanguagePack[] {
  return [...installed.values()];
}

/** Changes whenever packs are installed: tables built from them are rebuilt when it moves. */
export function packsGeneration(): number {
  return generation;
}

/** Takes packs out again (a start-up whose catalogues failed a later check). */
export function uninstallLanguages(codes: readonly string[]): void {
  for (const c of codes) installed.delete(c);
  generation++;
}
