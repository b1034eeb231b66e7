// The one CSV writer: formula-like text neutralised (OWASP's leading apostrophe), numbers untouched.
import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from './csv.ts';

describe('csvCell', () => {
  it.each([
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['=1+2', "'=1+2"],
    ['+254711000001', "'+254711000001"],
    ['-2+3', "'-2+3"],
    ['-5', "'-5"], // text that looks like a number is still text: it cannot turn into a formula
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['\tcmd', "'\tcmd"],
    ['\r=1', `"'\r=1"`],
    ['Kisima sokoni', 'Kisima sokoni'],
    ['a=b', 'a=b'],
    ['<5', '<5'],
    ['', ''],
    ['Otieno, James', '"Otieno, James"'],
  ])('writes the text %j as %s', (text, written) => {
    expect(csvCell(text)).toBe(written);
  });

  it('writes numbers as numbers, negative ones too', () => {
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(-0.25)).toBe('-0.25');
    expect(csvCell(4_500_000)).toBe('4500000');
  });

  it('joins rows with commas and lines with a final newline', () => {
    expect(
      toCsv([
        ['title', 'cost'],
        ['=1', -3],
        ['@x', 7],
      ]),
    ).toBe("title,cost\n'=1,-3\n'@x,7\n");
  });
});
