// Every reachable screen, in every language and under every ballot rule, fits in 182 characters.
// Explores the flow breadth-first from session start with every input a caller could type.
import { describe, expect, it } from 'vitest';
import type { Deployment } from '../../src/config/schema.ts';
import type { UssdContext, VoterSnapshot } from '../../src/engine/flow-contract.ts';
import { AFTER_CLOSE, afterCloseDeployment, testDeployment, withBallot } from '../../test/helpers/deployment.ts';
import { ctxFor } from '../../test/helpers/flow.ts';
import { ussdFlow, type UssdState } from './index.ts';
import { SCREEN_LIMIT } from './layout.ts';

const INPUTS = [
  '0',
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '9',
  '12',
  '20',
  '21',
  '31',
  '98',
  '99',
  'x',
  '',
  'Repair the bridge',
  'A much longer description of the idea, with the place it is needed and who it helps most',
];
const MAX_STATES = 2500;

function explore(deployment: Deployment, voter: Partial<VoterSnapshot>, now?: Date, extra: Partial<UssdContext> = {}) {
  const ctx = { ...ctxFor(deployment, voter, now), ...extra };
  const seen = new Set<string>();
  const queue: UssdState[] = [];
  const tooLong: string[] = [];
  const screens = new Set<string>();
  const visit = (text: string, state: UssdState, end: boolean) => {
    if (text.length > SCREEN_LIMIT) tooLong.push(text);
    screens.add(state.screen.name);
    const key = JSON.stringify(state);
    if (!end && !seen.has(key) && seen.size < MAX_STATES) {
      seen.add(key);
      queue.push(state);
    }
  };
  const first = ussdFlow.start(ctx, null);
  visit(first.reply.text, first.state, first.reply.end);
  while (queue.length > 0) {
    const state = queue.shift()!;
    for (const input of INPUTS) {
      const r = ussdFlow.step(state, input, ctx);
      visit(r.reply.text, r.state, r.reply.end);
    }
  }
  expect(tooLong).toEqual([]);
  return { states: seen.size, screens };
}

const rules = {
  approval: withBallot({ rule: 'approval', min: 1, max: 3 }),
  'choose-1': withBallot({ rule: 'choose-1' }),
  knapsack: withBallot({ rule: 'knapsack' }),
  ranking: withBallot({ rule: 'ranking', k: 5 }),
  cumulative: withBallot({ rule: 'cumulative', points: 10, maxPerProject: 4 }),
  'approval refuse': withBallot({ rule: 'approval', max: 8 }, 'refuse'),
};
const ballot = { cycleId: 'c-open', wardId: 'north', picks: [1, 2, 3], receipt: 'AAAAA-BBBBB', castAt: new Date('2026-11-20T08:00:00Z'), eventId: 'e1' };

describe('USSD screens fit in 182 characters', () => {
  for (const lang of ['en', 'sw', 'fr'] as const) {
    for (const [name, deployment] of Object.entries(rules)) {
      it(`${lang}, ${name}`, () => {
        // A caller SMS reaches is offered to follow after voting: walked with a replacing vote (the
        // longest receipt), or, where a second vote is refused, with the first.
        const refuse = name.endsWith('refuse');
        const fresh = explore(deployment, { lang }, undefined, { smsFollow: refuse });
        const voted = explore(deployment, { lang, ballot }, undefined, { smsFollow: true });
        // The walk must reach deep screens (confirm, proposal text, the follow offer), or it proves little.
        expect(fresh.states).toBeGreaterThan(50);
        expect(voted.states).toBeGreaterThan(10);
        expect((refuse ? fresh : voted).screens).toContain('voted');
      });
    }
  }

  // After the vote closed: "My vote" of the closed cycle with every ledger standing, Vote, Rules.
  for (const lang of ['en', 'sw', 'fr'] as const) {
    it(`${lang}, after the vote closed`, () => {
      const closed = afterCloseDeployment((r) => (r.cycles[0].resultsExpected = '2027-01-15T09:00:00+03:00'));
      for (const ledger of ['pending', 'recorded', 'counted', 'replaced', 'superseded', 'late', 'refused'] as const) {
        const cast = { ...ballot, picks: [1, 2, 3, 4, 5, 6, 7, 12], ledger, countedChannel: 'field' };
        expect(explore(closed, { lang, ballot: cast }, AFTER_CLOSE).states).toBeGreaterThan(5);
      }
    });
  }

  // Project progress with an update whose milestone is as long as the ledger allows, SMS reaching the caller.
  for (const lang of ['en', 'sw', 'fr'] as const) {
    it(`${lang}, Project progress with a 300-character milestone`, () => {
      const milestone = 'Ufungaji wa mabomba na tangi kubwa la maji umeanza katika kijiji cha Kiboko karibu na soko '.repeat(4).slice(0, 300);
      const update = {
        seq: 9,
        cycleId: 'c-past',
        code: 31,
        status: 'cancelled' as const,
        progress: 100,
        date: '2027-09-30',
        milestone: { [lang]: milestone },
        reason: null,
        recordedAt: '2027-09-30T09:00:00.000Z',
      };
      const extra = { projectUpdate: (code: number) => (code === 31 ? update : null), smsFollow: true };
      expect(explore(testDeployment(), { lang }, undefined, extra).states).toBeGreaterThan(50);
    });
  }

  it('a new caller, before any language is chosen', () => {
    expect(explore(testDeployment(), {}).states).toBeGreaterThan(50);
  });
});
