// Phone numbers (and the keypresses of a USSD session) are sealed before they are stored, so only
// ciphertext ever reaches the disk: the database file, its WAL, a backup or a disk image taken
// while a reply is still due. AES-256-GCM under a key derived from the deployment secret with
// HKDF and a label of its own, so the key that seals is never the key that pseudonymises.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import { randomPool } from './codes.ts';
import { SautiError } from './errors.ts';

/** Sealed values start with this; anything else is plaintext written before sealing existed. */
export const SEALED_PREFIX = 's1:';

const LABEL = 'sauti/phone-seal/v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Seals and opens short strings (numbers, keypresses) with one deployment's key. */
export interface Seal {
  /** The sealed form of `plain`: a fresh IV each time, so equal inputs never look equal on disk. */
  seal(plain: string): string;
  /** The plaintext of a sealed value; throws `seal.invalid` if it was altered or sealed under another key. */
  open(sealed: string): string;
  /** A keyed, deterministic digest (for uniqueness keys that must not carry the text itself). */
  digest(plain: string): string;
}

/** Whether a stored value is sealed (as opposed to plaintext left by an older Sauti). */
export const isSealed = (stored: string): boolean => stored.startsWith(SEALED_PREFIX);

/** The seal of a deployment, from its voter-key secret (SAUTI_VOTER_KEY_SECRET). */
export function phoneSeal(secret: string): Seal {
  const key = Buffer.from(hkdfSync('sha256', secret, 'sauti', LABEL, 32));
  const digestKey = Buffer.from(hkdfSync('sha256', secret, 'sauti', `${LABEL}/digest`, 32));
  // IVs from a pool of CSPRNG bytes: every USSD hop seals twice, and one 4 KiB draw serves 340
  // IVs where a draw each cost a few per cent of a hop (bench:ussd profile).
  const random = randomPool();
  return {
    seal(plain) {
      const iv = random(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return SEALED_PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
    },
    open(sealed) {
      const raw = isSealed(sealed) ? Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64url') : Buffer.alloc(0);
      if (raw.length < IV_BYTES + TAG_BYTES) throw invalid();
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        throw invalid();
      }
    },
    digest(plain) {
      return createHmac('sha256', digestKey).update(plain).digest('base64url').slice(0, 22);
    },
  };
}

// Never the value itself in the message: it may be a number.
const invalid = () =>
  new SautiError('seal.invalid', 'a sealed value could not be opened: altered, or sealed with another SAUTI_VOTER_KEY_SECRET', { retryable: false });
