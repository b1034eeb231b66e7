// bench:pabulib's stand-in for the corpus files the snapshot leaves out (bench/pabulib-scale.ts):
// a file grown n times must read, hold n times the voters, and count to the same selection,
// or the figures it gives say nothing about the real large files.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scalePb } from '../bench/pabulib-scale.ts';
import { parsePb, pbInstance } from '../tally/pabulib.ts';
import { count, type RuleName } from '../tally/rules.ts';

const FIXTURES = ['Poland_Krakow_2022_Nowa_Huta.pb', 'Poland_Wroclaw_2016_Rejon_nr_10_750.pb', 'Poland_Warszawa_2017_Wawrzyszew.pb'];
const RULES: RuleName[] = ['greedy', 'equalshares', 'equalshares/add1'];

describe('bench:pabulib scaled copies', () => {
  for (const name of FIXTURES) {
    it(`${name} × 3 has three times the voters and counts to the same projects`, () => {
      const text = readFileSync(new URL(`fixtures/pabulib/${name}`, import.meta.url), 'utf8');
      const original = pbInstance(parsePb(text));
      const scaled = pbInstance(parsePb(scalePb(text, 3)));
      expect(scaled.instance.profile.voters).toBe(3 * original.instance.profile.voters);
      expect(scaled.warnings ?? []).toEqual(original.warnings ?? []);
      for (const rule of RULES) {
        const ids = (pb: typeof original) => count(pb.instance, rule, { threshold: pb.threshold }).selected.map((p) => pb.instance.projects[p]!.id);
        expect(ids(scaled), rule).toEqual(ids(original));
      }
    });
  }
});
