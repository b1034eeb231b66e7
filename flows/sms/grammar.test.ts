// The SMS grammar: keywords in every language, forgiving of case, punctuation and accents.
import { describe, expect, it } from 'vitest';
import { normalizeReference, parseSms } from './grammar.ts';
import { editDistance } from './typos.ts';

describe('SMS grammar', () => {
  it.each([
    ['VOTE 3 7 12', { kind: 'vote', codes: [3, 7, 12], bad: [], lang: 'en' }],
    ['vote 3,7,12', { kind: 'vote', codes: [3, 7, 12], bad: [], lang: 'en' }],
    ['Vote: P3 P7', { kind: 'vote', codes: [3, 7], bad: [], lang: 'en' }],
    ['VOTE 3 7.', { kind: 'vote', codes: [3, 7], bad: [], lang: 'en' }],
    ['VOTE -1', { kind: 'vote', codes: [], bad: ['-1'], lang: 'en' }],
    ['VOTE 1.5 2', { kind: 'vote', codes: [2], bad: ['1.5'], lang: 'en' }],
    ['VOTE 3; 7', { kind: 'vote', codes: [3, 7], bad: [], lang: 'en' }],
    ['  vOtE   3 ;  7. ', { kind: 'vote', codes: [3, 7], bad: [], lang: 'en' }],
    ['VOTE3,7', { kind: 'vote', codes: [3, 7], bad: [], lang: 'en' }],
    ['vote 3 3 7', { kind: 'vote', codes: [3, 3, 7], bad: [], lang: 'en' }],
    ['VOTE 3x2 7', { kind: 'vote', codes: [3, 3, 7], bad: [], lang: 'en' }],
    ['kura P3X3, 7x1', { kind: 'vote', codes: [3, 3, 3, 7], bad: [], lang: 'sw' }],
    ['VOTE 3x0 7', { kind: 'vote', codes: [7], bad: ['3x0'], lang: 'en' }],
    ['VOTE 3xx 7', { kind: 'vote', codes: [7], bad: ['3xx'], lang: 'en' }],
    ['VOTE #3 #7', { kind: 'vote', codes: [3, 7], bad: [], lang: 'en' }],
    ['KURA 3 7', { kind: 'vote', codes: [3, 7], bad: [], lang: 'sw' }],
    ['piga kura 3', { kind: 'vote', codes: [3], bad: [], lang: 'sw' }],
    ['VOTER 3, 7', { kind: 'vote', codes: [3, 7], bad: [], lang: 'fr' }],
    ['VOTE 3 seven', { kind: 'vote', codes: [3], bad: ['seven'], lang: 'en' }],
    ['VOTE', { kind: 'vote', codes: [], bad: [], lang: 'en' }],
    ['IDEA Kiboko fix the borehole', { kind: 'idea', text: 'Kiboko fix the borehole', lang: 'en' }],
    ['Idée: réparer le puits', { kind: 'idea', text: 'réparer le puits', lang: 'fr' }],
    ['IDEE réparer le puits', { kind: 'idea', text: 'réparer le puits', lang: 'fr' }],
    ['wazo kisima kipya', { kind: 'idea', text: 'kisima kipya', lang: 'sw' }],
    ['STATUS p-7k2mx-9qd', { kind: 'status', ref: 'P-7K2MX-9QD', lang: 'en' }],
    ['hali P7K2MX9QD', { kind: 'status', ref: 'P-7K2MX-9QD', lang: 'sw' }],
    ['Statut 7k2m x9qd', { kind: 'status', ref: 'P-7K2MX-9QD', lang: 'fr' }],
    ['RECEIPT', { kind: 'receipt', lang: 'en' }],
    ['risiti', { kind: 'receipt', lang: 'sw' }],
    ['Reçu', { kind: 'receipt', lang: 'fr' }],
    ['RESULTS', { kind: 'results', page: 1, lang: 'en' }],
    ['matokeo 2', { kind: 'results', page: 2, lang: 'sw' }],
    ['matokeo', { kind: 'results', page: 1, lang: 'sw' }],
    ['Résultats!', { kind: 'results', page: 1, lang: 'fr' }],
    ['HELP', { kind: 'help', lang: 'en' }],
    ['Msaada', { kind: 'help', lang: 'sw' }],
    ['aide', { kind: 'help', lang: 'fr' }],
    ['LANG sw', { kind: 'lang', code: 'SW', lang: 'en' }],
    ['lugha Kiswahili', { kind: 'lang', code: 'KISWAHILI', lang: 'sw' }],
    ['langue français', { kind: 'lang', code: 'FRANCAIS', lang: 'fr' }],
    ['STOP', { kind: 'stop', lang: 'en' }],
    ['acha', { kind: 'stop', lang: 'sw' }],
    ['Arrêter', { kind: 'stop', lang: 'fr' }],
    ['start', { kind: 'start', lang: 'en' }],
    ['ANZA', { kind: 'start', lang: 'sw' }],
    ['3 7', { kind: 'numbers', codes: [3, 7] }],
    ['p3, p7', { kind: 'numbers', codes: [3, 7] }],
    ['3x2 7', { kind: 'numbers', codes: [3, 3, 7] }],
    ['hello there', { kind: 'text', text: 'hello there', lang: 'en' }],
    ['', { kind: 'text', text: '' }],
    ['💧💧', { kind: 'text', text: '💧💧' }],
  ])('%j', (body, expected) => {
    expect(parseSms(body)).toEqual(expected);
  });

  it.each([
    // Natural joiners mean what a comma means, in every language and after any keyword.
    ['Kura 1 na 3', { kind: 'vote', codes: [1, 3], bad: [], lang: 'sw' }],
    ['vote 1 and 3', { kind: 'vote', codes: [1, 3], bad: [], lang: 'en' }],
    ['voter 1 et 3', { kind: 'vote', codes: [1, 3], bad: [], lang: 'fr' }],
    ['VOTE 1&3', { kind: 'vote', codes: [1, 3], bad: [], lang: 'en' }],
    ['VOTE 1 & 3 and 7', { kind: 'vote', codes: [1, 3, 7], bad: [], lang: 'en' }],
    ['KURA 1, 3 na 7.', { kind: 'vote', codes: [1, 3, 7], bad: [], lang: 'sw' }],
    ['1&3', { kind: 'numbers', codes: [1, 3] }],
    ['1, 3', { kind: 'numbers', codes: [1, 3] }],
    ['1 & 3', { kind: 'numbers', codes: [1, 3] }],
    ['1 na 3', { kind: 'numbers', codes: [1, 3] }],
    // A joiner never hides a sign or a decimal: the token is still named.
    ['VOTE -1 and 3', { kind: 'vote', codes: [3], bad: ['-1'], lang: 'en' }],
    ['KURA 2.5 na 3', { kind: 'vote', codes: [3], bad: ['2.5'], lang: 'sw' }],
    ['VOTE 1&-3', { kind: 'vote', codes: [1], bad: ['-3'], lang: 'en' }],
    // PROJECTS, a ward and a page; MORE.
    ['PROJECTS', { kind: 'projects', page: 1, ward: '', lang: 'en' }],
    ['projects 2', { kind: 'projects', page: 2, ward: '', lang: 'en' }],
    ['Ballot', { kind: 'projects', page: 1, ward: '', lang: 'en' }],
    ['MIRADI', { kind: 'projects', page: 1, ward: '', lang: 'sw' }],
    ['mradi Wadi ya Kusini 2', { kind: 'projects', page: 2, ward: 'Wadi ya Kusini', lang: 'sw' }],
    ['Projets: Quartier Sud', { kind: 'projects', page: 1, ward: 'Quartier Sud', lang: 'fr' }],
    ['MORE', { kind: 'more', lang: 'en' }],
    ['zaidi', { kind: 'more', lang: 'sw' }],
    ['Suite', { kind: 'more', lang: 'fr' }],
    // A keyword one slip away is a question, never the command.
    ['vot 1 2', { kind: 'typo', keyword: 'VOTE', rest: '1 2', lang: 'en' }],
    ['VOOT 1 2', { kind: 'typo', keyword: 'VOTE', rest: '1 2', lang: 'en' }],
    ['voted 3', { kind: 'typo', keyword: 'VOTE', rest: '3', lang: 'en' }],
    ['recipt ABC', { kind: 'typo', keyword: 'RECEIPT', rest: 'ABC', lang: 'en' }],
    ['kur 1 2', { kind: 'typo', keyword: 'KURA', rest: '1 2', lang: 'sw' }],
    ['Resultas', { kind: 'typo', keyword: 'RESULTS', rest: '', lang: 'en' }],
    ['miradii', { kind: 'typo', keyword: 'MIRADI', rest: '', lang: 'sw' }],
    ['IDAE fix the borehole', { kind: 'typo', keyword: 'IDEA', rest: 'fix the borehole', lang: 'en' }],
    // Not typos: too short, another first letter, too far, or an ordinary word.
    ['vo 1 2', { kind: 'text', text: 'vo 1 2' }],
    ['note 1 2', { kind: 'text', text: 'note 1 2' }],
    ['vitamins', { kind: 'text', text: 'vitamins' }],
    ['hello', { kind: 'text', text: 'hello', lang: 'en' }],
    ['votre projet est bien', { kind: 'text', text: 'votre projet est bien', lang: 'fr' }],
    // Text in a language that can be told, or not.
    ['Habari yako, sijui nini', { kind: 'text', text: 'Habari yako, sijui nini', lang: 'sw' }],
    ['Bonjour, je ne comprends pas', { kind: 'text', text: 'Bonjour, je ne comprends pas', lang: 'fr' }],
    ['what is this', { kind: 'text', text: 'what is this', lang: 'en' }],
    ['xyzzy plugh', { kind: 'text', text: 'xyzzy plugh' }],
  ])('%j', (body, expected) => {
    expect(parseSms(body)).toEqual(expected);
  });

  it.each([
    ['VOTE', 'VOTE', 0],
    ['VOT', 'VOTE', 1],
    ['VTOE', 'VOTE', 1],
    ['RECIPT', 'RECEIPT', 1],
    ['VOOT', 'VOTE', 2],
    ['HELLO', 'HELP', 2],
    ['', 'KURA', 4],
  ])('edit distance %s → %s is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });

  it('normalises receipt-like references with look-alike letters', () => {
    expect(normalizeReference('p-7k2mx-9qo')).toBe('P-7K2MX-9Q0');
    expect(normalizeReference('P-7K2MX-9QD')).toBe('P-7K2MX-9QD');
    expect(normalizeReference('p 7k2mx 9ql')).toBe('P-7K2MX-9Q1');
  });
});
