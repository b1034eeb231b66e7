// Offline text-to-speech: eSpeak NG compiled to WebAssembly (@echogarden/espeak-ng-emscripten,
// GPL-3.0, installed by `npm install`; no system package). Loaded only when a clip is rendered:
// it holds ~25 MB of voice data that the gateway never needs.

/** Speaks text to 16-bit mono samples. */
export interface Tts {
  sampleRate: number;
  speak(text: string, lang: string): Int16Array;
}

/** eSpeak NG voices for Sauti's languages (en: British English, as the English texts are). */
const VOICES: Record<string, string> = { en: 'en', sw: 'sw', fr: 'fr' };

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
      const name = VOICES[lang];
      if (!name) throw new Error(`no eSpeak NG voice for '${lang}' (it has: ${Object.keys(VOICES).join(', ')}); record this language's clips instead`);
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
