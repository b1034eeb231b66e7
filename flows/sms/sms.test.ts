// The SMS conversation: each inbound message → reply, effects and pending question.
import { describe, expect, it } from 'vitest';
import type { BallotSnapshot } from '../../src/engine/flow-contract.ts';
import { testDeployment, withBallot } from '../../test/helpers/deployment.ts';
import { FRESH } from '../../test/helpers/flow.ts';
import { sms, smsCtx } from '../../test/helpers/sms.ts';

const d = testDeployment();
const previous: BallotSnapshot = {
  cycleId: 'c-open',
  wardId: 'north',
  picks: [2],
  receipt: 'OLD11-RCPT1',
  castAt: new Date('2026-11-20T08:00:00Z'),
  eventId: 'e-old',
};
const vote = (picks: number[], wardId = 'north', replaces: string | null = null) => ({
  type: 'vote.cast',
  cycleId: 'c-open',
  wardId,
  picks,
  receipt: FRESH.receipt,
  replaces,
});
const oneWard = testDeployment((r) => {
  r.wards = r.wards.filter((w: { id: string }) => w.id === 'north');
  for (const c of r.cycles) c.projects = c.projects.filter((p: { ward: string }) => p.ward === 'north');
  r.cycles[1].results.selected = [31];
});
const rollD = testDeployment((r) => {
  r.eligibility = { mode: 'roll', rollFile: 'roll.csv', registerHelp: { en: 'Register at the ward office.', sw: 'Jisajili ofisini.', fr: 'Inscrivez-vous.' } };
});

