// What an inbound SMS does: (body, context) → (reply, effects, conversation). Pure.
import type { Lang } from '../../src/config/schema.ts';
import { checkBallot, maxPerProject } from '../../src/domain/ballot.ts';
import { phaseStatus, publishedCycle, selectedProjects, wardBudget, wardProjects } from '../../src/domain/cycle.ts';
import { compactAmount, formatChoice, formatDate, formatMoney } from '../../src/domain/format.ts';
import { smsCost, toGsmLookalikes } from '../../src/domain/sms-encoding.ts';
import { displayCode } from '../../src/domain/codes.ts';
import { updateText } from '../../src/domain/implementation-text.ts';
import { ideaStatusText } from '../../src/domain/idea-status-text.ts';
import { defaultLanguage } from '../../src/domain/language.ts';
import { redactPhoneNumbers } from '../../src/domain/redact.ts';
import type { Effect, SmsContext, SmsConversation, SmsFlow, SmsResult } from '../../src/engine/flow-contract.ts';
import { t } from '../../src/i18n/index.ts';
import { readBack, type ReadBackRoom } from '../shared/read-back.ts';
import { checkText } from '../shared/standing.ts';
import { cycleName, noVoteText } from '../shared/after-close.ts';
import { currentBallot, knownWard, votingCycle } from '../shared/voting.ts';
import { voteConfirmationSms } from '../shared/vote-sms.ts';
import { winningProject as winningOf } from '../shared/winning.ts';
import { normalizeWord, parseSms, type SmsCommand } from './grammar.ts';
import { segmentPage } from './pages.ts';

const TITLE_MAX = 40;
const IDEA_MAX = 300;
/** A report's text is kept up to this length, as an idea's (the reply says when it was shortened). */
export const REPORT_MAX = 300;

/** One SMS segment as sent (look-alikes applied): what shared replies must fit, and where results are. */
const SEGMENT: ReadBackRoom = {
  fits: (text) => smsCost(toGsmLookalikes(text)).segments === 1,
  resultsOut: 'resultsOutSms',
  vote: 'smsReceipt',
  sep: ' ',
};

/** The Sauti SMS conversation. */
export const smsFlow: SmsFlow = {
  receiptToCheck(body) {
    const cmd = parseSms(body);
    return cmd.kind === 'check' && cmd.code ? cmd.code : null;
  },
  handle(body, ctx) {
    const cmd = parseSms(body);
    // Text that matches nothing is answered in the language it is written in, when that can be
    // told and is offered; a keyword, in the number's chosen language first.
    // Every built-in keyword is understood (VOTER 1 3 is a vote anywhere), but a reply is only ever
    // in a language the deployment offers: its names and texts exist in no other.
    const offered = (code: Lang | null | undefined) => (code && ctx.deployment.languages.some((l) => l.code === code) ? code : undefined);
    const written = cmd.kind === 'text' ? offered(cmd.lang) : undefined;
    const keyword = cmd.kind === 'text' ? undefined : offered(cmd.lang);
    const lang = written ?? offered(ctx.voter.lang) ?? keyword ?? offered(ctx.conversation?.lang) ?? defaultLanguage(ctx.deployment);
    const r = dispatch(cmd, lang, ctx);
    // A question remembers the language it was asked in, for an answer with no keyword.
    if (r.conversation) r.conversation = { ...r.conversation, lang };
    // Opted-out numbers get nothing, except the answer to STOP or START itself.
    const silenced = ctx.voter.optedOut && cmd.kind !== 'start' && cmd.kind !== 'stop';
    return { ...r, reply: silenced ? null : r.reply, command: cmd.kind, lang };
  },
};

/** HELP: the keywords, and LANG with the deployment's other languages (its own when it has one). */
function help(lang: Lang, ctx: SmsContext): string {
  const others = ctx.deployment.languages.map((l) => l.code).filter((c) => c !== lang);
  return t(lang, 'smsHelp', { langs: formatChoice(others.length > 0 ? others : [lang], lang) });
}

type Outcome = Omit<SmsResult, 'command'>;
const reply = (text: string, more: Partial<Outcome> = {}): Outcome => ({
  reply: { text, kind: 'reply' },
  effects: [],
  conversation: null,
  ...more,
});

