// The voice renderer of the keypad dialogue: every screen as a list of prompt parts (clip keys,
// spoken numbers, amounts, receipt characters), projects heard one per page.
import { pointsByCode, totalCost, type RuleViolation } from '../../src/domain/ballot.ts';
import { selectedProjects, wardBudget, wardProjects } from '../../src/domain/cycle.ts';
import type { UssdContext } from '../../src/engine/flow-contract.ts';
import type { PromptPart } from '../../voice/prompt-part.ts';
import { menuItems, type MenuAction } from '../keypad/menu.ts';
import type { Ending, KeypadRenderer, Notice } from '../keypad/renderer.ts';
import type { Draft, KeypadState, Paging, Screen } from '../keypad/state.ts';
import { myIdeasParts, myVoteParts, projectClip, projectStatusParts, resultsParts, rulesParts, wardClip } from './read-out.ts';

/** A voice reply: what to play, whether the call ends, and how many keys the answer takes. */
export interface VoiceReply {
  end: boolean;
  parts: PromptPart[];
  /** Most keys one answer takes (1, or 2 for a list of ten or more). */
  digits: number;
  /** An ending the caller may hear again by pressing 1 (a receipt, "My vote", the rules). */
  again?: boolean;
  /** After an ending, what the caller is offered while the call waits for one key (hear it again, an SMS copy). */
  offer?: PromptPart[];
  /** The SMS copy of a receipt, in the caller's language, sent when they press 2 after hearing it. */
  sms?: string;
  /** Record what the caller says after the prompt (a spoken idea or report), instead of waiting for keys. */
  record?: boolean;
  /** After a vote: 3 follows the projects voted for by SMS (the dialogue's 1 on its `voted` screen). */
  follow?: boolean;
}

/** What the voice channel carries: the whole menu, with ideas spoken rather than typed. */
const VOICE_ACTIONS: readonly MenuAction[] = ['vote', 'propose', 'myVote', 'rules', 'results', 'project', 'myIdeas', 'language'];

const clip = (key: string): PromptPart => ({ clip: key });

/** Screens where the call records what the caller says after the beep. */
const RECORDING_SCREENS: ReadonlySet<Screen['name']> = new Set(['speak', 'speakReport']);

/** Renders the keypad dialogue as spoken prompts. */
export const voiceRenderer: KeypadRenderer<VoiceReply> = {
  show(state, ctx, notice) {
    // A vote just recorded is the call's last prompt: its receipt, then one key for each offer
    // (1 again, 2 its SMS copy, 3 follow), read by afterEnd (flows/voice/index.ts).
    if (state.screen.name === 'voted') {
      const draft = state.draft as Extract<Draft, { kind: 'voted' }>;
      const ended = repeatable(receiptParts(draft.receipt, draft.replaced), 'voice.receiptAgain');
      return { reply: { end: true, digits: 1, ...ended, ...(ctx.smsFollow && { follow: true }) }, screen: state.screen };
    }
    // On a recording prompt (an idea, a report), the only notice is that nothing was recorded.
    const recording = RECORDING_SCREENS.has(state.screen.name);
    const head = notice ? (recording ? [clip('voice.noRecording')] : noticeParts(notice)) : [];
    const { parts, screen, digits } = render(state, ctx, head.length > 0);
    const reply: VoiceReply = { end: false, parts: [...head, ...parts], digits };
    if (recording) reply.record = true;
    return { reply, screen };
  },
  end(_state, ctx, ending) {
    return { end: true, digits: 1, ...endingParts(ending, ctx) };
  },
  actions: VOICE_ACTIONS,
  spokenIdeas: true,
  // Shared rules' texts (why voting is closed) are not spoken: a clip says where to read them.
  room: { fits: () => true, resultsOut: 'resultsOutUssd' },
};

function noticeParts(notice: Notice): PromptPart[] {
  switch (notice.kind) {
    case 'noMore':
      return [clip('voice.noMore')];
    case 'violation':
      return violationParts(notice.violation);
    case 'pointsTakenBack':
      return [clip('voice.pointsTakenBack')];
    case 'pickRemoved':
      return [clip('voice.pickRemoved')];
    case 'notWinner':
      return [clip('voice.notWinner')];
    default:
      return [clip('voice.invalidChoice')];
  }
}

