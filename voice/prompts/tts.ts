// Offline text-to-speech: eSpeak NG compiled to WebAssembly (@echogarden/espeak-ng-emscripten,
// GPL-3.0, installed by `npm install`; no system package). Loaded only when a clip is rendered:
// it holds ~25 MB of voice data that the gateway never needs.

import { languagePack } from '../../src/i18n/languages.ts';

/** Speaks text to 16-bit mono samples. */
export interface Tts {
  sampleRate: number;
  speak(text: string, lang: string): Int16Array;
}

/** eSpeak NG voices for Sauti's languages (en: British English, as the English texts are). */
const VOICES: Record<string, string> = { en: 'en', sw: 'sw', fr: 'fr' };

/**
 * The two- and three-letter language codes the bundled eSpeak NG data has a voice for (its
 * `list_voices()`; test/languages.test.ts checks this list against it). No Dholuo, Kinyarwanda,
 * Luganda, Hausa or Yoruba among them: such a language's clips are recorded by the city, or a
 * catalogue names a voice that reads it passably (`voice.espeak`).
 */
export const ESPEAK_LANGUAGES: ReadonlySet<string> = new Set(
  `af am an ar as az ba be bg bn bpy bs ca cmn cs cv cy da de el en eo es et eu fa fi fo fr ga gd gn grc gu hak haw hbs he hi hr ht hu hy hyw ia id io is it ja jbo ka kaa kk kl kn ko kok ku ky la lb lfn lt ltg lv mi mk ml mr ms mt mto my nb nci ne nl no nog om or pa pap pl pt py qdb qu quc qya ro ru sd shn si sjn sk sl smj sq sr sv sw ta te th ti tk tn tr tt ug uk ur uz vi xex yue zh`.split(' '),
);

/** The eSpeak NG voice clips of `lang` are rendered with: the catalogue's choice, else its own code if eSpeak has it; undefined when none. */
export function espeakVoice(lang: string): string | undefined {
  if (VOICES[lang]) return VOICES[lang];
  const pack = languagePack(lang);
  const voice = pack?.voice.espeak ?? lang;
  return ESPEAK_LANGUAGES.has(voice) ? voice : undefined;
}

/** What is wrong with the eSpeak NG voice a catalogue names (`voice.espeak`): one eSpeak does not have. */
export function espeakProblems(voice: string | undefined): string[] {
  if (voice === undefined || ESPEAK_LANGUAGES.has(voice)) return [];
  return [`voice.espeak: eSpeak NG has no voice '${voice}' (it has: ${[...ESPEAK_LANGUAGES].join(', ')}); leave it out and record the clips`];
}

/** Words per minute: a little slower than eSpeak's 175, for callers on a noisy line. */
const RATE = 150;

/** What changes every rendered clip when it changes: the text hash includes it, so clips re-render. */
export const TTS_ID = `espeak-ng-emscripten@0.3.5 rate=${RATE}`;

/** Starts eSpeak NG (about a quarter of a second). */
export async function espeakTts(): Promise<Tts> {
  const { default: init } = await import('@echogarden/espeak-ng-emscripten');
  const m = await init();
  const worker = new m.eSpeakNGWorker();
  let voice: string | undefined;
  return {
    sampleRate: worker.get_samplerate(),
    speak(text, lang) {
      const name = espeakVoice(lang);
      if (!name) throw new Error(`no eSpeak NG voice for '${lang}'; record this language's clips instead`);
      if (voice !== name) {
        if (worker.set_voice(name) !== 0) throw new Error(`eSpeak NG could not load its '${name}' voice`);
        worker.set_rate(RATE);
        voice = name;
      }
      const chunks: Int16Array[] = [];
      // The callback's return value would stop synthesis when truthy: return nothing.
      worker.synthesize(text, (samples) => {
        chunks.push(samples);
      });
      const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const c of chunks) {
        out.set(c, at);
        at += c.length;
      }
      return out;
    },
  };
}
