// The voice conversation is the keypad dialogue: the same ballots come out of USSD and voice for
// the same choices under every ballot rule, the same rules refuse the same picks, and every
// reachable voice prompt in every language names only clips the catalogues hold.
import { describe, expect, it } from 'vitest';
import type { Deployment, Lang } from '../../src/config/schema.ts';
import type { Effect, VoterSnapshot } from '../../src/engine/flow-contract.ts';
import { voiceText } from '../../src/i18n/voice/index.ts';
import { testDeployment, withBallot } from '../../test/helpers/deployment.ts';
import { ctxFor, drive } from '../../test/helpers/flow.ts';
import type { KeypadState } from '../keypad/state.ts';
import { voiceFlow, voiceInput, type VoiceReply } from './index.ts';

/** Runs a call: start, then each key through the voice key map; returns effects and the last reply. */
function call(keys: string[], deployment: Deployment, voter: Partial<VoterSnapshot> = { lang: 'en' }) {
  const ctx = ctxFor(deployment, voter);
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
  ['cumulative', withBallot({ rule: 'cumulative', points: 5, maxPerProject: 3 }), ['1', '1', '1', '1', '2', '99', '1'], ['1', '1', '1', '1', '2', '1', '9', '1']],
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

  it('offers only what a call can carry: voting, spoken ideas and the language', () => {
    expect(call([], testDeployment()).clips).toEqual(['voice.welcome', 'voice.menu.vote', 'voice.menu.propose', 'voice.menu.language']);
    expect(call(['3'], testDeployment()).last.parts[0]).toEqual({ clip: 'voice.invalidChoice' });
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
      { type: 'proposal.submitted', cycleId: 'c-open', wardId: 'north', category: 'water', title: 'Spoken idea (voice recording)', description: '', reference: 'P-XY12-ZW34', audio: { sha256: sha, bytes: 48_000 } },
    ]);
  });
});

describe('every voice prompt names clips that exist', () => {
  const KEYS = ['0', '1', '2', '3', '9', '*', '#', `audio:${'b'.repeat(64)}:1000`];
  /** Deployment clips (ward and project names) and spelled digits come from elsewhere. */
  const fromCatalogue = (key: string) => !/^(ward|project|category)\./.test(key);

  it.each(['en', 'sw', 'fr'] as Lang[])('in %s, under every ballot rule', (lang) => {
    const missing = new Set<string>();
    let states = 0;
    for (const d of SAME.map((s) => s[1])) {
      const ctx = ctxFor(d, { lang });
      const seen = new Set<string>();
      const queue: KeypadState[] = [];
      const visit = (reply: VoiceReply, state: KeypadState) => {
        for (const p of reply.parts) if ('clip' in p && fromCatalogue(p.clip) && voiceText(lang, p.clip) === undefined) missing.add(p.clip);
        const key = JSON.stringify(state);
        if (!reply.end && !seen.has(key) && seen.size < 800) {
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
    expect(states).toBeGreaterThan(50);
  });
});
