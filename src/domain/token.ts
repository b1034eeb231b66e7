// Secret tokens in callback URLs (providers that sign nothing) and bearer headers: compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** A constant-time matcher for one expected token (hashing first makes the lengths equal). */
export function tokenMatcher(expected: string): (given: string | undefined) => boolean {
  const want = digest(expected);
  return (given) => typeof given === 'string' && timingSafeEqual(digest(given), want);
}
