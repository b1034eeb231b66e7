// The voice conversation is the keypad dialogue: the same ballots come out of USSD and voice for
// the same choices under every ballot rule, the same rules refuse the same picks, and every
// reachable voice prompt in every language names only clips the catalogues hold.
import { describe, expect, it } from 'vitest';
import type { Deployment, Lang } from '../../src/config/schema.ts';
import { IMPLEMENTATION_STATUSES, type ImplementationStatus, type ImplementationUpdate } from '../../src/domain/implementation.ts';
import type { Effect, LedgerState, UssdContext, VoterSnapshot } from '../../src/engine/flow-contract.ts';
import { voiceText } from '../../src/i18n/voice/index.ts';
import { deploymentClipTexts } from '../../voice/prompts/catalogue.ts';
import { composeClips } from '../../voice/prompts/compose.ts';
import { AFTER_CLOSE, afterCloseDeployment, NOW, testDeployment, withBallot } from '../../test/helpers/deployment.ts';
import { ctxFor, drive } from '../../test/helpers/flow.ts';
import type { KeypadState } from '../keypad/state.ts';
import { voiceFlow, voiceInput, type VoiceReply } from './index.ts';

/** Runs a call: start, then each key through the voice key map; returns effects and the last reply. */
function call(keys: string[], deployment: Deployment, voter: Partial<VoterSnapshot> = { lang: 'en' }, now = NOW) {
  const ctx = ctxFor(deployment, voter, now);
  let r = voiceFlow.start(ctx, null);
  const effects: Effect[] = [...r.effects];
  const replies: VoiceReply[] = [r.reply];
  for (const key of keys) {
    if (r.reply.end) throw new Error(`key ${key} after the end`);
    const input = voiceInput(r.state, key, ctx);
    if (input === null) {
      replies.push(r.reply);
      continue;
    }
    r = voiceFlow.step(r.state, input, ctx);
    effects.push(...r.effects);
    replies.push(r.reply);
  }
  return { effects, last: r.reply, replies, clips: r.reply.parts.flatMap((p) => ('clip' in p ? [p.clip] : [])) };
}

const votes = (effects: Effect[]) => effects.filter((e) => e.type === 'vote.cast');

/** What a key after an ending answers itself (never a choice handed back to the dialogue). */
function after(last: VoiceReply, digits: string, lang: Lang) {
  const answer = voiceFlow.afterEnd(last, digits, lang);
  if ('input' in answer) throw new Error(`key ${digits} went back to the dialogue`);
  return answer;
}

/** A project's latest update, as the gateway holds it for "Project progress". */
const updateOf = (status: ImplementationStatus, code = 31): Omit<ImplementationUpdate, 'photo'> => ({
  seq: 9,
  cycleId: 'c-past',
  code,
  status,
  progress: 40,
  date: '2027-03-01',
  milestone: { en: 'Roof fitted', sw: 'Paa limewekwa', fr: 'Toit posé' },
  reason: null,
  recordedAt: '2027-03-01T09:00:00Z',
});

// [rule, USSD inputs, voice keys]: the same choices typed as codes on screens and as keys on the
// list heard one project at a time (1 pick, 2 next, 9 done).
const SAME: [string, Deployment, string[], string[]][] = [
  ['approval', withBallot({ rule: 'approval', min: 1, max: 3 }), ['1', '1', '1', '3', '99', '1'], ['1', '1', '1', '2', '2', '1', '9', '1']],
  ['choose-1', withBallot({ rule: 'choose-1' }), ['1', '2', '21', '1'], ['1', '2', '2', '1', '1']],
  ['knapsack', withBallot({ rule: 'knapsack' }), ['1', '1', '1', '2', '99', '1'], ['1', '1', '1', '2', '1', '9', '1']],
  ['ranking', withBallot({ rule: 'ranking', k: 3 }), ['1', '1', '2', '1', '99', '1'], ['1', '1', '2', '1', '0', '1', '9', '1']],
  [
    'cumulative',
    withBallot({ rule: 'cumulative', points: 5, maxPerProject: 3 }),
    ['1', '1', '1', '1', '2', '99', '1'],
    ['1', '1', '1', '1', '2', '1', '9', '1'],
  ],
];

