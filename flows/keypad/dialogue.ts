// The keypad dialogue shared by USSD and voice: states, transitions, ballot rules and paging,
// (state, input, context) → (state, reply, effects). The channel's renderer turns the screen,
// notice or ending into its reply (a 182-character screen, a list of prompt parts), and says how
// many list items one page holds. Pure: no I/O, no clock, no randomness.
import { NAV_KEYS } from '../../src/config/schema.ts';
import { checkAdd, checkBallot } from '../../src/domain/ballot.ts';
import { phaseStatus, publishedCycle, selectedProjects, wardBudget, wardProjects } from '../../src/domain/cycle.ts';
import { redactPhoneNumbers } from '../../src/domain/redact.ts';
import { defaultLanguage } from '../../src/domain/language.ts';
import type { KeypadFlow, StepResult, UssdContext } from '../../src/engine/flow-contract.ts';
import { t } from '../../src/i18n/index.ts';
import { knownWard, votingCycle } from '../shared/voting.ts';
import { followableCodes, winningProject } from '../shared/winning.ts';
import { menuItems } from './menu.ts';
import type { Ending, KeypadRenderer, Notice } from './renderer.ts';
import { firstPage, type Draft, type KeypadState, type Screen } from './state.ts';

type UssdState = KeypadState;
/** The context with the channel's renderer, threaded through the transitions. */
type Ctx = UssdContext & { renderer: KeypadRenderer<unknown> };
type Result = StepResult<UssdState, unknown>;
type VoteDraft = Extract<Draft, { kind: 'vote' }>;
type ProposalDraft = Extract<Draft, { kind: 'proposal' }>;
/** A draft asked for its ward (every one but a project's and a recorded vote's). */
type WardDraft = Exclude<Draft, { kind: 'project' | 'voted' }>;
type PagedScreen = Extract<Screen, { pages: number[] }>;

/** Longest proposal title and description typed on a keypad (screens and SMS must show them). */
export const TITLE_MAX = 40;
export const DESCRIPTION_MAX = 140;
/** Longest report on a project typed on a keypad (as a description: one input field). */
export const REPORT_TYPED_MAX = 140;

/** Shows the current screen, with `notice` said first when re-prompting. */
function show(state: UssdState, ctx: Ctx, notice?: Notice): Result {
  const { reply, screen } = ctx.renderer.show(state, ctx, notice);
  return { state: { ...state, screen }, reply, effects: [] };
}

/** Ends the session. */
function end(state: UssdState, ctx: Ctx, ending: Ending, effects: Result['effects'] = []): Result {
  return { state, reply: ctx.renderer.end(state, ctx, ending), effects };
}

const invalid = (s: UssdState, ctx: Ctx) => show(s, ctx, { kind: 'invalidChoice' });
const goto = (s: UssdState, screen: Screen, ctx: Ctx, draft = s.draft) => show({ ...s, screen, draft }, ctx);

/** The Sauti keypad conversation, rendered by `renderer`. */
export function keypadDialogue<R>(renderer: KeypadRenderer<R>): KeypadFlow<KeypadState, R> {
  const withRenderer = (ctx: UssdContext): Ctx => ({ ...ctx, renderer });
  return {
    start: (ctx, resumable) => start(withRenderer(ctx), resumable) as StepResult<KeypadState, R>,
    step: (state, input, ctx) => step(state, input, withRenderer(ctx)) as StepResult<KeypadState, R>,
    isResumable,
    language: (state) => state?.lang ?? null,
  };
}

function start(ctx: Ctx, resumable: KeypadState | null): Result {
  // A caller who hung up on the resume offer itself is offered the same unfinished session.
  const saved = resumable?.screen.name === 'resume' ? resumable.screen.saved : resumable;
  if (saved) return show({ lang: saved.lang, screen: { name: 'resume', saved } }, ctx);
  const lang = ctx.voter.lang ?? defaultLanguage(ctx.deployment);
  return show({ lang, screen: { name: ctx.voter.lang ? 'menu' : 'lang' } }, ctx);
}

