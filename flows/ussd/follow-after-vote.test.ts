// Following after a vote, on USSD: once a vote is recorded, a caller SMS can reach stays on a CON
// screen showing the receipt, with one key to follow the projects voted for (the store FOLLOW 7
// and Project progress use) and Exit. A caller SMS cannot reach ends on the receipt as before.
import { describe, expect, it } from 'vitest';
import type { Deployment } from '../../src/config/schema.ts';
import type { UssdContext, VoterSnapshot } from '../../src/engine/flow-contract.ts';
import { t } from '../../src/i18n/index.ts';
import { afterCloseDeployment, testDeployment, withBallot } from '../../test/helpers/deployment.ts';
import { ctxFor, drive, FRESH } from '../../test/helpers/flow.ts';
import { followableCodes } from '../shared/winning.ts';
import { ussdFlow } from './index.ts';
import { SCREEN_LIMIT } from './layout.ts';

const VOTE = ['1', '1', '3', '1', '99', '1']; // North Ward, projects 3 and 1, confirmed
const earlier: VoterSnapshot['ballot'] = {
  cycleId: 'c-open',
  wardId: 'north',
  picks: [2],
  receipt: 'OLD11-RCPT1',
  castAt: new Date('2026-11-20T08:00:00Z'),
  eventId: 'e1',
};

function ctx(lang: 'en' | 'sw' | 'fr', sms: boolean, d: Deployment = testDeployment(), voter: Partial<VoterSnapshot> = {}): UssdContext {
  return { ...ctxFor(d, { lang, ...voter }), smsFollow: sms };
}

interface Case {
  name: string;
  inputs: string[];
  lang?: 'en' | 'sw' | 'fr';
  sms?: boolean;
  voter?: Partial<VoterSnapshot>;
  end: boolean;
  contains: string[];
  absent?: string[];
  follow?: { cycleId: string; codes: number[]; lang: string };
}

const cases: Case[] = [
  {
    name: 'the receipt stays on screen, with Follow and Exit',
    inputs: VOTE,
    end: false,
    contains: [`Receipt: ${FRESH.receipt}`, '1 Follow these projects by SMS', '0 Exit'],
  },
  { name: 'in Swahili', inputs: VOTE, lang: 'sw', end: false, contains: [`Risiti: ${FRESH.receipt}`, '1 Fuatilia miradi hii kwa SMS', '0 Toka'] },
  { name: 'in French', inputs: VOTE, lang: 'fr', end: false, contains: [`Reçu : ${FRESH.receipt}`, '1 Suivre ces projets par SMS', '0 Quitter'] },
  {
    name: '1 follows the projects voted for, in the order chosen, and says so with the receipt',
    inputs: [...VOTE, '1'],
    end: true,
    contains: [t('en', 'followingVoted', { codes: '3, 1', receipt: FRESH.receipt })],
    follow: { cycleId: 'c-open', codes: [3, 1], lang: 'en' },
  },
  {
    name: 'in Swahili, the follow is texted in Swahili',
    inputs: [...VOTE, '1'],
    lang: 'sw',
    end: true,
    contains: ['Utapokea habari za miradi 3, 1 kwa SMS ikishinda.', `Risiti: ${FRESH.receipt}`],
    follow: { cycleId: 'c-open', codes: [3, 1], lang: 'sw' },
  },
  { name: 'Exit ends on the receipt alone', inputs: [...VOTE, '0'], end: true, contains: [`Receipt: ${FRESH.receipt}`], absent: ['Follow'] },
  {
    name: 'any other key is no choice, the receipt shown again',
    inputs: [...VOTE, '5'],
    end: false,
    contains: ['Invalid choice', `Receipt: ${FRESH.receipt}`, '1 Follow'],
  },
  {
    name: 'a replacing vote says so on the follow screen',
    inputs: ['1', '1', ...VOTE],
    voter: { ballot: earlier },
    end: false,
    contains: [t('en', 'voteReplaced'), '1 Follow these projects by SMS'],
  },
  {
    name: 'no offer when SMS cannot reach the caller (no provider, or STOP): the receipt ends the session',
    inputs: VOTE,
    sms: false,
    end: true,
    contains: [`Receipt: ${FRESH.receipt}`],
    absent: ['Follow'],
  },
];