function dispatch(cmd: SmsCommand, lang: Lang, ctx: SmsContext): Outcome {
  switch (cmd.kind) {
    case 'vote':
      // Name what was wrong ("-1", "2.5", "abc"): a sign or a decimal is never read as another project.
      if (cmd.bad.length > 0) return reply(t(lang, 'smsVoteBadNumber', { token: cmd.bad[0]!.slice(0, 10), example: example(ctx) }));
      return vote(cmd.codes, lang, ctx);
    case 'numbers': {
      const asked = ctx.conversation;
      if (asked?.kind === 'vote') return vote(cmd.codes, lang, ctx);
      if (asked?.kind === 'idea' && cmd.codes.length === 1) return ideaForWardIndex(cmd.codes[0]!, asked.text, lang, ctx);
      if (asked?.kind === 'results' && !asked.wardId) return results(asked.page, lang, ctx, wardAt(ctx, cmd.codes));
      if (asked?.kind === 'projects' && !asked.wardId) return projects(asked.page, lang, ctx, wardAt(ctx, cmd.codes) ?? null);
      return reply(t(lang, 'smsVoteHow', { example: example(ctx) }));
    }
    case 'idea':
      return idea(cmd.text, lang, ctx);
    case 'status': {
      if (!cmd.ref) return reply(t(lang, 'smsStatusHow'));
      const p = ctx.proposal(cmd.ref);
      if (!p) return reply(t(lang, 'smsStatusUnknown', { ref: cmd.ref }));
      return reply(ideaStatusText(lang, 'answer', cmd.ref, p.status, p.reason ?? {}));
    }
    case 'project-status':
      return projectStatus(cmd.code, lang, ctx);
    case 'follow':
      return follow(cmd.code, lang, ctx);
    case 'report':
      return report(cmd.code, cmd.text, lang, ctx);
    case 'check': {
      const code = cmd.code || currentBallot(ctx)?.receipt;
      if (!code) return reply(t(lang, 'smsCheckHow'));
      return reply(checkText(lang, displayCode(code), ctx.receiptState(code)));
    }
    case 'receipt': {
      const b = currentBallot(ctx);
      return reply(b ? readBack(lang, ctx, b, SEGMENT) : noVoteText(lang, ctx, SEGMENT));
    }
    case 'results': {
      const remembered = ctx.conversation?.kind === 'results' ? ctx.conversation.wardId : undefined;
      return results(cmd.page, lang, ctx, remembered);
    }
    case 'projects': {
      // A ward named that is no ward: asked for, as when none is known.
      const named = cmd.ward ? (wardByName(cmd.ward, ctx) ?? null) : undefined;
      const remembered = ctx.conversation?.kind === 'projects' ? ctx.conversation.wardId : undefined;
      return projects(cmd.page, lang, ctx, named === undefined ? remembered : named);
    }
    case 'more': {
      // The next page of the list shown last, while the conversation lasts.
      const shown = ctx.conversation;
      // Past the last page, MORE says so rather than sending the last page again.
      if (shown?.kind === 'projects' && shown.wardId) return projects(shown.page + 1, lang, ctx, shown.wardId, { more: true });
      if (shown?.kind === 'results' && shown.wardId) return results(shown.page + 1, lang, ctx, shown.wardId, { more: true });
      return reply(t(lang, 'smsMoreNothing'));
    }
    case 'typo':
      return reply(didYouMean(cmd.keyword, cmd.rest, lang));
    case 'help':
      return reply(help(lang, ctx));
    case 'lang': {
      const chosen = ctx.deployment.languages.find((l) => normalizeWord(l.code) === cmd.code || normalizeWord(l.name) === cmd.code);
      // The languages this deployment offers, not a fixed list: LANG fr is no answer where French is not.
      if (!chosen)
        return reply(
          t(lang, 'smsLangUnknown', {
            choices: formatChoice(
              ctx.deployment.languages.map((l) => l.code),
              lang,
            ),
          }),
        );
      return reply(t(chosen.code, 'smsLangSet'), { effects: [{ type: 'voter.language', lang: chosen.code }] });
    }
    case 'stop':
      return {
        reply: { text: t(lang, 'smsStopped'), kind: 'stop' },
        effects: [{ type: 'voter.optOut', optedOut: true }],
        conversation: null,
      };
    case 'start':
      return reply(t(lang, 'smsStarted'), { effects: [{ type: 'voter.optOut', optedOut: false }] });
    case 'text':
      if (cmd.text === '') return reply(help(lang, ctx));
      return reply(t(lang, 'smsUnknown'));
  }
}

