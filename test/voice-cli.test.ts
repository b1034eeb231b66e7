// `sauti check-config` lists the voice clips missing per language; `sauti voice render` is
// registered and names a language the deployment does not have.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allClipTexts } from '../voice/prompts/catalogue.ts';
import { loadDeployment } from '../src/config/load.ts';
import { encodeWav } from '../voice/prompts/wav.ts';
import { FIXTURE } from './helpers/deployment.ts';
import { TOKEN } from './helpers/gateway.ts';
import { waitFor } from './helpers/process.ts';
import { tempDir } from './helpers/tmp.ts';

// Every clip a call of the test deployment may play: dialogue, number words, and its names.
const D = loadDeployment(FIXTURE);

const WAV = encodeWav(new Int16Array(80), 8000);
const CLI = resolve(import.meta.dirname, '../src/cli/main.ts');
const BIN = resolve(import.meta.dirname, '../bin/sauti.mjs');

const sauti = (args: string[], env: Record<string, string>) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((res) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...process.env, LOG_LEVEL: 'silent', SAUTI_CONFIG: FIXTURE, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('exit', (status) => res({ status, stdout, stderr }));
  });

describe('missing voice clips', () => {
  it('are counted and the first few named per language by check-config, and clips that are not WAV named', async () => {
    const dir = tempDir('sauti-voice-cli-');
    const en = Object.keys(allClipTexts(D, 'en'));
    const sw = Object.keys(allClipTexts(D, 'sw'));
    for (const [lang, keys] of [
      ['en', en],
      ['sw', sw.filter((k) => k !== 'num-lakh' && k !== 'char-z')],
    ] as const) {
      mkdirSync(join(dir, lang), { recursive: true });
      for (const k of keys) writeFileSync(join(dir, lang, `${k}.wav`), WAV);
    }
    writeFileSync(join(dir, 'en', 'num-7.wav'), 'ID3 an MP3 renamed .wav');
    const r = await sauti(['check-config'], { SAUTI_PROMPTS_DIR: dir });
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('voice prompts:'));
    const fr = Object.keys(allClipTexts(D, 'fr'));
    expect(lines).toEqual([
      `voice prompts: 2 of ${sw.length} sw clips missing in ${dir}/sw (num-lakh, char-z): run \`sauti voice render\` or record them`,
      `voice prompts: ${fr.length} of ${fr.length} fr clips missing in ${dir}/fr (${fr.slice(0, 5).join(', ')}, …): run \`sauti voice render\` or record them`,
      'voice prompts: 1 clip(s) not WAV, which providers will not play (en/num-7): convert them to 8 kHz 16-bit mono WAV',
    ]);
  }, 30_000);

  it('voice render refuses a language the deployment does not have, naming those it has', async () => {
    const r = await sauti(['voice', 'render', '--lang', 'de'], { SAUTI_PROMPTS_DIR: tempDir('sauti-voice-cli-') });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--lang de is not a language of .* \(it has: en, sw, fr\)/);
  }, 30_000);
});

describe('sauti start', () => {
  let stop = () => {};
  afterAll(() => stop());

  it('logs the clips missing per language as warnings, and serves the ones there', async () => {
    const prompts = tempDir('sauti-voice-start-');
    mkdirSync(join(prompts, 'fr'), { recursive: true });
    for (const k of Object.keys(allClipTexts(D, 'fr'))) writeFileSync(join(prompts, 'fr', `${k}.wav`), WAV);
    const data = tempDir('sauti-voice-start-db-');
    const child = spawn(process.execPath, [BIN, 'start'], {
      env: {
        ...process.env,
        SAUTI_CONFIG: FIXTURE,
        SAUTI_DB: join(data, 'gw.db'),
        PORT: '0',
        SAUTI_CALLBACK_TOKEN: TOKEN,
        LOG_LEVEL: 'warn',
        DATABASE_URL: '',
        SAUTI_LEDGER_URL: '',
        SAUTI_PROMPTS_DIR: prompts,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    stop = () => child.kill('SIGKILL');
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const url = await waitFor('the gateway to listen', () => /listening on (http:\/\/\S+)/.exec(out)?.[1]);
    expect((await fetch(`${url}/prompts/fr/num-7.wav`)).status).toBe(200);
    expect((await fetch(`${url}/prompts/en/num-7.wav`)).status).toBe(404);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    const warnings = (out.match(/^\{.*"component":"voice".*$/gm) ?? []).map((l) => (JSON.parse(l) as { msg: string }).msg);
    const n = (lang: string) => Object.keys(allClipTexts(D, lang)).length;
    expect(warnings.map((w) => w.replace(/ \(.*\)/, ''))).toEqual([
      `voice prompts: ${n('en')} of ${n('en')} en clips missing in ${prompts}/en: run \`sauti voice render\` or record them`,
      `voice prompts: ${n('sw')} of ${n('sw')} sw clips missing in ${prompts}/sw: run \`sauti voice render\` or record them`,
    ]);
  }, 60_000);

  it('renders the missing clips in the background once it listens, serving each as it is made', async () => {
    const prompts = tempDir('sauti-voice-bg-');
    const data = tempDir('sauti-voice-bg-db-');
    const child = spawn(process.execPath, [BIN, 'start'], {
      env: {
        ...process.env,
        SAUTI_CONFIG: FIXTURE,
        SAUTI_DB: join(data, 'gw.db'),
        PORT: '0',
        SAUTI_CALLBACK_TOKEN: TOKEN,
        LOG_LEVEL: 'info',
        DATABASE_URL: '',
        SAUTI_LEDGER_URL: '',
        SAUTI_PROMPTS_DIR: prompts,
        SAUTI_RENDER_PROMPTS: 'on',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    stop = () => child.kill('SIGKILL');
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const url = await waitFor('the gateway to listen', () => /listening on (http:\/\/\S+)/.exec(out)?.[1]);
    // It answers before the clips exist: rendering does not hold up the start.
    expect((await fetch(`${url}/prompts/en/num-7.wav`)).status).toBe(404);
    // The first clips appear while it keeps answering (the whole set takes a minute or more).
    await waitFor('a clip rendered in the background', async () => ((await fetch(`${url}/prompts/en/num-7.wav`)).status === 200 ? true : undefined), 120_000);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }, 180_000);
});