describe('SMS flow', () => {
  it.each([
    [
      "a vote is read back with the projects' short titles",
      'VOTE 3 1',
      {},
      `Vote recorded in North Ward: 3 Maternity wing, 1 Market borehole. Receipt ${FRESH.receipt}.`,
      [vote([3, 1])],
    ],
    [
      'a Swahili keyword answers in Swahili',
      'kura 20 21',
      {},
      `Kura yako ya Wadi ya Kusini imehifadhiwa: 20 Chumba baridi, 21 Mitaro ya maji. Risiti ${FRESH.receipt}.`,
      [vote([20, 21], 'south')],
    ],
    ['a remembered language wins over the keyword', 'VOTE 3', { lang: 'fr' as const }, 'Vote enregistré à Quartier Nord : 3 Maternité.', [vote([3])]],
    ['a second vote replaces the first', 'VOTE 4', { ballot: previous }, 'It replaces your earlier vote.', [vote([4], 'north', 'e-old')]],
    ['unknown project numbers are named', 'VOTE 3 55', {}, 'No project 55 on the ballot. Send e.g. VOTE 1 2.', []],
    ['projects of two wards are refused', 'VOTE 3 20', {}, 'Projects 3 20 are in different wards.', []],
    ['too many projects are refused', 'VOTE 1 2 3 4', {}, 'Pick at most 3 projects. Send e.g. VOTE 1 2.', []],
    ['a word among the numbers is named', 'VOTE 3 seven', {}, '"seven" is not a project number. Send whole numbers from the ballot, e.g. VOTE 1 2.', []],
    ['a sign is not dropped: VOTE -1 is not a vote for 1', 'VOTE -1', {}, '"-1" is not a project number.', []],
    ['a decimal is not two projects', 'VOTE 2.5', {}, '"2.5" is not a project number.', []],
    [
      'STATUS without a reference asks for it',
      'STATUS',
      {},
      'Send STATUS and your idea reference (STATUS P-7K2MX-9QD), or a winning project number (STATUS 7).',
      [],
    ],
    ['HELP lists the keywords, PROJECTS first', 'HELP', {}, 'PROJECTS for the ballot, VOTE 3 7 to vote', []],
    ['MSAADA lists the Swahili keywords', 'msaada', {}, 'MIRADI kuona miradi, KURA 3 7 kupiga kura', []],
    ['AIDE lists the French keywords', 'aide', {}, 'PROJETS pour le bulletin, VOTER 3 7 pour voter', []],
    ['an unknown message shows the right form', 'hello', {}, 'Sorry, we did not understand. Send PROJECTS for the ballot, VOTE 3 7 to vote', []],
    [
      'RECEIPT reads the ballot back with the short titles',
      'RECEIPT',
      { ballot: previous },
      'Your vote in North Ward on 20 Nov 2026: 2 Station Rd lights. Receipt OLD11-RCPT1.',
      [],
    ],
    ['RECEIPT without a vote says so', 'RECEIPT', {}, 'You have not voted yet.', []],
    ['CHECK finds a receipt counted in the city ledger', 'CHECK aaaaa-bbbbb', {}, 'Receipt AAAAA-BBBBB counts in the city ledger.', []],
    [
      'CHECK of a synced vote whose standing is not back yet does not call it counted',
      'CHECK GGGGG-HHHHH',
      {},
      'Receipt GGGGG-HHHHH reached the city ledger; the next sync confirms it counts.',
      [],
    ],
    [
      'CHECK of a replaced vote says which channel replaced it, never that it counts',
      'CHECK JJJJJ-KKKKK',
      {},
      'Receipt JJJJJ-KKKKK no longer counts: a later vote by SMS replaced it.',
      [],
    ],
    [
      'CHECK of a superseded vote (refuse policy) says an earlier one counts',
      'CHECK WWWWW-XXXXX',
      {},
      'Receipt WWWWW-XXXXX does not count: an earlier vote by USSD counts',
      [],
    ],
    [
      'CHECK of a receipt from elsewhere while the ledger is out of reach says so plainly',
      'CHECK NNNNN-PPPPP',
      {},
      'was not issued here, and the city ledger cannot be reached to check it now',
      [],
    ],
    ['RECEIPT says the ledger counts the vote', 'RECEIPT', { ballot: { ...previous, ledger: 'counted' } }, 'It counts in the city ledger.', []],
    [
      'RECEIPT of a replaced vote says a later one replaced it',
      'RECEIPT',
      { ballot: { ...previous, ledger: 'replaced', countedChannel: 'ussd' } },
      'It no longer counts: a later vote by USSD replaced it.',
      [],
    ],
    ['CHECK of a vote not synced yet says when it will be', 'check CCCCC DDDDD', {}, 'is recorded here and reaches the city ledger at the next sync.', []],
    ['HAKIKI of a refused vote answers in Swahili', 'HAKIKI EEEEE-FFFFF', {}, 'ilikataliwa na daftari la jiji', []],
    ['CHECK of an unknown code says so', 'CHECK ZZZZZ-ZZZZZ', {}, 'No vote has receipt ZZZZZ-ZZZZZ.', []],
    [
      'CHECK alone checks the sender’s own ballot',
      'CHECK',
      { ballot: { ...previous, receipt: 'AAAAA-BBBBB' } },
      'Receipt AAAAA-BBBBB counts in the city ledger.',
      [],
    ],
    ['CHECK alone without a vote explains', 'VERIFIER', {}, 'Envoyez VERIFIER et votre reçu', []],
    ['STATUS of a known idea', 'STATUS p-knwn0-001', {}, 'Idea P-KNWN0-001: received, waiting for review.', []],
    ['STATUS of an unknown idea', 'STATUS P-AAAAA-BBB', {}, 'No idea has reference P-AAAAA-BBB.', []],
    [
      'RESULTS names the winners of the ward',
      'RESULTS',
      { ballot: { ...previous, cycleId: 'c-past' } },
      'Past cycle results (1 May 2019). Selected in North Ward: 31 Bus shelter.',
      [],
    ],
    ['LANG sets the language', 'LANG sw', {}, 'Ujumbe sasa utakuwa kwa Kiswahili.', [{ type: 'voter.language', lang: 'sw' }]],
    ['LANG with an unknown language', 'LANG de', {}, 'Unknown language.', []],
    ['STOP opts out', 'STOP', {}, 'You will get no more messages from us.', [{ type: 'voter.optOut', optedOut: true }]],
    ['START opts back in', 'START', { optedOut: true }, 'Welcome back', [{ type: 'voter.optOut', optedOut: false }]],
    [
      'an idea naming its ward is recorded',
      'IDEA South Ward fix the drains by the school',
      {},
      `Idea recorded. Reference P-${FRESH.reference}.`,
      [
        {
          type: 'proposal.submitted',
          cycleId: 'c-open',
          wardId: 'south',
          category: 'sms',
          title: 'fix the drains by the school',
          description: 'fix the drains by the school',
          reference: `P-${FRESH.reference}`,
        },
      ],
    ],
    ['a too short idea shows the form', 'IDEA hi', {}, 'To propose, send IDEA and your idea', []],
  ] as const)('%s', (_name, body, voter, text, effects) => {
    const r = sms(body, smsCtx(d, voter));
    expect(r.reply?.text).toContain(text);
    expect(r.effects).toEqual(effects);
  });

  it('says an idea was shortened when only its first 300 characters are kept, in every language', () => {
    const long = `fix the drains by the school ${'and the road beside it '.repeat(90)}`.trim();
    expect(long.length).toBeGreaterThan(2000);
    const r = sms(`IDEA South Ward ${long}`, smsCtx(d));
    expect(r.reply?.text).toBe(
      `Idea recorded, shortened to its first 300 characters. Reference P-${FRESH.reference}. Send STATUS P-${FRESH.reference} to follow it.`,
    );
    expect(r.effects).toMatchObject([{ type: 'proposal.submitted', description: long.slice(0, 300) }]);
    expect(sms(`WAZO South Ward ${long}`, smsCtx(d)).reply?.text).toContain('limefupishwa hadi herufi 300');
    expect(sms(`IDEE South Ward ${long}`, smsCtx(d)).reply?.text).toContain('réduite à ses 300 premiers caractères');
    expect(sms('IDEA South Ward fix the drains', smsCtx(d)).reply?.text).not.toContain('shortened');
  });

  it('asks for the numbers when VOTE comes alone, then takes the answer', () => {
    const first = sms('VOTE', smsCtx(d));
    expect(first.reply?.text).toBe('Which projects? Reply with their numbers, e.g. 1 2.');
    expect(first.conversation).toEqual({ kind: 'vote', lang: 'en' });
    const second = sms('3 1', smsCtx(d, {}, first.conversation));
    expect(second.effects).toEqual([vote([3, 1])]);
    expect(second.conversation).toBeNull();
  });

  it('keeps asking after a broken rule, so the corrected numbers alone are enough', () => {
    const broken = sms('VOTE 1 2 3 4', smsCtx(d));
    expect(broken.conversation).toEqual({ kind: 'vote', lang: 'en' });
    expect(sms('1 2', smsCtx(d, {}, broken.conversation)).effects).toEqual([vote([1, 2])]);
  });

  it('answers a pending question in the language it was asked in', () => {
    const first = sms('Idée: un pont sur la rivière', smsCtx(d));
    expect(first.conversation).toMatchObject({ kind: 'idea', lang: 'fr' });
    expect(sms('1', smsCtx(d, {}, first.conversation)).reply?.text).toMatch(/^Idée enregistrée\./);
  });

  it('bare numbers with no question pending show the vote form', () => {
    const r = sms('3 7', smsCtx(d));
    expect(r.reply?.text).toContain('To vote, send VOTE');
    expect(r.effects).toEqual([]);
  });

  it('asks which ward an idea is for, then records it', () => {
    const first = sms('IDEA a footbridge over the river', smsCtx(d));
    expect(first.reply?.text).toBe('Which ward is your idea for? Reply with its number: 1 North Ward, 2 South Ward');
    expect(first.conversation).toEqual({ kind: 'idea', text: 'a footbridge over the river', lang: 'en' });
    const second = sms('2', smsCtx(d, {}, first.conversation));
    expect(second.effects).toMatchObject([{ type: 'proposal.submitted', wardId: 'south', title: 'a footbridge over the river' }]);
  });

  it('uses the roll ward and refuses projects outside it', () => {
    const r = sms('VOTE 3', smsCtx(rollD, { roll: { eligible: true, wardId: 'south' } }));
    expect(r.reply?.text).toBe('Project 3 is not in your ward (South Ward). Send e.g. VOTE 20 21.');
    expect(sms('VOTE 3', smsCtx(rollD, { roll: { eligible: false, wardId: null } })).reply?.text).toContain('not on the voter roll');
  });

  it('refuses a second vote under the refuse policy', () => {
    const refuse = withBallot({ rule: 'approval', max: 3 }, 'refuse');
    const r = sms('VOTE 4', smsCtx(refuse, { ballot: previous }));
    expect(r.reply?.text).toContain('You already voted on 20 Nov 2026 (receipt OLD11-RCPT1)');
    expect(r.effects).toEqual([]);
  });

  it('states the budget under knapsack', () => {
    const r = sms('VOTE 1 2 3', smsCtx(withBallot({ rule: 'knapsack' })));
    expect(r.reply?.text).toBe('Those projects cost KES 10.6M, over the ward budget of KES 10M. Pick fewer or cheaper ones.');
  });

  it('says when voting opens', () => {
    const r = sms('VOTE 3', smsCtx(d, {}, null, new Date('2019-02-15T00:00:00Z')));
    expect(r.reply?.text).toBe('Voting opens on 1 Mar 2019.');
  });

  it('records but does not answer an opted-out number', () => {
    const r = sms('VOTE 3', smsCtx(d, { optedOut: true }));
    expect(r.effects).toEqual([vote([3])]);
    expect(r.reply).toBeNull();
  });
});