/** The winning project a number names (flows/shared/winning.ts). */
const winningProject = (code: number, ctx: SmsContext) => winningOf(code, ctx.deployment, ctx.projectUpdate);

/** STATUS 7: the latest update of a winning project, in the resident's language. */
function projectStatus(code: number, lang: Lang, ctx: SmsContext): Outcome {
  const found = winningProject(code, ctx);
  if (!found) return reply(t(lang, 'smsProjectUnknown', { code }));
  const name = found.project.short[lang] ?? Object.values(found.project.short)[0]!;
  if (!found.update) return reply(t(lang, 'smsProjectNoUpdate', { code, name }));
  return reply(updateText(lang, 'smsProjectStatus', found.update, name));
}

/** FOLLOW 7: each later update of a winning project by SMS, until STOP. */
function follow(code: number | null, lang: Lang, ctx: SmsContext): Outcome {
  if (code === null) return reply(t(lang, 'smsFollowHow'));
  const found = winningProject(code, ctx);
  if (!found) return reply(t(lang, 'smsProjectUnknown', { code }));
  return reply(t(lang, 'smsFollowing', { code, name: found.project.short[lang] ?? Object.values(found.project.short)[0]! }), {
    follow: { cycleId: found.cycleId, code, lang },
  });
}

/**
 * REPORT 7 the contractor left: a resident's word on a winning project, for the PB team, answered
 * with a reference the team's answer will name (sent after the commit, as every reply).
 */
function report(code: number | null, text: string, lang: Lang, ctx: SmsContext): Outcome {
  if (code === null) return reply(t(lang, 'smsReportHow'));
  const found = winningProject(code, ctx);
  if (!found) return reply(t(lang, 'smsProjectUnknown', { code }));
  if (text.replace(/[^\p{L}\p{N}]/gu, '').length < 3) return reply(t(lang, 'smsReportNoText', { code }));
  const name = found.project.short[lang] ?? Object.values(found.project.short)[0]!;
  const reference = `R-${ctx.fresh.reference}`;
  const shortened = text.length > REPORT_MAX;
  return {
    reply: { text: t(lang, shortened ? 'smsReportShortened' : 'smsReported', { code, name, ref: reference, max: REPORT_MAX }), kind: 'confirmation' },
    effects: [{ type: 'project.reported', cycleId: found.cycleId, wardId: found.project.ward, code, text: text.slice(0, REPORT_MAX), reference, lang }],
    conversation: null,
  };
}

function vote(typed: number[], lang: Lang, ctx: SmsContext): Outcome {
  const open = votingCycle(lang, ctx, SEGMENT);
  if ('blocked' in open) return reply(open.blocked);
  const ask: SmsConversation = { kind: 'vote' };
  if (typed.length === 0) return reply(t(lang, 'smsAskCodes', { example: example(ctx) }), { conversation: ask });
  const cycle = ctx.deployment.cycles.find((c) => c.id === open.cycleId)!;
  // Under a cumulative rule "VOTE 3 3 7" gives 3 two points; under any other a repeated number
  // is taken once, as it always was ("VOTE 3 3 7" votes for 3 and 7).
  const codes = cycle.ballot.rule === 'cumulative' ? typed : [...new Set(typed)];
  const unknown = [...new Set(codes)].filter((c) => !cycle.projects.some((p) => p.code === c));
  if (unknown.length > 0) {
    return reply(t(lang, 'smsUnknownCodes', { codes: unknown.join(' '), example: example(ctx) }), { conversation: ask });
  }
  const wards = [...new Set(codes.map((c) => cycle.projects.find((p) => p.code === c)!.ward))];
  if (wards.length > 1) return reply(t(lang, 'smsOneWard', { codes: [...new Set(codes)].join(' '), example: example(ctx) }), { conversation: ask });
  const wardId = wards[0]!;
  const rollWard = ctx.voter.roll.wardId;
  if (rollWard && rollWard !== wardId) {
    const code = codes.find((c) => cycle.projects.find((p) => p.code === c)!.ward !== rollWard)!;
    return reply(t(lang, 'smsNotYourWard', { code, ward: wardName(ctx, rollWard, lang), example: example(ctx) }), { conversation: ask });
  }
  const projects = wardProjects(cycle, wardId);
  const budget = wardBudget(ctx.deployment, wardId);
  const v = checkBallot(cycle.ballot, codes, projects, budget);
  if (v) {
    const money = (n: number) => formatMoney(n, ctx.deployment.deployment.currency, lang);
    const ex = example(ctx);
    const text =
      v.kind === 'too-many'
        ? t(lang, 'smsTooMany', { max: v.max, example: ex })
        : v.kind === 'too-few'
          ? t(lang, 'smsTooFew', { min: v.min, example: ex })
          : v.kind === 'over-budget'
            ? t(lang, 'smsOverBudget', { total: money(codes.reduce((s, c) => s + projects.find((p) => p.code === c)!.cost, 0)), budget: money(budget) })
            : v.kind === 'over-points'
              ? t(lang, 'smsOverPoints', { total: codes.length, points: v.points, example: ex })
              : v.kind === 'project-points'
                ? t(lang, 'smsProjectPoints', { max: v.max, code: v.code, n: codes.filter((c) => c === v.code).length, example: ex })
                : t(lang, 'smsVoteHow', { example: ex });
    return reply(text, { conversation: ask });
  }
  const previous = ctx.voter.ballot?.cycleId === cycle.id ? ctx.voter.ballot : null;
  const receipt = ctx.fresh.receipt;
  const effect: Effect = { type: 'vote.cast', cycleId: cycle.id, wardId, picks: codes, receipt, replaces: previous?.eventId ?? null };
  return {
    reply: { text: voteConfirmationSms(lang, ctx.deployment, effect, previous !== null), kind: 'confirmation' },
    effects: [effect],
    conversation: null,
  };
}

