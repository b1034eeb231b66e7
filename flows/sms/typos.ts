// Which keyword a mistyped first word was probably meant to be ("vot", "VOOT", "recipt"). Only
// ever used to ask "did you mean …?": a vote must be exactly intended, so a guess is never acted on.

/**
 * Edits between two words: insertions, deletions, substitutions and swaps of two neighbouring
 * letters (optimal string alignment distance), the usual slips of a thumb on a keypad.
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** "VOOT" → "VOT": a key pressed twice is one slip, however long the word. */
const squeeze = (word: string) => word.replace(/(.)\1+/g, '$1');

/**
 * The keyword `word` is one slip away from (two for keywords of 7 letters or more), or null. Words
 * under 3 letters and keywords under 4 are never matched (too many ordinary words are that close),
 * nor is a word whose first letter differs: a slip at the start is rare, a different word common.
 * On a tie the first keyword listed wins. Only called for a word that is not itself a keyword.
 */
export function closeKeyword(word: string, keywords: readonly string[]): string | null {
  if (word.length < 3 || !/^[A-Z]+$/.test(word)) return null;
  let best: { keyword: string; distance: number } | null = null;
  for (const keyword of keywords) {
    if (keyword.length < 4 || keyword[0] !== word[0]) continue;
    const distance = Math.min(editDistance(word, keyword), editDistance(squeeze(word), squeeze(keyword)));
    const allowed = keyword.length >= 7 ? 2 : 1;
    if (distance <= allowed && (!best || distance < best.distance)) best = { keyword, distance };
  }
  return best?.keyword ?? null;
}
