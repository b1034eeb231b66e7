// Runs that share voters' classes (tally/prefix-classes.ts) decide exactly as the implementation
// before them (kept in test/helpers/equal-shares-previous.ts): the same projects in the same
// order, the same payments, the same add1 budget — on real Pabulib files, quirky ones included,
// at several budgets, and on random profiles, tie-heavy and with many classes.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as previous from '../test/helpers/equal-shares-previous.ts';
import { equalShares, equalSharesAdd1 } from './equal-shares.ts';
import { parsePb, pbInstance } from './pabulib.ts';
import { PrefixClasses } from './prefix-classes.ts';
import { ProfileBuilder } from './profile.ts';
import { supportIndex, type SupportIndex } from './support-index.ts';

const FIXTURES = resolve(import.meta.dirname, '../test/fixtures/pabulib');
const files = [FIXTURES, join(FIXTURES, 'quirky')].flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.pb'))
    .map((f) => join(dir, f)),
);

function sameAdd1(index: SupportIndex, costs: number[], budget: number): void {
  expect(equalSharesAdd1(index, costs, budget)).toEqual(previous.equalSharesAdd1(index, costs, budget));
}

function sameRuns(index: SupportIndex, costs: number[], budgets: bigint[]): void {
  // One set of classes for all the runs, in the order given (not only rising, as in add1).
  const classes = new PrefixClasses(index);
  for (const b of budgets) expect(equalShares(index, costs, b, { classes })).toEqual(previous.equalShares(index, costs, b));
}

describe('Equal Shares with shared classes against the previous implementation', () => {
  it('has the real files to compare on', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  for (const file of files) {
    it(`${file.slice(FIXTURES.length + 1)}: add1 and plain runs decide the same at the file's budget and others`, () => {
      const { instance } = pbInstance(parsePb(readFileSync(file, 'utf8')));
      const index = supportIndex(instance.profile, instance.projects.length);
      const costs = instance.projects.map((p) => Math.floor(p.cost));
      for (const share of [1, 0.35, 1.6]) sameAdd1(index, costs, Math.floor(instance.budget * share));
      const B = BigInt(Math.floor(instance.budget));
      sameRuns(index, costs, [B, B * 2n, B / 3n, B + BigInt(instance.profile.voters), B * 5n, B]);
    });
  }

  const build = (ballots: number[][]) => {
    const builder = new ProfileBuilder('approval');
    ballots.forEach((b) => builder.add(b));
    return builder.build();
  };

  it('decides the same on small tie-heavy random profiles', () => {
    // Few voters, small costs and budgets: many exact ties in ρ, and payments landing exactly
    // on what a class holds (classes that hold nothing).
    const tieHeavy = fc.record({
      costs: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 8 }),
      budget: fc.integer({ min: 1, max: 60 }),
      ballots: fc.array(fc.uniqueArray(fc.nat(7), { maxLength: 5 }), { minLength: 1, maxLength: 24 }),
      budgets: fc.array(fc.integer({ min: 0, max: 90 }), { minLength: 1, maxLength: 8 }),
    });
    fc.assert(
      fc.property(tieHeavy, ({ costs, budget, ballots, budgets }) => {
        const index = supportIndex(build(ballots.map((b) => b.filter((p) => p < costs.length))), costs.length);
        sameAdd1(index, costs, budget);
        sameRuns(index, costs, budgets.map(BigInt));
      }),
      { numRuns: 400 },
    );
  });

  it('decides the same on larger random profiles, where voters split into many classes', () => {
    const larger = fc.record({
      costs: fc.array(fc.integer({ min: 50, max: 5000 }), { minLength: 4, maxLength: 14 }),
      share: fc.double({ min: 0.1, max: 1.2, noNaN: true }),
      ballots: fc.array(fc.uniqueArray(fc.nat(13), { minLength: 1, maxLength: 5 }), { minLength: 50, maxLength: 400 }),
      budgets: fc.array(fc.integer({ min: 0, max: 60000 }), { minLength: 1, maxLength: 5 }),
    });
    fc.assert(
      fc.property(larger, ({ costs, share, ballots, budgets }) => {
        const index = supportIndex(build(ballots.map((b) => b.filter((p) => p < costs.length))), costs.length);
        sameAdd1(index, costs, Math.max(1, Math.round(costs.reduce((a, b) => a + b, 0) * share)));
        sameRuns(index, costs, budgets.map(BigInt));
      }),
      { numRuns: 60 },
    );
  });
});