function idea(text: string, lang: Lang, ctx: SmsContext): Outcome {
  const status = phaseStatus(ctx.deployment, 'proposals', ctx.now);
  if (status.kind !== 'open') {
    if (status.kind === 'upcoming') return reply(t(lang, 'proposalsUpcoming', { date: date(ctx, status.opens, lang) }));
    if (status.kind === 'closed') return reply(t(lang, 'proposalsClosed', { date: date(ctx, status.closed, lang) }));
    return reply(t(lang, 'proposalsNone'));
  }
  if (text.length < 5) return reply(t(lang, 'smsIdeaHow'));
  // "IDEA Kiboko fix the borehole": a leading ward name (any language) chooses the ward.
  const named = wardPrefix(text, ctx);
  const wardId = named?.wardId ?? ctx.voter.roll.wardId ?? (ctx.deployment.wards.length === 1 ? ctx.deployment.wards[0]!.id : null);
  const body = named ? named.rest : text;
  // The idea waits in the conversation as it will be recorded: a number written into it is not stored meanwhile.
  const waiting = redactPhoneNumbers(body, ctx.deployment.deployment.country);
  if (!wardId) return reply(t(lang, 'smsAskWard', { options: wardOptions(ctx, lang) }), { conversation: { kind: 'idea', text: waiting } });
  return submitIdea(body, wardId, status.cycle.id, lang, ctx);
}

function ideaForWardIndex(n: number, text: string, lang: Lang, ctx: SmsContext): Outcome {
  const ward = ctx.deployment.wards[n - 1];
  if (!ward) return idea(text, lang, ctx);
  const status = phaseStatus(ctx.deployment, 'proposals', ctx.now);
  if (status.kind !== 'open') return reply(t(lang, 'proposalsNone'));
  return submitIdea(text, ward.id, status.cycle.id, lang, ctx);
}

/**
 * RESULTS: the winners of the resident's ward. A ward the gateway cannot tell (no roll entry, no
 * ballot, several wards) is asked for, as for an idea; the answer is remembered while the
 * conversation lasts, so RESULTS 2 pages on without asking again.
 */
function results(page: number, lang: Lang, ctx: SmsContext, answered?: string, asked: { more?: boolean } = {}): Outcome {
  const cycle = publishedCycle(ctx.deployment, ctx.now);
  if (!cycle) return reply(t(lang, 'resultsNotYet'));
  const wardId = knownWard(ctx) ?? answered;
  if (!wardId) return reply(t(lang, 'smsAskResultsWard', { options: wardOptions(ctx, lang) }), { conversation: { kind: 'results', page } });
  const ward = wardName(ctx, wardId, lang);
  const items = selectedProjects(cycle, wardId).map((p) => `${p.code} ${p.short[lang]}`);
  const remember = (shown: number, last: boolean): Partial<Outcome> =>
    (answered && wardId === answered) || !last ? { conversation: { kind: 'results', page: shown, wardId } } : {};
  if (items.length === 0) return reply(t(lang, 'resultsNone', { ward }), remember(1, true));
  const of = { cycle: cycleName(cycle, lang), date: date(ctx, cycle.results!.published, lang) };
  const shown = resultsSegment(lang, ward, items, page, of);
  if (asked.more && shown.page < page) return reply(t(lang, 'smsMoreNothing'), remember(shown.page, true));
  // Kept while more pages follow (for MORE) or when the ward was answered (RESULTS 2 asks nothing).
  return reply(shown.text, remember(shown.page, shown.last));
}

