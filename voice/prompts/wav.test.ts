// The clip format and the resampler, on signals whose answer is known.
import { describe, expect, it } from 'vitest';
import { encodeWav, readWavFormat, resample, trimSilence } from './wav.ts';

const tone = (hz: number, rate: number, seconds: number, amplitude = 10_000) =>
  Int16Array.from({ length: Math.round(rate * seconds) }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate)));

/** Root mean square of the middle half (away from the filter's edges). */
const rms = (s: Int16Array) => {
  const mid = s.subarray(s.length / 4, (3 * s.length) / 4);
  return Math.sqrt(mid.reduce((a, v) => a + v * v, 0) / mid.length);
};

describe('wav', () => {
  it('writes a 44-byte RIFF header that reads back as 8 kHz 16-bit mono PCM', () => {
    const b = encodeWav(Int16Array.from([0, 1000, -1000, 32767]), 8000);
    expect(b.length).toBe(44 + 8);
    expect(readWavFormat(b)).toEqual({ audioFormat: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16, dataBytes: 8 });
    expect(b.readInt16LE(44 + 6)).toBe(32767);
    expect(readWavFormat(Buffer.from('not a wave file at all'))).toBeUndefined();
  });

  it('keeps a 1 kHz tone and removes a 6 kHz one (above the 4 kHz limit of 8 kHz audio) from 22,050 Hz to 8 kHz', () => {
    const low = resample(tone(1000, 22050, 0.5), 22050, 8000);
    const high = resample(tone(6000, 22050, 0.5), 22050, 8000);
    expect(low.length).toBe(4000);
    expect(rms(low)).toBeGreaterThan(0.95 * (10_000 / Math.SQRT2));
    expect(rms(low)).toBeLessThan(1.05 * (10_000 / Math.SQRT2));
    expect(rms(high)).toBeLessThan(0.02 * (10_000 / Math.SQRT2));
  });

  it('trims leading and trailing silence but keeps a little padding', () => {
    const s = new Int16Array(8000);
    s.set(tone(440, 8000, 0.25), 2000); // sound from 0.25 s to 0.5 s
    const t = trimSilence(s, 8000, 40);
    // 2,000 sound samples (less the sine's quiet edges) plus 320 samples of padding each side.
    expect(t.length).toBeGreaterThan(2000 + 2 * 300);
    expect(t.length).toBeLessThanOrEqual(2000 + 2 * 320);
    expect(trimSilence(new Int16Array(100), 8000).length).toBe(0);
  });
});
