// Budgets by formula: shares by population and need, in whole units, summing exactly to the total
// by largest remainder (ties in ward order), and the inputs it refuses, each naming its field.
import { describe, expect, it } from 'vitest';
import { budgetsByFormula, FormulaError, type FormulaWard } from './ward-formula.ts';

const wards: FormulaWard[] = [
  { id: 'a', population: 1000, need: 1 },
  { id: 'b', population: 2000, need: 1 },
  { id: 'c', population: 3000, need: 2 },
];
const budgets = (ws: FormulaWard[], total: number, population: number, need: number) =>
  budgetsByFormula(ws, { total, weights: { population, need } }).budgets.map((b) => b.budget);

describe('budgetsByFormula', () => {
  it('shares by population alone in proportion, exactly when it divides', () => {
    expect(budgets(wards, 600, 1, 0)).toEqual([100, 200, 300]);
  });

  it('mixes population and need by their weights (relative: 0.5/0.5 is 1/1)', () => {
    // Population shares 1/6, 2/6, 3/6; need shares 1/4, 1/4, 2/4; half each → 5/24, 7/24, 12/24.
    expect(budgets(wards, 2400, 0.5, 0.5)).toEqual([500, 700, 1200]);
    expect(budgets(wards, 2400, 1, 1)).toEqual([500, 700, 1200]);
    expect(budgets(wards, 2400, 50, 50)).toEqual([500, 700, 1200]);
  });

  it('rounds by largest remainder so the parts sum exactly to the total', () => {
    // Thirds of 100: 33.33 each; the one unit left goes to the first in ward order (a tie).
    const equal = wards.map((w) => ({ ...w, population: 10 }));
    expect(budgets(equal, 100, 1, 0)).toEqual([34, 33, 33]);
    // 1000 by 1:2:3 → 166.67, 333.33, 500: the unit goes to the largest remainder (a's .67), not to a tie or the order.
    expect(budgets(wards, 1000, 1, 0)).toEqual([167, 333, 500]);
    // 7 shared 1:1:1:1:3 → 1, 1, 1, 1, 3 exactly; 8 → one unit left, to the largest remainder (e's 3.43).
    const five = ['p', 'q', 'r', 's', 't'].map((id, i) => ({ id, population: i === 4 ? 3 : 1 }));
    expect(budgets(five, 7, 1, 0)).toEqual([1, 1, 1, 1, 3]);
    expect(budgets(five, 8, 1, 0)).toEqual([1, 1, 1, 1, 4]);
  });

  it('sums exactly for many awkward totals and weights', () => {
    const many: FormulaWard[] = Array.from({ length: 23 }, (_, i) => ({ id: `w${i}`, population: 997 + i * 7919, need: (i % 5) + 0.3333 }));
    for (const total of [10_000_000, 9_999_999, 123_456_789, 1_000_000_007]) {
      for (const [p, n] of [
        [1, 0],
        [0, 1],
        [0.7, 0.3],
        [0.3333, 0.6667],
      ] as const) {
        const out = budgets(many, total, p, n);
        expect(out.reduce((a, b) => a + b, 0)).toBe(total);
        // Each within one unit of its exact share.
        const sumPop = many.reduce((a, w) => a + w.population!, 0);
        const sumNeed = many.reduce((a, w) => a + w.need!, 0);
        many.forEach((w, i) => {
          const exact = (total * (p * (w.population! / sumPop) + n * (w.need! / sumNeed))) / (p + n);
          expect(Math.abs(out[i]! - exact)).toBeLessThan(1.000001);
        });
      }
    }
  });

  it('records the formula, the weights and every ward’s inputs', () => {
    const r = budgetsByFormula(wards, { total: 2400, weights: { population: 0.7, need: 0.3 } });
    expect(r.formula).toContain('0.7·population(w)/Σpopulation + 0.3·need(w)/Σneed');
    expect(r.formula).toContain('largest remainders');
    expect(r.inputs).toEqual([
      { wardId: 'a', population: 1000, need: 1 },
      { wardId: 'b', population: 2000, need: 1 },
      { wardId: 'c', population: 3000, need: 2 },
    ]);
    expect(r.weights).toEqual({ population: 0.7, need: 0.3 });
  });

  it('refuses what it cannot share, naming the field and the ward', () => {
    const refused = (ws: FormulaWard[], total: number, p: number, n: number) => {
      try {
        budgetsByFormula(ws, { total, weights: { population: p, need: n } });
      } catch (err) {
        expect(err).toBeInstanceOf(FormulaError);
        return (err as FormulaError).message;
      }
      throw new Error('not refused');
    };
    expect(refused(wards, 0, 1, 0)).toMatch(/^total:/);
    expect(refused(wards, 100, 0, 0)).toMatch(/^weight\.population: at least one/);
    expect(refused(wards, 100, -1, 1)).toMatch(/^weight\.population:/);
    expect(refused([{ id: 'a', population: 5 }, { id: 'b' }], 100, 1, 0)).toBe(
      'population: ward b has no population (set it, or give population the weight 0)',
    );
    expect(refused([{ id: 'a', population: 5 }], 100, 1, 1)).toMatch(/^need: ward a has no need index/);
    // Need weight 0: a missing need index is not read.
    expect(budgets([{ id: 'a', population: 5 }], 100, 1, 0)).toEqual([100]);
    // Every ward needs a budget above zero.
    expect(
      refused(
        [
          { id: 'a', population: 1_000_000 },
          { id: 'b', population: 1 },
        ],
        10,
        1,
        0,
      ),
    ).toMatch(/^total: ward b would get nothing/);
    expect(
      refused(
        [
          { id: 'a', need: 0 },
          { id: 'b', need: 0 },
        ],
        10,
        0,
        1,
      ),
    ).toMatch(/^need: every ward/);
  });
});
