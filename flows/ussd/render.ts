// The USSD screen renderer of the keypad dialogue: each screen in the resident's language,
// within 182 characters, list pages holding as many items as fit.
import { NAV_KEYS, type Deployment, type Lang } from '../../src/config/schema.ts';
import { pointsByCode, totalCost, type RuleViolation } from '../../src/domain/ballot.ts';
import { selectedProjects, wardBudget, wardProjects } from '../../src/domain/cycle.ts';
import { formatDate, formatMoney } from '../../src/domain/format.ts';
import type { Reply, UssdContext } from '../../src/engine/flow-contract.ts';
import { ideaStatusText } from '../../src/domain/idea-status-text.ts';
import { t } from '../../src/i18n/index.ts';
import { updateText } from '../../src/domain/implementation-text.ts';
import { DESCRIPTION_MAX, REPORT_TYPED_MAX, TITLE_MAX } from '../keypad/dialogue.ts';
import { menuItems } from '../keypad/menu.ts';
import type { Ending, KeypadRenderer, Notice } from '../keypad/renderer.ts';
import type { Draft, KeypadState as UssdState, Paging, Screen } from '../keypad/state.ts';
import { cycleName, noVoteText } from '../shared/after-close.ts';
import { picksTexts, pointsLabel } from '../shared/picks.ts';
import { readBack } from '../shared/read-back.ts';
import { currentBallot } from '../shared/voting.ts';
import { winningProject } from '../shared/winning.ts';
import { fitParts, listPage, SCREEN, SCREEN_LIMIT } from './layout.ts';
import { rulesText } from './rules.ts';

/** Renders the keypad dialogue as USSD screens. */
export const screenRenderer: KeypadRenderer<Reply> = {
  show(state, ctx, notice) {
    const head = notice ? [noticeText(state.lang, notice, ctx)] : [];
    const { text, screen } = render(state, ctx, head);
    return { reply: { end: false, text }, screen };
  },
  end: (state, ctx, ending) => ({ end: true, text: endingText(state, ctx, ending) }),
  actions: ['vote', 'propose', 'myVote', 'rules', 'results', 'project', 'myIdeas', 'language'],
  room: SCREEN,
};

function noticeText(lang: Lang, notice: Notice, ctx: UssdContext): string {
  switch (notice.kind) {
    case 'invalidChoice':
    case 'noMore':
    case 'unknownProject':
      return t(lang, notice.kind);
    case 'violation':
      return violationText(lang, notice.violation, ctx);
    case 'pointsTakenBack':
      return t(lang, 'pointsTakenBack', { code: notice.code });
    case 'pickRemoved':
      return t(lang, 'pickRemoved', { code: notice.code });
    case 'tooShort':
      return t(lang, 'tooShort', { min: notice.min });
    case 'tooLong':
      return t(lang, 'tooLong', { n: notice.n, max: notice.max });
    case 'notWinner':
      return t(lang, 'notWinner', { code: notice.code });
  }
}

function violationText(lang: Lang, v: RuleViolation, ctx: UssdContext): string {
  switch (v.kind) {
    case 'too-many':
      return t(lang, 'tooMany', { max: v.max });
    case 'too-few':
      return t(lang, 'tooFew', { min: v.min });
    case 'over-budget':
      return t(lang, 'overBudget', { left: formatMoney(v.left, ctx.deployment.deployment.currency, lang) });
    case 'unknown-project':
    case 'duplicate':
      return t(lang, 'unknownProject');
    case 'over-points':
      return t(lang, 'noPointsLeft');
    case 'project-points':
      return t(lang, 'maxPoints', { max: v.max });
  }
}

function endingText(state: UssdState, ctx: UssdContext, ending: Ending): string {
  const { lang } = state;
  switch (ending.kind) {
    case 'voteRecorded':
      return receiptText(lang, ending.receipt, ending.replaced);
    case 'proposalRecorded':
      return t(lang, 'proposalRecorded', { ref: ending.reference });
    case 'votingBlocked':
      return ending.text;
    case 'proposalsUpcoming':
      return t(lang, 'proposalsUpcoming', { date: formatDateIn(ctx, ending.opens, lang) });
    case 'proposalsClosed':
      return t(lang, 'proposalsClosed', { date: formatDateIn(ctx, ending.closed, lang) });
    case 'proposalsNone':
      return t(lang, 'proposalsNone');
    case 'myVote': {
      const b = currentBallot(ctx);
      return b ? readBack(lang, ctx, b, SCREEN) : noVoteText(lang, ctx, SCREEN);
    }
    case 'rules':
      return rulesText(lang, ctx);
    case 'myIdeas':
      return myIdeasText(lang, ctx);
    case 'following':
      return t(lang, 'smsFollowing', { code: ending.code, name: projectName(ctx, ending.code, lang) });
    case 'followingVoted':
      return followingVotedText(lang, ending.codes, ending.receipt);
    case 'projectReported': {
      const params = { code: ending.code, name: projectName(ctx, ending.code, lang), ref: ending.reference };
      // The team's answer is texted: promised only to a caller SMS can reach.
      const said = t(lang, ctx.smsFollow ? 'smsReported' : 'reportRecorded', params);
      return said.length <= SCREEN_LIMIT ? said : t(lang, 'reportRecorded', params);
    }
  }
}

