// Numbers, amounts and receipts in words, per language. Every expected line was written by hand
// from the grammar of the language, not copied from the output.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clipTexts } from './catalogue.ts';
import { clipUrl, composeClips } from './compose.ts';
import type { PromptPart } from '../prompt-part.ts';

/** The clips of `parts` as the words they say; fails on a key with no text (a clip render could never make). */
function spoken(parts: PromptPart[], lang: string, currency = 'KES'): string {
  const texts = clipTexts(lang, currency);
  return composeClips(parts, lang)
    .map((k) => {
      const t = texts[k];
      if (t === undefined) throw new Error(`no text for clip ${k} in ${lang}`);
      return t;
    })
    .join(' ');
}

describe('numbers in English', () => {
  it.each([
    [0, 'zero'],
    [7, 'seven'],
    [13, 'thirteen'],
    [21, 'twenty one'],
    [40, 'forty'],
    [100, 'one hundred'],
    [105, 'one hundred and five'],
    [999, 'nine hundred and ninety nine'],
    [1000, 'one thousand'],
    [1005, 'one thousand and five'],
    [3800, 'three thousand eight hundred'],
    [12_345, 'twelve thousand three hundred and forty five'],
    [850_000, 'eight hundred and fifty thousand'],
    [2_000_050, 'two million and fifty'],
    [1_000_100, 'one million one hundred'],
    [3_000_000_000, 'three billion'],
  ])('%i → %s', (n, words) => expect(spoken([{ number: n }], 'en')).toBe(words));
});

describe('numbers in Kiswahili', () => {
  it.each([
    [0, 'sifuri'],
    [7, 'saba'],
    [10, 'kumi'],
    [11, 'kumi na moja'],
    [21, 'ishirini na moja'],
    [40, 'arobaini'],
    [100, 'mia moja'],
    [105, 'mia moja na tano'],
    [150, 'mia moja na hamsini'],
    [999, 'mia tisa tisini na tisa'],
    [1000, 'elfu moja'],
    [1234, 'elfu moja mia mbili thelathini na nne'],
    [1500, 'elfu moja na mia tano'],
    [15_000, 'elfu kumi na tano'],
    [100_000, 'laki moja'],
    [850_000, 'laki nane na elfu hamsini'],
    [1_000_000, 'milioni moja'],
    [3_800_000, 'milioni tatu na laki nane'],
    [2_000_000_000, 'bilioni mbili'],
  ])('%i → %s', (n, words) => expect(spoken([{ number: n }], 'sw')).toBe(words));
});

describe('numbers in French', () => {
  it.each([
    [0, 'zéro'],
    [1, 'un'],
    [16, 'seize'],
    [17, 'dix sept'],
    [21, 'vingt et un'],
    [22, 'vingt deux'],
    [61, 'soixante et un'],
    [70, 'soixante dix'],
    [71, 'soixante et onze'],
    [77, 'soixante dix sept'],
    [80, 'quatre-vingts'],
    [81, 'quatre-vingt un'],
    [91, 'quatre-vingt onze'],
    [99, 'quatre-vingt dix neuf'],
    [100, 'cent'],
    [200, 'deux cents'],
    [201, 'deux cent un'],
    [280, 'deux cent quatre-vingts'],
    [1000, 'mille'],
    [2000, 'deux mille'],
    [4500, 'quatre mille cinq cents'],
    [80_000, 'quatre-vingt mille'],
    [200_000, 'deux cent mille'],
    [1_000_000, 'un million'],
    [21_000_000, 'vingt et un millions'],
    [200_000_000, 'deux cents millions'],
    [1_080_000, 'un million quatre-vingt mille'],
    [2_000_000_000, 'deux milliards'],
  ])('%i → %s', (n, words) => expect(spoken([{ number: n }], 'fr')).toBe(words));
});