/**
 * PROJECTS: the ballot of a ward with each project's cost, a segment at a time; the last page
 * says how to vote. `chosen` is the ward named or answered (null: named but no such ward). The
 * ward is then kept while the conversation lasts, so MORE and PROJECTS 2 page on without asking.
 */
function projects(page: number, lang: Lang, ctx: SmsContext, chosen?: string | null, asked: { more?: boolean } = {}): Outcome {
  const status = phaseStatus(ctx.deployment, 'voting', ctx.now);
  if (status.kind === 'closed') return reply(t(lang, 'votingClosed', { date: date(ctx, status.closed, lang) }));
  if (status.kind === 'none') return reply(t(lang, 'votingNone'));
  const wardId = chosen === null ? null : (chosen ?? knownWard(ctx));
  if (!wardId) return reply(t(lang, 'smsAskProjectsWard', { options: wardOptions(ctx, lang) }), { conversation: { kind: 'projects', page } });
  const ward = wardName(ctx, wardId, lang);
  const list = wardProjects(status.cycle, wardId);
  if (list.length === 0) return reply(t(lang, 'smsProjectsNone', { ward }));
  const { currency } = ctx.deployment.deployment;
  const items = list.map((p) => smsProjectItem(p, lang));
  const howToVote =
    status.kind === 'open'
      ? t(lang, 'smsProjectsVote', { example: example(ctx, wardId) })
      : ` ${t(lang, 'votingUpcoming', { date: date(ctx, status.opens, lang) })}`;
  const shown = segmentPage(items, page, (shownItems, at) =>
    t(lang, 'smsProjects', {
      ward,
      currency,
      part: at.pages > 1 ? ` ${at.page}/${at.pages}` : '',
      items: shownItems.join('; '),
      next: at.last ? howToVote : t(lang, 'smsProjectsMore'),
    }),
  );
  if (asked.more && shown.page < page) return reply(t(lang, 'smsMoreNothing'), { conversation: { kind: 'projects', page: shown.page, wardId } });
  return reply(shown.text, { conversation: { kind: 'projects', page: shown.page, wardId } });
}

/** A project in the PROJECTS reply: code, menu title, compact cost. */
export function smsProjectItem(p: { code: number; short: Record<string, string>; cost: number }, lang: Lang): string {
  return `${p.code} ${p.short[lang]} ${compactAmount(p.cost, lang)}`;
}

/** "Did you mean VOTE 1 2?": the message as it would read with the keyword spelt right, cut to fit one segment. */
function didYouMean(keyword: string, rest: string, lang: Lang): string {
  const ask = (text: string) => t(lang, 'smsDidYouMean', { keyword, text });
  // Whole when it fits, else cut 5 characters at a time (an idea may be 2,000), else the keyword alone.
  const texts: string[] = [];
  for (let n = Math.min(rest.length, 160); n > 0; n -= 5) {
    texts.push(ask(`${keyword} ${n < rest.length ? `${rest.slice(0, n).trimEnd()}...` : rest}`));
  }
  return oneSegment([...texts, ask(keyword)]);
}

/** The ward a number answers "which ward?" with, if it is one. */
function wardAt(ctx: SmsContext, numbers: number[]): string | undefined {
  return numbers.length === 1 ? ctx.deployment.wards[numbers[0]! - 1]?.id : undefined;
}

function submitIdea(text: string, wardId: string, cycleId: string, lang: Lang, ctx: SmsContext): Outcome {
  const description = text.slice(0, IDEA_MAX);
  const title = description.length <= TITLE_MAX ? description : `${description.slice(0, TITLE_MAX - 3).trimEnd()}...`;
  const reference = `P-${ctx.fresh.reference}`;
  return {
    // Never "recorded" as if whole when only its start was kept: say it was shortened.
    reply: { text: t(lang, text.length > IDEA_MAX ? 'smsIdeaShortened' : 'smsIdeaRecorded', { ref: reference, max: IDEA_MAX }), kind: 'confirmation' },
    effects: [{ type: 'proposal.submitted', cycleId, wardId, category: 'sms', title, description, reference }],
    conversation: null,
  };
}