function violationParts(v: RuleViolation): PromptPart[] {
  switch (v.kind) {
    case 'too-many':
      return [clip('voice.tooMany'), { number: v.max }];
    case 'too-few':
      return [clip('voice.tooFew'), { number: v.min }];
    case 'over-budget':
      return [clip('voice.overBudget'), { money: v.left }];
    case 'over-points':
      return [clip('voice.noPointsLeft')];
    case 'project-points':
      return [clip('voice.maxPoints'), { number: v.max }];
    default:
      return [clip('voice.invalidChoice')];
  }
}

/** An ending heard again with 1, and the prompt that offers it. */
const repeatable = (parts: PromptPart[], offer: string) => ({ parts, again: true, offer: [clip(offer)] });

/** "Your vote is recorded", its receipt character by character, and whether it replaced one. */
function receiptParts(receipt: string, replaced: boolean): PromptPart[] {
  const parts = [clip('voice.voteRecorded'), { chars: receipt }];
  if (replaced) parts.push(clip('voice.voteReplaced'));
  return parts;
}

function endingParts(ending: Ending, ctx: UssdContext): Pick<VoiceReply, 'parts' | 'again' | 'offer'> {
  switch (ending.kind) {
    case 'voteRecorded':
      return repeatable(receiptParts(ending.receipt, ending.replaced), 'voice.receiptAgain');
    case 'votingBlocked':
      return { parts: [clip('voice.votingBlocked')] };
    case 'proposalRecorded':
      return repeatable([clip('voice.ideaRecorded'), { chars: ending.reference.replace(/^P-/, '') }], 'voice.referenceAgain');
    case 'proposalsUpcoming':
    case 'proposalsClosed':
    case 'proposalsNone':
      return { parts: [clip('voice.proposalsClosed')] };
    case 'myVote':
      return repeatable(myVoteParts(ctx), 'voice.hearAgain');
    case 'rules':
      return repeatable(rulesParts(ctx), 'voice.hearAgain');
    case 'myIdeas':
      return repeatable(myIdeasParts(ctx), 'voice.hearAgain');
    case 'following':
      return { parts: [clip('voice.following')] };
    case 'followingVoted':
      return { parts: [clip('voice.followingVoted')] };
    // A spoken report: its reference, character by character; the team's answer comes by SMS when
    // SMS reaches the caller (the runner then keeps the number against the reference).
    case 'projectReported': {
      const parts: PromptPart[] = [clip('voice.reportRecorded'), { chars: ending.reference.replace(/^R-/, '') }];
      if (ctx.smsFollow) parts.push(clip('voice.reportAnswerBySms'));
      return repeatable(parts, 'voice.referenceAgain');
    }
  }
}

const keysFor = (options: number) => String(options).length;

function render(state: KeypadState, ctx: UssdContext, noticed: boolean): { parts: PromptPart[]; screen: Screen; digits: number } {
  const { screen } = state;
  const d = ctx.deployment;
  switch (screen.name) {
    case 'lang':
      return { screen, digits: 1, parts: d.languages.map((l, i) => clip(`voice.lang.${l.code}.${i + 1}`)) };
    case 'menu':
      return {
        screen,
        digits: 1,
        parts: menuItems(ctx)
          .filter((m) => VOICE_ACTIONS.includes(m.action))
          .map((m) => clip(`voice.menu.${m.action}`)),
      };
    case 'resume':
      return { screen, digits: 1, parts: [clip('voice.resume')] };
    case 'replace':
      return { screen, digits: 1, parts: [clip('voice.replace')] };
    case 'ward': {
      // All wards on one page: the caller hears each name with its key.
      const parts = [clip('voice.chooseWard'), ...d.wards.flatMap((w, i) => [clip('voice.for'), wardClip(w.id), clip('voice.press'), { number: i + 1 }])];
      return { screen: { ...screen, end: d.wards.length }, digits: keysFor(d.wards.length), parts };
    }
    case 'category': {
      const parts = [
        clip('voice.chooseCategory'),
        ...d.categories.flatMap((c, i) => [clip('voice.for'), clip(`category.${c.id}`), clip('voice.press'), { number: i + 1 }]),
      ];
      return { screen: { ...screen, end: d.categories.length }, digits: keysFor(d.categories.length), parts };
    }
    case 'speak':
      return { screen, digits: 1, parts: [clip('voice.speakIdea')] };
    case 'speakReport':
      return { screen, digits: 1, parts: [clip('voice.speakReport')] };
    case 'pick':
      return renderPick(state, screen, ctx, noticed);
    case 'confirmVote':
      return { screen, digits: 1, parts: confirmParts(state, ctx) };
    case 'results': {
      // Every chosen project on one page: 0 goes back.
      const draft = state.draft as Extract<Draft, { kind: 'results' }>;
      const total = selectedProjects(
        ctx.deployment.cycles.find((c) => c.id === draft.cycleId)!,
        draft.wardId!,
      ).length;
      return { screen: { ...screen, end: total }, digits: 1, parts: resultsParts(ctx, draft.cycleId, draft.wardId!) };
    }
    case 'projectCode':
      // Up to two keys (winning projects are numbered 1 to 97); one key ends with the hash key.
      return { screen, digits: 2, parts: [clip('voice.askProjectCode')] };
    case 'projectStatus':
      return { screen, digits: 1, parts: projectStatusParts(state, ctx) };
    default:
      // Typed text (an idea's title, a report) is never asked for by voice: both are recorded instead.
      return { screen, digits: 1, parts: [clip('voice.unavailable')] };
  }
}