/** The receipt of a vote just recorded, the replaced note when it fits beside `room` characters of other lines. */
function receiptText(lang: Lang, receipt: string, replaced: boolean, room = 0): string {
  return fitParts(t(lang, 'voteRecorded', { receipt }), replaced ? [t(lang, 'voteReplaced')] : [], SCREEN_LIMIT - room);
}

/** After a vote: the projects followed, and the receipt again (it left the screen); many codes end in "...". */
function followingVotedText(lang: Lang, codes: number[], receipt: string): string {
  for (let n = codes.length; n >= 1; n--) {
    const listed = codes.slice(0, n).join(', ') + (n < codes.length ? '...' : '');
    const text = t(lang, 'followingVoted', { codes: listed, receipt });
    if (text.length <= SCREEN_LIMIT) return text;
  }
  return t(lang, 'followingVoted', { codes: `${codes[0]}...`, receipt });
}

/** A winning project's menu title in `lang` (else its first). */
function projectName(ctx: UssdContext, code: number, lang: Lang): string {
  const short = winningProject(code, ctx.deployment, ctx.projectUpdate)?.project.short;
  return short ? (short[lang] ?? Object.values(short)[0]!) : '';
}

/**
 * "My ideas": each of the caller's latest ideas with its review status, the newest first with
 * its reason when it has one; ideas or the reason's words are dropped until the screen fits.
 */
function myIdeasText(lang: Lang, ctx: UssdContext): string {
  const ideas = ctx.voter.ideas ?? [];
  for (let n = ideas.length; n >= 1; n--) {
    const shown = ideas.slice(0, n).map((i) => ideaStatusText(lang, 'answer', i.reference, i.status, {}));
    const plain = [t(lang, 'ussdMyIdeas'), ...shown].join('\n');
    const first = ideas[0]!;
    const reason = ideaStatusText(lang, 'answer', first.reference, first.status, first.reason);
    const withReason = [t(lang, 'ussdMyIdeas'), reason, ...shown.slice(1)].join('\n');
    if (withReason.length <= SCREEN_LIMIT) return withReason;
    if (plain.length <= SCREEN_LIMIT) return plain;
  }
  return t(lang, 'ussdMyIdeas');
}

/** The language menu: "choose language" in every language, then each language's name by number. */
export function languageMenuLines(d: Deployment): string[] {
  return [d.languages.map((l) => t(l.code, 'chooseLanguage')).join(' / '), ...d.languages.map((l, i) => `${i + 1} ${l.name}`)];
}

