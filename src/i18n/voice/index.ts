// Voice clip texts per language, keyed by clip key: what each prompt clip says, for rendering
// the clips (and for showing a simulated call as text).
import type { Lang } from '../../config/schema.ts';
import { en } from './en.ts';
import { fr } from './fr.ts';
import { sw } from './sw.ts';

/** Every dialogue clip key. en.ts is the reference catalogue. */
export type VoiceClipKey = keyof typeof en;
/** A complete voice catalogue: the compiler rejects a language missing any clip. */
export type VoiceCatalogue = Record<VoiceClipKey, string>;

export const voiceCatalogues: Record<Lang, VoiceCatalogue> = { en, sw, fr };

/** What clip `key` says in `lang`, or undefined for a key no catalogue holds (a deployment clip). */
export function voiceText(lang: Lang, key: string): string | undefined {
  return (voiceCatalogues[lang] as Record<string, string>)[key];
}