describe('voice and USSD run one dialogue', () => {
  it.each(SAME)('%s: the same choices cast the same ballot', (_rule, d, ussd, voice) => {
    const fromUssd = votes(drive(ussd, ctxFor(d, { lang: 'en' })).effects);
    const fromVoice = votes(call(voice, d).effects);
    expect(fromUssd).toHaveLength(1);
    expect(fromVoice).toEqual(fromUssd);
  });

  it('refuses a fourth pick under "at most 3", as USSD does', () => {
    const r = call(['1', '1', '1', '2', '1', '2', '1', '2', '1'], withBallot({ rule: 'approval', min: 1, max: 3 }));
    expect(r.last.parts.slice(0, 2)).toEqual([{ clip: 'voice.tooMany' }, { number: 3 }]);
    expect(r.effects.filter((e) => e.type === 'vote.cast')).toEqual([]);
  });

  it('refuses a project over the money left under knapsack, saying how much is left', () => {
    // North Ward: 10M budget; 1 (4.5M) and 2 (3.2M) leave 2.3M; 3 costs 2.9M.
    const r = call(['1', '1', '1', '2', '1', '2', '1'], withBallot({ rule: 'knapsack' }));
    expect(r.last.parts.slice(0, 2)).toEqual([{ clip: 'voice.overBudget' }, { money: 2_300_000 }]);
  });

  it('1 on a project already chosen takes it out, and says so', () => {
    const d = withBallot({ rule: 'approval', min: 1, max: 3 });
    // Menu 1 (vote), ward 1, then 1 picks the first project heard; 1 again takes it out.
    const chosen = call(['1', '1', '1'], d).last.parts;
    expect(chosen).toContainEqual({ clip: 'voice.chosen' });
    const removed = call(['1', '1', '1', '1'], d).last.parts;
    expect(removed[0]).toEqual({ clip: 'voice.pickRemoved' });
    expect(removed).toContainEqual({ clip: 'project.c-open.1' });
    expect(removed).not.toContainEqual({ clip: 'voice.chosen' });
  });

  it('asks for at least one pick before confirming', () => {
    const r = call(['1', '1', '9'], withBallot({ rule: 'approval', min: 1, max: 3 }));
    expect(r.last.parts.slice(0, 2)).toEqual([{ clip: 'voice.tooFew' }, { number: 1 }]);
  });

  it('repeats the project heard on 3, goes back on 0 and says when the list has ended', () => {
    const d = testDeployment();
    const heard = call(['1', '1', '2', '3'], d);
    expect(heard.replies.at(-1)).toEqual(heard.replies.at(-2));
    expect(heard.last.parts).toContainEqual({ clip: 'project.c-open.2' });
    expect(call(['1', '1', '2', '0'], d).last.parts).toContainEqual({ clip: 'project.c-open.1' });
    const north = d.cycles[0]!.projects.filter((p) => p.ward === 'north').length;
    expect(call(['1', '1', ...Array(north).fill('2')], d).last.parts[0]).toEqual({ clip: 'voice.noMore' });
  });

  it('skips the ward when the roll knows it', () => {
    const r = call(['1'], testDeployment(), { lang: 'en', roll: { eligible: true, wardId: 'south' } });
    expect(r.last.parts).toContainEqual({ clip: 'project.c-open.20' });
    expect(r.last.parts).not.toContainEqual({ clip: 'voice.chooseWard' });
  });

  it('offers the whole menu USSD offers, on the same keys', () => {
    expect(call([], testDeployment()).clips).toEqual([
      'voice.welcome',
      'voice.menu.vote',
      'voice.menu.propose',
      'voice.menu.myVote',
      'voice.menu.rules',
      'voice.menu.results',
      'voice.menu.project',
      'voice.menu.language',
    ]);
    // My ideas only for a caller who sent ideas, as on USSD.
    expect(call(['7'], testDeployment()).last.parts[0]).toEqual({ clip: 'voice.invalidChoice' });
    // With no published results, no Results item (and its key is not on the list).
    const unpublished = testDeployment((r) => delete r.cycles[1].results);
    expect(call([], unpublished).clips).not.toContain('voice.menu.results');
    expect(call(['5'], unpublished).last.parts[0]).toEqual({ clip: 'voice.invalidChoice' });
  });

  it('takes an idea by recording after the ward and category, and submits it with the recording’s digest', () => {
    const d = testDeployment();
    const asked = call(['2', '1', '1'], d);
    expect(asked.last).toMatchObject({ record: true, parts: [{ clip: 'voice.speakIdea' }] });
    const sha = 'a'.repeat(64);
    const ctx = ctxFor(d, { lang: 'en' });
    let r = voiceFlow.start(ctx, null);
    for (const k of ['2', '1', '1']) r = voiceFlow.step(r.state, voiceInput(r.state, k, ctx)!, ctx);
    const empty = voiceFlow.step(r.state, voiceInput(r.state, '', ctx)!, ctx);
    expect(empty.reply.parts[0]).toEqual({ clip: 'voice.noRecording' });
    expect(empty.effects).toEqual([]);
    const done = voiceFlow.step(r.state, voiceFlow.recordingInput(sha, 48_000), ctx);
    expect(done.reply).toMatchObject({ end: true, again: true, parts: [{ clip: 'voice.ideaRecorded' }, { chars: 'XY12-ZW34' }] });
    expect(done.reply.offer).toEqual([{ clip: 'voice.referenceAgain' }]);
    expect(done.effects).toEqual([
      {
        type: 'proposal.submitted',
        cycleId: 'c-open',
        wardId: 'north',
        category: 'water',
        title: 'Spoken idea (voice recording)',
        description: '',
        reference: 'P-XY12-ZW34',
        audio: { sha256: sha, bytes: 48_000 },
      },
    ]);
  });
});

