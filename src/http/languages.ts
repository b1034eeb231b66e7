// The languages a deployment adds: each catalogue file it names is read, checked by every layer
// that owns a part of it, and installed, before the gateway or a command answers anyone. Any
// problem stops start-up and `check-config`, one line per problem naming the file, the language
// and the key.
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from '../config/errors.ts';
import { loadDeployment } from '../config/load.ts';
import type { Deployment } from '../config/schema.ts';
import { catalogueFitProblems } from '../domain/catalogue-fit.ts';
import { en } from '../i18n/en.ts';
import { installLanguages, uninstallLanguages, type LanguagePack } from '../i18n/languages.ts';
import { keywordClashes, parseCatalogue } from '../i18n/pack.ts';
import { fieldLabelProblems } from '../../field/labels.ts';
import { paperLabelProblems } from '../../field/paper-labels.ts';
import { numberWordProblems } from '../../voice/prompts/numbers.ts';
import { espeakProblems } from '../../voice/prompts/tts.ts';
import { languageMenuLines } from '../../flows/ussd/render.ts';
import { SCREEN_LIMIT } from '../../flows/ussd/layout.ts';

/** A catalogue that fails a check: every line names the file, the language and the key. */
export class CatalogueError extends ConfigError {
  constructor(lines: string[]) {
    super('language catalogues', lines);
    this.message = lines.join('\n');
  }
}

/** Reads, checks and installs the catalogues `d` names (paths relative to `configFile`); throws CatalogueError. */
export function loadLanguages(configFile: string, d: Deployment): LanguagePack[] {
  const lines: string[] = [];
  const packs: { pack: LanguagePack; where: string }[] = [];
  for (const l of d.languages) {
    if (!l.catalogue) continue;
    const file = resolve(dirname(configFile), l.catalogue);
    const shown = relative(process.cwd(), file);
    const where = `${shown && !shown.startsWith('..') ? shown : file}: language '${l.code}'`;
    const report = (problems: string[]) => lines.push(...problems.map((p) => `${where}: ${p}`));
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      report([`cannot read the catalogue (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
      continue;
    }
    const doc = parseDocument(text, { prettyErrors: true });
    if (doc.errors.length > 0) {
      report(doc.errors.map((e) => `YAML syntax: ${e.message.split('\n')[0]}`));
      continue;
    }
    const raw: unknown = doc.toJS();
    if (raw === null || raw === undefined) {
      report(['the file is empty: start from `sauti language template ' + l.code + '`']);
      continue;
    }
    const { pack, problems } = parseCatalogue(l.code, raw);
    report(problems);
    if (!pack) continue;
    report([
      ...numberWordProblems(pack.voice.numbers.words, pack.voice.numbers.grammar),
      ...espeakProblems(pack.voice.espeak),
      ...fieldLabelProblems(pack.field),
      ...paperLabelProblems(pack.paper ?? {}),
    ]);
    packs.push({ pack, where });
  }
  for (const clash of keywordClashes(packs.map((p) => p.pack))) lines.push(`${packs.find((p) => p.pack.code === clash.code)!.where}: ${clash.problem}`);
  // Lengths are measured as residents see them (dates in the language's locale): installed first,
  // taken out again if anything is wrong. A missing message is measured as its English (it is
  // reported missing above), so a sentence built from several never meets a hole.
  installLanguages(packs.map(({ pack }) => ({ ...pack, messages: { ...en, ...pack.messages } })));
  for (const { pack, where } of packs) lines.push(...catalogueFitProblems(pack.code, d).map((p) => `${where}: ${p}`));
  // The first screen holds every language's "choose language": an added one must leave it room.
  const menu = languageMenuLines(d).join('\n');
  if (packs.length > 0 && menu.length > SCREEN_LIMIT) {
    lines.push(
      `${packs.at(-1)!.where}: messages.chooseLanguage: the USSD language menu ("choose language" in every language, then their names) is ${menu.length} characters, over a USSD screen (${SCREEN_LIMIT}): shorten it`,
    );
  }
  if (lines.length > 0) {
    uninstallLanguages(packs.map((p) => p.pack.code));
    throw new CatalogueError(lines);
  }
  installLanguages(packs.map((p) => p.pack));
  return packs.map((p) => p.pack);
}

/** The deployment file with the languages it adds checked and installed: what every gateway command starts from. */
export function loadDeploymentAndLanguages(file: string): Deployment {
  const d = loadDeployment(file);
  loadLanguages(file, d);
  return d;
}
