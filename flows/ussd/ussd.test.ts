// Table tests of the USSD flow: (caller, inputs) → (screen, END or not, effects).
import { describe, expect, it } from 'vitest';
import type { BallotSnapshot } from '../../src/engine/flow-contract.ts';
import { NOW, testDeployment, withBallot } from '../../test/helpers/deployment.ts';
import { ctxFor, drive, FRESH } from '../../test/helpers/flow.ts';
import { t, type MessageKey } from '../../src/i18n/index.ts';
import { ussdFlow } from './index.ts';

const d = testDeployment();
const en = { lang: 'en' as const };
const previous: BallotSnapshot = {
  cycleId: 'c-open',
  wardId: 'north',
  picks: [2, 5],
  receipt: 'OLD11-RCPT1',
  castAt: new Date('2026-11-20T08:00:00Z'),
  eventId: '0191e0b6-0000-7000-8000-000000000001',
};
const cumulative = withBallot({ rule: 'cumulative', points: 5, maxPerProject: 3 });
const oneWard = testDeployment((r) => {
  r.wards = r.wards.filter((w: { id: string }) => w.id === 'north');
  for (const c of r.cycles) c.projects = c.projects.filter((p: { ward: string }) => p.ward === 'north');
  r.cycles[1].results.selected = [31];
});
const rollDeployment = testDeployment((r) => {
  r.eligibility = {
    mode: 'roll',
    rollFile: 'roll.csv',
    registerHelp: { en: 'Register at the ward office.', sw: 'Jisajili ofisi ya wadi.', fr: 'Inscrivez-vous au bureau.' },
  };
});

interface Case {
  name: string;
  inputs: string[];
  deployment?: ReturnType<typeof testDeployment>;
  voter?: Parameters<typeof ctxFor>[1];
  now?: Date;
  end: boolean;
  contains: string[];
  absent?: string[];
  effects?: unknown[];
}

