// Which clips are missing, and what a call plays instead of one.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PromptLibrary } from './library.ts';
import { encodeWav } from './wav.ts';

const dir = mkdtempSync(join(tmpdir(), 'sauti-library-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const put = (lang: string, key: string) => {
  mkdirSync(join(dir, lang), { recursive: true });
  writeFileSync(join(dir, lang, `${key}.wav`), 'RIFF');
};
const TEXTS: Record<string, Record<string, string>> = {
  en: { welcome: 'Welcome', pick: 'Press 1 to pick', bye: 'Goodbye', a: 'a', b: 'b', c: 'c', d: 'd' },
  sw: { welcome: 'Karibu', pick: 'Bonyeza 1 kuchagua', bye: 'Kwaheri', a: 'a', b: 'b', c: 'c', d: 'd' },
  fr: { welcome: 'Bienvenue', pick: 'Tapez 1 pour choisir', bye: 'Au revoir', a: 'a', b: 'b', c: 'c', d: 'd' },
};
const library = new PromptLibrary({ dir, defaultLanguage: 'en', texts: (l) => TEXTS[l] ?? {} });
put('en', 'welcome');
put('en', 'pick');
put('sw', 'welcome');
put('fr', 'bye');

describe('missing clips', () => {
  it('are counted and named per language, in catalogue order', () => {
    expect(library.missing(['en', 'sw', 'fr'])).toEqual([
      { lang: 'en', total: 7, missing: ['bye', 'a', 'b', 'c', 'd'] },
      { lang: 'sw', total: 7, missing: ['pick', 'bye', 'a', 'b', 'c', 'd'] },
      { lang: 'fr', total: 7, missing: ['welcome', 'pick', 'a', 'b', 'c', 'd'] },
    ]);
  });

  it('notice a recording dropped in place at once', () => {
    put('en', 'a');
    expect(library.missing(['en'])[0]!.missing).toEqual(['bye', 'b', 'c', 'd']);
  });
});

describe('resolveClip', () => {
  it('plays the clip of the language when it is there', () => {
    expect(library.resolveClip('sw', 'welcome')).toEqual({ play: { lang: 'sw', key: 'welcome', file: join(dir, 'sw', 'welcome.wav') } });
  });

  it('lets a provider that speaks the language say its text', () => {
    const r = library.resolveClip('fr', 'pick', ['en', 'fr']);
    expect(r).toMatchObject({ say: { lang: 'fr', text: 'Tapez 1 pour choisir' } });
    expect(r.warning).toMatch(/fr\/pick is missing/);
  });

  it('plays the default language’s clip where the provider does not speak the language', () => {
    const r = library.resolveClip('sw', 'pick', ['en']);
    expect(r).toMatchObject({ play: { lang: 'en', key: 'pick' } });
    expect(r.warning).toMatch(/sw\/pick is missing.*: playing the en clip/);
  });

  it('has the default language’s text said when no clip exists in either', () => {
    expect(library.resolveClip('sw', 'bye', ['en'])).toMatchObject({ say: { lang: 'en', text: 'Goodbye' } });
  });

  it('says the text anyway, with a warning, when nothing else is left', () => {
    const r = library.resolveClip('sw', 'bye', []);
    expect(r).toMatchObject({ say: { lang: 'sw', text: 'Kwaheri' } });
    expect(r.warning).toMatch(/does not speak sw/);
  });
});

describe('clips that are not WAV', () => {
  it('are named, whatever their name says', () => {
    const other = mkdtempSync(join(tmpdir(), 'sauti-library-'));
    mkdirSync(join(other, 'en'));
    writeFileSync(join(other, 'en', 'welcome.wav'), encodeWav(new Int16Array(10), 8000));
    writeFileSync(join(other, 'en', 'pick.wav'), 'ID3\u0004 an MP3 saved as .wav');
    const lib = new PromptLibrary({ dir: other, defaultLanguage: 'en', texts: (l) => TEXTS[l] ?? {} });
    expect(lib.notWav(['en', 'sw'])).toEqual(['en/pick']);
    rmSync(other, { recursive: true, force: true });
  });
});
