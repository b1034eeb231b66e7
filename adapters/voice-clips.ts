// The audio a voice reply plays, as both providers take it: one clip per key under the gateway's
// public prompts path (src/http/prompts.ts), numbers, amounts, dates and receipt characters
// composed from word clips (voice/prompts/compose.ts). A clip missing on disk is never silence:
// the prompt library says what to do instead (another language's clip, or the provider's own
// voice saying the clip's text), and the first time, a warning says which clip is missing.
import type { Logger } from 'pino';
import type { PromptPart } from '../voice/prompt-part.ts';
import { clipUrl, composeClips } from '../voice/prompts/compose.ts';
import type { ResolvedClip } from '../voice/prompts/library.ts';

/** One thing a provider plays: a clip's URL, or text its own voice says in `lang`. */
export type Audio = { url: string } | { say: string; lang: string };

/** What to play for a clip key in a language, given the languages the provider's voice speaks (PromptLibrary.resolveClip). */
export interface ClipResolver {
  resolveClip(lang: string, key: string, sayLanguages: readonly string[]): ResolvedClip;
}

/** A resolver that logs each fallback's warning once per clip, so a missing clip is named but never floods the log. */
export function warningOnce(resolver: ClipResolver, log: Logger): ClipResolver {
  const warned = new Set<string>();
  return {
    resolveClip(lang, key, sayLanguages) {
      const resolved = resolver.resolveClip(lang, key, sayLanguages);
      if (resolved.warning && !warned.has(`${lang}/${key}`)) {
        warned.add(`${lang}/${key}`);
        log.warn({ clip: `${lang}/${key}` }, resolved.warning);
      }
      return resolved;
    },
  };
}

/**
 * What says `parts` in `lang`, in order. Without a resolver every clip is its URL (as the files
 * are assumed present); with one, a missing clip becomes what it resolves to, and the text of
 * consecutive spoken clips in one language is joined into one utterance.
 */
export function voiceAudio(
  publicUrl: string,
  lang: string,
  parts: readonly PromptPart[],
  resolver?: ClipResolver,
  sayLanguages: readonly string[] = [],
): Audio[] {
  const out: Audio[] = [];
  for (const key of composeClips([...parts], lang)) {
    const r = resolver?.resolveClip(lang, key, sayLanguages);
    if (!r || 'play' in r) {
      out.push({ url: clipUrl(publicUrl, r?.play.lang ?? lang, key) });
      continue;
    }
    const prev = out[out.length - 1];
    if (prev && 'say' in prev && prev.lang === r.say.lang) prev.say = `${prev.say} ${r.say.text}`;
    else out.push({ say: r.say.text, lang: r.say.lang });
  }
  return out;
}

/** Escapes text for an XML attribute or element. */
export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
