// What an inbound SMS does: (body, context) → (reply, effects, conversation). Pure.
import type { Lang } from '../../src/config/schema.ts';
import { checkBallot, maxPerProject } from '../../src/domain/ballot.ts';
import { phaseStatus, publishedCycle, selectedProjects, wardBudget, wardProjects } from '../../src/domain/cycle.ts';
import { formatDate, formatMoney } from '../../src/domain/format.ts';
import { smsCost, toGsmLookalikes } from '../../src/domain/sms-encoding.ts';
import { displayCode } from '../../src/domain/codes.ts';
import { defaultLanguage } from '../../src/domain/language.ts';
import type { Effect, SmsContext, SmsConversation, SmsFlow, SmsResult } from '../../src/engine/flow-contract.ts';
import { t } from '../../src/i18n/index.ts';
import { picksTexts, shortTitle } from '../shared/picks.ts';
import { readBack, type ReadBackRoom } from '../shared/read-back.ts';
import { checkText } from '../shared/standing.ts';
import { currentBallot, knownWard, votingCycle } from '../shared/voting.ts';
import { normalizeWord, parseSms, type SmsCommand } from './grammar.ts';

const TITLE_MAX = 40;
const IDEA_MAX = 300;

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
    const lang = ctx.voter.lang ?? cmd.lang ?? ctx.conversation?.lang ?? defaultLanguage(ctx.deployment);
    const r = dispatch(cmd, lang, ctx);
    // A question remembers the language it was asked in, for an answer with no keyword.
    if (r.conversation) r.conversation = { ...r.conversation, lang };
    // Opted-out numbers get nothing, except the answer to STOP or START itself.
    const silenced = ctx.voter.optedOut && cmd.kind !== 'start' && cmd.kind !== 'stop';
    return { ...r, reply: silenced ? null : r.reply, command: cmd.kind };
  },
};

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
      if (asked?.kind === 'results' && !asked.wardId) return resultsForWardIndex(cmd.codes, asked.page, lang, ctx);
      return reply(t(lang, 'smsVoteHow', { example: example(ctx) }));
    }
    case 'idea':
      return idea(cmd.text, lang, ctx);
    case 'status': {
      if (!cmd.ref) return reply(t(lang, 'smsStatusHow'));
      const p = ctx.proposal(cmd.ref);
      if (!p) return reply(t(lang, 'smsStatusUnknown', { ref: cmd.ref }));
      return reply(t(lang, 'smsStatus', { ref: cmd.ref, status: t(lang, 'statusSubmitted') }));
    }
    case 'check': {
      const code = cmd.code || currentBallot(ctx)?.receipt;
      if (!code) return reply(t(lang, 'smsCheckHow'));
      return reply(checkText(lang, displayCode(code), ctx.receiptState(code)));
    }
    case 'receipt': {
      const b = currentBallot(ctx);
      return reply(b ? readBack(lang, ctx, b, SEGMENT) : t(lang, 'noVote'));
    }
    case 'results': {
      const remembered = ctx.conversation?.kind === 'results' ? ctx.conversation.wardId : undefined;
      return results(cmd.page, lang, ctx, remembered);
    }
    case 'help':
      return reply(t(lang, 'smsHelp'));
    case 'lang': {
      const chosen = ctx.deployment.languages.find(
        (l) => normalizeWord(l.code) === cmd.code || normalizeWord(l.name) === cmd.code,
      );
      if (!chosen) return reply(t(lang, 'smsLangUnknown'));
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
      if (cmd.text === '') return reply(t(lang, 'smsHelp'));
      return reply(t(lang, 'smsUnknown'));
  }
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
      v.kind === 'too-many' ? t(lang, 'smsTooMany', { max: v.max, example: ex })
      : v.kind === 'too-few' ? t(lang, 'smsTooFew', { min: v.min, example: ex })
      : v.kind === 'over-budget' ? t(lang, 'smsOverBudget', { total: money(codes.reduce((s, c) => s + projects.find((p) => p.code === c)!.cost, 0)), budget: money(budget) })
      : v.kind === 'over-points' ? t(lang, 'smsOverPoints', { total: codes.length, points: v.points, example: ex })
      : v.kind === 'project-points' ? t(lang, 'smsProjectPoints', { max: v.max, code: v.code, n: codes.filter((c) => c === v.code).length, example: ex })
      : t(lang, 'smsVoteHow', { example: ex });
    return reply(text, { conversation: ask });
  }
  const previous = ctx.voter.ballot?.cycleId === cycle.id ? ctx.voter.ballot : null;
  const receipt = ctx.fresh.receipt;
  const effect: Effect = { type: 'vote.cast', cycleId: cycle.id, wardId, picks: codes, receipt, replaces: previous?.eventId ?? null };
  const ward = wardName(ctx, wardId, lang);
  // The projects' short titles when they fit the segment, else their numbers.
  const texts = picksTexts(cycle.ballot, codes, lang, ' ', shortTitle(cycle, lang)).map((c) => t(lang, previous ? 'smsVoteReplaced' : 'smsVoteRecorded', { codes: c, ward, receipt }));
  return {
    reply: { text: oneSegment(texts), kind: 'confirmation' },
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
  if (!wardId) return reply(t(lang, 'smsAskWard', { options: wardOptions(ctx, lang) }), { conversation: { kind: 'idea', text: body } });
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
function results(page: number, lang: Lang, ctx: SmsContext, answered?: string): Outcome {
  const cycle = publishedCycle(ctx.deployment, ctx.now);
  if (!cycle) return reply(t(lang, 'resultsNotYet'));
  const wardId = knownWard(ctx) ?? answered;
  if (!wardId) return reply(t(lang, 'smsAskResultsWard', { options: wardOptions(ctx, lang) }), { conversation: { kind: 'results', page } });
  const remember: Partial<Outcome> = answered && wardId === answered ? { conversation: { kind: 'results', page, wardId } } : {};
  const ward = wardName(ctx, wardId, lang);
  const items = selectedProjects(cycle, wardId).map((p) => `${p.code} ${p.short[lang]}`);
  if (items.length === 0) return reply(t(lang, 'resultsNone', { ward }), remember);
  return reply(resultsPage(lang, ward, items, page), remember);
}

function resultsForWardIndex(numbers: number[], page: number, lang: Lang, ctx: SmsContext): Outcome {
  const ward = numbers.length === 1 ? ctx.deployment.wards[numbers[0]! - 1] : undefined;
  return results(page, lang, ctx, ward?.id);
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

function wardPrefix(text: string, ctx: SmsContext): { wardId: string; rest: string } | null {
  const words = text.split(' ');
  // Longest names first, so "South Ward fix…" is not read as ward "south" + "Ward fix…".
  const names = ctx.deployment.wards
    .flatMap((w) => [w.id, ...Object.values(w.name)].map((name) => ({ wardId: w.id, name, n: name.split(/\s+/).length })))
    .sort((a, b) => b.n - a.n);
  for (const { wardId, name, n } of names) {
    if (words.length > n && normalizeWord(words.slice(0, n).join('')) === normalizeWord(name)) {
      return { wardId, rest: words.slice(n).join(' ') };
    }
  }
  return null;
}

/** Two project codes from the caller's ward, for "e.g. VOTE 3 7"; "3 3 7" shows a cumulative ballot's points. */
function example(ctx: SmsContext): string {
  const open = phaseStatus(ctx.deployment, 'voting', ctx.now);
  const cycle = open.kind === 'none' ? ctx.deployment.cycles[0]! : open.cycle;
  const wardId = ctx.voter.roll.wardId ?? ctx.voter.ballot?.wardId ?? cycle.projects[0]?.ward;
  const codes = cycle.projects.filter((p) => p.ward === wardId).slice(0, 2).map((p) => p.code);
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
export function resultsPage(lang: Lang, ward: string, items: string[], page: number): string {
  const pages: string[][] = [[]];
  const fits = (list: string[]) => smsCost(t(lang, 'smsResults', { ward, items: list.join(', '), more: t(lang, 'smsResultsMore', { next: 99 }) })).segments === 1;
  for (const item of items) {
    const current = pages[pages.length - 1]!;
    if (current.length > 0 && !fits([...current, item])) pages.push([item]);
    else current.push(item);
  }
  const n = Math.min(page, pages.length);
  const more = n < pages.length ? t(lang, 'smsResultsMore', { next: n + 1 }) : '';
  return t(lang, 'smsResults', { ward, items: pages[n - 1]!.join(', '), more });
}
