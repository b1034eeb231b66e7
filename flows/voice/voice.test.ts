// The voice conversation is the keypad dialogue: the same ballots come out of USSD and voice for
// the same choices under every ballot rule, the same rules refuse the same picks, and every
// reachable voice prompt in every language names only clips the catalogues hold.
import { describe, expect, it } from 'vitest';
import type { Deployment, Lang } from '../../src/config/schema.ts';
import type { Effect, LedgerState, VoterSnapshot } from '../../src/engine/flow-contract.ts';
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
      'voice.menu.language',
    ]);
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
  const KEYS = ['0', '1', '2', '3', '4', '5', '9', '*', '#', `audio:${'b'.repeat(64)}:1000`];
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
  const callers = (lang: Lang) => [
    ...SAME.map((s) => ({ ...ctxFor(s[1], { lang }), smsCopy: true })),
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
        // After an ending: its repeat is the same parts; what 2 answers (the SMS copy sent, or goodbye) is new.
        if (reply.end)
          for (const p of voiceFlow.afterEnd(reply, '2', lang).reply.parts) if ('clip' in p && voiceText(lang, p.clip) === undefined) missing.add(p.clip);
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
    expect(voiceFlow.afterEnd(r.last, '1', 'en').reply).toBe(r.last);
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
    expect(voiceFlow.afterEnd(without.last, '2', 'sw').sms).toBeUndefined();
  });
});