describe('every voice prompt names clips that exist', () => {
  // 6 and 7 open Project progress and My ideas; 31 is a winning project's number.
  const KEYS = ['0', '1', '2', '3', '4', '5', '6', '7', '9', '31', '*', '#', `audio:${'b'.repeat(64)}:1000`];
  /** Deployment clips (ward and project names) and spelled digits come from elsewhere. */
  const fromCatalogue = (key: string) => !/^(ward|project|category|cycle)\./.test(key);

  /** Callers in every situation the call reads out: no ballot, a ballot in each ledger state, after the vote closed. */
  const ballot = (ledger: LedgerState, countedChannel?: string): VoterSnapshot['ballot'] => ({
    cycleId: 'c-open',
    wardId: 'north',
    picks: [1, 2, 2],
    receipt: 'AB12C-DE34F',
    castAt: NOW,
    eventId: 'e1',
    ledger,
    ...(countedChannel ? { countedChannel } : {}),
  });
  /** Ideas in every review status, one with the city's reason. */
  const ideas: VoterSnapshot['ideas'] = [
    { reference: 'P-AB12-CD34', status: 'not-feasible', reason: { en: 'Too costly', sw: 'Ghali mno', fr: 'Trop cher' } },
    { reference: 'P-EF56-GH78', status: 'feasible', reason: {} },
    { reference: 'P-JK90-LM12', status: 'under-review', reason: {} },
    { reference: 'P-NP34-QR56', status: 'received', reason: {} },
  ];
  const callers = (lang: Lang): UssdContext[] => [
    // Every ballot rule with a receipt copy and following offered after the vote.
    ...SAME.map((s) => ({ ...ctxFor(s[1], { lang }), smsCopy: true, smsFollow: true })),
    // Project progress: a winner in every implementation status, with Follow offered or not; no update yet.
    ...IMPLEMENTATION_STATUSES.map((status, i) => ({
      ...ctxFor(testDeployment(), { lang, ideas }),
      projectUpdate: (code: number) => (code === 31 ? updateOf(status) : null),
      smsFollow: i % 2 === 0,
    })),
    { ...ctxFor(testDeployment(), { lang }), projectUpdate: () => null, smsFollow: true },
    ...(['unknown', 'pending', 'recorded', 'counted', 'late', 'refused'] as const).map((l) => ctxFor(testDeployment(), { lang, ballot: ballot(l) })),
    ctxFor(testDeployment(), { lang, ballot: ballot('replaced', 'sms') }),
    ctxFor(withBallot({ rule: 'cumulative', points: 5, maxPerProject: 3 }, 'refuse'), { lang, ballot: ballot('superseded', 'paper') }),
    ctxFor(afterCloseDeployment(), { lang }, AFTER_CLOSE),
    ctxFor(afterCloseDeployment(), { lang, ballot: ballot('counted') }, AFTER_CLOSE),
    ctxFor(
      afterCloseDeployment((r) => (r.cycles[0].resultsExpected = '2027-01-15T00:00:00+03:00')),
      { lang, ballot: ballot('counted') },
      AFTER_CLOSE,
    ),
    ctxFor(
      afterCloseDeployment((r) => (r.cycles[0].results = { published: '2026-12-05T00:00:00+03:00', selected: [1] })),
      { lang, ballot: ballot('counted') },
      AFTER_CLOSE,
    ),
    ctxFor(testDeployment(), { lang, roll: { eligible: true, wardId: 'south' } }),
  ];

  it.each(['en', 'sw', 'fr'] as Lang[])('in %s, under every ballot rule and for every kind of caller', (lang) => {
    const missing = new Set<string>();
    const heard = new Set<string>();
    let states = 0;
    for (const [i, ctx] of callers(lang).entries()) {
      // The ballot rules are walked deep; the other callers differ near the menu, so a shallower walk reaches it all.
      const cap = i < SAME.length ? 800 : 150;
      const d = ctx.deployment;
      const seen = new Set<string>();
      const queue: KeypadState[] = [];
      const visit = (reply: VoiceReply, state: KeypadState) => {
        for (const p of [...reply.parts, ...(reply.offer ?? [])]) {
          if ('clip' in p) heard.add(p.clip);
          if ('clip' in p && fromCatalogue(p.clip) && voiceText(lang, p.clip) === undefined) missing.add(p.clip);
          // Deployment names and word clips are checked where they are made: here, that each composes.
          if (!('clip' in p)) expect(composeClips([p], lang).length).toBeGreaterThan(0);
          if ('clip' in p && !fromCatalogue(p.clip) && deploymentClipTexts(d, lang)[p.clip] === undefined) missing.add(p.clip);
        }
        // After an ending: its repeat is the same parts; what 2 answers (the SMS copy sent, or goodbye)
        // is new, and 3 after a vote hands the dialogue its follow choice.
        if (reply.end)
          for (const k of ['2', '3']) {
            const answer = voiceFlow.afterEnd(reply, k, lang);
            if ('input' in answer) {
              const r = voiceFlow.step(state, answer.input, ctx);
              visit(r.reply, r.state);
            } else for (const p of answer.reply.parts) if ('clip' in p && voiceText(lang, p.clip) === undefined) missing.add(p.clip);
          }
        const key = JSON.stringify(state);
        if (!reply.end && !seen.has(key) && seen.size < cap) {
          seen.add(key);
          queue.push(state);
        }
      };
      const first = voiceFlow.start(ctx, null);
      visit(first.reply, first.state);
      while (queue.length > 0) {
        const state = queue.shift()!;
        for (const k of KEYS) {
          const input = voiceInput(state, k, ctx);
          if (input !== null) {
            const r = voiceFlow.step(state, input, ctx);
            visit(r.reply, r.state);
          }
        }
      }
      states += seen.size;
      for (const r of [voiceFlow.goodbye(lang), voiceFlow.apology(lang), voiceFlow.ended(lang)]) visit(r, first.state);
    }
    expect([...missing]).toEqual([]);
    expect(states).toBeGreaterThan(100);
    // The walk reached what a call reads out: My vote in every ledger state, the rules, the results, the SMS offer.
    const reached = [
      'voice.yourVote',
      'voice.noVote',
      'voice.noVoteIn',
      'voice.rules.helpline',
      'voice.rules.replace',
      'voice.rules.refuse',
      'voice.resultsIn',
      'voice.smsCopyOffer',
      'voice.resultsDue',
      'voice.resultsOut',
      // After the vote: following the projects voted for; Project progress; My ideas.
      'voice.followVotedOffer',
      'voice.followingVoted',
      'voice.menu.project',
      'voice.menu.myIdeas',
      'voice.askProjectCode',
      'voice.notWinner',
      'voice.projectNoUpdate',
      'voice.projectFollowKey',
      'voice.following',
      // A report spoken on a project: the prompt, nothing recorded, and its reference.
      'voice.projectReportKey',
      'voice.speakReport',
      'voice.noRecording',
      'voice.reportRecorded',
      'voice.reportAnswerBySms',
      ...IMPLEMENTATION_STATUSES.map((s) => `voice.projectStatus.${s}`),
      ...['submitted', 'under-review', 'feasible', 'not-feasible'].map((s) => `voice.ideaStatus.${s}`),
      'voice.ideaReasonBySms',
    ];
    const ledger = ['pending', 'recorded', 'counted', 'replaced', 'superseded', 'late', 'refused'].map((l) => `voice.ledger.${l}`);
    expect([...reached, ...ledger, 'voice.channel.sms', 'voice.channel.paper'].filter((k) => !heard.has(k))).toEqual([]);
  });
});

