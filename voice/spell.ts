// TEMPORARY, to make a call work end to end until the prompts side (voice/prompts/compose.ts,
// composeClips) is merged: numbers, amounts and receipt characters said digit by digit and
// character by character from clips `digit.<d>` and `char.<c>`. The coordinator replaces this
// with composeClips at merge; nothing else should grow on it.
import type { PromptPart } from './prompt-part.ts';

/** TEMPORARY: the clip keys of one prompt part, spelled out (no words for thousands or millions). */
export function temporarySpellClips(part: PromptPart): string[] {
  if ('clip' in part) return [part.clip];
  if ('chars' in part) return [...part.chars.replace(/-/g, '')].map((c) => (/\d/.test(c) ? `digit.${c}` : `char.${c.toLowerCase()}`));
  const n = 'number' in part ? part.number : part.money;
  return [...String(Math.round(n))].map((d) => `digit.${d}`);
}
