// Every catalogue has every key (the compiler checks that too) with the same {placeholders} as
// English: a translation that drops or misspells one would show "{points}" to a resident.
import { describe, expect, it } from 'vitest';
import { en } from './en.ts';
import { fr } from './fr.ts';
import { sw } from './sw.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('message catalogues', () => {
  for (const [lang, catalogue] of Object.entries({ sw, fr })) {
    it(`${lang} has every key of en with the same placeholders`, () => {
      expect(Object.keys(catalogue).sort()).toEqual(Object.keys(en).sort());
      for (const [key, text] of Object.entries(en)) {
        expect(placeholders(catalogue[key as keyof typeof en]), `${lang}.${key}`).toEqual(placeholders(text));
      }
    });
  }
});
