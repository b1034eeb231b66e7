// The SMS grammar: keywords in every language, forgiving of case, punctuation and accents.
import { describe, expect, it } from 'vitest';
import { normalizeReference, parseSms } from './grammar.ts';

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
    ['hello there', { kind: 'text', text: 'hello there' }],
    ['', { kind: 'text', text: '' }],
    ['💧💧', { kind: 'text', text: '💧💧' }],
  ])('%j', (body, expected) => {
    expect(parseSms(body)).toEqual(expected);
  });

  it('normalises receipt-like references with look-alike letters', () => {
    expect(normalizeReference('p-7k2mx-9qo')).toBe('P-7K2MX-9Q0');
    expect(normalizeReference('P-7K2MX-9QD')).toBe('P-7K2MX-9QD');
    expect(normalizeReference('p 7k2mx 9ql')).toBe('P-7K2MX-9Q1');
  });
});
