// The SMS grammar: keywords in every language (src/i18n/keywords.ts, and those of the languages a
// deployment adds), insensitive to case, punctuation, extra
// spaces and diacritics. Parsing only; what a command does is in step.ts.
import type { Lang } from '../../src/config/schema.ts';
import { keywordTable, normalizeWord } from '../../src/i18n/keywords.ts';
import { closeKeyword } from './typos.ts';
import { guessLanguage, isCommonWord } from './words.ts';

/**
 * One inbound SMS, understood. `lang` is the language of the keyword used, if any; for `text`, the
 * language its words are written in, when that can be told.
 */
export type SmsCommand = (
  | { kind: 'vote'; codes: number[]; bad: string[] }
  | { kind: 'idea'; text: string }
  | { kind: 'status'; ref: string }
  /** STATUS 7: a number alone (1-97, optionally P7 or #7) is a winning project's implementation, not an idea reference. */
  | { kind: 'project-status'; code: number }
  /** FOLLOW 7: that project's implementation updates by SMS; null when no number was given. */
  | { kind: 'follow'; code: number | null }
  /** REPORT 7 the contractor left: what a resident sees on a winning project; code null when no number leads the text. */
  | { kind: 'report'; code: number | null; text: string }
  /** CHECK <receipt>; without a code, the sender's own ballot. */
  | { kind: 'check'; code: string }
  /** RESULTS [page]: the winners of the sender's ward, a segment at a time. */
  | { kind: 'results'; page: number }
  /** PROJECTS [ward] [page]: the ballot of a ward with costs, a segment at a time. */
  | { kind: 'projects'; page: number; ward: string }
  /** MORE: the next page of the list shown last (projects or results). */
  | { kind: 'more' }
  /** A first word one slip from a keyword ("vot 1 2"): asked about, never acted on. */
  | { kind: 'typo'; keyword: string; rest: string }
  | { kind: 'receipt' | 'help' | 'stop' | 'start' }
  | { kind: 'lang'; code: string }
  // No keyword: bare numbers or words, which may answer a question asked before.
  | { kind: 'numbers'; codes: number[] }
  | { kind: 'text'; text: string }
) & { lang?: Lang };

export { KEYWORDS, normalizeWord } from '../../src/i18n/keywords.ts';

