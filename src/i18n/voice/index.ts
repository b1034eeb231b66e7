// Voice clip texts per language, keyed by clip key: what each prompt clip says, for rendering
// the clips (and for showing a simulated call as text).
import { isBuiltInLang, type BuiltInLang, type Lang } from '../../config/schema.ts';
import { installedPacks, languagePack, packsGeneration } from '../languages.ts';
import { en } from './en.ts';
import { fr } from './fr.ts';
import { LANGUAGE_OPTIONS, LANGUAGE_POSITIONS } from './options.ts';
import { sw } from './sw.ts';

/** Every dialogue clip key. en.ts is the reference catalogue. */
export type VoiceClipKey = keyof typeof en;
/** A complete voice catalogue: the compiler rejects a language missing any clip. */
export type VoiceCatalogue = Record<VoiceClipKey, string>;

export const voiceCatalogues: Record<BuiltInLang, VoiceCatalogue> = { en, sw, fr };

/** The language menu's clip for `code` at place `n`, the key flows/voice plays. */
export const languageOptionKey = (code: string, n: number) => `voice.lang.${code}.${n}`;

/** Whether a clip key is one of the language menu's (the same in every catalogue). */
export const isLanguageOptionKey = (key: string) => key.startsWith('voice.lang.');

let cache: { generation: number; texts: Map<Lang, Record<string, string>> } | undefined;

/**
 * Every dialogue clip of `lang` with its text: a built-in catalogue, or an added language's
 * prompts (checked to hold every key); either way with the language menu's options of every
 * language, added ones included, since the menu is played before the caller's language is known.
 */
export function dialogueTexts(lang: Lang): Record<string, string> {
  if (cache?.generation !== packsGeneration()) cache = { generation: packsGeneration(), texts: new Map() };
  let texts = cache.texts.get(lang);
  if (!texts) {
    const prompts = isBuiltInLang(lang) ? voiceCatalogues[lang] : (languagePack(lang)?.voice.prompts ?? voiceCatalogues.en);
    texts = { ...prompts, ...LANGUAGE_OPTIONS };
    for (const pack of installedPacks()) {
      for (const n of LANGUAGE_POSITIONS) texts[languageOptionKey(pack.code, n)] = pack.voice.languageOption.replace('{n}', String(n));
    }
    cache.texts.set(lang, texts);
  }
  return texts;
}

/** What clip `key` says in `lang`, or undefined for a key no catalogue holds (a deployment clip). */
export function voiceText(lang: Lang, key: string): string | undefined {
  return dialogueTexts(lang)[key];
}