function step(state: KeypadState, rawInput: string, ctx: Ctx): Result {
  const input = rawInput.trim();
  switch (state.screen.name) {
    case 'lang':
      return onLanguage(state, input, ctx);
    case 'menu':
      return onMenu(state, input, ctx);
    case 'resume':
      if (input === '1') return show(state.screen.saved, ctx);
      if (input === '2') return goto(state, { name: 'menu' }, ctx, undefined);
      return invalid(state, ctx);
    case 'replace':
      if (input === '1') return afterWardKnown(state, state.draft as VoteDraft, ctx);
      if (input === NAV_KEYS.back) return goto(state, { name: 'menu' }, ctx, undefined);
      return invalid(state, ctx);
    case 'ward':
      return onWard(state, state.screen, input, ctx);
    case 'pick':
      return onPick(state, state.screen, input, ctx);
    case 'confirmVote':
      return onConfirmVote(state, input, ctx);
    case 'category':
      return onCategory(state, state.screen, input, ctx);
    case 'title':
    case 'description':
      return onFreeText(state, state.screen.name, rawInput, ctx);
    case 'confirmProposal':
      return onConfirmProposal(state, input, ctx);
    case 'speak':
      return onSpoken(state, input, ctx);
    case 'results':
      return onPaged(state, state.screen, input, ctx, () => leaveResults(state, ctx), resultCount(state, ctx));
    case 'projectCode':
      return onProjectCode(state, input, ctx);
    case 'projectStatus':
      return onProjectStatus(state, input, ctx);
    case 'reportText':
      return onReportText(state, rawInput, ctx);
    case 'speakReport':
      return onSpokenReport(state, input, ctx);
    case 'voted':
      return onVoted(state, input, ctx);
  }
}

function isResumable(state: KeypadState): boolean {
  if (state.screen.name === 'resume') return isResumable(state.screen.saved);
  const d = state.draft;
  if (!d || ['menu', 'lang', 'resume'].includes(state.screen.name)) return false;
  if (d.kind === 'vote') return d.picks.length > 0;
  if (d.kind === 'proposal') return d.category !== undefined;
  return false;
}

function onLanguage(state: UssdState, input: string, ctx: Ctx): Result {
  const chosen = ctx.deployment.languages[Number(input) - 1];
  if (!/^\d+$/.test(input) || !chosen) return invalid(state, ctx);
  const next = show({ lang: chosen.code, screen: { name: 'menu' } }, ctx);
  return { ...next, effects: [{ type: 'voter.language', lang: chosen.code }] };
}

function onMenu(state: UssdState, input: string, ctx: Ctx): Result {
  const item = menuItems(ctx).find((m) => m.key === input && ctx.renderer.actions.includes(m.action));
  switch (item?.action) {
    case undefined:
      return invalid(state, ctx);
    case 'vote':
      return startVote(state, ctx);
    case 'propose':
      return startProposal(state, ctx);
    case 'myVote':
      return end(state, ctx, { kind: 'myVote' });
    case 'myIdeas':
      return end(state, ctx, { kind: 'myIdeas' });
    case 'rules':
      return end(state, ctx, { kind: 'rules' });
    case 'results': {
      // A ward the gateway cannot tell is asked for first, never guessed.
      const cycle = publishedCycle(ctx.deployment, ctx.now)!;
      const wardId = knownWard(ctx) ?? undefined;
      const draft: Draft = { kind: 'results', cycleId: cycle.id, wardId, wardFromRoll: wardId !== undefined };
      return afterWardKnown(state, draft, ctx);
    }
    case 'project':
      return goto(state, { name: 'projectCode' }, ctx, undefined);
    case 'language':
      return goto(state, { name: 'lang' }, ctx);
  }
}

function startVote(state: UssdState, ctx: Ctx): Result {
  const open = votingCycle(state.lang, ctx, ctx.renderer.room);
  if ('blocked' in open) return end(state, ctx, { kind: 'votingBlocked', text: open.blocked });
  const rollWard = ctx.voter.roll.wardId;
  const draft: VoteDraft = { kind: 'vote', cycleId: open.cycleId, wardFromRoll: rollWard !== null, picks: [] };
  if (rollWard) draft.wardId = rollWard;
  if (ctx.voter.ballot?.cycleId === draft.cycleId) return goto(state, { name: 'replace' }, ctx, draft);
  return afterWardKnown(state, draft, ctx);
}