const cases: Case[] = [
  {
    name: 'a new caller chooses a language first',
    inputs: [],
    end: false,
    contains: ['Choose language / Chagua lugha', '1 English', '2 Kiswahili', '3 Français'],
  },
  { name: 'a remembered language skips to the menu', inputs: [], voter: { lang: 'sw' }, end: false, contains: ['1 Piga kura', '2 Toa wazo', '9 Lugha'] },
  { name: 'an invalid language re-prompts with the reason', inputs: ['7'], end: false, contains: ['Invalid choice', '1 English'] },
  { name: 'choosing Kiswahili remembers it', inputs: ['2'], end: false, contains: ['1 Piga kura'], effects: [{ type: 'voter.language', lang: 'sw' }] },
  { name: 'an invalid menu choice re-prompts', inputs: ['x'], voter: en, end: false, contains: ['Invalid choice', '1 Vote'] },
  {
    name: 'a full approval vote ends with a receipt',
    inputs: ['1', '1', '3', '1', '99', '1'],
    voter: en,
    end: true,
    contains: [`Receipt: ${FRESH.receipt}`],
    absent: ['replaces'],
    effects: [{ type: 'vote.cast', cycleId: 'c-open', wardId: 'north', picks: [3, 1], receipt: FRESH.receipt, replaces: null }],
  },
  {
    name: 'the confirm screen lists the picks and the total',
    inputs: ['1', '1', '3', '1', '99'],
    voter: en,
    end: false,
    contains: ['Confirm your vote in North Ward', '3 Maternity wing', '1 Market borehole', 'Total KES 7.4M', '1 Confirm'],
  },
  { name: 'a fourth pick is refused under max 3', inputs: ['1', '1', '1', '2', '3', '4'], voter: en, end: false, contains: ['At most 3', '(3 chosen)'] },
  { name: 'done with no pick asks for at least one', inputs: ['1', '1', '99'], voter: en, end: false, contains: ['Pick at least 1.'] },
  { name: 'a code from another ward is refused', inputs: ['1', '1', '20'], voter: en, end: false, contains: ['Type a project number from the list.'] },
  {
    name: 'typing a chosen code removes it',
    inputs: ['1', '1', '3', '3'],
    voter: en,
    end: false,
    contains: ['Project 3 removed from your choices.', '(0 chosen)', '\n3 Maternity'],
  },
  { name: 'More pages to the rest of the list', inputs: ['1', '1', '98'], voter: en, end: false, contains: ['12 Tree nursery'], absent: ['1 Market borehole'] },
  { name: 'Back returns to the first page', inputs: ['1', '1', '98', '0'], voter: en, end: false, contains: ['1 Market borehole'] },
  { name: 'More on the last page says there is no more', inputs: ['1', '1', '98', '98'], voter: en, end: false, contains: ['No more projects.'] },
  { name: 'Back from the first page returns to the ward list', inputs: ['1', '1', '0'], voter: en, end: false, contains: ['Choose your ward:'] },
  { name: 'Back from confirm keeps the picks', inputs: ['1', '1', '3', '99', '0'], voter: en, end: false, contains: ['+3 Maternity', '(1 chosen)'] },
  {
    name: 'choose-1 goes straight to confirm',
    deployment: withBallot({ rule: 'choose-1' }),
    inputs: ['1', '2', '21', '1'],
    voter: en,
    end: true,
    contains: ['Receipt:'],
    effects: [{ type: 'vote.cast', cycleId: 'c-open', wardId: 'south', picks: [21], receipt: FRESH.receipt, replaces: null }],
  },
  {
    name: 'knapsack shows the money left',
    deployment: withBallot({ rule: 'knapsack' }),
    inputs: ['1', '1', '1'],
    voter: en,
    end: false,
    contains: ['North Ward: KES 5.5M left of KES 10M'],
  },
  {
    name: 'knapsack refuses a project over the money left',
    deployment: withBallot({ rule: 'knapsack' }),
    inputs: ['1', '1', '1', '2', '3'],
    voter: en,
    end: false,
    contains: ['Too costly: KES 2.3M left.'],
  },
  {
    name: 'ranking keeps the order and marks ranks',
    deployment: withBallot({ rule: 'ranking', k: 3 }),
    inputs: ['1', '1', '4', '1'],
    voter: en,
    end: false,
    contains: ['#1 4 River', '#2 1 Market', 'pick no.3'],
  },
  {
    name: 'a ranking ballot is cast in rank order',
    deployment: withBallot({ rule: 'ranking', k: 3 }),
    inputs: ['1', '1', '4', '1', '99', '1'],
    voter: en,
    end: true,
    contains: ['Receipt:'],
    effects: [{ type: 'vote.cast', cycleId: 'c-open', wardId: 'north', picks: [4, 1], receipt: FRESH.receipt, replaces: null }],
  },
  {
    name: 'cumulative: the pick screen shows the points left and each project’s points',
    deployment: cumulative,
    inputs: ['1', '1', '3', '3', '4'],
    voter: en,
    end: false,
    contains: ['North Ward: 2 of 5 points left', '+2 3 Maternity wing', '+1 4 River footbridge', '\n1 Market borehole'],
  },
  {
    name: 'cumulative: Swahili pick screen',
    deployment: cumulative,
    inputs: ['1', '1', '3'],
    voter: { lang: 'sw' },
    end: false,
    contains: ['Wadi ya Kaskazini: alama 4 kati ya 5 zimebaki', '+1 3 Wodi ya wazazi'],
  },
  {
    name: 'cumulative: French pick screen',
    deployment: cumulative,
    inputs: ['1', '1', '3', '3'],
    voter: { lang: 'fr' },
    end: false,
    contains: ['Quartier Nord : points restants 3/5', '+2 3 Maternité'],
  },
  {
    name: 'cumulative: the confirm screen shows points per project',
    deployment: cumulative,
    inputs: ['1', '1', '3', '7', '3', '99'],
    voter: en,
    end: false,
    contains: ['Confirm your vote in North Ward:', '3 Maternity wing (2 points)', '7 Clinic roof repairs (1 point)', '3 of 5 points given', '1 Confirm'],
    absent: ['Total'],
  },
  {
    name: 'cumulative: Swahili confirm screen',
    deployment: cumulative,
    inputs: ['1', '1', '3', '3', '99'],
    voter: { lang: 'sw' },
    end: false,
    contains: ['3 Wodi ya wazazi (alama 2)', 'Umetoa alama 2 kati ya 5'],
  },
  {
    name: 'cumulative: French confirm screen',
    deployment: cumulative,
    inputs: ['1', '1', '7', '99'],
    voter: { lang: 'fr' },
    end: false,
    contains: ['7 Toit du dispensaire (1 point)', 'Points donnés : 1/5'],
  },
  {
    name: 'cumulative: the ballot is cast with a repeated code per point',
    deployment: cumulative,
    inputs: ['1', '1', '3', '7', '3', '99', '1'],
    voter: en,
    end: true,
    contains: [`Receipt: ${FRESH.receipt}`],
    effects: [{ type: 'vote.cast', cycleId: 'c-open', wardId: 'north', picks: [3, 7, 3], receipt: FRESH.receipt, replaces: null }],
  },
  {
    name: 'cumulative: past a project’s maximum its points are taken back',
    deployment: cumulative,
    inputs: ['1', '1', '3', '3', '3', '4', '3'],
    voter: en,
    end: false,
    contains: ['Points of project 3 taken back.', 'North Ward: 4 of 5 points left', '+1 4 River', '\n3 Maternity'],
  },
  {
    name: 'cumulative: with no points left a new project is refused',
    deployment: cumulative,
    inputs: ['1', '1', '3', '3', '7', '7', '1', '2'],
    voter: en,
    end: false,
    contains: ['No points left. Type a chosen number to take its points back.', '0 of 5 points left'],
  },
  {
    name: 'cumulative: with no points left a chosen project gives its points back',
    deployment: cumulative,
    inputs: ['1', '1', '3', '3', '4', '4', '1', '4'],
    voter: en,
    end: false,
    contains: ['Points of project 4 taken back.', '2 of 5 points left', '+2 3 Maternity', '+1 1 Market'],
    absent: ['+2 4', '+1 4'],
  },
  {
    name: 'cumulative: too few projects, however many points',
    deployment: withBallot({ rule: 'cumulative', points: 5, min: 2 }),
    inputs: ['1', '1', '3', '3', '3', '99'],
    voter: en,
    end: false,
    contains: ['Pick at least 2.'],
  },
  {
    name: 'cumulative: Back from confirm keeps the points',
    deployment: cumulative,
    inputs: ['1', '1', '3', '3', '99', '0'],
    voter: en,
    end: false,
    contains: ['3 of 5 points left', '+2 3 Maternity'],
  },
  {
    name: 'cumulative: rules explain the points',
    deployment: cumulative,
    inputs: ['4'],
    voter: en,
    end: true,
    contains: ['Share 5 points among projects in your ward, at most 3 each. Type a number again for another point.'],
  },
  {
    name: 'cumulative: my vote shows the points',
    deployment: cumulative,
    inputs: ['3'],
    voter: { ...en, ballot: { ...previous, picks: [3, 3, 7] } },
    end: true,
    contains: ['Your vote in North Ward on 20 Nov 2026: 3 Maternity wing (2 points), 7 Clinic roof repairs (1 point). Receipt: OLD11-RCPT1.'],
  },
  {
    name: 'results ask for the ward when it is not known',
    inputs: ['5'],
    voter: en,
    end: false,
    contains: ['Choose your ward:', '1 North Ward', '2 South Ward'],
    absent: ['Selected'],
  },
  { name: 'results ask for the ward in Swahili', inputs: ['5'], voter: { lang: 'sw' }, end: false, contains: ['Chagua wadi yako:', '1 Wadi ya Kaskazini'] },
  {
    name: 'results ask for the ward in French',
    inputs: ['5', '2'],
    voter: { lang: 'fr' },
    end: false,
    contains: ['Retenus à Quartier Sud :', '40 Éclairage quai'],
  },
  { name: 'Back from results picked by ward returns to the ward list', inputs: ['5', '2', '0'], voter: en, end: false, contains: ['Choose your ward:'] },
  {
    name: 'results use the ward of the last ballot, any cycle',
    inputs: ['5'],
    voter: { ...en, ballot: { ...previous, wardId: 'south' } },
    end: false,
    contains: ['Selected in South Ward:', '40 Landing-site lights'],
  },
  {
    name: 'Back from results of a known ward returns to the menu',
    inputs: ['5', '0'],
    voter: { ...en, ballot: previous },
    end: false,
    contains: ['1 Vote', '5 Results'],
  },
  {
    name: 'results use the roll ward',
    deployment: rollDeployment,
    inputs: ['5'],
    voter: { ...en, roll: { eligible: true, wardId: 'south' } },
    end: false,
    contains: ['Selected in South Ward:'],
  },
  {
    name: 'results need no ward question with a single ward',
    deployment: oneWard,
    inputs: ['5'],
    voter: en,
    end: false,
    contains: ['Selected in North Ward:', '31 Bus shelter'],
    absent: ['Choose your ward'],
  },
  {
    name: 'before voting opens the date is given',
    now: new Date('2019-02-15T00:00:00Z'),
    inputs: ['1'],
    voter: en,
    end: true,
    contains: ['Voting opens on 1 Mar 2019.'],
  },
  {
    name: 'after voting closes the cycle and date are given, and where its published results are',
    deployment: testDeployment((r) => r.cycles.splice(0, 1)),
    inputs: ['1'],
    voter: en,
    end: true,
    contains: ['Past cycle: voting closed on 1 Apr 2019. Results are out: see Results in the menu.'],
  },
  {
    name: 'a phone not on the roll is told where to register',
    deployment: rollDeployment,
    inputs: ['1'],
    voter: { ...en, roll: { eligible: false, wardId: null } },
    end: true,
    contains: ['not on the voter roll', 'Register at the ward office.'],
  },
  {
    name: 'the roll ward skips the ward question',
    deployment: rollDeployment,
    inputs: ['1'],
    voter: { ...en, roll: { eligible: true, wardId: 'south' } },
    end: false,
    contains: ['South Ward: pick 1-3'],
  },
  {
    name: 'a second vote under replace warns first',
    inputs: ['1'],
    voter: { ...en, ballot: previous },
    end: false,
    contains: ['You voted on 20 Nov 2026. A new vote will replace it.', '1 Continue'],
  },
  {
    name: 'a replacing vote names the ballot it replaces',
    inputs: ['1', '1', '1', '4', '99', '1'],
    voter: { ...en, ballot: previous },
    end: true,
    contains: ['It replaces your earlier vote.'],
    effects: [{ type: 'vote.cast', cycleId: 'c-open', wardId: 'north', picks: [4], receipt: FRESH.receipt, replaces: previous.eventId }],
  },
  {
    name: 'a second vote under refuse is refused with the receipt',
    deployment: withBallot({ rule: 'approval', max: 3 }, 'refuse'),
    inputs: ['1'],
    voter: { ...en, ballot: previous },
    end: true,
    contains: ['You already voted on 20 Nov 2026 (receipt OLD11-RCPT1)'],
  },
  {
    name: "my vote shows the projects' short titles and the receipt",
    inputs: ['3'],
    voter: { ...en, ballot: previous },
    end: true,
    contains: ['Your vote in North Ward on 20 Nov 2026: 2 Station Rd lights, 5 Youth market stalls. Receipt: OLD11-RCPT1.'],
  },
  {
    name: 'my vote falls back to the numbers when the titles do not fit the screen',
    inputs: ['3'],
    voter: { ...en, ballot: { ...previous, picks: [1, 2, 3, 4, 5, 6, 7, 12], ledger: 'counted' } },
    end: true,
    contains: ['Your vote in North Ward on 20 Nov 2026: 1, 2, 3, 4, 5, 6, 7, 12. Receipt: OLD11-RCPT1. It counts in the city ledger.'],
  },
  {
    name: 'my vote says the ledger counts the vote',
    inputs: ['3'],
    voter: { ...en, ballot: { ...previous, ledger: 'counted' } },
    end: true,
    contains: ['Receipt: OLD11-RCPT1', 'It counts in the city ledger.'],
  },
  {
    name: 'my vote of a synced vote whose standing is not back yet does not call it counted',
    inputs: ['3'],
    voter: { ...en, ballot: { ...previous, ledger: 'recorded' } },
    end: true,
    contains: ['Receipt: OLD11-RCPT1', 'the next sync confirms it counts.'],
    absent: ['It counts'],
  },
  {
    name: 'my vote of a vote replaced elsewhere says so, with the channel and never "in the city ledger"',
    inputs: ['3'],
    voter: { ...en, ballot: { ...previous, ledger: 'replaced', countedChannel: 'sms' } },
    end: true,
    contains: ['Receipt: OLD11-RCPT1', 'It no longer counts: a later vote by SMS replaced it.'],
    absent: ['in the city ledger'],
  },
  {
    name: 'my vote says a vote waits for the next sync',
    inputs: ['3'],
    voter: { ...en, ballot: { ...previous, ledger: 'pending' } },
    end: true,
    contains: ['It reaches the city ledger at the next sync.'],
  },
  { name: 'my vote without a vote says so', inputs: ['3'], voter: en, end: true, contains: ['You have not voted yet.'] },
  {
    name: 'my vote does not pass off last cycle’s ballot as this one',
    inputs: ['3'],
    voter: { ...en, ballot: { ...previous, cycleId: 'c-past' } },
    end: true,
    contains: ['You have not voted yet.'],
  },
  {
    name: 'rules explain the ballot, revote and helpline',
    inputs: ['4'],
    voter: en,
    end: true,
    contains: ['Pick 1 to 3 projects', 'your last vote counts', 'Help: 0800 000 111'],
  },
  {
    name: 'results list the selected projects of the ward',
    inputs: ['5', '1'],
    voter: en,
    end: false,
    contains: ['Selected in North Ward:', '31 Bus shelter'],
    absent: ['32 Rubbish'],
  },
  {
    name: 'results name their cycle and when they were published',
    inputs: ['5', '1'],
    voter: en,
    end: false,
    contains: ['Past cycle results (1 May 2019). Selected in North Ward:\n31 Bus shelter'],
  },
  {
    name: 'results name their cycle in Swahili',
    inputs: ['5', '1'],
    voter: { lang: 'sw' },
    end: false,
    contains: ['Matokeo ya Mzunguko uliopita (1 Mei 2019). Iliyochaguliwa Wadi ya Kaskazini:\n31 Kibanda cha basi'],
  },
  {
    name: 'results name their cycle in French',
    inputs: ['5', '1'],
    voter: { lang: 'fr' },
    end: false,
    contains: ['Résultats Cycle passé (1 mai 2019). Retenus à Quartier Nord :\n31 Abri de bus'],
  },
  {
    name: 'a cycle name too long to leave room for a winner gives way to the winners',
    deployment: testDeployment((r) => (r.cycles[1].name = { en: 'N'.repeat(160), sw: 'N'.repeat(160), fr: 'N'.repeat(160) })),
    inputs: ['5', '1'],
    voter: en,
    end: false,
    contains: ['Selected in North Ward:\n31 Bus shelter'],
    absent: ['NNN'],
  },
  {
    name: 'results are not offered before publication',
    now: new Date('2019-04-15T00:00:00Z'),
    inputs: [],
    voter: en,
    end: false,
    contains: ['4 Rules'],
    absent: ['5 Results'],
  },
  { name: 'the language item reopens the language screen', inputs: ['9'], voter: en, end: false, contains: ['1 English'] },
  {
    name: 'a proposal ends with a reference',
    inputs: ['2', '2', '1', 'Fix the borehole', 'The Kiboko market borehole has been broken since May', '1'],
    voter: en,
    end: true,
    contains: [`Reference: P-${FRESH.reference}`],
    effects: [
      {
        type: 'proposal.submitted',
        cycleId: 'c-open',
        wardId: 'south',
        category: 'water',
        title: 'Fix the borehole',
        description: 'The Kiboko market borehole has been broken since May',
        reference: `P-${FRESH.reference}`,
      },
    ],
  },
  {
    name: 'a proposal title over 40 letters is refused',
    inputs: ['2', '1', '1', 'x'.repeat(41)],
    voter: en,
    end: false,
    contains: ['Too long (41 letters). Max 40.'],
  },
  { name: 'a proposal title under 3 letters is refused', inputs: ['2', '1', '1', 'ab'], voter: en, end: false, contains: ['Too short'] },
  {
    name: 'free text is cleaned of extra spaces',
    inputs: ['2', '1', '1', '  Fix   the  road ', 'Potholes near school'],
    voter: en,
    end: false,
    contains: ['Your idea for North Ward: Fix the road'],
  },
  {
    name: 'proposals before the window give the opening date',
    now: new Date('2019-02-15T00:00:00Z'),
    inputs: ['2'],
    voter: en,
    end: true,
    contains: ['Ideas will be collected from 1 Jan 2020.'],
  },
  {
    name: 'proposals after the window give the closing date',
    deployment: testDeployment((r) => r.cycles.splice(0, 1)),
    inputs: ['2'],
    voter: en,
    end: true,
    contains: ['Ideas were collected until 1 Feb 2019.'],
  },
];

