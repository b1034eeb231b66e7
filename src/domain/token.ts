// Secret tokens in callback URLs (providers that sign nothing) and bearer headers: compared in constant time.
import { hash, timingSafeEqual } from 'node:crypto';

// One-shot: every provider callback is checked, and a Hash object each time cost about as much again.
const digest = (s: string) => hash('sha256', s, 'buffer');

/** A constant-time matcher for one expected token (hashing first makes the lengths equal). */
export function tokenMatcher(expected: string): (given: string | undefined) => boolean {
  const want = digest(expected);
  return (given) => typeof given === 'string' && timingSafeEqual(digest(given), want);
}