function render(state: UssdState, ctx: UssdContext, head: string[]): { text: string; screen: Screen } {
  const { lang, screen } = state;
  const d = ctx.deployment;
  const lines = (...more: string[]) => [...head, ...more].join('\n');
  switch (screen.name) {
    case 'lang':
      return { screen, text: lines(...languageMenuLines(d)) };
    case 'menu':
      return {
        screen,
        text: lines(d.deployment.name, ...menuItems(ctx).map((m) => `${m.key} ${t(lang, m.label)}`)),
      };
    case 'resume': {
      const saved = screen.saved.draft?.kind === 'proposal' ? 'resumeProposal' : 'resumeVote';
      return { screen, text: lines(t(lang, saved), `1 ${t(lang, 'continue')}`, `2 ${t(lang, 'startAgain')}`) };
    }
    case 'replace': {
      const ballot = ctx.voter.ballot!;
      const date = formatDateIn(ctx, ballot.castAt, lang);
      return {
        screen,
        text: lines(t(lang, 'alreadyVotedReplace', { date }), `1 ${t(lang, 'continue')}`, `0 ${t(lang, 'navBack')}`),
      };
    }
    case 'ward':
      return paged(
        screen,
        [...head, t(lang, 'chooseWard')],
        d.wards.map((w, i) => `${i + 1} ${w.name[lang]}`),
        lang,
        false,
      );
    case 'category':
      return paged(
        screen,
        [...head, t(lang, 'chooseCategory')],
        d.categories.map((c, i) => `${i + 1} ${c.name[lang]}`),
        lang,
        false,
      );
    case 'pick':
      return renderPick(state, screen, ctx, head);
    case 'confirmVote':
      return { screen, text: renderConfirmVote(state, ctx, head) };
    case 'title':
    case 'speak': // ideas are typed on USSD; the screen renderer never records
      return { screen, text: lines(t(lang, 'askTitle', { max: TITLE_MAX })) };
    case 'description':
      return { screen, text: lines(t(lang, 'askDescription', { max: DESCRIPTION_MAX })) };
    case 'confirmProposal': {
      const draft = state.draft as Extract<Draft, { kind: 'proposal' }>;
      const ward = wardName(ctx, draft.wardId!, lang);
      return {
        screen,
        text: lines(t(lang, 'confirmProposal', { ward, title: draft.title! }), `1 ${t(lang, 'submit')}`, `0 ${t(lang, 'navBack')}`),
      };
    }
    case 'results':
      return renderResults(state, screen, ctx, head);
    case 'projectCode':
      return { screen, text: lines(t(lang, 'askProjectCode'), `${NAV_KEYS.back} ${t(lang, 'navBack')}`) };
    case 'projectStatus':
      return { screen, text: renderProjectStatus(state, ctx, head) };
    case 'reportText':
    case 'speakReport': {
      // reports are typed on USSD; the screen renderer never records
      const draft = state.draft as Extract<Draft, { kind: 'project' }>;
      return { screen, text: lines(t(lang, 'askReport', { code: draft.code, max: REPORT_TYPED_MAX })) };
    }
    case 'voted': {
      // The receipt stays on screen above the offer; Exit (0) ends with it alone.
      const draft = state.draft as Extract<Draft, { kind: 'voted' }>;
      const options = [...(ctx.smsFollow ? [`1 ${t(lang, 'followVoted')}`] : []), `${NAV_KEYS.back} ${t(lang, 'navExit')}`];
      const room = [...head, ...options].join('\n').length + 1;
      return { screen, text: lines(receiptText(lang, draft.receipt, draft.replaced, room), ...options) };
    }
  }
}

/**
 * A winning project's latest update, the same words STATUS 7 answers by SMS (the milestone
 * shortened to leave room for the options), then Follow (when SMS can reach the caller), Report, Back.
 */
function renderProjectStatus(state: UssdState, ctx: UssdContext, head: string[]): string {
  const { lang } = state;
  const draft = state.draft as Extract<Draft, { kind: 'project' }>;
  const found = winningProject(draft.code, ctx.deployment, ctx.projectUpdate);
  const name = found ? (found.project.short[lang] ?? Object.values(found.project.short)[0]!) : '';
  const options = [...(ctx.smsFollow ? [`1 ${t(lang, 'followBySms')}`] : []), `2 ${t(lang, 'reportOnProject')}`, `${NAV_KEYS.back} ${t(lang, 'navBack')}`];
  const fits = (text: string) => [...head, text, ...options].join('\n').length <= SCREEN_LIMIT;
  const status = found?.update ? updateText(lang, 'smsProjectStatus', found.update, name, fits) : t(lang, 'projectNoUpdateYet', { code: draft.code, name });
  return [...head, status, ...options].join('\n');
}

function paged(screen: Screen & Paging, head: string[], items: string[], lang: Lang, done: boolean) {
  const start = screen.pages[screen.pages.length - 1]!;
  const page = listPage(head, items, start, (more) => navLine(lang, more, done));
  return { text: page.text, screen: { ...screen, end: page.end } };
}

/** The navigation line of a list page: more, done (when the list allows it), back. */
export function navLine(lang: Lang, more: boolean, done: boolean): string {
  const parts: string[] = [];
  if (more) parts.push(`${NAV_KEYS.more} ${t(lang, 'navMore')}`);
  if (done) parts.push(`${NAV_KEYS.done} ${t(lang, 'navDone')}`);
  parts.push(`${NAV_KEYS.back} ${t(lang, 'navBack')}`);
  return parts.join(' ');
}

function renderPick(state: UssdState, screen: Screen & Paging, ctx: UssdContext, head: string[]) {
  const { lang } = state;
  const draft = state.draft as Extract<Draft, { kind: 'vote' }>;
  const cycle = ctx.deployment.cycles.find((c) => c.id === draft.cycleId)!;
  const projects = wardProjects(cycle, draft.wardId!);
  const rule = cycle.ballot;
  const header = pickHeader(lang, ctx.deployment, cycle, draft.wardId!, draft.picks);
  const points = pointsByCode(draft.picks);
  const items = projects.map((p) => {
    const rank = draft.picks.indexOf(p.code);
    // Approval "+3", ranked "#2 3", cumulative "+2 3" (two points on project 3).
    const mark = rank < 0 ? '' : rule.rule === 'ranking' ? `#${rank + 1} ` : rule.rule === 'cumulative' ? `+${points.get(p.code)} ` : '+';
    return pickItem(p, lang, ctx.deployment, mark);
  });
  return paged(screen, [...head, header], items, lang, rule.rule !== 'choose-1');
}

