// Common words of each shipped language, to tell which language a message that matches no
// keyword is written in, and so that an ordinary word ("hello", "votre") is never taken for a
// mistyped keyword. Normalised as the grammar normalises (upper case, no diacritics or
// apostrophes). Words two languages share ("on", "la", "tu", "dont") are left out: they tell nothing.
import type { BuiltInLang, Lang } from '../../src/config/schema.ts';
import { installedPacks, packsGeneration } from '../../src/i18n/languages.ts';

const WORDS: Record<BuiltInLang, string> = {
  en: `HELLO HALLO HI HEY THE IS ARE WAS WHAT WHATS HOW WHY WHO WHEN WHERE WHICH IM YOU YOUR MY WE OUR
    IT ITS THIS THAT THESE THOSE PLEASE PLS THANKS THANK YES NOT CANT WANT NEED KNOW CAN COULD WOULD
    DO DOES DID HAVE HAS GET GOT TO OF AND FOR WITH IN AT FROM ABOUT GOOD MORNING AFTERNOON EVENING
    SORRY UNDERSTAND THERE HERE NOW TODAY WILL MONEY WATER ROAD SCHOOL INTO SOME ANY DEAR SIR MADAM`,
  sw: `HABARI JAMBO HUJAMBO SIJAMBO MAMBO POA SASA SHIKAMOO ASANTE SANA TAFADHALI NDIYO NDIO HAPANA
    SAWA KARIBU SAMAHANI MIMI WEWE YEYE SISI NINYI WAO YANGU YAKO YAKE YETU NA NI YA WA KWA ZA CHA VYA
    HII HIYO HILI HUYU HAPA PALE NINI GANI VIPI KWANINI LINI WAPI NANI NATAKA NAOMBA NAWEZA SIWEZI
    SIJUI SIELEWI NISAIDIE PESA MAJI SHULE BARABARA LEO KESHO JANA KUHUSU BADO TENA PIA LAKINI KAMA
    UJUMBE HUU WANGU NDUGU MZEE`,
  fr: `BONJOUR BONSOIR SALUT MERCI OUI NON JE JAI IL ELLE NOUS VOUS ILS LE LES UN UNE DES DU DE AU AUX
    EST CEST ET OU POUR AVEC SANS PAS NE NEST QUE QUI QUOI COMMENT POURQUOI QUAND CE CETTE CES MON MES
    TON VOTRE VOS NOTRE NOS DANS PAR VEUX VOUDRAIS PEUX FAIRE SAIS COMPRIS COMPRENDS SVP SIL PLAIT
    BIEN TRES AUSSI MAIS DONC QUEL QUELLE EAU ROUTE ECOLE ARGENT AIDEZ MOI TOI ENCORE MONSIEUR MADAME`,
};

const BUILT_IN = new Map<Lang, Set<string>>(Object.entries(WORDS).map(([lang, words]) => [lang, new Set(words.split(/\s+/))]));
let common: { generation: number; sets: Map<Lang, Set<string>> } | undefined;

/** The common words of every language, those of the languages a deployment added included. */
function commonWords(): Map<Lang, Set<string>> {
  if (common?.generation !== packsGeneration()) {
    const sets = new Map(BUILT_IN);
    for (const p of installedPacks()) sets.set(p.code, new Set(p.commonWords));
    common = { generation: packsGeneration(), sets };
  }
  return common.sets;
}

/** Whether a normalised word is a common word of any language (so never a mistyped keyword). */
export function isCommonWord(word: string): boolean {
  return [...commonWords().values()].some((set) => set.has(word));
}

/**
 * The language most of a text's (normalised) words belong to; undefined when none is found or two
 * languages tie (nothing can be told).
 */
export function guessLanguage(words: readonly string[]): Lang | undefined {
  const hits = [...commonWords()].map(([lang, set]) => ({ lang, n: words.filter((w) => set.has(w)).length })).sort((a, b) => b.n - a.n);
  const [best, next] = hits;
  if (!best || best.n === 0 || (next && next.n === best.n)) return undefined;
  return best.lang;
}
