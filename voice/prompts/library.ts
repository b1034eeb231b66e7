// The clips on disk: which are missing per language, and what to play for a key when its clip is
// missing. Files are looked up on each call, so a recording dropped in place is used at once.
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { readWavFormat } from './wav.ts';

/** What to play for one clip key. */
export type ResolvedClip =
  | { play: { lang: string; key: string; file: string }; warning?: string }
  | { say: { lang: string; text: string }; warning?: string };

export interface PromptLibraryOptions {
  dir: string;
  defaultLanguage: string;
  /** Clip key → text, per language. */
  texts: (lang: string) => Record<string, string>;
}

/** Clips missing per language: how many, and their keys in catalogue order. */
export interface MissingClips {
  lang: string;
  total: number;
  missing: string[];
}

export class PromptLibrary {
  private readonly textCache = new Map<string, Record<string, string>>();

  constructor(private readonly o: PromptLibraryOptions) {}

  /** The file of a clip, if it is on disk. */
  file(lang: string, key: string): string | undefined {
    const file = join(this.o.dir, lang, `${key}.wav`);
    return existsSync(file) ? file : undefined;
  }

  /** Every clip of the catalogue missing on disk, per language. */
  missing(langs: readonly string[]): MissingClips[] {
    return langs.map((lang) => {
      const keys = Object.keys(this.texts(lang));
      return { lang, total: keys.length, missing: keys.filter((k) => !this.file(lang, k)) };
    });
  }

  /**
   * Clips on disk that are not WAV files (a recording saved as MP3 and renamed, say): served as
   * audio/wav, a provider would fail to play them. Only the first 4 KiB of each is read.
   */
  notWav(langs: readonly string[]): string[] {
    const head = Buffer.alloc(4096);
    return langs.flatMap((lang) =>
      Object.keys(this.texts(lang)).filter((key) => {
        const file = this.file(lang, key);
        if (!file) return false;
        const fd = openSync(file, 'r');
        try {
          const n = readSync(fd, head, 0, head.length, 0);
          return readWavFormat(head.subarray(0, n)) === undefined;
        } finally {
          closeSync(fd);
        }
      }).map((key) => `${lang}/${key}`),
    );
  }

  /**
   * What to play for `key` in `lang`: its clip; else the provider's Say of its text when the
   * provider speaks `lang` (`sayLanguages`); else the default language's clip; else Say of the
   * default language's text where spoken; else Say of the text regardless. Every fallback carries
   * a warning for the log.
   */
  resolveClip(lang: string, key: string, sayLanguages: readonly string[] = []): ResolvedClip {
    const own = this.file(lang, key);
    if (own) return { play: { lang, key, file: own } };
    const text = this.texts(lang)[key];
    const missing = `clip ${lang}/${key} is missing (run \`sauti voice render\` or record it)`;
    if (text !== undefined && sayLanguages.includes(lang)) return { say: { lang, text }, warning: `${missing}: the provider says its text` };
    const fallback = this.o.defaultLanguage;
    const other = fallback !== lang ? this.file(fallback, key) : undefined;
    if (other) return { play: { lang: fallback, key, file: other }, warning: `${missing}: playing the ${fallback} clip` };
    const fallbackText = this.texts(fallback)[key];
    if (fallbackText !== undefined && sayLanguages.includes(fallback)) {
      return { say: { lang: fallback, text: fallbackText }, warning: `${missing}: the provider says the ${fallback} text` };
    }
    return { say: { lang, text: text ?? fallbackText ?? key }, warning: `${missing}, and the provider does not speak ${lang}: it says the text as best it can` };
  }

  private texts(lang: string): Record<string, string> {
    let t = this.textCache.get(lang);
    if (!t) {
      t = this.o.texts(lang);
      this.textCache.set(lang, t);
    }
    return t;
  }
}