/** Every name of every ward (its id and its name in each language), longest first. */
function wardNames(ctx: SmsContext) {
  return ctx.deployment.wards
    .flatMap((w) => [w.id, ...Object.values(w.name)].map((name) => ({ wardId: w.id, name, n: name.split(/\s+/).length })))
    .sort((a, b) => b.n - a.n);
}

/** The ward a text names, in any language, ignoring case, accents and spaces. */
function wardByName(text: string, ctx: SmsContext): string | undefined {
  return wardNames(ctx).find(({ name }) => normalizeWord(name) === normalizeWord(text))?.wardId;
}

function wardPrefix(text: string, ctx: SmsContext): { wardId: string; rest: string } | null {
  const words = text.split(' ');
  // Longest names first, so "South Ward fix…" is not read as ward "south" + "Ward fix…".
  for (const { wardId, name, n } of wardNames(ctx)) {
    if (words.length > n && normalizeWord(words.slice(0, n).join('')) === normalizeWord(name)) {
      return { wardId, rest: words.slice(n).join(' ') };
    }
  }
  return null;
}

/**
 * Two project codes from the caller's ward (or `ward`), for "e.g. VOTE 3 7"; "3 3 7" shows a
 * cumulative ballot's points.
 */
function example(ctx: SmsContext, ward?: string): string {
  const open = phaseStatus(ctx.deployment, 'voting', ctx.now);
  const cycle = open.kind === 'none' ? ctx.deployment.cycles[0]! : open.cycle;
  const wardId = ward ?? ctx.voter.roll.wardId ?? ctx.voter.ballot?.wardId ?? cycle.projects[0]?.ward;
  const codes = cycle.projects
    .filter((p) => p.ward === wardId)
    .slice(0, 2)
    .map((p) => p.code);
  const b = cycle.ballot;
  if (b.rule === 'cumulative' && codes.length === 2 && b.points >= 3 && maxPerProject(b) >= 2) return [codes[0], ...codes].join(' ');
  return codes.length > 0 ? codes.join(' ') : '3 7';
}

/** "1 North Ward, 2 South Ward": the wards to answer a question with, by number. */
function wardOptions(ctx: SmsContext, lang: Lang): string {
  return ctx.deployment.wards.map((w, i) => `${i + 1} ${w.name[lang]}`).join(', ');
}

/** The first text that fits one SMS segment as sent (look-alikes applied), else the last, shortest one. */
function oneSegment(texts: string[]): string {
  return texts.find(SEGMENT.fits) ?? texts[texts.length - 1]!;
}

function wardName(ctx: SmsContext, wardId: string, lang: Lang): string {
  return ctx.deployment.wards.find((w) => w.id === wardId)?.name[lang] ?? wardId;
}

function date(ctx: SmsContext, d: Date, lang: Lang): string {
  return formatDate(d, lang, ctx.deployment.deployment.timezone);
}

/**
 * One segment of the winners list: as many projects as fit in one SMS, with "More: RESULTS 2"
 * when more follow. A page past the end shows the last one.
 */
export function resultsPage(lang: Lang, ward: string, items: string[], page: number, of?: { cycle: string; date: string }): string {
  return resultsSegment(lang, ward, items, page, of).text;
}

/**
 * Results pages name their cycle and its publication date ("PB 2026 results (15 Apr 2027).
 * Selected in …") so last year's winners never pass for this year's; a name too long to leave
 * room for a winner in the segment is left out rather than pushing the winners off it.
 */
function resultsSegment(lang: Lang, ward: string, items: string[], page: number, of?: { cycle: string; date: string }) {
  const render = (named: boolean) => (shown: string[], at: { page: number; last: boolean }) => {
    const more = at.last ? '' : t(lang, 'smsResultsMore', { next: at.page + 1 });
    return named && of
      ? t(lang, 'smsResultsOf', { ...of, ward, items: shown.join(', '), more })
      : t(lang, 'smsResults', { ward, items: shown.join(', '), more });
  };
  const roomForOne = [false, true].every((last) => SEGMENT.fits(render(true)(items.slice(0, 1), { page: 99, last })));
  return segmentPage(items, page, render(Boolean(of) && roomForOne));
}
