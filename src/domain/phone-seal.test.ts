// The seal that keeps numbers and keypresses as ciphertext on disk: it round-trips, never shows
// the plaintext, and refuses anything altered or sealed under another secret.
import { describe, expect, it } from 'vitest';
import { SautiError } from './errors.ts';
import { isSealed, phoneSeal } from './phone-seal.ts';

const SECRET = 'seal-test-secret-0123456789';
const NUMBER = '+254711000001';

describe('phone seal', () => {
  const seal = phoneSeal(SECRET);

  it('round-trips, with a fresh IV each time and no trace of the number', () => {
    const a = seal.seal(NUMBER);
    const b = seal.seal(NUMBER);
    expect(a).not.toBe(b);
    expect(isSealed(a)).toBe(true);
    for (const form of [NUMBER, '254711000001', '0711000001', '711000001']) expect(a).not.toContain(form);
    expect(seal.open(a)).toBe(NUMBER);
    expect(seal.open(b)).toBe(NUMBER);
    // Any string: keypresses, an empty first hop, non-Latin text.
    for (const text of ['', '1*1*1*3*99*1', 'Maji safi – soko']) expect(seal.open(seal.seal(text))).toBe(text);
  });

  it('detects tampering: any changed character is refused, never opened to something else', () => {
    const sealed = seal.seal(NUMBER);
    const body = sealed.slice(3);
    let refused = 0;
    for (let i = 0; i < body.length; i++) {
      const flipped = body[i] === 'A' ? 'B' : 'A';
      const altered = `s1:${body.slice(0, i)}${flipped}${body.slice(i + 1)}`;
      if (altered === sealed) continue;
      // The last character's low bits may be padding base64url ignores: then it decodes the same.
      let opened: string | undefined;
      try {
        opened = seal.open(altered);
      } catch (err) {
        expect(err).toBeInstanceOf(SautiError);
        expect((err as SautiError).code).toBe('seal.invalid');
        refused++;
        continue;
      }
      expect(opened).toBe(NUMBER);
    }
    expect(refused).toBeGreaterThanOrEqual(body.length - 1);
    expect(() => seal.open(sealed.slice(0, -4))).toThrow(/could not be opened/);
    expect(() => seal.open('s1:')).toThrow(/could not be opened/);
  });

  it('refuses a value sealed under another secret, and plaintext', () => {
    const other = phoneSeal('another-secret-0123456789');
    expect(() => other.open(seal.seal(NUMBER))).toThrow(/sealed with another SAUTI_VOTER_KEY_SECRET/);
    expect(() => seal.open(NUMBER)).toThrow(/could not be opened/);
    // The error never carries the value.
    try {
      seal.open(NUMBER);
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('711000001');
    }
  });

  it('digests deterministically, per key, without the text', () => {
    expect(seal.digest('1*1*3')).toBe(phoneSeal(SECRET).digest('1*1*3'));
    expect(seal.digest('1*1*3')).not.toBe(seal.digest('1*1*4'));
    expect(phoneSeal('another-secret-0123456789').digest('1*1*3')).not.toBe(seal.digest('1*1*3'));
    expect(seal.digest(NUMBER)).not.toContain('711000001');
  });
});
