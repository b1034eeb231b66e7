// The clip format and the little signal work to reach it: eSpeak speaks at 22,050 Hz; phones
// carry 8 kHz, so clips are 8 kHz 16-bit mono PCM WAV (audio/wav), which both providers play.

/** Sample rate of every rendered clip. */
export const CLIP_RATE = 8000;

/** A WAV file's format, as read from its header. */
export interface WavFormat {
  /** 1: PCM, 7: mu-law, 6: A-law, 0xfffe: extensible. */
  audioFormat: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  dataBytes: number;
}

/** A RIFF/WAVE file of 16-bit mono PCM samples. */
export function encodeWav(samples: Int16Array, sampleRate: number): Buffer {
  const data = samples.length * 2;
  const b = Buffer.alloc(44 + data);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + data, 4);
  b.write('WAVE', 8, 'ascii');
  b.write('fmt ', 12, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(sampleRate, 24);
  b.writeUInt32LE(sampleRate * 2, 28); // bytes per second
  b.writeUInt16LE(2, 32); // bytes per frame
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(data, 40);
  for (let i = 0; i < samples.length; i++) b.writeInt16LE(samples[i]!, 44 + i * 2);
  return b;
}

/** The format of a WAV file (walking its chunks), or undefined when it is not one. */
export function readWavFormat(b: Buffer): WavFormat | undefined {
  if (b.length < 12 || b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE') return undefined;
  let fmt: Omit<WavFormat, 'dataBytes'> | undefined;
  for (let at = 12; at + 8 <= b.length; ) {
    const id = b.toString('ascii', at, at + 4);
    const size = b.readUInt32LE(at + 4);
    if (id === 'fmt ' && at + 24 <= b.length) {
      fmt = { audioFormat: b.readUInt16LE(at + 8), channels: b.readUInt16LE(at + 10), sampleRate: b.readUInt32LE(at + 12), bitsPerSample: b.readUInt16LE(at + 22) };
    } else if (id === 'data') {
      // Only the header may have been read: the size is the header's word for it.
      return fmt && { ...fmt, dataBytes: size };
    }
    at += 8 + size + (size % 2);
  }
  return undefined;
}

/**
 * Resamples with a Hann-windowed sinc low-pass below the new Nyquist frequency (no aliasing
 * hiss). Rates are whole numbers, so output positions repeat every `to / gcd` samples: the
 * filter is computed once per phase.
 */
export function resample(input: Int16Array, from: number, to: number): Int16Array {
  if (from === to) return input.slice();
  const g = gcd(from, to);
  const up = to / g; // phases
  const down = from / g; // input samples per `up` outputs
  const half = 32; // taps each side, in input samples
  const taps = 2 * half;
  const cutoff = (0.9 * Math.min(from, to)) / from; // as a fraction of the input's Nyquist frequency
  const kernel = new Float64Array(up * taps);
  for (let p = 0; p < up; p++) {
    const frac = ((p * down) % up) / up;
    for (let i = 0; i < taps; i++) {
      const d = frac + half - 1 - i; // distance from the output position to tap i
      const x = Math.PI * cutoff * d;
      const sinc = d === 0 ? 1 : Math.sin(x) / x;
      kernel[p * taps + i] = cutoff * sinc * (0.5 + 0.5 * Math.cos((Math.PI * d) / half));
    }
  }
  const out = new Int16Array(Math.floor((input.length * to) / from));
  for (let j = 0; j < out.length; j++) {
    const first = Math.floor((j * down) / up) - half + 1;
    const k0 = (j % up) * taps;
    let acc = 0;
    for (let i = 0; i < taps; i++) {
      const k = first + i;
      if (k >= 0 && k < input.length) acc += input[k]! * kernel[k0 + i]!;
    }
    out[j] = Math.max(-32768, Math.min(32767, Math.round(acc)));
  }
  return out;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Drops leading and trailing near-silence, keeping `padMs` of it, so clips joined into a number flow. */
export function trimSilence(samples: Int16Array, sampleRate: number, padMs = 40, threshold = 300): Int16Array {
  let start = 0;
  let end = samples.length;
  while (start < end && Math.abs(samples[start]!) < threshold) start++;
  while (end > start && Math.abs(samples[end - 1]!) < threshold) end--;
  if (start === end) return samples.slice(0, 0);
  const pad = Math.round((padMs / 1000) * sampleRate);
  return samples.slice(Math.max(0, start - pad), Math.min(samples.length, end + pad));
}
