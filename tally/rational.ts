// Exact fractions over BigInt: Equal Shares divides budgets among voters again and again, and
// floating point would let a cent of drift decide which project wins.

export interface Fraction {
  num: bigint;
  den: bigint;
}

/** Sign of a − b for non-negative fractions with positive denominators. */
export function compareFractions(a: Fraction, b: Fraction): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** The same fraction in lowest terms. */
export function reduce(f: Fraction): Fraction {
  const g = gcd(f.num, f.den);
  return g > 1n ? { num: f.num / g, den: f.den / g } : f;
}

/** A decimal rendering with `digits` places (rounded half up), for people, never for decisions. */
export function fractionToDecimal(f: Fraction, digits = 2): string {
  const scale = 10n ** BigInt(digits);
  const scaled = (f.num * scale * 2n + f.den) / (2n * f.den);
  const whole = scaled / scale;
  const frac = (scaled % scale).toString().padStart(digits, '0');
  return digits > 0 ? `${whole}.${frac}` : `${whole}`;
}
