// The paper rules shared by gateway and ledger: the meeting's instant inside voting, the tally
// sheet's reconciliation with each ballot rule, and which entries settle a ballot.
import { describe, expect, it } from 'vitest';
import type { BallotRule, Project } from '../config/schema.ts';
import { agreement, meetingInstant, paperBallotKey, paperId, reconcileTally, tallySheetKey } from './paper.ts';

const window = { opens: new Date('2026-11-01T05:00:00Z'), closes: new Date('2026-11-30T15:00:00Z') };
const projects = [
  { code: 1, cost: 400 },
  { code: 2, cost: 300 },
  { code: 3, cost: 500 },
] as Project[];
const approval = { rule: 'approval', min: 1, max: 2 } as BallotRule;

describe('paper rules', () => {
  it('a meeting is recorded at noon of its day in the deployment’s zone, inside voting, or not at all', () => {
    expect(meetingInstant('2026-11-21', 'Africa/Nairobi', window)?.toISOString()).toBe('2026-11-21T09:00:00.000Z');
    // First and last day: moved inside the window.
    expect(meetingInstant('2026-11-01', 'America/Lima', { ...window, opens: new Date('2026-11-01T20:00:00Z') })?.toISOString()).toBe(
      '2026-11-01T20:00:00.000Z',
    );
    expect(meetingInstant('2026-11-30', 'Africa/Nairobi', { ...window, closes: new Date('2026-11-30T06:00:00Z') })?.toISOString()).toBe(
      '2026-11-30T05:59:59.999Z',
    );
    expect(meetingInstant('2026-12-01', 'Africa/Nairobi', window)).toBeNull();
    expect(meetingInstant('2026-10-31', 'Africa/Nairobi', window)).toBeNull();
    expect(meetingInstant('2026-02-30', 'Africa/Nairobi', window)).toBeNull();
  });

  it('serials and meeting ids have one spelling; keys differ by label, cycle and serial', () => {
    expect(paperId(' kb-0012 ')).toBe('KB-0012');
    expect(paperId('KB 12')).toBeNull();
    expect(paperId('-12')).toBeNull();
    const k = paperBallotKey('c', 'A-1', 's');
    expect(k).not.toBe(paperBallotKey('c', 'A-2', 's'));
    expect(k).not.toBe(paperBallotKey('d', 'A-1', 's'));
    expect(k).not.toBe(tallySheetKey('c', 'A-1', 's'));
  });

  it('a tally sheet reconciles issued = valid + spoiled and the votes with the rule', () => {
    const sheet = (valid: number, counts: [number, number][], spoiled = 0) => ({
      issued: valid + spoiled,
      valid,
      spoiled,
      counts: counts.map(([code, votes]) => ({ code, votes })),
    });
    expect(
      reconcileTally(
        approval,
        projects,
        1000,
        sheet(10, [
          [1, 10],
          [2, 5],
        ]),
      ),
    ).toBeNull();
    expect(reconcileTally(approval, projects, 1000, { ...sheet(10, [[1, 10]]), issued: 9 })).toEqual({ kind: 'issued', issued: 9, valid: 10, spoiled: 0 });
    expect(
      reconcileTally(
        approval,
        projects,
        1000,
        sheet(10, [
          [1, 10],
          [2, 10],
          [3, 1],
        ]),
      ),
    ).toEqual({ kind: 'too-many', total: 21, most: 20 });
    expect(reconcileTally(approval, projects, 1000, sheet(10, [[1, 9]]))).toEqual({ kind: 'too-few', total: 9, least: 10 });
    expect(reconcileTally(approval, projects, 1000, sheet(10, [[1, 11]]))).toMatchObject({ kind: 'over-valid', code: 1 });
    expect(reconcileTally(approval, projects, 1000, sheet(10, [[9, 10]]))).toEqual({ kind: 'unknown-project', code: 9 });
    expect(
      reconcileTally(
        approval,
        projects,
        1000,
        sheet(10, [
          [1, 5],
          [1, 5],
        ]),
      ),
    ).toEqual({ kind: 'duplicate', code: 1 });
    const one = { rule: 'choose-1' } as BallotRule;
    expect(
      reconcileTally(
        one,
        projects,
        1000,
        sheet(
          10,
          [
            [1, 6],
            [2, 4],
          ],
          3,
        ),
      ),
    ).toBeNull();
    expect(
      reconcileTally(
        one,
        projects,
        1000,
        sheet(10, [
          [1, 6],
          [2, 3],
        ]),
      ),
    ).toEqual({ kind: 'too-few', total: 9, least: 10 });
    const knapsack = { rule: 'knapsack', min: 1 } as BallotRule;
    // Each ballot within 800: 10 ballots spend at most 8,000.
    expect(
      reconcileTally(
        knapsack,
        projects,
        800,
        sheet(10, [
          [1, 10],
          [2, 10],
        ]),
      ),
    ).toBeNull();
    expect(
      reconcileTally(
        knapsack,
        projects,
        800,
        sheet(10, [
          [1, 10],
          [2, 10],
          [3, 3],
        ]),
      ),
    ).toEqual({ kind: 'over-budget', spent: 8500, most: 8000 });
    expect(reconcileTally({ rule: 'ranking', k: 2 } as BallotRule, projects, 1000, sheet(1, [[1, 1]]))).toEqual({ kind: 'rule', rule: 'ranking' });
  });

  it('a ballot settles when two different officers’ latest entries agree', () => {
    const e = (officer_id: string, content: string) => ({ officer_id, content });
    expect(agreement([e('a', 'X'), e('a', 'X')])).toBeNull();
    expect(agreement([e('a', 'X'), e('b', 'Y')])).toBeNull();
    expect(agreement([e('a', 'X'), e('b', 'Y'), e('c', 'Y')])).toBe('Y');
    // A correction: a's latest entry is Y.
    expect(agreement([e('a', 'X'), e('b', 'Y'), e('a', 'Y')])).toBe('Y');
    expect(agreement([e('a', 'X'), e('b', 'X'), e('a', 'Y')])).toBeNull();
  });
});
