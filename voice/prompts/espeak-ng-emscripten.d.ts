// The package ships no types: the part of its API that tts.ts (and its test) use.
declare module '@echogarden/espeak-ng-emscripten' {
  interface ESpeakNGWorker {
    set_voice(name: string): number;
    set_rate(wordsPerMinute: number): number;
    get_samplerate(): number;
    /** Every voice of the bundled data, with the language codes it speaks. */
    list_voices(): { name: string; identifier: string; languages: { name: string; priority: number }[] }[];
    /** Calls back with each chunk of samples; a truthy return stops synthesis. */
    synthesize(text: string, callback: (samples: Int16Array, events: unknown[]) => unknown): void;
  }
  const init: () => Promise<{ eSpeakNGWorker: new () => ESpeakNGWorker }>;
  export default init;
}