/** The pick screen's header for a ward's ballot rule with `picks` made so far. */
export function pickHeader(lang: Lang, d: Deployment, cycle: Deployment['cycles'][number], wardId: string, picks: number[]): string {
  const projects = wardProjects(cycle, wardId);
  const ward = d.wards.find((w) => w.id === wardId)?.name[lang] ?? wardId;
  const money = (n: number) => formatMoney(n, d.deployment.currency, lang);
  const rule = cycle.ballot;
  if (rule.rule === 'approval') return t(lang, 'pickApproval', { ward, min: rule.min, max: rule.max, n: picks.length });
  if (rule.rule === 'choose-1') return t(lang, 'pickChooseOne', { ward });
  if (rule.rule === 'knapsack') {
    const budget = wardBudget(d, wardId);
    return t(lang, 'pickKnapsack', { ward, left: money(budget - totalCost(picks, projects)), budget: money(budget) });
  }
  if (rule.rule === 'ranking') return t(lang, 'pickRanking', { ward, k: rule.k, n: Math.min(picks.length + 1, rule.k) });
  return t(lang, 'pickCumulative', { ward, left: rule.points - picks.length, points: rule.points });
}

/** A project's line on the pick screen: its mark (picked, rank, points), code, menu title and cost. */
export function pickItem(p: Deployment['cycles'][number]['projects'][number], lang: Lang, d: Deployment, mark: string): string {
  return `${mark}${p.code} ${p.short[lang]} ${formatMoney(p.cost, d.deployment.currency, lang).split(' ')[1]}`;
}

function renderConfirmVote(state: UssdState, ctx: UssdContext, head: string[]): string {
  const { lang } = state;
  const draft = state.draft as Extract<Draft, { kind: 'vote' }>;
  const cycle = ctx.deployment.cycles.find((c) => c.id === draft.cycleId)!;
  const projects = wardProjects(cycle, draft.wardId!);
  const ward = wardName(ctx, draft.wardId!, lang);
  const rule = cycle.ballot;
  const short = (code: number) => projects.find((p) => p.code === code)!.short[lang];
  const actions = [`1 ${t(lang, 'confirm')}`, `0 ${t(lang, 'navBack')}`];
  // Cumulative ballots show points per project and points given; the others, their cost.
  const total =
    rule.rule === 'cumulative'
      ? t(lang, 'pointsUsed', { used: draft.picks.length, points: rule.points })
      : t(lang, 'total', { total: formatMoney(totalCost(draft.picks, projects), ctx.deployment.deployment.currency, lang) });
  const full =
    rule.rule === 'cumulative'
      ? [...pointsByCode(draft.picks)].map(([code, n]) => `${code} ${short(code)} (${pointsLabel(lang, n)})`)
      : draft.picks.map((code) => `${code} ${short(code)}`);
  const withTitles = [...head, t(lang, 'confirmVote', { ward }), ...full, total, ...actions].join('\n');
  if (withTitles.length <= SCREEN_LIMIT) return withTitles;
  // Many picks: codes only, which the resident typed themselves ("3x2 7x1" for points).
  const codes = picksTexts(rule, draft.picks, lang, ', ').at(-1)!;
  return [...head, t(lang, 'confirmVote', { ward }), codes, total, ...actions].join('\n');
}

function renderResults(state: UssdState, screen: Screen & Paging, ctx: UssdContext, head: string[]) {
  const { lang } = state;
  const draft = state.draft as Extract<Draft, { kind: 'results' }>;
  const cycle = ctx.deployment.cycles.find((c) => c.id === draft.cycleId)!;
  const items = selectedProjects(cycle, draft.wardId!).map((p) => `${p.code} ${p.short[lang]}`);
  const ward = wardName(ctx, draft.wardId!, lang);
  // Which cycle these winners are from, and when they were published; a cycle name too long to
  // leave room for a winner on the screen is left out rather than pushing the winners off it.
  const date = formatDateIn(ctx, cycle.results!.published, lang);
  const named = [...head, t(lang, 'resultsHeaderOf', { cycle: cycleName(cycle, lang), date, ward })];
  const first = [...named, ...items.slice(0, 1), navLine(lang, items.length > 1, false)].join('\n');
  return paged(screen, first.length <= SCREEN_LIMIT ? named : [...head, t(lang, 'resultsHeader', { ward })], items, lang, false);
}

/** A ward's name in `lang`. */
export function wardName(ctx: UssdContext, wardId: string, lang: Lang): string {
  return ctx.deployment.wards.find((w) => w.id === wardId)?.name[lang] ?? wardId;
}

/** A date in the deployment's time zone. */
export function formatDateIn(ctx: UssdContext, date: Date, lang: Lang): string {
  return formatDate(date, lang, ctx.deployment.deployment.timezone);
}
