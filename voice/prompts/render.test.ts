// Render: real eSpeak NG for the format of a few clips per language; a scripted speaker for the
// manifest rules (what is re-rendered, and that a recording is never overwritten).
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clipTexts } from './catalogue.ts';
import { MANIFEST, renderClips } from './render.ts';
import { espeakTts, type Tts } from './tts.ts';
import { readWavFormat } from './wav.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sauti-prompts-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A speaker that says every text as a tone as long as the text, and counts what it spoke. */
function scripted(): Tts & { spoken: string[] } {
  const spoken: string[] = [];
  return {
    spoken,
    sampleRate: 22050,
    speak(text, lang) {
      spoken.push(`${lang}:${text}`);
      return Int16Array.from({ length: 2205 * text.length }, (_, i) => Math.round(8000 * Math.sin(i / 3)));
    },
  };
}

describe('render with eSpeak NG', () => {
  it('speaks a few clips per language into 8 kHz 16-bit mono PCM WAV files of real sound', async () => {
    const dir = tmp();
    const keys = ['num-7', 'money-currency', 'char-x'];
    const texts = (lang: string) => Object.fromEntries(keys.map((k) => [k, clipTexts(lang)[k]!]));
    const report = await renderClips({ dir, langs: ['en', 'sw', 'fr'], texts, tts: espeakTts });
    expect(report.rendered).toHaveLength(9);
    for (const lang of ['en', 'sw', 'fr']) {
      for (const key of keys) {
        const wav = readFileSync(join(dir, lang, `${key}.wav`));
        const format = readWavFormat(wav)!;
        expect(format, `${lang}/${key}`).toMatchObject({ audioFormat: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16 });
        // A spoken word lasts between a tenth of a second and two seconds, and is not silence.
        expect(format.dataBytes).toBeGreaterThan(1600);
        expect(format.dataBytes).toBeLessThan(32_000);
        const samples = new Int16Array(wav.buffer, wav.byteOffset + 44, format.dataBytes / 2);
        expect(Math.max(...samples.map(Math.abs))).toBeGreaterThan(3000);
      }
    }
  }, 60_000);
});

describe('render rules', () => {
  const texts = { en: { one: 'one', two: 'two' } as Record<string, string> };

  it('renders what is missing, then nothing until a text changes, then only that clip', async () => {
    const dir = tmp();
    const tts = scripted();
    const run = (t: Record<string, string>, force = false) => renderClips({ dir, langs: ['en'], texts: () => t, tts: async () => tts, force });
    expect((await run(texts.en)).rendered).toEqual(['en/one', 'en/two']);
    const again = await run(texts.en);
    expect(again).toMatchObject({ rendered: [], upToDate: 2, recorded: [] });
    expect((await run({ ...texts.en, two: 'deux' })).rendered).toEqual(['en/two']);
    expect(tts.spoken).toEqual(['en:one', 'en:two', 'en:deux']);
    expect((await run({ ...texts.en, two: 'deux' }, true)).rendered).toEqual(['en/one', 'en/two']);
  });

  it('never starts the speaker when every clip is up to date', async () => {
    const dir = tmp();
    await renderClips({ dir, langs: ['en'], texts: () => texts.en, tts: async () => scripted() });
    const report = await renderClips({ dir, langs: ['en'], texts: () => texts.en, tts: async () => { throw new Error('started'); } });
    expect(report.upToDate).toBe(2);
  });

  it('never overwrites a recording dropped in place, new or replacing a rendered clip, even with --force', async () => {
    const dir = tmp();
    const tts = scripted();
    await renderClips({ dir, langs: ['en'], texts: () => texts.en, tts: async () => tts });
    const human = Buffer.from('RIFF....WAVE a city recording');
    writeFileSync(join(dir, 'en', 'two.wav'), human); // replaces a rendered clip
    writeFileSync(join(dir, 'en', 'three.wav'), human); // a clip render never made
    const report = await renderClips({ dir, langs: ['en'], texts: () => ({ ...texts.en, two: 'changed', three: 'three' }), tts: async () => tts, force: true });
    expect(report.rendered).toEqual(['en/one']);
    expect(report.recorded.sort()).toEqual(['en/three', 'en/two']);
    expect(readFileSync(join(dir, 'en', 'two.wav'))).toEqual(human);
    expect(readFileSync(join(dir, 'en', 'three.wav'))).toEqual(human);
  });

  it('renders a rendered clip again when its file was deleted, and counts every file as a recording without a manifest', async () => {
    const dir = tmp();
    await renderClips({ dir, langs: ['en'], texts: () => texts.en, tts: async () => scripted() });
    unlinkSync(join(dir, 'en', 'one.wav'));
    expect((await renderClips({ dir, langs: ['en'], texts: () => texts.en, tts: async () => scripted() })).rendered).toEqual(['en/one']);
    unlinkSync(join(dir, MANIFEST));
    const report = await renderClips({ dir, langs: ['en'], texts: () => texts.en, tts: async () => scripted(), force: true });
    expect(report).toMatchObject({ rendered: [], recorded: ['en/one', 'en/two'] });
  });

  it('renders again a clip whose render was stopped between the manifest and the file, without taking it for a recording', async () => {
    const dir = tmp();
    await renderClips({ dir, langs: ['en'], texts: () => texts.en, tts: async () => scripted() });
    const before = readFileSync(join(dir, 'en', 'two.wav'));
    // What a render of a changed text leaves when stopped after writing the manifest: the new
    // file's hash in the manifest, the old file still on disk.
    const stopped = scripted();
    const manifestBefore = readFileSync(join(dir, MANIFEST), 'utf8');
    await renderClips({ dir, langs: ['en'], texts: () => ({ ...texts.en, two: 'deux' }), tts: async () => stopped });
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8'));
    expect(manifest.clips['en/two'].replacing).toBeUndefined();
    manifest.clips['en/two'].replacing = JSON.parse(manifestBefore).clips['en/two'].file;
    writeFileSync(join(dir, MANIFEST), JSON.stringify(manifest));
    writeFileSync(join(dir, 'en', 'two.wav'), before);
    const tts = scripted();
    const report = await renderClips({ dir, langs: ['en'], texts: () => ({ ...texts.en, two: 'deux' }), tts: async () => tts });
    expect(report).toMatchObject({ rendered: ['en/two'], upToDate: 1, recorded: [] });
    expect(tts.spoken).toEqual(['en:deux']);
  });

  it('refuses a clip key that is not a safe file name', async () => {
    const dir = tmp();
    await expect(renderClips({ dir, langs: ['en'], texts: () => ({ '../escape': 'x' }), tts: async () => scripted() })).rejects.toThrow(/not a safe file name/);
    expect(existsSync(join(dir, 'escape.wav'))).toBe(false);
  });
});
