// Phone numbers inside free text: found in every form a resident writes them, nothing else taken.
import { describe, expect, it } from 'vitest';
import { PHONE_PLACEHOLDER as P, redactPhoneNumbers } from './redact.ts';

describe('redactPhoneNumbers', () => {
  it.each([
    ['national', 'call me on 0798765435 please', `call me on ${P} please`],
    ['international', 'or +254798765435.', `or ${P}.`],
    ['spaced', 'ring 0798 765 435 after 6', `ring ${P} after 6`],
    ['spaced international', 'ring +254 798 765 435', `ring ${P}`],
    ['dashed', 'sms 0711-000-001', `sms ${P}`],
    ['two in one idea', 'call me on 0798765435 or +254798765435', `call me on ${P} or ${P}`],
    ['another country, written with its code', 'my cousin +255 754 123 456', `my cousin ${P}`],
    ['in brackets and dots', 'office (0711) 000.001', `office ${P}`],
    ['beside a receipt', 'Receipt 6SVM9-YKFFN, call 0798765435', `Receipt 6SVM9-YKFFN, call ${P}`],
  ])('replaces a number written %s', (_form, text, expected) => {
    expect(redactPhoneNumbers(text, 'KE')).toBe(expected);
  });

  it.each([
    ['an amount', 'the borehole costs 250000 KES'],
    ['a year and a count', 'built in 2026 with 3 pumps'],
    ['a plot number', 'on plot 12345678 by the market'],
    ['no digits at all', 'fix the borehole at Kiboko market'],
    ['a receipt and short numbers', 'Your vote: 1 Borehole, 3 Lights. Receipt 6SVM9-YKFFN. KES 3,800,000'],
  ])('leaves %s alone', (_what, text) => {
    expect(redactPhoneNumbers(text, 'KE')).toBe(text);
  });
});