function afterWardKnown(state: UssdState, draft: WardDraft, ctx: Ctx): Result {
  if (!draft.wardId) return goto(state, { name: 'ward', ...firstPage() }, ctx, draft);
  if (draft.kind === 'vote') return goto(state, { name: 'pick', ...firstPage() }, ctx, draft);
  if (draft.kind === 'proposal') return goto(state, { name: 'category', ...firstPage() }, ctx, draft);
  return goto(state, { name: 'results', ...firstPage() }, ctx, draft);
}

function startProposal(state: UssdState, ctx: Ctx): Result {
  const status = phaseStatus(ctx.deployment, 'proposals', ctx.now);
  if (status.kind === 'upcoming') return end(state, ctx, { kind: 'proposalsUpcoming', opens: status.opens });
  if (status.kind === 'closed') return end(state, ctx, { kind: 'proposalsClosed', closed: status.closed });
  if (status.kind === 'none') return end(state, ctx, { kind: 'proposalsNone' });
  const rollWard = ctx.voter.roll.wardId;
  const draft: ProposalDraft = { kind: 'proposal', cycleId: status.cycle.id, wardFromRoll: rollWard !== null };
  if (rollWard) draft.wardId = rollWard;
  return afterWardKnown(state, draft, ctx);
}

/** Handles More and Back on a list screen of `total` items; anything else is invalid. */
function onPaged(state: UssdState, screen: PagedScreen, input: string, ctx: Ctx, leave: () => Result, total: number): Result {
  if (input === NAV_KEYS.more) {
    if (screen.end >= total) return show(state, ctx, { kind: 'noMore' });
    return goto(state, { ...screen, pages: [...screen.pages, screen.end] }, ctx);
  }
  if (input === NAV_KEYS.back) {
    if (screen.pages.length > 1) return goto(state, { ...screen, pages: screen.pages.slice(0, -1) }, ctx);
    return leave();
  }
  return invalid(state, ctx);
}

function onWard(state: UssdState, screen: PagedScreen, input: string, ctx: Ctx): Result {
  const wards = ctx.deployment.wards;
  const n = /^\d+$/.test(input) ? Number(input) : NaN;
  if (input !== NAV_KEYS.back && input !== NAV_KEYS.more && wards[n - 1]) {
    return afterWardKnown(state, { ...(state.draft as WardDraft), wardId: wards[n - 1]!.id }, ctx);
  }
  return onPaged(state, screen, input, ctx, () => goto(state, { name: 'menu' }, ctx, undefined), wards.length);
}

function onCategory(state: UssdState, screen: PagedScreen, input: string, ctx: Ctx): Result {
  const cats = ctx.deployment.categories;
  const n = /^\d+$/.test(input) ? Number(input) : NaN;
  const draft = state.draft as ProposalDraft;
  if (input !== NAV_KEYS.back && input !== NAV_KEYS.more && cats[n - 1]) {
    return goto(state, { name: ctx.renderer.spokenIdeas ? 'speak' : 'title' }, ctx, { ...draft, category: cats[n - 1]!.id });
  }
  const leave = () =>
    draft.wardFromRoll ? goto(state, { name: 'menu' }, ctx, undefined) : goto(state, { name: 'ward', ...firstPage() }, ctx, { ...draft, wardId: undefined });
  return onPaged(state, screen, input, ctx, leave, cats.length);
}