describe('what a call reads out, as USSD shows it', () => {
  const counted: VoterSnapshot['ballot'] = {
    cycleId: 'c-open',
    wardId: 'north',
    picks: [1, 2],
    receipt: 'AB12C-DE34F',
    castAt: NOW,
    eventId: 'e1',
    ledger: 'counted',
  };

  it('My vote: the ward, each project, the receipt character by character and the ledger’s word; 1 hears it again', () => {
    const r = call(['3'], testDeployment(), { lang: 'en', ballot: counted });
    expect(r.last).toMatchObject({ end: true, again: true, offer: [{ clip: 'voice.hearAgain' }] });
    expect(r.last.parts).toEqual([
      { clip: 'voice.yourVote' },
      { clip: 'ward.north' },
      { clip: 'voice.project' },
      { number: 1 },
      { clip: 'project.c-open.1' },
      { clip: 'voice.project' },
      { number: 2 },
      { clip: 'project.c-open.2' },
      { clip: 'voice.yourReceipt' },
      { chars: 'AB12C-DE34F' },
      { clip: 'voice.ledger.counted' },
    ]);
    expect(after(r.last, '1', 'en').reply).toBe(r.last);
    expect(voiceFlow.afterEnd(r.last, '2', 'en')).toEqual({ reply: { end: true, digits: 1, parts: [{ clip: 'voice.goodbye' }] } });
  });

  it('My vote: a replaced ballot names the channel of the vote that counts; no ballot is "not voted yet"', () => {
    const replaced = call(['3'], testDeployment(), { lang: 'en', ballot: { ...counted!, ledger: 'replaced', countedChannel: 'sms' } });
    expect(replaced.last.parts.slice(-2)).toEqual([{ clip: 'voice.ledger.replaced' }, { clip: 'voice.channel.sms' }]);
    expect(call(['3'], testDeployment(), { lang: 'en' }).last.parts).toEqual([{ clip: 'voice.noVote' }]);
  });

  it('My vote after the vote closed: when it closed, as a date, and when results come', () => {
    const d = afterCloseDeployment((r) => (r.cycles[0].resultsExpected = '2027-01-15T00:00:00+03:00'));
    const r = call(['3'], d, { lang: 'en', ballot: counted }, AFTER_CLOSE);
    expect(r.last.parts.slice(-4)).toEqual([{ clip: 'voice.votingClosedOn' }, { date: '2026-12-01' }, { clip: 'voice.resultsDue' }, { date: '2027-01-15' }]);
    expect(call(['3'], d, { lang: 'en' }, AFTER_CLOSE).last.parts.slice(0, 4)).toEqual([
      { clip: 'voice.noVoteIn' },
      { clip: 'cycle.c-open' },
      { clip: 'voice.votingClosedOn' },
      { date: '2026-12-01' },
    ]);
  });

  it('the rules: the ballot rule with its numbers, the revote policy and closing day, ideas, and the helpline digit by digit', () => {
    const r = call(['4'], testDeployment(), { lang: 'en' });
    expect(r.last).toMatchObject({ end: true, again: true });
    expect(r.last.parts).toEqual([
      { clip: 'voice.rules.approval' },
      { number: 1 },
      { clip: 'voice.rules.atMost' },
      { number: 3 },
      { clip: 'voice.rules.replace' },
      { date: '2099-12-31' },
      { clip: 'voice.rules.proposals' },
      { date: '2099-12-31' },
      { clip: 'voice.rules.helpline' },
      { chars: '0800 000 111' },
    ]);
    const knapsack = call(['4'], withBallot({ rule: 'knapsack' }, 'refuse'), { lang: 'en', roll: { eligible: true, wardId: 'south' } });
    expect(knapsack.last.parts.slice(0, 4)).toEqual([
      { clip: 'voice.rules.knapsack' },
      { money: 8_000_000 },
      { clip: 'voice.rules.refuse' },
      { date: '2099-12-31' },
    ]);
  });

  it('the results: the ward asked for when unknown, every chosen project with its name, and 0 back to the menu', () => {
    const d = testDeployment();
    const asked = call(['5'], d, { lang: 'en' });
    expect(asked.last.parts[0]).toEqual({ clip: 'voice.chooseWard' });
    const r = call(['5', '1'], d, { lang: 'en' });
    expect(r.last).toMatchObject({ end: false, digits: 1 });
    expect(r.last.parts).toEqual([
      { clip: 'voice.resultsOf' },
      { clip: 'cycle.c-past' },
      { clip: 'voice.publishedOn' },
      { date: '2019-05-01' },
      { clip: 'voice.resultsIn' },
      { clip: 'ward.north' },
      { clip: 'voice.project' },
      { number: 31 },
      { clip: 'project.c-past.31' },
      { clip: 'voice.resultsBack' },
    ]);
    expect(call(['5', '1', '0'], d, { lang: 'en' }).last.parts[0]).toEqual({ clip: 'voice.chooseWard' });
    // A ward the roll knows is not asked; Back from its results is the menu.
    const known = call(['5', '0'], d, { lang: 'en', roll: { eligible: true, wardId: 'south' } });
    expect(known.replies[1]!.parts).toContainEqual({ clip: 'project.c-past.40' });
    expect(known.last.parts[0]).toEqual({ clip: 'voice.menu.vote' });
  });

  it('offers the receipt by SMS after a vote, in the caller’s language, only when one can be sent', () => {
    const d = testDeployment();
    const ctx = { ...ctxFor(d, { lang: 'sw' }), smsCopy: true };
    let r = voiceFlow.start(ctx, null);
    for (const k of ['1', '1', '1', '2', '1', '9', '1']) r = voiceFlow.step(r.state, voiceInput(r.state, k, ctx)!, ctx);
    expect(r.reply.offer).toEqual([{ clip: 'voice.receiptAgain' }, { clip: 'voice.smsCopyOffer' }]);
    expect(r.reply.sms).toBe('Kura yako ya Wadi ya Kaskazini imehifadhiwa: 1 Kisima sokoni, 2 Taa za Stesheni. Risiti AB12C-DE34F. Tuma RISITI kuiangalia.');
    expect(voiceFlow.afterEnd(r.reply, '2', 'sw')).toEqual({ reply: { end: true, digits: 1, parts: [{ clip: 'voice.smsCopySent' }] }, sms: r.reply.sms });
    const without = call(['1', '1', '1', '2', '1', '9', '1'], d, { lang: 'sw' });
    expect(without.last.offer).toEqual([{ clip: 'voice.receiptAgain' }]);
    expect(without.last.sms).toBeUndefined();
    expect(after(without.last, '2', 'sw').sms).toBeUndefined();
  });
});

