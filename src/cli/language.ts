// `sauti language template <code>`: a catalogue file for a new language with every key and its
// English text, for a translator to replace text by text (README, "Adding a language").
import type { Command } from 'commander';
import { Document } from 'yaml';
import { en } from '../i18n/en.ts';
import { KEYWORD_KINDS } from '../i18n/keywords.ts';
import { PROMPT_KEYS } from '../i18n/pack.ts';
import { en as voiceEn } from '../i18n/voice/en.ts';
import { ENGLISH_LABELS } from '../../field/labels.ts';
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
  });
  doc.commentBefore = [
    ` Sauti catalogue for the language '${code}': replace every English text with its translation.`,
    ' Keep each {placeholder}; keep texts as short as the English (a USSD screen holds 182',
    ' characters, an SMS segment 160). `sauti check-config` names any key missing, unknown or too long.',
  ].join('\n');
  const note = (key: string, comment: string) => {
    const pair = doc.contents && 'items' in doc.contents ? (doc.contents.items as { key: { value: string; commentBefore?: string } }[]).find((p) => p.key.value === key) : undefined;
    if (pair) pair.key.commentBefore = comment;
  };
  note('locale', ' Locale dates are written in (Intl/CLDR, e.g. luo, rw); leave out for English dates.');
  note('messages', ' Every resident-facing text (src/i18n/en.ts).');
  note('sms', ' keywords: one word of letters each, several allowed; they must not be another language\'s keyword for something else.\n commonWords: ordinary words, so a message in the language is answered in it.');
  note('voice', ' Spoken prompts. espeak: an eSpeak NG voice to render them with (leave out when eSpeak has the\n language code; without either, record the clips). numbers.grammar: english, swahili or french word order;\n numbers.words: the words that grammar uses; numbers.currencies: e.g. KES: the currency\'s name.');
  note('field', ' Optional: officer-facing labels of the field forms (field/labels.ts); English for any left out.\n Remove the ones you do not translate.');
  return doc.toString({ lineWidth: 0 });
}

/** Adds `sauti language template`. */
export function registerLanguageCommands(program: Command): void {
  const language = program.command('language').description('languages a deployment adds with a catalogue file');
  language
    .command('template <code>')
    .description('print a catalogue file for a new language: every key with its English text, to translate')
    .action((code: string) => {
      process.stdout.write(catalogueTemplate(code));
    });
}