function onPick(state: UssdState, screen: PagedScreen, input: string, ctx: Ctx): Result {
  const draft = state.draft as VoteDraft;
  const cycle = ctx.deployment.cycles.find((c) => c.id === draft.cycleId)!;
  const projects = wardProjects(cycle, draft.wardId!);
  const budget = wardBudget(ctx.deployment, draft.wardId!);
  if (input === NAV_KEYS.done && cycle.ballot.rule !== 'choose-1') {
    const v = checkBallot(cycle.ballot, draft.picks, projects, budget);
    if (v) return show(state, ctx, { kind: 'violation', violation: v });
    return goto(state, { name: 'confirmVote' }, ctx);
  }
  if (input === NAV_KEYS.more || input === NAV_KEYS.back) {
    const leave = () =>
      draft.wardFromRoll
        ? goto(state, { name: 'menu' }, ctx, undefined)
        : goto(state, { name: 'ward', ...firstPage() }, ctx, { ...draft, wardId: undefined, picks: [] });
    return onPaged(state, screen, input, ctx, leave, projects.length);
  }
  const code = /^\d{1,2}$/.test(input) ? Number(input) : NaN;
  if (!projects.some((p) => p.code === code)) return show(state, ctx, { kind: 'unknownProject' });
  const cumulative = cycle.ballot.rule === 'cumulative';
  const without = { ...draft, picks: draft.picks.filter((c) => c !== code) };
  // Typing a chosen project removes it, except under cumulative, where it is another point; the
  // caller is told, since a voice caller cannot see the list change.
  if (draft.picks.includes(code) && !cumulative) return show({ ...state, draft: without }, ctx, { kind: 'pickRemoved', code });
  const v = checkAdd(cycle.ballot, draft.picks, code, projects, budget);
  if (v) {
    // Cumulative, when no point can be added to a chosen project (its maximum, or none left):
    // typing it takes its points back, so points can be moved without starting over.
    if (cumulative && draft.picks.includes(code)) return show({ ...state, draft: without }, ctx, { kind: 'pointsTakenBack', code });
    return show(state, ctx, { kind: 'violation', violation: v });
  }
  const next: VoteDraft = { ...draft, picks: [...draft.picks, code] };
  if (cycle.ballot.rule === 'choose-1') return goto(state, { name: 'confirmVote' }, ctx, next);
  return goto(state, screen, ctx, next);
}

function onConfirmVote(state: UssdState, input: string, ctx: Ctx): Result {
  const draft = state.draft as VoteDraft;
  const { lang } = state;
  const cycle = ctx.deployment.cycles.find((c) => c.id === draft.cycleId)!;
  if (input === NAV_KEYS.back) {
    const picks = cycle.ballot.rule === 'choose-1' ? [] : draft.picks;
    return goto(state, { name: 'pick', ...firstPage() }, ctx, { ...draft, picks });
  }
  if (input !== '1') return invalid(state, ctx);
  // Re-checked here: a resumed session may outlive the voting window or a first vote.
  const open = votingCycle(lang, ctx, ctx.renderer.room, draft.cycleId);
  if ('blocked' in open) return end(state, ctx, { kind: 'votingBlocked', text: open.blocked });
  const previous = ctx.voter.ballot?.cycleId === draft.cycleId ? ctx.voter.ballot : null;
  const receipt = ctx.fresh.receipt;
  const replaced = previous !== null;
  const cast: Result['effects'] = [
    {
      type: 'vote.cast',
      cycleId: draft.cycleId,
      wardId: draft.wardId!,
      picks: draft.picks,
      receipt,
      replaces: previous?.eventId ?? null,
    },
  ];
  // Offered wherever "Follow by SMS" under Project progress (menu 6) would be: when SMS reaches the
  // caller. Menu 6 waits for published winners; every cycle voted in will publish some, and every
  // winner's implementation is followed (no setting turns it off), so no other condition is needed.
  const codes = ctx.smsFollow ? followableCodes(cycle, draft.picks, ctx.now) : [];
  if (codes.length === 0) return end({ ...state, draft: undefined }, ctx, { kind: 'voteRecorded', receipt, replaced }, cast);
  const voted: VotedDraft = { kind: 'voted', cycleId: draft.cycleId, codes, receipt, replaced };
  return { ...goto(state, { name: 'voted' }, ctx, voted), effects: cast };
}

type VotedDraft = Extract<Draft, { kind: 'voted' }>;

/**
 * The receipt of a vote just recorded, with one key to follow the projects it chose by SMS (the
 * store FOLLOW 7 and Project progress use); Back (Exit) ends with the receipt alone.
 */
function onVoted(state: UssdState, input: string, ctx: Ctx): Result {
  const draft = state.draft as VotedDraft;
  const { receipt, replaced } = draft;
  if (input === NAV_KEYS.back) return end({ ...state, draft: undefined }, ctx, { kind: 'voteRecorded', receipt, replaced });
  if (input !== '1' || !ctx.smsFollow) return invalid(state, ctx);
  const ended = end({ ...state, draft: undefined }, ctx, { kind: 'followingVoted', codes: draft.codes, receipt });
  return { ...ended, follow: { cycleId: draft.cycleId, codes: draft.codes, lang: state.lang } };
}

