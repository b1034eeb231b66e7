// The float estimate of an Equal Shares payment may only be trusted where it says so: whenever
// it gives a ρ, the exact ρ is within its error bound; whenever it says a project is
// unaffordable, it is; and on an exact tie it must admit it is unsure.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClassBudgets, ratioToFloat } from './class-budgets.ts';
import { estimatePayment, exactPayment, type ClassCounts } from './equal-shares-payment.ts';

/** Classes holding the given amounts (`num/den` currency units each) with `n` voters apiece. */
function wallets(classes: { num: number; n: number }[], den: bigint) {
  const voters = classes.reduce((s, c) => s + c.n, 0);
  const w = new ClassBudgets(voters, 0n);
  // The constructor's class 1 holds nothing; the denominator becomes voters·den, so num/den is exact.
  w.rescale(den);
  const counts: ClassCounts = classes.map(({ num, n }) => [w.add((BigInt(num) * w.denominator) / den), n]);
  return { w, counts, voters };
}

describe('estimatePayment', () => {
  it('is unsure when a class holds exactly ρ, and exact about who pays in full', () => {
    // 3 voters hold 1/3 each, A costs 1: everyone pays exactly what they hold.
    const { w, counts } = wallets([{ num: 1, n: 3 }], 3n);
    expect(estimatePayment(counts, w, 1, 3)).toBe('unsure');
    expect(exactPayment(counts, w, 1n * w.denominator, 3n)).not.toBeNull();
  });

  it('gives ρ when every class is clearly above or below it', () => {
    // 1 voter holds 1, 4 hold 10; cost 21: the poor one pays 1, the others 5 each.
    const { w, counts } = wallets(
      [
        { num: 1, n: 1 },
        { num: 10, n: 4 },
      ],
      1n,
    );
    const guess = estimatePayment(counts, w, 21, 5);
    expect(guess).not.toBe('unsure');
    expect(guess).not.toBe('unaffordable');
    const { rho, err } = guess as { rho: number; err: number };
    expect(Math.abs(rho - 5)).toBeLessThanOrEqual(err);
    expect(estimatePayment(counts, w, 42, 5)).toBe('unaffordable');
  });

  it('never contradicts the exact payment on random budgets', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ num: fc.integer({ min: 0, max: 50 }), n: fc.integer({ min: 1, max: 5 }) }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 300 }),
        (classes, den, cost) => {
          const { w, counts, voters } = wallets(classes, BigInt(den));
          const exact = exactPayment(counts, w, BigInt(cost) * w.denominator, BigInt(voters));
          const guess = estimatePayment(counts, w, cost, voters);
          if (guess === 'unsure') return;
          if (guess === 'unaffordable') {
            expect(exact).toBeNull();
            return;
          }
          expect(exact).not.toBeNull();
          const rho = Number(exact!.remaining) / Number(exact!.payers * w.denominator);
          expect(Math.abs(rho - guess.rho)).toBeLessThanOrEqual(guess.err + 1e-12);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('ratioToFloat', () => {
  it('keeps full precision however large the numbers and however far apart', () => {
    const big = 3n ** 700n; // about 1,110 bits: too large for a float on its own
    expect(ratioToFloat(big, big * 3n)).toBeCloseTo(1 / 3, 15);
    expect(ratioToFloat(big, big * 1_000_003n) * 1_000_003).toBeCloseTo(1, 14);
    expect(ratioToFloat(big * 7n + 1n, big)).toBeCloseTo(7, 14);
    expect(ratioToFloat(2n, 3n)).toBe(2 / 3);
  });
});
