// Whole numbers as the word clips that speak them, per language. Each language's grammar is here;
// its words are in words/<lang>.ts (an added language's in its catalogue, which picks one of these
// grammars). Results are clip keys, never text.
import { languagePack, type NumberGrammar } from '../../src/i18n/languages.ts';

/** Largest number spoken: below a trillion (more than any budget or count Sauti reads out). */
export const MAX_SPOKEN = 999_999_999_999;

const unit = (n: number) => `num-${n}`;

function checked(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_SPOKEN) throw new RangeError(`cannot speak ${n}: use a whole number from 0 to ${MAX_SPOKEN}`);
  return n;
}

/** English, British usage: "one hundred and five", "two million and fifty". */
export function englishNumber(value: number): string[] {
  const n = checked(value);
  if (n === 0) return [unit(0)];
  const below100 = (v: number) => (v < 20 ? [unit(v)] : [unit(v - (v % 10)), ...(v % 10 ? [unit(v % 10)] : [])]);
  const below1000 = (v: number) => {
    const h = Math.floor(v / 100);
    const r = v % 100;
    return [...(h ? [unit(h), 'num-hundred'] : []), ...(h && r ? ['num-and'] : []), ...(r ? below100(r) : [])];
  };
  const out: string[] = [];
  for (const [size, word] of [[1e9, 'num-billion'], [1e6, 'num-million'], [1e3, 'num-thousand']] as const) {
    const g = Math.floor(n / size) % 1000;
    if (g) out.push(...below1000(g), word);
  }
  const rest = n % 1000;
  if (rest) {
    if (out.length && rest < 100) out.push('num-and');
    out.push(...below1000(rest));
  }
  return out;
}

/**
 * Kiswahili: the scale word comes first and "na" joins the last part ("elfu moja mia mbili
 * thelathini na nne"); hundreds of thousands are laki ("laki nane na elfu hamsini").
 */
export function swahiliNumber(value: number): string[] {
  const n = checked(value);
  if (n === 0) return [unit(0)];
  const parts: string[][] = [];
  const scaled = (word: string, count: number) => {
    if (count) parts.push([word, ...swahiliNumber(count)]);
  };
  scaled('num-billion', Math.floor(n / 1e9) % 1000);
  scaled('num-million', Math.floor(n / 1e6) % 1000);
  scaled('num-lakh', Math.floor(n / 1e5) % 10);
  scaled('num-thousand', Math.floor(n / 1e3) % 100);
  scaled('num-hundred', Math.floor(n / 100) % 10);
  const r = n % 100;
  if (r >= 10) parts.push([unit(r - (r % 10))]);
  if (r % 10) parts.push([unit(r % 10)]);
  return parts.flatMap((p, i) => (i > 0 && i === parts.length - 1 ? ['num-and', ...p] : p));
}

/**
 * French (France and West Africa): "vingt et un", "soixante et onze", "quatre-vingt-un",
 * "deux cents" but "deux cent un" and "deux cent mille", "mille" alone, "deux millions".
 */
export function frenchNumber(value: number): string[] {
  const n = checked(value);
  if (n === 0) return [unit(0)];
  // beforeMille: "cents" and "quatre-vingts" lose their s before mille (an adjective), not before million (a noun).
  const below100 = (v: number, beforeMille: boolean): string[] => {
    if (v <= 16) return [unit(v)];
    if (v < 20) return [unit(10), unit(v - 10)];
    const tens = Math.floor(v / 10);
    const u = v % 10;
    if (tens === 7) return ['num-60', ...(v === 71 ? ['num-and'] : []), ...below100(v - 60, beforeMille)];
    if (tens >= 8) return v === 80 ? [beforeMille ? 'num-80' : 'num-80s'] : ['num-80', ...below100(v - 80, beforeMille)];
    return [unit(tens * 10), ...(u === 1 ? ['num-and'] : []), ...(u ? [unit(u)] : [])];
  };
  const below1000 = (v: number, beforeMille: boolean): string[] => {
    const h = Math.floor(v / 100);
    const r = v % 100;
    const hundreds = h === 0 ? [] : h === 1 ? ['num-hundred'] : [unit(h), r === 0 && !beforeMille ? 'num-hundreds' : 'num-hundred'];
    return [...hundreds, ...(r ? below100(r, beforeMille) : [])];
  };
  const out: string[] = [];
  for (const [size, one, many] of [[1e9, 'num-billion', 'num-billions'], [1e6, 'num-million', 'num-millions']] as const) {
    const g = Math.floor(n / size) % 1000;
    if (g) out.push(...below1000(g, false), g === 1 ? one : many);
  }
  const t = Math.floor(n / 1e3) % 1000;
  if (t) out.push(...(t === 1 ? [] : below1000(t, true)), 'num-thousand');
  if (n % 1000) out.push(...below1000(n % 1000, false));
  return out;
}

/** The grammar numbers of `lang` are put together with: its own, or the one its catalogue names. */
export function numberGrammar(lang: string): NumberGrammar {
  if (lang === 'sw') return 'swahili';
  if (lang === 'fr') return 'french';
  return languagePack(lang)?.voice.numbers.grammar ?? 'english';
}

const GRAMMARS: Record<NumberGrammar, (n: number) => string[]> = { english: englishNumber, swahili: swahiliNumber, french: frenchNumber };

/** The number words of a language, in its grammar (English for a language with neither). */
export function numberClips(n: number, lang: string): string[] {
  return GRAMMARS[numberGrammar(lang)](n);
}

/** Every word clip a grammar speaks numbers with: what an added language must give a text for. */
export function grammarWordKeys(grammar: NumberGrammar): string[] {
  const keys = new Set<string>(['num-point']);
  // Every number up to a thousand, and one of each scale, uses every word a grammar has.
  for (let n = 0; n <= 1000; n++) for (const k of GRAMMARS[grammar](n)) keys.add(k);
  for (const n of [1e6, 2e6, 1e9, 2e9, 80_000, 200_000, 1_001_000, 100_000, 180_000]) for (const k of GRAMMARS[grammar](n)) keys.add(k);
  return [...keys].sort();
}

/** What is wrong with an added language's number words: words its grammar needs and lacks, or words it never says. */
export function numberWordProblems(words: Record<string, string>, grammar: NumberGrammar): string[] {
  const want = grammarWordKeys(grammar);
  const missing = want.filter((k) => !Object.hasOwn(words, k)).map((k) => `voice.numbers.words.${k}: missing (the ${grammar} grammar says it)`);
  const unknown = Object.keys(words).filter((k) => !want.includes(k)).map((k) => `voice.numbers.words.${k}: unknown key (the ${grammar} grammar uses: ${want.join(', ')})`);
  return [...missing, ...unknown];
}
