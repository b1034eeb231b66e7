// The package ships no types: the part of its API that tts.ts uses.
declare module '@echogarden/espeak-ng-emscripten' {
  interface ESpeakNGWorker {
    set_voice(name: string): number;
    set_rate(wordsPerMinute: number): number;
    get_samplerate(): number;
    /** Calls back with each chunk of samples; a truthy return stops synthesis. */
    synthesize(text: string, callback: (samples: Int16Array, events: unknown[]) => unknown): void;
  }
  const init: () => Promise<{ eSpeakNGWorker: new () => ESpeakNGWorker }>;
  export default init;
}