describe('RESULTS paging', () => {
  it('fits each reply in one segment and pages the rest with RESULTS 2 (in every language)', async () => {
    const { resultsPage } = await import('./step.ts');
    const { smsCost } = await import('../../src/domain/sms-encoding.ts');
    const items = Array.from({ length: 12 }, (_, i) => `${i + 1} Youth market stalls ${i}`);
    for (const lang of ['en', 'sw', 'fr'] as const) {
      const first = resultsPage(lang, 'North Ward', items, 1);
      expect(smsCost(first).segments).toBe(1);
      expect(first).toMatch(/(RESULTS|MATOKEO|RESULTATS) 2$/);
      // Every project appears on exactly one page, in order.
      const seen: string[] = [];
      for (let page = 1; page <= 12; page++) {
        const text = resultsPage(lang, 'North Ward', items, page);
        expect(smsCost(text).segments).toBe(1);
        for (const item of items) if (text.includes(`${item},`) || text.includes(`${item}.`)) seen.push(item);
        if (!/ 2$| \d+$/.test(text)) break;
      }
      expect(seen).toEqual(items);
    }
    // A page past the end shows the last page, not an error.
    expect(resultsPage('en', 'North Ward', items, 99)).not.toMatch(/More/);
  });
});

describe('SMS cumulative ballots', () => {
  const cumulative = withBallot({ rule: 'cumulative', points: 5, maxPerProject: 3 });
  const cast = (picks: number[]) => [vote(picks)];

  it.each([
    [
      'a repeated number is another point',
      'VOTE 3 3 7',
      {},
      `Vote recorded in North Ward: 3 Maternity wing (2 points), 7 Clinic roof repairs (1 point). Receipt ${FRESH.receipt}.`,
      cast([3, 3, 7]),
    ],
    [
      '3x2 is the short form of 3 3',
      'VOTE 3x2 7',
      {},
      'Vote recorded in North Ward: 3 Maternity wing (2 points), 7 Clinic roof repairs (1 point).',
      cast([3, 3, 7]),
    ],
    [
      'points read back in Swahili',
      'KURA 3x2 7',
      {},
      'Kura yako ya Wadi ya Kaskazini imehifadhiwa: 3 Wodi ya wazazi (alama 2), 7 Paa la zahanati (alama 1).',
      cast([3, 3, 7]),
    ],
    [
      'points read back in French',
      'VOTER 7 3 3',
      {},
      'Vote enregistré à Quartier Nord : 7 Toit du dispensaire (1 point), 3 Maternité (2 points).',
      cast([7, 3, 3]),
    ],
    ['fewer points than the voter has are enough', 'VOTE 12', {}, 'Vote recorded in North Ward: 12 Tree nursery (1 point).', cast([12])],
    [
      'more points than the voter has are refused',
      'VOTE 3 3 3 7 7 1',
      {},
      'Those numbers give 6 points; you have 5. Repeat a number for each point, e.g. VOTE 1 1 2.',
      [],
    ],
    ['too many points on one project are refused', 'VOTE 3x4 7', {}, 'At most 3 points for one project (3 has 4). Send e.g. VOTE 1 1 2.', []],
    ['the Swahili refusal names the points', 'KURA 3 3 3 3', {}, 'Mwisho alama 3 kwa mradi mmoja (3 una 4). Tuma mfano KURA 1 1 2.', []],
    ['the French refusal names the points', 'VOTER 1 2 3 4 5 6', {}, 'Ces numéros donnent 6 points ; vous en avez 5.', []],
  ] as const)('%s', (_name, body, voter, text, effects) => {
    const r = sms(body, smsCtx(cumulative, voter));
    expect(r.reply?.text).toContain(text);
    expect(r.effects).toEqual(effects);
  });

  it('takes points as the answer to a pending question too', () => {
    const first = sms('VOTE', smsCtx(cumulative));
    expect(first.reply?.text).toBe('Which projects? Reply with their numbers, e.g. 1 1 2.');
    expect(sms('3 3 7', smsCtx(cumulative, {}, first.conversation)).effects).toEqual(cast([3, 3, 7]));
  });

  it('falls back to the short form when the long one would need a second segment', () => {
    const ten = withBallot({ rule: 'cumulative', points: 10 });
    const r = sms('VOTE 1 2 3 4 5 6 7 12 12 12', smsCtx(ten));
    expect(r.reply?.text).toBe(`Vote recorded in North Ward: 1x1 2x1 3x1 4x1 5x1 6x1 7x1 12x3. Receipt ${FRESH.receipt}. Send RECEIPT to check it.`);
    expect(r.effects).toEqual(cast([1, 2, 3, 4, 5, 6, 7, 12, 12, 12]));
  });

  it('RECEIPT reads the points back', () => {
    const ballot = { ...previous, picks: [3, 7, 3] };
    expect(sms('RECEIPT', smsCtx(cumulative, { ballot })).reply?.text).toBe(
      'Your vote in North Ward on 20 Nov 2026: 3 Maternity wing (2 points), 7 Clinic roof repairs (1 point). Receipt OLD11-RCPT1.',
    );
  });

  it('under any other rule a repeated number counts once, after VOTE and in an answer alike', () => {
    expect(sms('VOTE 3 3 7', smsCtx(d)).effects).toEqual([vote([3, 7])]);
    expect(sms('VOTE 3x2 7', smsCtx(d)).reply?.text).toContain('Vote recorded in North Ward: 3 Maternity wing, 7 Clinic roof repairs.');
    expect(sms('3 3 1', smsCtx(d, {}, { kind: 'vote' })).effects).toEqual([vote([3, 1])]);
    expect(sms('KURA 3 3', smsCtx(withBallot({ rule: 'ranking', k: 3 }))).effects).toEqual([vote([3])]);
  });
});