/** Parses one SMS body. Never throws; anything unrecognised is `text`. */
export function parseSms(body: string): SmsCommand {
  const text = body.normalize('NFC').replace(/\s+/g, ' ').trim();
  // "PIGA KURA 3 7": a two-word keyword; "VOTE3,7": a keyword glued to its first number.
  // Punctuation after the keyword is dropped, but not a dash before a digit: "VOTE -1" is a sign.
  const m = text.match(/^(piga\s+kura|[\p{L}]+)\s*(?:[:.,;!]|-(?!\d))*\s*(.*)$/iu);
  const head = m ? normalizeWord(m[1]!) : '';
  const lookup = keywordTable();
  const found = lookup.get(head);
  if (!found) {
    const codes = numbers(text);
    if (codes && codes.length > 0) return { kind: 'numbers', codes };
    const words = text.split(' ').map(normalizeWord);
    const meant = m && !isCommonWord(head) ? closeKeyword(head, [...lookup.keys()]) : null;
    if (meant) return { kind: 'typo', keyword: meant, rest: m![2]!.trim(), lang: lookup.get(meant)!.lang };
    const lang = guessLanguage(words);
    return lang ? { kind: 'text', text, lang } : { kind: 'text', text };
  }
  const rest = m![2]!.trim();
  const lang = found.lang;
  switch (found.kind) {
    case 'vote': {
      const tokens = codeTokens(rest);
      const codes: number[] = [];
      const bad: string[] = [];
      for (const tok of tokens) {
        const c = codeToken(tok, true);
        if (c) codes.push(...c);
        else bad.push(tok);
      }
      // Repeats are kept: under a cumulative rule they are points (step.ts decides).
      return { kind: 'vote', codes, bad, lang };
    }
    case 'idea':
      return { kind: 'idea', text: rest, lang };
    case 'status': {
      const project = projectNumber(rest);
      return project ? { kind: 'project-status', code: project, lang } : { kind: 'status', ref: normalizeReference(rest), lang };
    }
    case 'follow':
      return { kind: 'follow', code: projectNumber(rest), lang };
    case 'report': {
      // "REPORT 7 the contractor left", "REPORT #7: no water", "REPORT P7. stopped".
      const r = /^(?:P|#)?\s*(\d{1,2})(?!\d|[.,]\d)[.:,;!-]*\s*(.*)$/isu.exec(rest);
      const n = r ? Number(r[1]) : 0;
      return n >= 1 && n <= 97 ? { kind: 'report', code: n, text: r![2]!.trim(), lang } : { kind: 'report', code: null, text: rest, lang };
    }
    case 'check':
      return { kind: 'check', code: normalizeReference(rest), lang };
    case 'lang':
      return { kind: 'lang', code: normalizeWord(rest), lang };
    case 'results':
      return { kind: 'results', page: /^\d{1,2}$/.test(rest) ? Math.max(1, Number(rest)) : 1, lang };
    case 'projects': {
      // "PROJECTS 2", "PROJECTS South Ward", "MIRADI Wadi ya Kusini 2": a ward name, a page, or both.
      const p = rest.match(/^(.*?)\s*\b(\d{1,2})$/u);
      return { kind: 'projects', page: p ? Math.max(1, Number(p[2])) : 1, ward: p ? p[1]! : rest, lang };
    }
    case 'more':
      return { kind: 'more', lang };
    default:
      return { kind: found.kind as 'receipt' | 'help' | 'stop' | 'start', lang };
  }
}

/**
 * A project number alone ("7", "P7", "#7", "7."): 1-97, the range of project codes. An idea's
 * reference is never this short (P-XXXXX-XXX), so the two never meet.
 */
function projectNumber(rest: string): number | null {
  const m = /^(?:P|#)?\s*(\d{1,2})[.!]?$/i.exec(rest);
  const n = m ? Number(m[1]) : 0;
  return n >= 1 && n <= 97 ? n : null;
}

/** "3 7 12", "3,7,12", "P3 P7", "3x2 7": the numbers, or null if anything else is there. */
function numbers(text: string): number[] | null {
  const codes: number[] = [];
  for (const tok of codeTokens(text)) {
    const c = codeToken(tok, false);
    if (!c) return null;
    codes.push(...c);
  }
  return codes;
}

/** Words that join codes the way a comma does: "1 and 3", "1 na 3", "1 et 3". */
const JOINERS = new Set(['AND', 'NA', 'ET']);

/**
 * The words of a list of codes: split at spaces, commas, semicolons and "&" only, joining words
 * dropped, and a sentence's closing mark dropped, so "-1" or "2.5" stay whole and are refused
 * rather than read as 1 or 2 and 5.
 */
function codeTokens(text: string): string[] {
  return text
    .split(/[\s,;&]+/u)
    .map((tok) => tok.replace(/[.!?]+$/u, ''))
    .filter((tok) => tok && !JOINERS.has(tok.toUpperCase()));
}

/**
 * One project code ("3", "P3", "#3", after VOTE also "NO3"), or a code with a count: "3x2" is 3
 * twice, two points on a cumulative ballot. Null when the token is not one of these.
 */
function codeToken(tok: string, afterKeyword: boolean): number[] | null {
  const c = tok.match(afterKeyword ? /^(?:P|#|NO)?(\d{1,3})(?:X(\d{1,2}))?$/i : /^(?:P|#)?(\d{1,3})(?:X(\d{1,2}))?$/i);
  if (!c) return null;
  const times = c[2] === undefined ? 1 : Number(c[2]);
  return times === 0 ? null : Array.from({ length: times }, () => Number(c[1]));
}

/** "p-7k2mx-9qd", "P7K2MX9QD", "7k2mx 9qd" → "P-7K2MX-9QD" (as shortCode groups it); Crockford look-alikes fixed. */
export function normalizeReference(raw: string): string {
  let s = normalizeWord(raw).replace(/O/g, '0').replace(/[IL]/g, '1');
  if (s.length === 9 && s.startsWith('P')) s = s.slice(1);
  return s.length === 8 ? `P-${s.slice(0, 5)}-${s.slice(5)}` : s;
}
