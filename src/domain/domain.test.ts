// Pure domain rules: ballots, codes, money, phases, phone pseudonyms.
import { describe, expect, it } from 'vitest';
import { testDeployment, withBallot } from '../../test/helpers/deployment.ts';
import { checkAdd, checkBallot, pointsByCode } from './ballot.ts';
import { bytesFor, RECEIPT_LENGTH, shortCode } from './codes.ts';
import { phaseStatus, wardProjects } from './cycle.ts';
import { formatMoney } from './format.ts';
import { toE164, voterKey } from './voter.ts';

describe('ballot rules', () => {
  const d = testDeployment();
  const projects = wardProjects(d.cycles[0]!, 'north');
  const rule = (b: Record<string, unknown>) => withBallot(b).cycles[0]!.ballot;

  const cases: [string, Record<string, unknown>, number[], unknown][] = [
    ['approval within bounds', { rule: 'approval', min: 1, max: 3 }, [1, 2], null],
    ['approval over max', { rule: 'approval', min: 1, max: 2 }, [1, 2, 3], { kind: 'too-many', max: 2 }],
    ['approval under min', { rule: 'approval', min: 2, max: 3 }, [1], { kind: 'too-few', min: 2 }],
    ['choose-1 with two', { rule: 'choose-1' }, [1, 2], { kind: 'too-many', max: 1 }],
    ['knapsack within budget (10M)', { rule: 'knapsack' }, [1, 2, 7], null],
    ['knapsack over budget', { rule: 'knapsack' }, [1, 2, 3], { kind: 'over-budget', left: 2_300_000 }],
    ['ranking with k=2 and three', { rule: 'ranking', k: 2 }, [3, 1, 2], { kind: 'too-many', max: 2 }],
    ['a project of another ward', { rule: 'approval', max: 3 }, [20], { kind: 'unknown-project', code: 20 }],
    ['a project twice', { rule: 'approval', max: 3 }, [1, 1], { kind: 'duplicate', code: 1 }],
    ['an empty ballot', { rule: 'approval', max: 3 }, [], { kind: 'too-few', min: 1 }],
    ['cumulative: a repeated code is another point', { rule: 'cumulative', points: 3 }, [3, 3, 7], null],
    ['cumulative: fewer points than the voter has', { rule: 'cumulative', points: 10 }, [3], null],
    ['cumulative: all points on one project by default', { rule: 'cumulative', points: 3 }, [3, 3, 3], null],
    ['cumulative: one point over the total', { rule: 'cumulative', points: 3 }, [3, 3, 7, 1], { kind: 'over-points', points: 3 }],
    [
      'cumulative: one point over the per-project maximum',
      { rule: 'cumulative', points: 5, maxPerProject: 2 },
      [3, 7, 3, 3],
      { kind: 'project-points', code: 3, max: 2 },
    ],
    ['cumulative: too few projects, however many points', { rule: 'cumulative', points: 5, min: 2 }, [3, 3, 3], { kind: 'too-few', min: 2 }],
    ['cumulative: a project of another ward', { rule: 'cumulative', points: 5 }, [3, 20], { kind: 'unknown-project', code: 20 }],
    ['cumulative: an empty ballot', { rule: 'cumulative', points: 5 }, [], { kind: 'too-few', min: 1 }],
    ['ranking still refuses a repeat', { rule: 'ranking', k: 3 }, [3, 3], { kind: 'duplicate', code: 3 }],
  ];
  it.each(cases)('%s', (_n, b, picks, expected) => {
    expect(checkBallot(rule(b), picks, projects, 10_000_000)).toEqual(expected);
  });

  it('counts repeats as points, in the order projects were first picked', () => {
    expect([...pointsByCode([7, 3, 7, 7, 1])]).toEqual([
      [7, 3],
      [3, 1],
      [1, 1],
    ]);
  });

  it('checkAdd gives a cumulative project another point until its maximum or the total is reached', () => {
    const c = rule({ rule: 'cumulative', points: 4, maxPerProject: 2 });
    expect(checkAdd(c, [3], 3, projects, 0)).toBeNull();
    expect(checkAdd(c, [3, 3], 3, projects, 0)).toEqual({ kind: 'project-points', code: 3, max: 2 });
    expect(checkAdd(c, [3, 3, 7, 7], 1, projects, 0)).toEqual({ kind: 'over-points', points: 4 });
  });

  it('checkAdd reports the money left under knapsack', () => {
    expect(checkAdd(rule({ rule: 'knapsack' }), [1, 2], 6, projects, 10_000_000)).toEqual({ kind: 'over-budget', left: 2_300_000 });
  });
});

describe('short codes', () => {
  it('encode 50 bits as ten Crockford characters in two groups', () => {
    expect(bytesFor(RECEIPT_LENGTH)).toBe(7);
    expect(shortCode(new Uint8Array(7), RECEIPT_LENGTH)).toBe('00000-00000');
    expect(shortCode(new Uint8Array(7).fill(255), RECEIPT_LENGTH)).toBe('ZZZZZ-ZZZZZ');
    expect(shortCode(Uint8Array.from([0x08, 0x86, 0x42, 0x98, 0xe8, 0, 0]), 8)).toBe('12345-678');
  });

  it('never use the ambiguous letters I, L, O, U', () => {
    const code = shortCode(
      Uint8Array.from({ length: 64 }, (_, i) => i * 37),
      100,
    );
    expect(code).not.toMatch(/[ILOU]/);
  });
});

describe('money', () => {
  it.each([
    [800, 'en', 'KES 800'],
    [950_000, 'en', 'KES 950K'],
    [1_250_000, 'en', 'KES 1.3M'],
    [1_250_000, 'fr', 'KES 1,3M'],
    [13_000_000, 'sw', 'KES 13M'],
    [120_000_000, 'en', 'KES 120M'],
  ] as const)('%d in %s is %s', (amount, lang, text) => {
    expect(formatMoney(amount, 'KES', lang)).toBe(text);
  });
});

describe('phases', () => {
  const d = testDeployment();
  it('finds the open, upcoming and closed windows', () => {
    expect(phaseStatus(d, 'voting', new Date('2026-01-01T00:00:00Z')).kind).toBe('open');
    expect(phaseStatus(d, 'voting', new Date('2019-02-01T00:00:00Z'))).toMatchObject({ kind: 'upcoming', cycle: { id: 'c-past' } });
    expect(phaseStatus(d, 'voting', new Date('2100-01-01T00:00:00Z'))).toMatchObject({ kind: 'closed', cycle: { id: 'c-open' } });
  });
});

describe('voter pseudonyms', () => {
  it('normalise a number to E.164 before hashing', () => {
    expect(toE164('0711 000 001', 'KE')).toBe('+254711000001');
    expect(toE164('+254711000001', 'KE')).toBe('+254711000001');
    expect(toE164('12ab', 'KE')).toBeNull();
    expect(voterKey(toE164('0711000001', 'KE')!, 's')).toBe(voterKey('+254711000001', 's'));
  });

  it('depend on the deployment secret and do not contain the number', () => {
    const k = voterKey('+254711000001', 'secret-a');
    expect(k).not.toBe(voterKey('+254711000001', 'secret-b'));
    expect(k).not.toContain('711000001');
    expect(k).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
