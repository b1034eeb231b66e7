// Ordering times along one gateway's sequence never go back (what makes the ballot order total).
import { describe, expect, it } from 'vitest';
import { monotoneOrderedAt } from './rules.ts';

const T = (min: number) => new Date(Date.UTC(2026, 10, 22, 9, min)).toISOString();

describe('monotoneOrderedAt', () => {
  it.each([
    {
      name: 'times already in order are kept',
      fresh: [
        [1, 5],
        [2, 6],
      ],
      stored: [],
      out: [
        [1, 5],
        [2, 6],
      ],
    },
    {
      name: 'a clock stepped back within a batch: raised to the vote before',
      fresh: [
        [1, 10],
        [2, 5],
        [3, 12],
      ],
      stored: [],
      out: [
        [1, 10],
        [2, 10],
        [3, 12],
      ],
    },
    { name: 'raised to the stored vote just before the batch', fresh: [[4, 5]], stored: [[3, 9]], out: [[4, 9]] },
    {
      name: 'a batch filling a gap is kept between its stored neighbours',
      fresh: [
        [2, 1],
        [3, 20],
      ],
      stored: [
        [1, 4],
        [4, 8],
      ],
      out: [
        [2, 4],
        [3, 8],
      ],
    },
    {
      name: 'fresh events in any order',
      fresh: [
        [3, 5],
        [2, 7],
      ],
      stored: [],
      out: [
        [2, 7],
        [3, 7],
      ],
    },
  ])('$name', ({ fresh, stored, out }) => {
    const times = monotoneOrderedAt(
      fresh.map(([seq, min]) => ({ seq: seq!, corrected: T(min!) })),
      stored.map(([seq, min]) => ({ seq: seq!, orderedAt: T(min!) })),
    );
    expect([...times.entries()].sort((a, b) => a[0] - b[0])).toEqual(out.map(([seq, min]) => [seq, T(min!)]));
  });
});
