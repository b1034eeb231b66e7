// SMS keywords in every built-in language; an added language brings its own (src/i18n/pack.ts).
// What a keyword does is in flows/sms.
import type { BuiltInLang } from '../config/schema.ts';
import { installedPacks, packsGeneration } from './languages.ts';

/** What an SMS keyword asks for. */
export type Keyword =
  'vote' | 'idea' | 'status' | 'follow' | 'report' | 'check' | 'receipt' | 'results' | 'projects' | 'more' | 'help' | 'lang' | 'stop' | 'start';

/** Keywords and aliases per language, already normalised (upper case, no diacritics). */
export const KEYWORDS: Record<Keyword, Record<BuiltInLang, string[]>> = {
  vote: { en: ['VOTE', 'V'], sw: ['KURA', 'PIGAKURA'], fr: ['VOTER', 'VOTEZ'] },
  idea: { en: ['IDEA', 'PROPOSE', 'PROPOSAL'], sw: ['WAZO', 'PENDEKEZO'], fr: ['IDEE', 'PROPOSITION', 'PROPOSER'] },
  status: { en: ['STATUS'], sw: ['HALI'], fr: ['STATUT', 'ETAT'] },
  follow: { en: ['FOLLOW'], sw: ['FUATILIA', 'FUATA'], fr: ['SUIVRE'] },
  report: { en: ['REPORT'], sw: ['RIPOTI'], fr: ['SIGNALER', 'SIGNALEMENT'] },
  check: { en: ['CHECK', 'VERIFY'], sw: ['HAKIKI'], fr: ['VERIFIER', 'VERIFIE'] },
  receipt: { en: ['RECEIPT', 'MYVOTE'], sw: ['RISITI'], fr: ['RECU'] },
  results: { en: ['RESULTS', 'RESULT'], sw: ['MATOKEO'], fr: ['RESULTATS', 'RESULTAT'] },
  projects: { en: ['PROJECTS', 'PROJECT', 'BALLOT'], sw: ['MIRADI', 'MRADI'], fr: ['PROJETS', 'PROJET'] },
  more: { en: ['MORE', 'NEXT'], sw: ['ZAIDI', 'ENDELEA'], fr: ['SUITE', 'SUIVANT'] },
  help: { en: ['HELP', 'INFO', 'MENU'], sw: ['MSAADA', 'USAIDIZI'], fr: ['AIDE'] },
  lang: { en: ['LANG', 'LANGUAGE'], sw: ['LUGHA'], fr: ['LANGUE'] },
  // Carriers expect STOP and START whatever the language.
  stop: { en: ['STOP', 'UNSUBSCRIBE', 'QUIT', 'END'], sw: ['ACHA', 'SITISHA'], fr: ['ARRET', 'ARRETER'] },
  start: { en: ['START', 'UNSTOP', 'SUBSCRIBE'], sw: ['ANZA', 'JIUNGE'], fr: ['DEMARRER', 'REPRENDRE'] },
};

/** Every keyword kind, as an added language must give them. */
export const KEYWORD_KINDS = Object.keys(KEYWORDS) as Keyword[];

/** Upper case without diacritics or anything but letters and digits. */
export function normalizeWord(word: string): string {
  return word
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '');
}

/** Normalised keyword → its kind and language; a built-in language's word wins over an added one's. */
export type KeywordTable = Map<string, { kind: Keyword; lang: string }>;

let table: { generation: number; lookup: KeywordTable } | undefined;

/** Every keyword of the built-in and installed languages. */
export function keywordTable(): KeywordTable {
  if (table?.generation === packsGeneration()) return table.lookup;
  const lookup: KeywordTable = new Map();
  const add = (kind: Keyword, lang: string, words: readonly string[]) => {
    for (const w of words) if (!lookup.has(w)) lookup.set(w, { kind, lang });
  };
  for (const kind of KEYWORD_KINDS) for (const [lang, words] of Object.entries(KEYWORDS[kind])) add(kind, lang, words);
  for (const pack of installedPacks()) for (const kind of KEYWORD_KINDS) add(kind, pack.code, pack.keywords[kind] ?? []);
  table = { generation: packsGeneration(), lookup };
  return lookup;
}