const TEXT_MIN = { title: 3, description: 5 } as const;
const TEXT_MAX = { title: TITLE_MAX, description: DESCRIPTION_MAX } as const;

function onFreeText(state: UssdState, field: 'title' | 'description', raw: string, ctx: Ctx): Result {
  const draft = state.draft as ProposalDraft;
  const text = cleanText(raw);
  if (text === NAV_KEYS.back) {
    return field === 'title' ? goto(state, { name: 'category', ...firstPage() }, ctx, { ...draft, category: undefined }) : goto(state, { name: 'title' }, ctx);
  }
  if (text.length < TEXT_MIN[field]) return show(state, ctx, { kind: 'tooShort', min: TEXT_MIN[field] });
  if (text.length > TEXT_MAX[field]) return show(state, ctx, { kind: 'tooLong', n: text.length, max: TEXT_MAX[field] });
  // The draft (session state) holds the text as it will be recorded: a typed number is never stored.
  const kept = redactPhoneNumbers(text, ctx.deployment.deployment.country);
  if (field === 'title') return goto(state, { name: 'description' }, ctx, { ...draft, title: kept });
  return goto(state, { name: 'confirmProposal' }, ctx, { ...draft, description: kept });
}

function onConfirmProposal(state: UssdState, input: string, ctx: Ctx): Result {
  const draft = state.draft as ProposalDraft;
  if (input === NAV_KEYS.back) return goto(state, { name: 'description' }, ctx);
  if (input !== '1') return invalid(state, ctx);
  return submitProposal(state, ctx, { title: draft.title!, description: draft.description! });
}

/** The input a channel that records ideas passes once a recording is kept: its digest and length. */
export const spokenInput = (sha256: string, bytes: number): string => `audio:${sha256}:${bytes}`;

/** The recording spokenInput names, or null for any other input (a key, an empty recording). */
function spokenOf(input: string): { sha256: string; bytes: number } | null {
  const audio = /^audio:([0-9a-f]{64}):(\d{1,9})$/.exec(input);
  return audio && Number(audio[2]) >= 1 ? { sha256: audio[1]!, bytes: Number(audio[2]) } : null;
}

/** A spoken idea: the recording (see spokenInput) is submitted with its digest; Back returns to the categories. */
function onSpoken(state: UssdState, input: string, ctx: Ctx): Result {
  const draft = state.draft as ProposalDraft;
  if (input === NAV_KEYS.back) return goto(state, { name: 'category', ...firstPage() }, ctx, { ...draft, category: undefined });
  const spoken = spokenOf(input);
  if (!spoken) return invalid(state, ctx);
  return submitProposal(state, ctx, { title: t(state.lang, 'spokenIdeaTitle'), description: '', audio: spoken });
}

/** Records the draft idea (typed or spoken) if its cycle still takes ideas, and ends with its reference. */
function submitProposal(state: UssdState, ctx: Ctx, text: { title: string; description: string; audio?: { sha256: string; bytes: number } }): Result {
  const draft = state.draft as ProposalDraft;
  const status = phaseStatus(ctx.deployment, 'proposals', ctx.now);
  if (status.kind !== 'open' || status.cycle.id !== draft.cycleId) return end(state, ctx, { kind: 'proposalsNone' });
  const reference = `P-${ctx.fresh.reference}`;
  return end({ ...state, draft: undefined }, ctx, { kind: 'proposalRecorded', reference }, [
    {
      type: 'proposal.submitted',
      cycleId: draft.cycleId,
      wardId: draft.wardId!,
      category: draft.category!,
      title: text.title,
      description: text.description,
      reference,
      ...(text.audio && { audio: text.audio }),
    },
  ]);
}

/** Back from the winners: to the ward list when the ward was picked there, else to the menu. */
function leaveResults(state: UssdState, ctx: Ctx): Result {
  const draft = state.draft as Extract<Draft, { kind: 'results' }>;
  if (draft.wardFromRoll) return goto(state, { name: 'menu' }, ctx, undefined);
  return goto(state, { name: 'ward', ...firstPage() }, ctx, { ...draft, wardId: undefined });
}