describe('RESULTS when the ward is not known', () => {
  it.each([
    [
      'en',
      'RESULTS',
      'Results of which ward? Reply with its number: 1 North Ward, 2 South Ward',
      '2',
      'Past cycle results (1 May 2019). Selected in South Ward: 40 Landing-site lights.',
    ],
    [
      'sw',
      'MATOKEO',
      'Matokeo ya wadi gani? Jibu kwa namba yake: 1 Wadi ya Kaskazini, 2 Wadi ya Kusini',
      '1',
      'Matokeo ya Mzunguko uliopita (1 Mei 2019). Iliyochaguliwa Wadi ya Kaskazini: 31 Kibanda cha basi.',
    ],
    [
      'fr',
      'RESULTATS',
      'Résultats de quel quartier ? Répondez par son numéro : 1 Quartier Nord, 2 Quartier Sud',
      '2',
      'Résultats Cycle passé (1 mai 2019). Retenus à Quartier Sud : 40 Éclairage quai.',
    ],
  ] as const)('%s: asks which ward, and the next reply answers with its number', (lang, keyword, question, answer, winners) => {
    const first = sms(keyword, smsCtx(d));
    expect(first.reply?.text).toBe(question);
    expect(first.conversation).toEqual({ kind: 'results', page: 1, lang });
    const second = sms(answer, smsCtx(d, {}, first.conversation));
    expect(second.reply?.text).toBe(winners);
    expect(second.effects).toEqual([]);
  });

  it('asks again when the answer is not a ward number', () => {
    const first = sms('RESULTS', smsCtx(d));
    for (const wrong of ['7', '1 2', '0']) {
      const again = sms(wrong, smsCtx(d, {}, first.conversation));
      expect(again.reply?.text).toBe('Results of which ward? Reply with its number: 1 North Ward, 2 South Ward');
      expect(again.conversation).toEqual({ kind: 'results', page: 1, lang: 'en' });
    }
  });

  it('remembers the answered ward, so RESULTS 2 pages on without asking again', () => {
    const first = sms('RESULTS', smsCtx(d));
    const answered = sms('1', smsCtx(d, {}, first.conversation));
    expect(answered.conversation).toEqual({ kind: 'results', page: 1, wardId: 'north', lang: 'en' });
    const next = sms('RESULTS 2', smsCtx(d, {}, answered.conversation));
    expect(next.reply?.text).toBe('Past cycle results (1 May 2019). Selected in North Ward: 31 Bus shelter.');
    // A bare number is no longer an answer to anything.
    expect(sms('2', smsCtx(d, {}, answered.conversation)).reply?.text).toContain('To vote, send VOTE');
  });

  it('asks nothing when the ward is known: roll, last ballot, or a deployment with one ward', () => {
    expect(sms('RESULTS', smsCtx(rollD, { roll: { eligible: true, wardId: 'south' } })).reply?.text).toBe(
      'Past cycle results (1 May 2019). Selected in South Ward: 40 Landing-site lights.',
    );
    expect(sms('RESULTS', smsCtx(d, { ballot: { ...previous, wardId: 'south' } })).reply?.text).toBe(
      'Past cycle results (1 May 2019). Selected in South Ward: 40 Landing-site lights.',
    );
    const single = sms('RESULTS', smsCtx(oneWard));
    expect(single.reply?.text).toBe('Past cycle results (1 May 2019). Selected in North Ward: 31 Bus shelter.');
    expect(single.conversation).toBeNull();
  });
});
