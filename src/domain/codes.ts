// Short codes read aloud or typed on a keypad: Crockford base32 (no I, L, O, U).
import { randomBytes } from 'node:crypto';

/** The receipt alphabet: digits and the letters a caller cannot mishear as them. */
export const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Encodes random bytes as Crockford base32, `length` characters, grouped by 5 with dashes. */
export function shortCode(bytes: Uint8Array, length: number): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (out.length < length) throw new Error(`shortCode needs ${Math.ceil((length * 5) / 8)} bytes`);
  return groupsOfFive(out);
}

/** "ABCDEFGHJK" → "ABCDE-FGHJK" (every turn draws two codes, so no regex here). */
function groupsOfFive(s: string): string {
  let out = s.slice(0, 5);
  for (let i = 5; i < s.length; i += 5) out += `-${s.slice(i, i + 5)}`;
  return out;
}

/** Bytes needed for a code of `length` characters. */
export const bytesFor = (length: number): number => Math.ceil((length * 5) / 8);

/** Receipt codes: 10 characters (50 bits), so a million votes collide with odds below 1 in 2,000. */
export const RECEIPT_LENGTH = 10;
/** Proposal references: 8 characters after a "P-" prefix. */
export const REFERENCE_LENGTH = 8;

/** Cryptographic random bytes drawn 4 KiB at a time: every hop draws codes it rarely uses. */
export function randomPool(): (bytes: number) => Uint8Array {
  let pool = randomBytes(4096);
  let at = 0;
  return (n) => {
    if (at + n > pool.length) {
      pool = randomBytes(4096);
      at = 0;
    }
    at += n;
    return pool.subarray(at - n, at);
  };
}

/** A receipt and a proposal reference drawn for one request (used only if an effect needs one). */
export function freshCodes(random: (bytes: number) => Uint8Array): { receipt: string; reference: string } {
  return {
    receipt: shortCode(random(bytesFor(RECEIPT_LENGTH)), RECEIPT_LENGTH),
    reference: shortCode(random(bytesFor(REFERENCE_LENGTH)), REFERENCE_LENGTH),
  };
}

/** A code as residents see it, whatever spacing they typed: "p3htsqeme4" → "P3HTS-QEME4". */
export function displayCode(code: string): string {
  const bare = code.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return bare.match(/.{1,5}/g)?.join('-') ?? bare;
}
