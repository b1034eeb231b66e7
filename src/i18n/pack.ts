// An added language's catalogue file (YAML, beside the deployment file): its shape, and the checks
// that need only the built-in catalogues — every key of English and no other, the same
// placeholders, keywords no other language uses for something else. Lengths are checked in
// src/domain/catalogue-fit.ts, number words in voice/prompts/numbers.ts, field labels in
// field/labels.ts, paper-form labels in field/paper-labels.ts; the shell runs them all before installing the pack (src/cli/languages.ts).
import { z } from 'zod';
import { describeIssues } from '../config/errors.ts';
import { en } from './en.ts';
import { KEYWORD_KINDS, KEYWORDS, normalizeWord, type Keyword } from './keywords.ts';
import type { LanguagePack } from './languages.ts';
import { en as voiceEn } from './voice/en.ts';
import { isLanguageOptionKey } from './voice/index.ts';

const texts = z.record(z.string(), z.string().trim().min(1, 'empty text'));

/** The catalogue file: every section but `field` and `paper` (and the optional keys) is required. */
const catalogueFile = z.strictObject({
  locale: z.string().min(2).optional().describe('Intl (CLDR) locale for dates, e.g. luo; the language code when not given'),
  messages: texts.describe('every key of src/i18n/en.ts'),
  sms: z.strictObject({
    keywords: z.record(z.string(), z.array(z.string().trim().min(1)).min(1, 'give at least one word')).describe('every keyword kind of src/i18n/keywords.ts'),
    commonWords: z.array(z.string().trim().min(1)).default([]).describe('ordinary words of the language'),
  }),
  voice: z.strictObject({
    espeak: z.string().min(2).optional().describe('eSpeak NG voice to render the clips with'),
    languageOption: z.string().includes('{n}', { message: 'must hold {n}, the key to press' }),
    prompts: texts.describe('every clip of src/i18n/voice/en.ts but voice.lang.*'),
    numbers: z.strictObject({
      grammar: z.enum(['english', 'swahili', 'french']).default('english'),
      words: texts,
      currencies: z.record(z.string().regex(/^[A-Z]{3}$/, 'use an ISO 4217 code'), z.string().trim().min(1)).default({}),
    }),
  }),
  field: texts.default({}),
  paper: texts.default({}),
});

/** Whether Intl knows `tag` (a malformed tag, `not_a-locale!!`, is not one: Intl throws on it). */
function knownLocale(tag: string): boolean {
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([tag]).length > 0;
  } catch {
    return false;
  }
}

/** Placeholders a text gained after added languages were written: a catalogue without them still reads (it then names no choice). */
const LATER_PLACEHOLDERS: Readonly<Record<string, readonly string[]>> = { smsHelp: ['langs'], smsLangUnknown: ['choices'] };

const placeholders = (text: string) => [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))].sort();
const list = (names: string[]) => (names.length ? names.map((n) => `{${n}}`).join(', ') : 'none');

/** Keys `want` lacks or `have` adds, as problems under `section`. */
function keyProblems(section: string, have: Record<string, unknown>, want: readonly string[]): string[] {
  const wanted = new Set(want);
  const missing = want.filter((k) => !Object.hasOwn(have, k)).map((k) => `${section}.${k}: missing`);
  const unknown = Object.keys(have)
    .filter((k) => !wanted.has(k))
    .map((k) => `${section}.${k}: unknown key (not in the English catalogue)`);
  return [...missing, ...unknown];
}

/** Dialogue clips an added language gives: English's, but the language menu's (voice.languageOption makes those). */
export const PROMPT_KEYS = Object.keys(voiceEn).filter((k) => !isLanguageOptionKey(k));

/**
 * Reads catalogue data (parsed YAML) for language `code`: its problems, each `section.key: what
 * is wrong`, and the pack whenever its shape is right (so the other checks can run on it too; it
 * is installed only without problems).
 */
export function parseCatalogue(code: string, raw: unknown): { pack?: LanguagePack; problems: string[] } {
  const parsed = catalogueFile.safeParse(raw);
  if (!parsed.success) return { problems: describeIssues(parsed.error.issues) };
  const c = parsed.data;
  const problems = [...keyProblems('messages', c.messages, Object.keys(en)), ...keyProblems('voice.prompts', c.voice.prompts, PROMPT_KEYS)];
  for (const [key, reference] of Object.entries(en)) {
    const text = c.messages[key];
    if (text === undefined) continue;
    // A text English begins with a space is appended to another (" Send MORE for the next page."):
    // YAML and the trim above drop that space, which would run the two sentences together.
    if (reference.startsWith(' ') && !text.startsWith(' ')) c.messages[key] = ` ${text}`;
    const [want, have] = [placeholders(reference), placeholders(text)];
    // A catalogue written before a text gained a placeholder may still leave it out.
    const older = want.filter((p) => !(LATER_PLACEHOLDERS[key] ?? []).includes(p));
    if (want.join() !== have.join() && older.join() !== have.join())
      problems.push(`messages.${key}: use the placeholders of the English text (${list(want)}), not ${list(have)}`);
  }
  const keywords: Record<string, string[]> = {};
  problems.push(...keyProblems('sms.keywords', c.sms.keywords, KEYWORD_KINDS));
  for (const kind of KEYWORD_KINDS) {
    for (const word of c.sms.keywords[kind] ?? []) {
      const w = normalizeWord(word);
      // The grammar reads a keyword as the message's first run of letters.
      if (!/^\p{L}+$/u.test(word) || !/^[A-Z]+$/.test(w)) problems.push(`sms.keywords.${kind}: '${word}' must be one word of letters`);
      const taken = builtInKeyword(w);
      if (taken && taken.kind !== kind) problems.push(`sms.keywords.${kind}: '${word}' is already the ${taken.lang} keyword for ${taken.kind}`);
      (keywords[kind] ??= []).push(w);
    }
  }
  if (c.locale !== undefined && !knownLocale(c.locale)) {
    problems.push(`locale: '${c.locale}' is not a locale this Node.js knows; leave it out to write dates in English`);
  }
  const locale = c.locale !== undefined && knownLocale(c.locale) ? c.locale : knownLocale(code) ? code : 'en-GB';
  return {
    problems,
    pack: {
      code,
      locale,
      messages: c.messages,
      keywords,
      commonWords: c.sms.commonWords.map(normalizeWord),
      voice: { prompts: c.voice.prompts, languageOption: c.voice.languageOption, espeak: c.voice.espeak, numbers: c.voice.numbers },
      field: c.field,
      paper: c.paper,
    },
  };
}

function builtInKeyword(word: string): { kind: Keyword; lang: string } | undefined {
  for (const kind of KEYWORD_KINDS) {
    for (const [lang, words] of Object.entries(KEYWORDS[kind])) if (words.includes(word)) return { kind, lang };
  }
  return undefined;
}

/** Keywords two added languages use for different things, as problems of the later one. */
export function keywordClashes(packs: readonly LanguagePack[]): { code: string; problem: string }[] {
  const seen = new Map<string, { kind: string; code: string }>();
  const out: { code: string; problem: string }[] = [];
  for (const p of packs) {
    for (const [kind, words] of Object.entries(p.keywords)) {
      for (const w of words) {
        const before = seen.get(w);
        if (before && before.kind !== kind)
          out.push({ code: p.code, problem: `sms.keywords.${kind}: '${w}' is already the ${before.code} keyword for ${before.kind}` });
        else if (!before) seen.set(w, { kind, code: p.code });
      }
    }
  }
  return out;
}
