// The "Rules & help" screen: the ballot rule, the revote policy and the dates that matter.
import type { Lang } from '../../src/config/schema.ts';
import { maxPerProject } from '../../src/domain/ballot.ts';
import { phaseStatus } from '../../src/domain/cycle.ts';
import { formatMoney } from '../../src/domain/format.ts';
import type { UssdContext } from '../../src/engine/flow-contract.ts';
import { t } from '../../src/i18n/index.ts';
import { closedSentences } from '../shared/after-close.ts';
import { fitParts, SCREEN } from './layout.ts';
import { formatDateIn } from './render.ts';

/** One screen explaining how to vote now; less important lines drop off when space runs out. */
export function rulesText(lang: Lang, ctx: UssdContext): string {
  const d = ctx.deployment;
  const parts: string[] = [];
  const voting = phaseStatus(d, 'voting', ctx.now);
  if (voting.kind === 'open' || voting.kind === 'upcoming') {
    const c = voting.cycle;
    const b = c.ballot;
    const closes = formatDateIn(ctx, c.phases.voting.closes, lang);
    if (voting.kind === 'upcoming') parts.push(t(lang, 'votingUpcoming', { date: formatDateIn(ctx, voting.opens, lang) }));
    if (b.rule === 'approval') parts.push(t(lang, 'rulesApproval', { min: b.min, max: b.max }));
    if (b.rule === 'choose-1') parts.push(t(lang, 'rulesChooseOne'));
    if (b.rule === 'ranking') parts.push(t(lang, 'rulesRanking', { k: b.k }));
    if (b.rule === 'cumulative') parts.push(t(lang, 'rulesCumulative', { points: b.points, max: maxPerProject(b) }));
    if (b.rule === 'knapsack') {
      const wardId = ctx.voter.roll.wardId;
      const budget = wardId ? d.wards.find((w) => w.id === wardId)!.budget : Math.max(...d.wards.map((w) => w.budget));
      parts.push(t(lang, 'rulesKnapsack', { budget: formatMoney(budget, d.deployment.currency, lang) }));
    }
    parts.push(t(lang, c.revote === 'replace' ? 'rulesReplace' : 'rulesRefuse', { date: closes }));
  } else if (voting.kind === 'closed') {
    const closed = closedSentences(lang, ctx, voting.cycle, SCREEN);
    parts.push(closed.named, closed.results);
  }
  // The helpline outranks the proposals date: it is how a confused caller gets a person.
  if (d.deployment.helpline) parts.push(t(lang, 'helpline', { phone: d.deployment.helpline }));
  const proposals = phaseStatus(d, 'proposals', ctx.now);
  if (proposals.kind === 'open') {
    parts.push(t(lang, 'rulesProposals', { date: formatDateIn(ctx, proposals.cycle.phases.proposals.closes, lang) }));
  }
  if (parts.length === 0) return t(lang, 'votingNone');
  return fitParts(parts[0]!, parts.slice(1));
}