const pageStart = (screen: Paging) => screen.pages[screen.pages.length - 1]!;

function renderPick(state: KeypadState, screen: Screen & Paging, ctx: UssdContext, noticed: boolean) {
  const draft = state.draft as Extract<Draft, { kind: 'vote' }>;
  const cycle = ctx.deployment.cycles.find((c) => c.id === draft.cycleId)!;
  const projects = wardProjects(cycle, draft.wardId!);
  const rule = cycle.ballot;
  const start = pageStart(screen);
  const parts: PromptPart[] = [];
  // How to answer, said once: before the first project, until a first pick.
  if (start === 0 && draft.picks.length === 0 && !noticed) {
    parts.push(clip(rule.rule === 'choose-1' ? 'voice.pickHelpOne' : 'voice.pickHelp'));
    if (rule.rule === 'approval') parts.push(clip('voice.pickUpTo'), { number: rule.max });
    if (rule.rule === 'ranking') parts.push(clip('voice.pickUpTo'), { number: rule.k });
    if (rule.rule === 'cumulative') parts.push(clip('voice.pickPoints'), { number: rule.points });
    if (rule.rule === 'knapsack') parts.push(clip('voice.moneyLeft'), { money: wardBudget(ctx.deployment, draft.wardId!) });
  }
  const project = projects[start];
  if (project) {
    parts.push(clip('voice.project'), { number: project.code }, projectClip(cycle.id, project.code), clip('voice.costs'), { money: project.cost });
    const rank = draft.picks.indexOf(project.code);
    if (rank >= 0) {
      if (rule.rule === 'ranking') parts.push(clip('voice.rank'), { number: rank + 1 });
      else if (rule.rule === 'cumulative') parts.push(clip('voice.points'), { number: pointsByCode(draft.picks).get(project.code)! });
      else parts.push(clip('voice.chosen'));
    }
  }
  if (rule.rule === 'knapsack' && draft.picks.length > 0) {
    parts.push(clip('voice.moneyLeft'), { money: wardBudget(ctx.deployment, draft.wardId!) - totalCost(draft.picks, projects) });
  }
  return { screen: { ...screen, end: Math.min(start + 1, projects.length) }, digits: 1, parts };
}

function confirmParts(state: KeypadState, ctx: UssdContext): PromptPart[] {
  const draft = state.draft as Extract<Draft, { kind: 'vote' }>;
  const cycle = ctx.deployment.cycles.find((c) => c.id === draft.cycleId)!;
  const projects = wardProjects(cycle, draft.wardId!);
  const cumulative = cycle.ballot.rule === 'cumulative';
  const parts: PromptPart[] = [clip('voice.confirmVote')];
  for (const [code, points] of pointsByCode(draft.picks)) {
    parts.push(clip('voice.project'), { number: code }, projectClip(cycle.id, code));
    if (cumulative) parts.push(clip('voice.points'), { number: points });
  }
  if (cumulative) parts.push(clip('voice.pointsUsed'), { number: draft.picks.length });
  else parts.push(clip('voice.total'), { money: totalCost(draft.picks, projects) });
  parts.push(clip('voice.confirmKeys'));
  return parts;
}
