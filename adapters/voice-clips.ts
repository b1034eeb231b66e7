// The audio files a voice reply plays, as URLs both providers fetch: one clip per key under the
// gateway's public prompts path (served by the prompts side, voice/prompts).
import type { PromptPart } from '../voice/prompt-part.ts';
import { temporarySpellClips } from '../voice/spell.ts';

/** `${publicUrl}/prompts/<lang>/<key>.wav`, the path the prompts side serves. */
export function clipUrl(publicUrl: string, lang: string, key: string): string {
  return `${publicUrl}/prompts/${encodeURIComponent(lang)}/${encodeURIComponent(key)}.wav`;
}

/** The URLs of the clips that say `parts` in `lang`, in order. */
export function voiceClipUrls(publicUrl: string, lang: string, parts: readonly PromptPart[]): string[] {
  return parts.flatMap(temporarySpellClips).map((key) => clipUrl(publicUrl, lang, key));
}

/** Escapes text for an XML attribute or element. */
export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
