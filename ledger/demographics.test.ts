// Small-cell suppression and the ledger's check of demographic values: pure, as tables.
import { describe, expect, it } from 'vitest';
import { demographicColumns, suppressSmallCells } from './demographics.ts';

const cells = (...ns: number[]) => ns.map((n, i) => ({ value: i === ns.length - 1 ? null : `v${i}`, n }));
const shown = (...ns: number[]) => suppressSmallCells(cells(...ns), 5).map((c) => c.ballots);

describe('suppressSmallCells (minCell 5)', () => {
  const table: [string, number[], (number | null)[]][] = [
    ['nothing small: all shown, zeros too', [12, 7, 0, 5], [12, 7, 0, 5]],
    ['two small groups: both hidden, neither can be worked out alone', [12, 3, 1, 9], [12, null, null, 9]],
    ['one small group: the smallest other is hidden too, or total − shown gives it away', [12, 3, 8, 9], [12, null, null, 9]],
    ['one small group and an empty one: the empty one is hidden with it', [12, 0, 4, 9], [12, null, null, 9]],
    ['ties for the second group: the first listed', [6, 2, 6, 6], [null, null, 6, 6]],
    ['everybody in one small group: hidden with an empty one', [0, 3, 0, 0], [null, null, 0, 0]],
    ['4 is small, 5 is not', [4, 5, 4, 0], [null, 5, null, 0]],
  ];
  it.each(table)('%s', (_name, counts, expected) => {
    expect(shown(...counts)).toEqual(expected);
  });

  it('no hidden group can be worked out from the total and the groups shown', () => {
    // Exhaustive over small breakdowns: where exactly one group is hidden, subtraction would reveal it.
    for (let a = 0; a < 8; a++)
      for (let b = 0; b < 8; b++)
        for (let c = 0; c < 8; c++) {
          const out = suppressSmallCells(cells(a, b, c), 5);
          const hidden = out.filter((x) => x.ballots === null).length;
          expect(hidden === 0 || hidden >= 2, `${a},${b},${c}`).toBe(true);
          expect(out.every((x, i) => x.ballots === null || x.ballots === [a, b, c][i]!)).toBe(true);
          expect(out.every((x, i) => x.ballots !== null || [a, b, c][i]! < 5 || hidden >= 2)).toBe(true);
        }
  });

  it('keeps the values and their order', () => {
    expect(
      suppressSmallCells(
        [
          { value: '18-24', n: 9 },
          { value: null, n: 6 },
        ],
        5,
      ),
    ).toEqual([
      { value: '18-24', ballots: 9 },
      { value: null, ballots: 6 },
    ]);
  });
});

describe('demographic values at the ledger', () => {
  const d = { demographics: { ageBands: ['18-24', '25-34'], genders: ['female', 'male'], minCell: 5 } };
  it('keeps listed values and drops anything else to null, never refusing', () => {
    expect(demographicColumns(d, { ageBand: '18-24', gender: 'male' })).toEqual({ age_band: '18-24', gender: 'male' });
    expect(demographicColumns(d, { ageBand: '18–24', gender: 'Male' })).toEqual({ age_band: null, gender: null });
    expect(demographicColumns(d, {})).toEqual({ age_band: null, gender: null });
    expect(demographicColumns({}, { ageBand: '18-24', gender: 'male' })).toEqual({ age_band: null, gender: null });
  });
});
