// `sauti voice …` and the missing-clip report that `check-config` and `start` print.
import { spawn, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import type { Settings } from '../config/env.ts';
import { loadDeploymentAndLanguages } from '../http/languages.ts';
import type { Deployment } from '../config/schema.ts';
import { SautiError } from '../domain/errors.ts';
import { allClipTexts } from '../../voice/prompts/catalogue.ts';
import { PromptLibrary } from '../../voice/prompts/library.ts';
import { clipOrigin, readManifest, renderClips, type RenderReport } from '../../voice/prompts/render.ts';
import { espeakTts, espeakVoice } from '../../voice/prompts/tts.ts';

/** How many missing keys a report names per language before "…". */
const NAMED = 5;

const defaultLanguage = (d: Deployment) => d.defaultLanguage ?? d.languages[0]!.code;

/** The prompt library of a deployment: its folder, languages and currency. */
export function promptLibrary(settings: Settings, d: Deployment): PromptLibrary {
  return new PromptLibrary({ dir: settings.promptsDir, defaultLanguage: defaultLanguage(d), texts: (lang) => allClipTexts(d, lang) });
}

/** One line per language with missing clips (count and the first keys), and one for clips that are not WAV; empty when all is well. */
export function missingClipLines(settings: Settings, d: Deployment, opts: { renderingNow?: boolean } = {}): string[] {
  const library = promptLibrary(settings, d);
  const langs = d.languages.map((l) => l.code);
  const notWav = library.notWav(langs);
  const bad =
    notWav.length === 0
      ? []
      : [
          `voice prompts: ${notWav.length} clip(s) not WAV, which providers will not play (${notWav.slice(0, NAMED).join(', ')}${notWav.length > NAMED ? ', …' : ''}): convert them to 8 kHz 16-bit mono WAV`,
        ];
  return library
    .missing(langs)
    .filter((m) => m.missing.length > 0)
    .map((m) => {
      const named = m.missing.slice(0, NAMED).join(', ') + (m.missing.length > NAMED ? ', …' : '');
      const fix = espeakVoice(m.lang)
        ? opts.renderingNow
          ? 'rendering them now in the background (calls fall back meanwhile); or record them'
          : 'run `sauti voice render` or record them'
        : `eSpeak NG has no ${m.lang} voice: record them (\`sauti voice list --lang ${m.lang}\` lists their texts)`;
      return `voice prompts: ${m.missing.length} of ${m.total} ${m.lang} clips missing in ${settings.promptsDir}/${m.lang} (${named}): ${fix}`;
    })
    .concat(bad);
}

/** Renders the deployment's clips; prints a summary (and a counter on a terminal). */
export async function renderPrompts(settings: Settings, opts: { lang?: string; force?: boolean; quiet?: boolean }): Promise<RenderReport> {
  const d = loadDeploymentAndLanguages(settings.configFile);
  const codes = d.languages.map((l) => l.code);
  if (opts.lang && !codes.includes(opts.lang as (typeof codes)[number])) {
    throw new SautiError('cli.bad_lang', `--lang ${opts.lang} is not a language of ${settings.configFile} (it has: ${codes.join(', ')})`);
  }
  const langs = opts.lang ? [opts.lang] : codes;
  const counter = process.stderr.isTTY && !opts.quiet;
  const report = await renderClips({
    dir: settings.promptsDir,
    langs,
    texts: (lang) => allClipTexts(d, lang),
    force: opts.force,
    tts: espeakTts,
    speaks: (lang) => espeakVoice(lang) !== undefined,
    onClip: counter ? (lang, key, done, total) => process.stderr.write(`\rrendering ${done}/${total} ${lang}/${key}`.padEnd(60)) : undefined,
  });
  if (counter && report.rendered.length > 0) process.stderr.write('\n');
  for (const u of report.unvoiced) {
    console.log(
      `voice prompts: ${u.clips} ${u.lang} clips not rendered: eSpeak NG has no ${u.lang} voice; record them (\`sauti voice list --lang ${u.lang}\` lists their texts)`,
    );
  }
  if (!opts.quiet || report.rendered.length > 0) {
    const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    const sizes = report.rendered.length > 0 ? `: ${kib(report.bytes)}, largest ${kib(report.largest)}` : '';
    console.log(
      `voice prompts in ${settings.promptsDir}: ${report.rendered.length} rendered in ${(report.ms / 1000).toFixed(1)} s${sizes}; ${report.upToDate} up to date; ${report.recorded.length} recordings left as they are`,
    );
  }
  return report;
}

/** Every clip's key, whether it is rendered, recorded or missing, and its text: the script for a city recording its own. */
export function printClipList(settings: Settings, lang?: string): void {
  const d = loadDeploymentAndLanguages(settings.configFile);
  const manifest = readManifest(settings.promptsDir);
  for (const code of lang ? [lang] : d.languages.map((l) => l.code)) {
    for (const [key, text] of Object.entries(allClipTexts(d, code))) {
      console.log(`${code}/${key}.wav\t${clipOrigin(settings.promptsDir, code, key, manifest)}\t${text}`);
    }
  }
}

/** Adds `sauti voice render` and `sauti voice list`. */
export function registerVoiceCommands(program: Command, settings: () => Settings): void {
  const voice = program.command('voice').description('voice prompts: the audio clips calls are spoken with');
  voice
    .command('render')
    .description(
      'speak every prompt clip with eSpeak NG into SAUTI_PROMPTS_DIR/<lang>/<key>.wav (only missing or changed texts; never a recording you dropped in place)',
    )
    .option('--lang <code>', 'only this language')
    .option('--force', 'render again every clip render made, changed or not', false)
    .option('--quiet', 'print nothing when every clip is up to date', false)
    .action(async (opts: { lang?: string; force: boolean; quiet: boolean }) => {
      await renderPrompts(settings(), opts);
    });
  voice
    .command('list')
    .description('every clip with its text and whether it is rendered, recorded or missing (the script for recording them)')
    .option('--lang <code>', 'only this language')
    .action((opts: { lang?: string }) => printClipList(settings(), opts.lang));
}

/**
 * After `sauti start` listens and has found clips missing or changed (missingClipLines), render them in a
 * child process at low priority, so the first start answers USSD and SMS at once and a call made
 * meanwhile falls back (PromptLibrary.resolveClip). The same program runs `voice render --quiet`.
 */
export function renderInBackground(settings: Settings, logger: Logger): ChildProcess | undefined {
  if (!settings.renderPrompts) return undefined;
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, 'voice', 'render', '--quiet'], { stdio: ['ignore', 'inherit', 'inherit'] });
  try {
    if (child.pid) setPriority(child.pid, 15);
  } catch {
    // Lowering priority is a courtesy; rendering at normal priority is still correct.
  }
  logger.info({ component: 'voice' }, `voice prompts: rendering the missing clips in the background into ${settings.promptsDir}`);
  child.on('exit', (code) => {
    if (code === 0) logger.info({ component: 'voice' }, 'voice prompts: rendered');
    else if (code !== null) logger.warn({ component: 'voice' }, `voice prompts: rendering stopped (exit ${code}); run \`sauti voice render\``);
  });
  return child;
}