describe('USSD flow', () => {
  it.each(cases)('$name', (c) => {
    const ctx = ctxFor(c.deployment ?? d, c.voter, c.now ?? NOW);
    const run = drive(c.inputs, ctx);
    for (const s of c.contains) expect(run.text).toContain(s);
    for (const s of c.absent ?? []) expect(run.text).not.toContain(s);
    expect(run.end).toBe(c.end);
    if (c.effects) expect(run.effects).toEqual(c.effects);
    expect(run.text.length).toBeLessThanOrEqual(182);
  });

  it('offers to resume an unfinished vote and continues where it stopped', () => {
    const ctx = ctxFor(d, en);
    const cut = drive(['1', '1', '3'], ctx).state;
    expect(ussdFlow.isResumable(cut)).toBe(true);
    const offer = drive([], ctx, cut);
    expect(offer.text).toContain('You have an unfinished vote.');
    expect(drive(['1'], ctx, cut).text).toContain('+3 Maternity');
    expect(drive(['2'], ctx, cut).text).toContain('1 Vote');
  });

  it('offers the same session again to a caller who hung up on the offer', () => {
    const ctx = ctxFor(d, en);
    const cut = drive(['1', '1', '3'], ctx).state;
    const offer = drive([], ctx, cut).state;
    expect(ussdFlow.isResumable(offer)).toBe(true);
    expect(drive(['1'], ctx, offer).text).toContain('+3 Maternity');
  });

  it('does not offer to resume a session that chose nothing', () => {
    const state = drive(['1', '1'], ctxFor(d, en)).state;
    expect(ussdFlow.isResumable(state)).toBe(false);
  });

  it('re-checks the window when a resumed vote is confirmed after closing', () => {
    const open = drive(['1', '1', '3', '99'], ctxFor(d, en)).state;
    const late = ctxFor(d, en, new Date('2100-01-01T00:00:00Z'));
    const r = ussdFlow.step(open, '1', late);
    expect(r.reply.end).toBe(true);
    expect(r.reply.text).toBe('Open cycle: voting closed on 31 Dec 2099. Results will be announced.');
    expect(r.effects).toEqual([]);
  });

  it('re-checks the refuse policy when a vote was cast meanwhile on another channel', () => {
    const refuse = withBallot({ rule: 'approval', max: 3 }, 'refuse');
    const open = drive(['1', '1', '3', '99'], ctxFor(refuse, en)).state;
    const r = ussdFlow.step(open, '1', ctxFor(refuse, { ...en, ballot: previous }));
    expect(r.reply.text).toContain('You already voted');
    expect(r.effects).toEqual([]);
  });

  it('"My vote" always carries the ledger\'s word, even with a long ward name and many picks, on one screen', () => {
    const longWard = testDeployment((r) => {
      r.wards[0].name = { en: 'W'.repeat(30), sw: 'W'.repeat(30), fr: 'W'.repeat(30) };
    });
    for (const lang of ['en', 'sw', 'fr'] as const) {
      for (const ledger of ['pending', 'recorded', 'counted', 'replaced', 'superseded', 'late', 'refused'] as const) {
        const ballot = { ...previous, picks: [1, 2, 3, 4, 5, 6, 7, 12], ledger, countedChannel: 'field' };
        const text = drive(['3'], ctxFor(longWard, { lang, ballot })).text;
        expect(text.length, text).toBeLessThanOrEqual(182);
        expect(text).toContain('OLD11-RCPT1');
        // The vote and the ledger's word when both fit, else CHECK's answer for the receipt.
        const cap = ledger[0]!.toUpperCase() + ledger.slice(1);
        const channel = t(lang, 'channelField');
        const note = t(lang, `ledger${cap}` as MessageKey, { channel });
        expect(text.endsWith(note) || text === t(lang, `smsCheck${cap}` as MessageKey, { receipt: 'OLD11-RCPT1', channel }), `${lang} ${ledger}: ${text}`).toBe(
          true,
        );
        if (ledger === 'replaced') expect(text).not.toMatch(/is in the city ledger|imo kwenye daftari|est dans le registre/);
      }
    }
  });

  it('answers in French throughout a French session', () => {
    const run = drive(['3', '1', '1', '3', '99', '1'], ctxFor(d));
    expect(run.text).toContain('Merci ! Votre vote est enregistré. Reçu :');
  });
});