describe('following and Project progress by voice, as on USSD', () => {
  /** A call with SMS reaching the caller (receipt copies and follows) and project 31's update held. */
  const reached = (lang: Lang, update: Omit<ImplementationUpdate, 'photo'> | null = updateOf('in-progress'), voter: Partial<VoterSnapshot> = {}) => ({
    ...ctxFor(testDeployment(), { lang, ...voter }),
    smsCopy: true,
    smsFollow: true,
    projectUpdate: (code: number) => (update && code === update.code ? update : null),
  });
  const steps = (keys: string[], ctx: UssdContext) => {
    let r = voiceFlow.start(ctx, null);
    for (const k of keys) r = voiceFlow.step(r.state, voiceInput(r.state, k, ctx)!, ctx);
    return r;
  };

  it('after a vote, 3 follows the projects voted for: the dialogue’s own choice, kept by the runner', () => {
    const ctx = reached('fr');
    const voted = steps(['1', '1', '1', '2', '1', '9', '1'], ctx);
    expect(voted.reply).toMatchObject({ end: true, again: true, follow: true, parts: [{ clip: 'voice.voteRecorded' }, { chars: 'AB12C-DE34F' }] });
    expect(voted.reply.offer).toEqual([{ clip: 'voice.receiptAgain' }, { clip: 'voice.smsCopyOffer' }, { clip: 'voice.followVotedOffer' }]);
    // The vote is recorded on the receipt, before any choice: hanging up loses nothing.
    expect(votes(voted.effects)).toHaveLength(1);
    expect(voiceFlow.afterEnd(voted.reply, '3', 'fr')).toEqual({ input: '1' });
    const followed = voiceFlow.step(voted.state, '1', ctx);
    expect(followed.follow).toEqual({ cycleId: 'c-open', codes: [1, 2], lang: 'fr' });
    expect(followed.effects).toEqual([]);
    expect(followed.reply).toEqual({ end: true, digits: 1, parts: [{ clip: 'voice.followingVoted' }] });
    // 1 hears the receipt again, 2 still sends its copy.
    expect(after(voted.reply, '1', 'fr').reply).toBe(voted.reply);
    expect(after(voted.reply, '2', 'fr').sms).toBe(voted.reply.sms);
  });

  it('no follow offer when SMS cannot reach the caller: the receipt ends the call as before, and 3 says goodbye', () => {
    const ctx = { ...reached('en'), smsFollow: false };
    const voted = steps(['1', '1', '1', '2', '1', '9', '1'], ctx);
    expect(voted.reply.follow).toBeUndefined();
    expect(voted.reply.offer).toEqual([{ clip: 'voice.receiptAgain' }, { clip: 'voice.smsCopyOffer' }]);
    expect(after(voted.reply, '3', 'en').reply.parts).toEqual([{ clip: 'voice.goodbye' }]);
  });

  it('Project progress: the project, its status, the work done and the day of the news, with numbers and dates as parts', () => {
    const r = call(['6', '31'], testDeployment(), { lang: 'en' });
    expect(r.replies[1]).toMatchObject({ end: false, digits: 2, parts: [{ clip: 'voice.askProjectCode' }] });
    const status = steps(['6', '31'], reached('sw'));
    expect(status.reply.parts).toEqual([
      { clip: 'voice.project' },
      { number: 31 },
      { clip: 'project.c-past.31' },
      { clip: 'voice.projectStatus.in-progress' },
      { clip: 'voice.progress' },
      { number: 40 },
      { clip: 'voice.newsOf' },
      { date: '2027-03-01' },
      { clip: 'voice.projectBySms' },
      { clip: 'voice.projectFollowKey' },
      { clip: 'voice.projectReportKey' },
      { clip: 'voice.projectBack' },
    ]);
    const none = steps(['6', '31'], reached('en', null));
    expect(none.reply.parts.slice(3)).toEqual([
      { clip: 'voice.projectNoUpdate' },
      { clip: 'voice.projectFollowKey' },
      { clip: 'voice.projectReportKey' },
      { clip: 'voice.projectBack' },
    ]);
  });

  it('Project progress: 1 follows by SMS as FOLLOW 31 does, 2 records a report, 0 asks another number', () => {
    const ctx = reached('sw');
    const followed = steps(['6', '31', '1'], ctx);
    expect(followed.follow).toEqual({ cycleId: 'c-past', codes: [31], lang: 'sw' });
    expect(followed.reply.parts).toEqual([{ clip: 'voice.following' }]);
    expect(steps(['6', '31', '2'], ctx).reply).toEqual({ end: false, digits: 1, record: true, parts: [{ clip: 'voice.speakReport' }] });
    expect(steps(['6', '31', '0'], ctx).reply.parts).toEqual([{ clip: 'voice.askProjectCode' }]);
    expect(steps(['6', '32'], ctx).reply.parts).toEqual([{ clip: 'voice.notWinner' }, { clip: 'voice.askProjectCode' }]);
    // Without SMS, no Follow is offered, and 1 is no choice.
    const unreached = { ...ctx, smsFollow: false };
    expect(steps(['6', '31'], unreached).reply.parts).not.toContainEqual({ clip: 'voice.projectFollowKey' });
    expect(steps(['6', '31', '1'], unreached).follow).toBeUndefined();
  });

  it('a report on a project is spoken after the beep: its event names the recording, with no text, and the reference is read out', () => {
    const ctx = reached('fr');
    const asked = steps(['6', '31', '2'], ctx);
    // Nothing recorded (silence, or an empty file): said so, the beep again, nothing recorded.
    const empty = voiceFlow.step(asked.state, voiceInput(asked.state, '', ctx)!, ctx);
    expect(empty.reply).toMatchObject({ end: false, record: true, parts: [{ clip: 'voice.noRecording' }, { clip: 'voice.speakReport' }] });
    expect(empty.effects).toEqual([]);
    expect(voiceFlow.step(asked.state, voiceFlow.recordingInput('c'.repeat(64), 0), ctx).effects).toEqual([]);
    // 0 goes back to the project's status.
    expect(voiceFlow.step(asked.state, voiceInput(asked.state, '0', ctx)!, ctx).reply.parts[0]).toEqual({ clip: 'voice.project' });
    const sha = 'c'.repeat(64);
    const done = voiceFlow.step(asked.state, voiceFlow.recordingInput(sha, 32_000), ctx);
    expect(done.effects).toEqual([
      {
        type: 'project.reported',
        cycleId: 'c-past',
        wardId: 'north',
        code: 31,
        text: '',
        reference: 'R-XY12-ZW34',
        lang: 'fr',
        audio: { sha256: sha, bytes: 32_000 },
      },
    ]);
    expect(done.reply).toMatchObject({
      end: true,
      again: true,
      parts: [{ clip: 'voice.reportRecorded' }, { chars: 'XY12-ZW34' }, { clip: 'voice.reportAnswerBySms' }],
    });
    // Without SMS to the caller, no answer is promised.
    const unreached = { ...ctx, smsFollow: false };
    const quiet = steps(['6', '31', '2'], unreached);
    expect(voiceFlow.step(quiet.state, voiceFlow.recordingInput(sha, 32_000), unreached).reply.parts).toEqual([
      { clip: 'voice.reportRecorded' },
      { chars: 'XY12-ZW34' },
    ]);
    // A report has a reference, not a receipt: the offer to hear it again says so.
    expect(done.reply.offer).toEqual([{ clip: 'voice.referenceAgain' }]);
    expect(after(done.reply, '1', 'fr').reply).toBe(done.reply);
  });

  it('My ideas: each reference character by character with its review status; a reason is pointed to by SMS', () => {
    const ideas: VoterSnapshot['ideas'] = [
      { reference: 'P-AB12-CD34', status: 'not-feasible', reason: { en: 'Too costly' } },
      { reference: 'P-EF56-GH78', status: 'received', reason: {} },
    ];
    const menu = call([], testDeployment(), { lang: 'en', ideas });
    expect(menu.clips).toContain('voice.menu.myIdeas');
    const r = call(['7'], testDeployment(), { lang: 'en', ideas });
    expect(r.last).toMatchObject({ end: true, again: true, offer: [{ clip: 'voice.hearAgain' }] });
    expect(r.last.parts).toEqual([
      { clip: 'voice.yourIdeas' },
      { clip: 'voice.idea' },
      { chars: 'AB12-CD34' },
      { clip: 'voice.ideaStatus.not-feasible' },
      { clip: 'voice.idea' },
      { chars: 'EF56-GH78' },
      { clip: 'voice.ideaStatus.submitted' },
      { clip: 'voice.ideaReasonBySms' },
    ]);
  });
});
