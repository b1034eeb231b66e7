// The audio files a voice reply plays, as URLs both providers fetch: one clip per key under the
// gateway's public prompts path (src/http/prompts.ts); numbers, amounts and receipt characters
// are composed from word clips (voice/prompts/compose.ts).
import type { PromptPart } from '../voice/prompt-part.ts';
import { clipUrl, composeClips } from '../voice/prompts/compose.ts';

/** The URLs of the clips that say `parts` in `lang`, in order. */
export function voiceClipUrls(publicUrl: string, lang: string, parts: readonly PromptPart[]): string[] {
  return composeClips([...parts], lang).map((key) => clipUrl(publicUrl, lang, key));
}

/** Escapes text for an XML attribute or element. */
export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
