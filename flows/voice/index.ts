// The voice conversation: the keypad dialogue rendered as prompts, plus what only a call has:
// its keys on the project list (1 pick, 2 next, 3 repeat, 0 back, 9 done), a welcome, silence,
// goodbye, the apology, and after a vote its receipt again (1), by SMS (2), or following the
// projects voted for (3, the dialogue's own offer).
import { NAV_KEYS, type Lang } from '../../src/config/schema.ts';
import { wardProjects } from '../../src/domain/cycle.ts';
import type { UssdContext, VoiceFlow } from '../../src/engine/flow-contract.ts';
import { keypadDialogue, spokenInput } from '../keypad/dialogue.ts';
import { voteConfirmationSms } from '../shared/vote-sms.ts';
import type { KeypadState } from '../keypad/state.ts';
import { voiceRenderer, type VoiceReply } from './render.ts';

export type { VoiceReply } from './render.ts';

const dialogue = keypadDialogue(voiceRenderer);
const say = (key: string, end: boolean): VoiceReply => ({ end, digits: 1, parts: [{ clip: key }] });

/** The Sauti voice conversation, for the shell to hand to the core voice runner. */
export const voiceFlow: VoiceFlow<KeypadState, VoiceReply> = {
  ...dialogue,
  start(ctx, resumable) {
    const started = dialogue.start(ctx, resumable);
    return { ...started, reply: { ...started.reply, parts: [{ clip: 'voice.welcome' }, ...started.reply.parts] } };
  },
  step(state, input, ctx) {
    const result = dialogue.step(state, input, ctx);
    const vote = result.effects.find((e) => e.type === 'vote.cast');
    if (!vote) return result;
    // A vote just recorded: its receipt may also be had by SMS (2), in the caller's language, and
    // the projects it chose followed by SMS (3, when the dialogue offers it).
    const sms = ctx.smsCopy ? voteConfirmationSms(state.lang, ctx.deployment, vote, vote.replaces !== null) : undefined;
    const offer = [
      ...(result.reply.offer ?? []),
      ...(sms ? [{ clip: 'voice.smsCopyOffer' }] : []),
      ...(result.reply.follow ? [{ clip: 'voice.followVotedOffer' }] : []),
    ];
    return { ...result, reply: { ...result.reply, offer, ...(sms && { sms }) } };
  },
  input: voiceInput,
  recordingInput: spokenInput,
  silence: (last) => ({ ...last, parts: [{ clip: 'voice.noInput' }, ...last.parts] }),
  goodbye: () => say('voice.goodbye', true),
  afterEnd(last, digits) {
    if (digits === '1' && last.again) return { reply: last };
    if (digits === '2' && last.sms) return { reply: say('voice.smsCopySent', true), sms: last.sms };
    // Follow is the dialogue's own choice on the receipt it left the call on (its key 1).
    if (digits === '3' && last.follow) return { input: '1' };
    return { reply: say('voice.goodbye', true) };
  },
  apology: () => say('voice.internalError', true),
  ended: () => say('voice.sessionEnded', true),
};

/**
 * The dialogue input for keys pressed on a screen, or null to hear the screen again. On the
 * project list, heard one project at a time: 1 picks the project heard, 2 moves to the next,
 * 3 repeats it, 0 goes back, 9 is done. Elsewhere the keys are the dialogue's own.
 */
export function voiceInput(state: KeypadState, digits: string, ctx: UssdContext): string | null {
  const screen = state.screen;
  if (screen.name !== 'pick') return digits === '*' ? null : digits;
  const draft = state.draft as Extract<KeypadState['draft'], { kind: 'vote' }>;
  const cycle = ctx.deployment.cycles.find((c) => c.id === draft.cycleId)!;
  const heard = wardProjects(cycle, draft.wardId!)[screen.pages[screen.pages.length - 1]!];
  switch (digits) {
    case '1':
      return heard ? String(heard.code) : 'x';
    case '2':
      return NAV_KEYS.more;
    case '3':
    case '*':
      return null;
    case '0':
      return NAV_KEYS.back;
    case '9':
      return NAV_KEYS.done;
    default:
      // Not a key of this screen: the dialogue answers it as an invalid choice.
      return 'x';
  }
}

/** The language of a call's state, for replies written outside the dialogue. */
export const voiceLanguage = (state: KeypadState | null): Lang | null => state?.lang ?? null;
