// The cycles page (/console/cycles): the latest ballot version's cycles with their dates and rule,
// and for admins a button removing a cycle that has not opened and the form adding one (each a
// new ballot version, published from the ballot page). Plain HTML as console/pages.ts: no script,
// every POST with the CSRF token.
import type { BallotDoc } from '../src/config/ballot-doc.ts';
import { formatDateTime } from '../src/domain/format.ts';
import { can } from './accounts.ts';
import { MAX_CYCLE_NAME, type NewCycleInput } from './ballot-cycles.ts';
import { labelsFor } from './labels.ts';
import { esc, framed, hidden, pick, postButton, type Frame } from './pages.ts';

export interface CyclesView {
  /** The latest ballot version (what an addition or removal changes). */
  doc: BallotDoc;
  now: Date;
  /** A refused new cycle: what was typed, shown again. */
  typed?: NewCycleInput;
}

const RULES = ['approval', 'choose-1', 'knapsack', 'ranking', 'cumulative'] as const;
const RULE_FIELDS = ['min', 'max', 'k', 'points', 'maxPerProject'] as const;
const PHASE_FIELDS = ['proposals.opens', 'proposals.closes', 'voting.opens', 'voting.closes'] as const;

export function cyclesPage(f: Frame, view: CyclesView): string {
  const t = labelsFor(f.lang);
  const admin = can(f.session.user.role, 'ballot');
  const tz = f.d.deployment.timezone;
  const when = (v: unknown) => esc(formatDateTime(new Date(v as string), f.lang, tz));
  const rows = view.doc.cycles
    .map((c) => {
      const opened = [c.phases.proposals.opens, c.phases.voting.opens].some((v) => new Date(v as unknown as string) <= view.now);
      const remove = admin && !opened ? postButton('/console/cycles/remove', f.session.csrf, t('removeCycle', { id: c.id }), { cycle: c.id }) : '';
      return `<tr><td><strong>${esc(pick(c.name, f.lang))}</strong> <span class="note">(${esc(c.id)})</span></td><td>${when(c.phases.proposals.opens)} – ${when(c.phases.proposals.closes)}</td><td>${when(c.phases.voting.opens)} – ${when(c.phases.voting.closes)}</td><td><code>${esc(JSON.stringify(c.ballot))}</code></td><td>${c.projects.length}</td><td>${remove}</td></tr>`;
    })
    .join('');
  const table = `<table class="list"><thead><tr><th>${esc(t('cycle'))}</th><th>${esc(t('proposalsPhase'))}</th><th>${esc(t('votingPhase'))}</th><th>${esc(t('rule'))}</th><th>${esc(t('projects'))}</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
  const parts = [`<p class="note">${esc(t('cyclesNote'))}</p>`, `<p><a href="/console/ballot">${esc(t('ballot'))}</a></p>`, table];
  if (admin) parts.push(addSection(f, view));
  return framed(f, t('cycles'), parts.join(''));
}

/** The form adding a cycle; the wards and budgets it will use are listed (the deployment's, shared by every cycle). */
function addSection(f: Frame, view: CyclesView): string {
  const t = labelsFor(f.lang);
  const typed = view.typed;
  const v = (x: string | undefined) => esc(x ?? '');
  const names = f.d.languages
    .map(
      (l) =>
        `<label>${esc(t('cycleName', { language: l.name }))}<input name="name.${l.code}" maxlength="${MAX_CYCLE_NAME}" required value="${v(typed?.name[l.code])}"></label>`,
    )
    .join('');
  const dates = PHASE_FIELDS.map((p) => {
    const [phase, edge] = p.split('.') as ['proposals' | 'voting', 'opens' | 'closes'];
    return `<label>${esc(`${t(phase === 'voting' ? 'votingPhase' : 'proposalsPhase')} — ${t(edge)}`)}<input name="${p}" size="26" required placeholder="2027-10-01T06:00:00+03:00" value="${v(typed?.phases[p])}"></label>`;
  }).join('');
  const chosen = typed?.rule.rule ?? 'approval';
  const rule = `<label>${esc(t('rule'))} <select name="rule">${RULES.map((r) => `<option${r === chosen ? ' selected' : ''}>${r}</option>`).join('')}</select></label> ${RULE_FIELDS.map((k) => `<label>${esc(k)} <input name="${k}" inputmode="numeric" size="4" value="${v(typed?.rule[k])}"></label>`).join(' ')}`;
  const copy = `<label>${esc(t('copyFrom'))} <select name="copyFrom"><option value="">—</option>${view.doc.cycles.map((c) => `<option value="${esc(c.id)}"${typed?.copyFrom === c.id ? ' selected' : ''}>${esc(pick(c.name, f.lang))} (${esc(c.id)})</option>`).join('')}</select></label>`;
  const currency = f.d.deployment.currency;
  const wards = view.doc.wards.map((w) => `${esc(pick(w.name, f.lang))}: ${esc(`${currency} ${w.budget}`)}`).join(' · ');
  const shared = `<p class="note">${esc(t('cycleWardsNote', { currency }))}</p><p class="note">${wards} — <a href="/console/wards">${esc(t('wards'))}</a></p>`;
  return `<h2>${esc(t('addCycle'))}</h2><form method="post" action="/console/cycles/add">${hidden('_csrf', f.session.csrf)}<label>${esc(t('cycleId'))}<input name="id" maxlength="40" required value="${v(typed?.id)}"></label>${names}<p class="note">${esc(t('phasesNote'))}</p>${dates}<p>${rule}</p><p>${copy}</p>${shared}<button type="submit">${esc(t('addCycle'))}</button></form>`;
}