describe('amounts as USSD shows them', () => {
  it.each([
    // [amount, English, Kiswahili, French]
    [3_800_000, 'three point eight million shillings', 'shilingi milioni tatu nukta nane', 'trois virgule huit millions de shillings'],
    [1_200_000, 'one point two million shillings', 'shilingi milioni moja nukta mbili', 'un virgule deux million de shillings'],
    [1_000_000, 'one million shillings', 'shilingi milioni moja', 'un million de shillings'],
    [150_000_000, 'one hundred and fifty million shillings', 'shilingi milioni mia moja na hamsini', 'cent cinquante millions de shillings'],
    [2_500_000_000, 'two point five billion shillings', 'shilingi bilioni mbili nukta tano', 'deux virgule cinq milliards de shillings'],
    // 850K on the screen: said in full.
    [850_000, 'eight hundred and fifty thousand shillings', 'shilingi laki nane na elfu hamsini', 'huit cent cinquante mille shillings'],
    // 12.3K on the screen (12,345 rounded as USSD rounds it).
    [12_345, 'twelve thousand three hundred shillings', 'shilingi elfu kumi na mbili na mia tatu', 'douze mille trois cents shillings'],
    // Exact below 10,000.
    [4500, 'four thousand five hundred shillings', 'shilingi elfu nne na mia tano', 'quatre mille cinq cents shillings'],
  ])('%i', (amount, en, sw, fr) => {
    expect(spoken([{ money: amount }], 'en')).toBe(en);
    expect(spoken([{ money: amount }], 'sw')).toBe(sw);
    expect(spoken([{ money: amount }], 'fr')).toBe(fr);
  });

  it('names the deployment currency, with d’ before a vowel in French, and spells an unknown code', () => {
    expect(spoken([{ money: 2_000_000 }], 'fr', 'EUR')).toBe("deux millions d'euros");
    expect(spoken([{ money: 500 }], 'sw', 'USD')).toBe('dola mia tano');
    expect(spoken([{ money: 500 }], 'en', 'XYZ')).toBe('five hundred X Y Z');
  });
});

describe('a whole prompt', () => {
  it('"project seven, water tank, three point eight million shillings" needs only clips', () => {
    const parts: PromptPart[] = [{ clip: 'project' }, { number: 7 }, { clip: 'project-title' }, { money: 3_800_000 }];
    expect(composeClips(parts, 'en')).toEqual(['project', 'num-7', 'project-title', 'num-3', 'num-point', 'num-8', 'num-million', 'money-currency']);
  });
});

describe('receipt characters', () => {
  it.each([
    ['en', '6SVM9-YKFFN', 'six S V M nine Y K F F N'],
    ['sw', 'P3HTS-QEME4', 'P tatu H T S Q E M E nne'],
    ['fr', 'a0b1z', 'A zéro B un Z'],
  ])('%s %s', (lang, code, words) => expect(spoken([{ chars: code }], lang)).toBe(words));

  it('reads I and L as one and O as zero, as Crockford base32 decodes them, and skips what is not in the alphabet', () => {
    expect(spoken([{ chars: 'iLo U-?' }], 'en')).toBe('one one zero');
  });
});

describe('dates', () => {
  it.each([
    ['en', '2027-03-31', 'thirty one March two thousand and twenty seven'],
    ['sw', '2026-12-01', 'moja Desemba elfu mbili ishirini na sita'],
    ['fr', '2019-05-01', 'un mai deux mille dix neuf'],
  ])('%s %s → %s', (lang, day, words) => expect(spoken([{ date: day }], lang)).toBe(words));

  it('refuses what is not a calendar day', () => {
    expect(() => composeClips([{ date: '31/03/2027' }], 'en')).toThrow(RangeError);
    expect(() => composeClips([{ date: '2027-13-01' }], 'en')).toThrow(/2027-13-01/);
  });
});

describe('clip URLs', () => {
  it('join the public URL and encode the path segments', () => {
    expect(clipUrl('https://pb.example.org/', 'sw', 'num-7')).toBe('https://pb.example.org/prompts/sw/num-7.wav');
    expect(clipUrl('https://pb.example.org', 'en', '../x y')).toBe('https://pb.example.org/prompts/en/..%2Fx%20y.wav');
  });
});

describe('numbers out of range', () => {
  it('throws a RangeError naming the number', () => {
    expect(() => composeClips([{ number: -1 }], 'en')).toThrow(RangeError);
    expect(() => composeClips([{ number: 1.5 }], 'fr')).toThrow(/1\.5/);
  });
});

describe('every clip a number, amount or code can need has a text to render', () => {
  it.each(['en', 'sw', 'fr'])('%s', (lang) => {
    const texts = clipTexts(lang, 'KES');
    const missing = (parts: PromptPart[]) => composeClips(parts, lang).filter((k) => texts[k] === undefined);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999_999 }), fc.integer({ min: 1, max: 999_999_999_999 }), fc.stringMatching(/^[0-9A-Z-]{0,12}$/), (n, amount, code) => {
        expect([...missing([{ number: n }]), ...missing([{ money: amount }]), ...missing([{ chars: code }])]).toEqual([]);
      }),
      { numRuns: 2000 },
    );
    // Every number below 1,000 and every round amount shape, exhaustively.
    for (let n = 0; n < 1000; n++) expect(missing([{ number: n }, { number: n * 1000 }, { money: n * 1_000_000 + 1 }])).toEqual([]);
    // Every month of a date.
    for (let m = 1; m <= 12; m++) expect(missing([{ date: `2027-${String(m).padStart(2, '0')}-31` }])).toEqual([]);
  });
});
