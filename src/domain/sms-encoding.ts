// SMS cost: which alphabet a text needs and how many segments it takes.
// One segment holds 160 GSM-7 characters, or 70 UCS-2 ones; a concatenated message loses 7
// (GSM-7) or 3 (UCS-2) characters per segment to the header.

const GSM_BASIC = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
// Characters of the GSM-7 extension table cost two (an escape and the character).
const GSM_EXTENDED = '^{}\\[~]|€\f';
const BASIC = new Set(GSM_BASIC);
const EXTENDED = new Set(GSM_EXTENDED);

/** Encoding and segment count of a text, as a carrier bills it. */
export interface SmsCost {
  encoding: 'GSM-7' | 'UCS-2';
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  segments: number;
}

/** How a carrier would encode and split `text`. */
export function smsCost(text: string): SmsCost {
  const sizes: number[] = [];
  for (const ch of text) {
    if (BASIC.has(ch)) sizes.push(1);
    else if (EXTENDED.has(ch)) sizes.push(2);
    else return ucs2(text);
  }
  return { encoding: 'GSM-7', units: sum(sizes), segments: segments(sizes, 160, 153) };
}

function ucs2(text: string): SmsCost {
  // UTF-16 code units: an emoji (a surrogate pair) takes two, and the pair is never split.
  const sizes = Array.from(text, (ch) => ch.length);
  return { encoding: 'UCS-2', units: text.length, segments: segments(sizes, 70, 67) };
}

/**
 * Segments a carrier sends for characters of these unit sizes. A character is never split
 * across two segments (an escape and its character, or the halves of a surrogate pair, travel
 * together), so a two-unit character at a boundary leaves one unit empty and can add a segment.
 */
function segments(sizes: number[], single: number, perPart: number): number {
  if (sum(sizes) <= single) return 1;
  let count = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > perPart) {
      count += 1;
      used = 0;
    }
    used += size;
  }
  return count;
}

function sum(sizes: number[]): number {
  return sizes.reduce((a, b) => a + b, 0);
}

// Typographic characters with a GSM-7 look-alike, so our own texts never fall into UCS-2
// (which would cut a segment from 160 to 70 characters and more than double the cost).
const LOOKALIKES: Record<string, string> = {
  '’': "'",
  '‘': "'",
  '“': '"',
  '”': '"',
  '«': '"',
  '»': '"',
  '–': '-',
  '—': '-',
  '…': '...',
  '\u00a0': ' ',
  '\u202f': ' ',
  ê: 'e',
  ë: 'e',
  â: 'a',
  î: 'i',
  ï: 'i',
  ô: 'o',
  û: 'u',
  ç: 'c',
  È: 'E',
  Ê: 'E',
  À: 'A',
  Â: 'A',
  Î: 'I',
  Ô: 'O',
  Û: 'U',
};

/** Replaces characters outside GSM-7 that have a plain look-alike (for Sauti's own texts). */
export function toGsmLookalikes(text: string): string {
  return text.replace(/[’‘“”«»–—…\u00a0\u202fêëâîïôûçÈÊÀÂÎÔÛ]/g, (ch) => LOOKALIKES[ch] ?? ch);
}