function resultCount(state: UssdState, ctx: Ctx): number {
  const draft = state.draft as Extract<Draft, { kind: 'results' }>;
  const cycle = ctx.deployment.cycles.find((c) => c.id === draft.cycleId)!;
  return selectedProjects(cycle, draft.wardId!).length;
}

type ProjectDraft = Extract<Draft, { kind: 'project' }>;

/** "Project progress": a winning project's number (as STATUS 7 by SMS names it), or Back to the menu. */
function onProjectCode(state: UssdState, input: string, ctx: Ctx): Result {
  if (input === NAV_KEYS.back) return goto(state, { name: 'menu' }, ctx, undefined);
  if (!/^\d{1,3}$/.test(input)) return invalid(state, ctx);
  const code = Number(input);
  const found = winningProject(code, ctx.deployment, ctx.projectUpdate);
  if (!found) return show(state, ctx, { kind: 'notWinner', code });
  return goto(state, { name: 'projectStatus' }, ctx, { kind: 'project', cycleId: found.cycleId, code });
}

/** Under a project's status: 1 follows it by SMS (when the caller can get SMS), 2 reports on it, Back asks another number. */
function onProjectStatus(state: UssdState, input: string, ctx: Ctx): Result {
  const draft = state.draft as ProjectDraft;
  if (input === NAV_KEYS.back) return goto(state, { name: 'projectCode' }, ctx, undefined);
  if (input === '1' && ctx.smsFollow) {
    const ended = end({ ...state, draft: undefined }, ctx, { kind: 'following', code: draft.code });
    return { ...ended, follow: { cycleId: draft.cycleId, codes: [draft.code], lang: state.lang } };
  }
  if (input === '2') return goto(state, { name: ctx.renderer.spokenIdeas ? 'speakReport' : 'reportText' }, ctx);
  return invalid(state, ctx);
}

/** A spoken report (voice): the recording (see spokenInput) is its content, named by digest; Back returns to the status. */
function onSpokenReport(state: UssdState, input: string, ctx: Ctx): Result {
  if (input === NAV_KEYS.back) return goto(state, { name: 'projectStatus' }, ctx);
  const spoken = spokenOf(input);
  if (!spoken) return invalid(state, ctx);
  return submitReport(state, ctx, { text: '', audio: spoken });
}

/** A report typed on the keypad: recorded as REPORT 7 by SMS records it, ending with its reference. */
function onReportText(state: UssdState, raw: string, ctx: Ctx): Result {
  const text = cleanText(raw);
  if (text === NAV_KEYS.back) return goto(state, { name: 'projectStatus' }, ctx);
  // As by SMS: at least three letters or digits say something.
  const said = text.replace(/[^\p{L}\p{N}]/gu, '').length;
  if (said < 3) return show(state, ctx, { kind: 'tooShort', min: 3 });
  if (text.length > REPORT_TYPED_MAX) return show(state, ctx, { kind: 'tooLong', n: text.length, max: REPORT_TYPED_MAX });
  return submitReport(state, ctx, { text: redactPhoneNumbers(text, ctx.deployment.deployment.country) });
}

/** Records a report (typed text, or a recording with no text) on a project still winning, ending with its reference. */
function submitReport(state: UssdState, ctx: Ctx, content: { text: string; audio?: { sha256: string; bytes: number } }): Result {
  const draft = state.draft as ProjectDraft;
  const found = winningProject(draft.code, ctx.deployment, ctx.projectUpdate);
  if (!found) return show({ ...state, draft: undefined, screen: { name: 'projectCode' } }, ctx, { kind: 'notWinner', code: draft.code });
  const reference = `R-${ctx.fresh.reference}`;
  return end({ ...state, draft: undefined }, ctx, { kind: 'projectReported', code: draft.code, reference }, [
    {
      type: 'project.reported',
      cycleId: found.cycleId,
      wardId: found.project.ward,
      code: draft.code,
      text: content.text,
      reference,
      lang: state.lang,
      ...(content.audio && { audio: content.audio }),
    },
  ]);
}

/** Collapses whitespace and strips control characters from free text typed on a keypad. */
export function cleanText(input: string): string {
  return (
    input
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
  );
}
