// `sauti language template <code>`: a catalogue file for a new language with every key and its
// English text, for a translator to replace text by text (README, "Adding a language").
// `sauti language update <file>`: after an upgrade adds keys, adds them to a catalogue in English.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Document, isMap, isScalar, parseDocument } from 'yaml';
import { SautiError } from '../domain/errors.ts';
import { en } from '../i18n/en.ts';
import { KEYWORD_KINDS, KEYWORDS } from '../i18n/keywords.ts';
import { PROMPT_KEYS } from '../i18n/pack.ts';
import { en as voiceEn } from '../i18n/voice/en.ts';
import { ENGLISH_LABELS } from '../../field/labels.ts';
import { ENGLISH_PAPER_LABELS } from '../../field/paper-labels.ts';
import { grammarWordKeys } from '../../voice/prompts/numbers.ts';
import { words as englishWords } from '../../voice/prompts/words/en.ts';

/** The catalogue file's text: every section, English throughout, comments saying what each holds. */
export function catalogueTemplate(code: string): string {
  const prompts = Object.fromEntries(PROMPT_KEYS.map((k) => [k, voiceEn[k as keyof typeof voiceEn]]));
  const words = Object.fromEntries(grammarWordKeys('english').map((k) => [k, englishWords[k] ?? '']));
  const doc = new Document({
    locale: code,
    messages: en,
    sms: { keywords: Object.fromEntries(KEYWORD_KINDS.map((k) => [k, [`${k.toUpperCase()}_${code.toUpperCase()}`]])), commonWords: [] },
    voice: { languageOption: `For ${code}, press {n}.`, prompts, numbers: { grammar: 'english', words, currencies: {} } },
    field: ENGLISH_LABELS,
    paper: ENGLISH_PAPER_LABELS,
  });
  doc.commentBefore = [
    ` Sauti catalogue for the language '${code}': replace every English text with its translation.`,
    ' Keep each {placeholder}; keep texts as short as the English (a USSD screen holds 182',
    ' characters, an SMS segment 160). `sauti check-config` names any key missing, unknown or too long.',
  ].join('\n');
  const note = (key: string, comment: string) => {
    const pair =
      doc.contents && 'items' in doc.contents
        ? (doc.contents.items as { key: { value: string; commentBefore?: string } }[]).find((p) => p.key.value === key)
        : undefined;
    if (pair) pair.key.commentBefore = comment;
  };
  note('locale', ' Locale dates are written in (Intl/CLDR, e.g. luo, rw); leave out for English dates.');
  note('messages', ' Every resident-facing text (src/i18n/en.ts).');
  note(
    'sms',
    " keywords: one word of letters each, several allowed; they must not be another language's keyword for something else.\n commonWords: ordinary words, so a message in the language is answered in it.",
  );
  note(
    'voice',
    " Spoken prompts. espeak: an eSpeak NG voice to render them with (leave out when eSpeak has the\n language code; without either, record the clips). numbers.grammar: english, swahili or french word order;\n numbers.words: the words that grammar uses; numbers.currencies: e.g. KES: the currency's name.",
  );
  note('field', ' Optional: officer-facing labels of the field forms (field/labels.ts); English for any left out.\n Remove the ones you do not translate.');
  note(
    'paper',
    ' Optional: officer-facing labels of the paper-ballot entry form and the tally sheet (field/paper-labels.ts),\n and their answers; English for any left out. Remove the ones you do not translate.',
  );
  return doc.toString({ lineWidth: 0 });
}

/**
 * Adds the messages, prompts and SMS keyword kinds English has and the catalogue text lacks, in English, each marked
 * to be translated; everything else (translations, comments, order) is kept. The new text and the
 * keys added.
 */
export function updateCatalogue(text: string): { text: string; added: string[] } {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new SautiError('cli.bad_catalogue', `YAML syntax: ${doc.errors[0]!.message.split('\n')[0]}`);
  const added: string[] = [];
  const fill = (path: string[], english: Record<string, unknown>, keys: readonly string[]) => {
    const map = doc.getIn(path, true);
    if (!isMap(map)) throw new SautiError('cli.bad_catalogue', `${path.join('.')} is not a map of texts`);
    const have = new Set(map.items.map((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key))));
    for (const key of keys) {
      if (have.has(key)) continue;
      const pair = doc.createPair(key, english[key]);
      if (isScalar(pair.key)) pair.key.commentBefore = ' English: translate';
      map.items.push(pair);
      added.push(`${path.join('.')}.${key}`);
    }
  };
  fill(['messages'], en, Object.keys(en));
  fill(['voice', 'prompts'], voiceEn, PROMPT_KEYS);
  // A new keyword kind (REPORT) comes with its English words: valid at once, to be translated.
  fill(['sms', 'keywords'], Object.fromEntries(KEYWORD_KINDS.map((k) => [k, KEYWORDS[k].en])), KEYWORD_KINDS);
  return { text: doc.toString({ lineWidth: 0, flowCollectionPadding: false }), added };
}

/** Adds `sauti language template` and `sauti language update`. */
export function registerLanguageCommands(program: Command): void {
  const language = program.command('language').description('languages a deployment adds with a catalogue file');
  language
    .command('template <code>')
    .description('print a catalogue file for a new language: every key with its English text, to translate')
    .action((code: string) => {
      process.stdout.write(catalogueTemplate(code));
    });
  language
    .command('update <file>')
    .description('add the messages and prompts this version has and the catalogue lacks, in English, marked to translate')
    .action((file: string) => {
      const { text, added } = updateCatalogue(readFileSync(file, 'utf8'));
      if (added.length === 0) {
        console.log(`${file}: nothing to add`);
        return;
      }
      writeFileSync(`${file}.tmp`, text);
      renameSync(`${file}.tmp`, file);
      console.log(`${file}: added ${added.length} key(s) in English, marked "English: translate": ${added.join(', ')}`);
    });
}
