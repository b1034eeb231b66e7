// Sync retries after an outage are spread out: many gateways cut off together must not all
// retry the ledger in the same instant when it returns, yet none waits outside the bounds.
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EmbeddedSyncScheduler } from '../sync/scheduler.ts';
import { nextDelayMs } from '../sync/sync-job.ts';

/** A seeded random source (mulberry32), so the spread is the same on every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERVAL = 10_000;
const MAX = 300_000;

describe('nextDelayMs', () => {
  it('waits the plain interval while rounds succeed', () => {
    expect(nextDelayMs(INTERVAL, 0, MAX, () => 0.99)).toBe(INTERVAL);
  });

  // The ceiling doubles per failure up to the maximum; the delay is anywhere from the interval to it.
  it.each([
    [1, 20_000],
    [2, 40_000],
    [4, 160_000],
    [5, MAX],
    [60, MAX],
  ])('after %i failure(s) stays between the interval and %i ms, reaching both ends', (failures, ceiling) => {
    expect(nextDelayMs(INTERVAL, failures, MAX, () => 0)).toBe(INTERVAL);
    expect(nextDelayMs(INTERVAL, failures, MAX, () => 0.999_999_9)).toBe(ceiling);
    expect(nextDelayMs(INTERVAL, failures, MAX, () => 0.5)).toBe(Math.round((INTERVAL + ceiling) / 2));
  });

  it('spreads 200 gateways failing together over the whole window', () => {
    const random = seeded(17);
    for (const failures of [1, 3, 6]) {
      const ceiling = Math.min(INTERVAL * 2 ** failures, MAX);
      const delays = Array.from({ length: 200 }, () => nextDelayMs(INTERVAL, failures, MAX, random));
      for (const d of delays) {
        expect(d).toBeGreaterThanOrEqual(INTERVAL);
        expect(d).toBeLessThanOrEqual(ceiling);
      }
      // Every tenth of the window gets some of them, and no instant gets more than a few.
      const tenths = new Set(delays.map((d) => Math.min(9, Math.floor(((d - INTERVAL) / (ceiling - INTERVAL)) * 10))));
      expect(tenths.size, `failures ${failures}`).toBe(10);
      const perSecond = new Map<number, number>();
      for (const d of delays) perSecond.set(Math.floor(d / 1000), (perSecond.get(Math.floor(d / 1000)) ?? 0) + 1);
      expect(Math.max(...perSecond.values()), `failures ${failures}`).toBeLessThanOrEqual(failures === 1 ? 40 : 12);
    }
  });

  it('a maximum below the interval keeps the interval', () => {
    expect(nextDelayMs(INTERVAL, 3, 1000, () => 0.7)).toBe(INTERVAL);
  });
});

describe('the embedded scheduler', () => {
  afterEach(() => vi.useRealTimers());

  it('schedules each retry with the jitter of its random source, within bounds', async () => {
    vi.useFakeTimers();
    const draws = [0.1, 0.9, 0.5, 0.25];
    const random = () => draws.shift() ?? 0;
    const scheduled: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms: number) => {
      scheduled.push(ms);
      return realSetTimeout(fn, ms);
    }) as typeof setTimeout);
    const scheduler = new EmbeddedSyncScheduler(() => Promise.reject(new Error('ledger down')), 1000, 8000, pino({ level: 'silent' }), random);
    scheduler.start();
    for (let i = 0; i < 5; i++) await vi.advanceTimersToNextTimerAsync();
    await scheduler.stop();
    // The first round at once, then 1000 + r × (ceiling − 1000) with ceilings 2000, 4000, 8000, 8000.
    expect(scheduled.slice(0, 5)).toEqual([0, 1100, 3700, 4500, 2750]);
  });
});
