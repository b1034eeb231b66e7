// The ballot-order rule as a table: which of a voter's ballots counts, on a gateway and in the ledger.
import { describe, expect, it } from 'vitest';
import { compareBallots, countedBallot, type OrderedBallot, type RevotePolicy } from './ballot-order.ts';

const T = (ms: number) => new Date(Date.UTC(2026, 10, 22, 9, 0, 0, ms)).toISOString();
const ballot = (eventId: string, gatewayId: string, gatewaySeq: number, orderedAt: string): OrderedBallot => ({ eventId, gatewayId, gatewaySeq, orderedAt });

// Event ids as UUIDv7 would give them: applied first, smaller id. Today's ledger let the smaller
// id win a tie, the gateway the later one.
const cases: { name: string; ballots: OrderedBallot[]; replace: string; refuse: string }[] = [
  {
    name: 'one gateway, same millisecond (USSD confirm and SMS VOTE): the one it applied last',
    ballots: [ballot('01-ussd', 'gw-a', 7, T(0)), ballot('02-sms', 'gw-a', 8, T(0))],
    replace: '02-sms',
    refuse: '01-ussd',
  },
  {
    name: 'one gateway whose clock stepped back: its sequence, not its clock (the replacing ballot comes after)',
    ballots: [ballot('01-first', 'gw-a', 3, T(900)), ballot('02-replacing', 'gw-a', 4, T(100))],
    replace: '02-replacing',
    refuse: '01-first',
  },
  {
    name: 'one gateway, ids in the other order than the sequence: the sequence',
    ballots: [ballot('ff-first', 'gw-a', 1, T(0)), ballot('00-second', 'gw-a', 2, T(0))],
    replace: '00-second',
    refuse: 'ff-first',
  },
  {
    name: 'two gateways: the corrected capture time',
    ballots: [ballot('09-b', 'gw-b', 1, T(100)), ballot('01-a', 'gw-a', 50, T(200))],
    replace: '01-a',
    refuse: '09-b',
  },
  {
    name: 'two gateways, same corrected time: the smaller gateway id comes first',
    ballots: [ballot('01-b', 'gw-b', 1, T(0)), ballot('09-a', 'gw-a', 9, T(0))],
    replace: '01-b',
    refuse: '09-a',
  },
  {
    name: 'three ballots on two gateways',
    ballots: [ballot('a1', 'gw-a', 1, T(0)), ballot('b1', 'gw-b', 1, T(50)), ballot('a2', 'gw-a', 2, T(100))],
    replace: 'a2',
    refuse: 'a1',
  },
];

describe('which ballot counts', () => {
  for (const c of cases) {
    for (const policy of ['replace', 'refuse'] as const satisfies RevotePolicy[]) {
      it(`${c.name} (${policy})`, () => {
        // Whatever order they are looked at in.
        for (const order of permutations(c.ballots)) expect(countedBallot(policy, order)?.eventId).toBe(c[policy]);
      });
    }
  }

  it('has no ballot to count in an empty list', () => {
    expect(countedBallot('replace', [])).toBeNull();
  });

  it("is the lexicographic order of (orderedAt, gatewayId, gatewaySeq) when each gateway's times never go back, as the ledger keeps them", () => {
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let round = 0; round < 200; round++) {
      const ballots: OrderedBallot[] = [];
      for (const gw of ['gw-a', 'gw-b', 'gw-c']) {
        let t = random(5);
        for (let seq = 1; seq <= 1 + random(4); seq++) ballots.push(ballot(`${gw}-${seq}-${random(1000)}`, gw, seq, T((t += random(3)))));
      }
      const key = (b: OrderedBallot) => `${b.orderedAt} ${b.gatewayId} ${String(b.gatewaySeq).padStart(6, '0')}`;
      const byRule = [...ballots].sort(compareBallots).map((b) => b.eventId);
      const byKey = [...ballots].sort((x, y) => (key(x) < key(y) ? -1 : 1)).map((b) => b.eventId);
      expect(byRule).toEqual(byKey);
    }
  });
});

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}