describe('USSD: follow after voting', () => {
  it.each(cases)('$name', (c) => {
    const run = drive(c.inputs, ctx(c.lang ?? 'en', c.sms ?? true, testDeployment(), c.voter));
    expect(run.end).toBe(c.end);
    for (const s of c.contains) expect(run.text).toContain(s);
    for (const s of c.absent ?? []) expect(run.text).not.toContain(s);
    expect(run.text.length).toBeLessThanOrEqual(SCREEN_LIMIT);
    expect(run.last.follow).toEqual(c.follow);
  });

  it('the vote is recorded with the receipt screen, before the offer is answered: hanging up loses nothing', () => {
    const shown = drive(VOTE, ctx('en', true));
    expect(shown.last.effects).toEqual([{ type: 'vote.cast', cycleId: 'c-open', wardId: 'north', picks: [3, 1], receipt: FRESH.receipt, replaces: null }]);
    // Following records no event and casts nothing again.
    expect(drive([...VOTE, '1'], ctx('en', true)).last.effects).toEqual([]);
    expect(ussdFlow.isResumable(shown.state)).toBe(false);
  });

  it('choose-1 and cumulative: each project once, in the order chosen', () => {
    expect(drive(['1', '1', '2', '1', '1'], ctx('en', true, withBallot({ rule: 'choose-1' }))).last.follow).toEqual({
      cycleId: 'c-open',
      codes: [2],
      lang: 'en',
    });
    const cumulative = withBallot({ rule: 'cumulative', points: 5, maxPerProject: 3 });
    expect(drive(['1', '1', '3', '3', '1', '99', '1', '1'], ctx('en', true, cumulative)).last.follow).toEqual({ cycleId: 'c-open', codes: [3, 1], lang: 'en' });
  });

  it('a caller who sent STOP between the screens is not followed', () => {
    const shown = drive(VOTE, ctx('en', true));
    const stopped = ussdFlow.step(shown.state, '1', ctx('en', false));
    expect(stopped.follow).toBeUndefined();
    expect(stopped.reply.text).toContain('Invalid choice');
    expect(stopped.reply.text).not.toContain('Follow');
  });

  it('many projects: the codes are cut with "..." before the screen overflows, the receipt kept, in every language', () => {
    const approval = withBallot({ rule: 'approval', max: 8 });
    const eight = ['1', '1', '1', '2', '3', '4', '5', '6', '7', '12', '99', '1', '1'];
    for (const lang of ['en', 'sw', 'fr'] as const) {
      const run = drive(eight, ctx(lang, true, approval));
      expect(run.text.length).toBeLessThanOrEqual(SCREEN_LIMIT);
      expect(run.text).toContain(FRESH.receipt);
      expect(run.last.follow?.codes).toEqual([1, 2, 3, 4, 5, 6, 7, 12]);
    }
  });
});

describe('which projects a vote can follow', () => {
  const d = afterCloseDeployment((r) => (r.cycles[0].results = { published: '2026-12-05T00:00:00+03:00', selected: [1, 4] }));
  const cycle = d.cycles.find((c) => c.id === 'c-open')!;

  it('every project voted for while the winners are unknown; only the winners once published', () => {
    expect(followableCodes(cycle, [3, 1, 1, 4], new Date('2026-12-01T00:00:00Z'))).toEqual([3, 1, 4]);
    expect(followableCodes(cycle, [3, 1, 1, 4], new Date('2026-12-10T00:00:00Z'))).toEqual([1, 4]);
    expect(followableCodes(cycle, [3], new Date('2026-12-10T00:00:00Z'))).toEqual([]);
  });
});
