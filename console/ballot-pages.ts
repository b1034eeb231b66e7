// The ballot page (/console/ballot): the latest version's cycles (phase dates, rule), projects,
// ward budgets, editable by admins (one form per project, budget and rule, each posting with the CSRF
// token), the publish button, the menu titles that do not fit, and the versions made so far.
import type { BallotDoc } from '../src/config/ballot-doc.ts';
import { formatDateTime } from '../src/domain/format.ts';
import { can } from './accounts.ts';
import type { BallotRow, FitProblem } from './ballot.ts';
import { isoInZone } from './ballot-wards.ts';
import { labelsFor } from './labels.ts';
import { esc, framed, hidden, pick, postButton, type Frame } from './pages.ts';

export interface BallotView {
  latest: BallotRow;
  published: BallotRow | undefined;
  versions: BallotRow[];
  /** Menu titles of the latest version that do not fit (publishing is refused while there are any). */
  fit: FitProblem[];
  now: Date;
}

const RULES = ['approval', 'choose-1', 'knapsack', 'ranking', 'cumulative'] as const;

/** The failing menu titles, each project and language named in the reader's language. */
export function fitList(f: Frame, fit: FitProblem[]): string {
  const t = labelsFor(f.lang);
  const language = (code: string) => f.d.languages.find((l) => l.code === code)?.name ?? code;
  return `<ul class="fit">${fit.map((p) => `<li>${esc(p.cycleId)}: ${esc(t(p.where === 'ussd' ? 'fit.ussd' : 'fit.sms', { code: p.code, language: language(p.lang) }))} — <span class="note">${esc(p.detail)}</span></li>`).join('')}</ul>`;
}

/** A cycle's phase dates: a form for an admin before its vote opens, else the dates. */
function phasesForm(f: Frame, c: BallotDoc['cycles'][number], editable: boolean): string {
  const t = labelsFor(f.lang);
  const tz = f.d.deployment.timezone;
  const at = (v: unknown) => new Date(v as string);
  const rows = (['proposals', 'voting'] as const)
    .map((phase) => {
      const cells = (['opens', 'closes'] as const).map((edge) => {
        const value = at(c.phases[phase][edge]);
        const shown = esc(formatDateTime(value, f.lang, tz));
        return editable
          ? `<td><input name="${phase}.${edge}" aria-label="${esc(`${t(phase === 'voting' ? 'votingPhase' : 'proposalsPhase')} — ${t(edge)}`)}" size="26" required value="${esc(isoInZone(value, tz))}"><br><span class="note">${shown}</span></td>`
          : `<td>${shown}</td>`;
      });
      return `<tr><th>${esc(t(phase === 'voting' ? 'votingPhase' : 'proposalsPhase'))}</th>${cells.join('')}</tr>`;
    })
    .join('');
  const table = `<table><thead><tr><th>${esc(t('phases'))}</th><th>${esc(t('opens'))}</th><th>${esc(t('closes'))}</th></tr></thead><tbody>${rows}</tbody></table>`;
  if (!editable) return table;
  return `<form method="post" action="/console/ballot/phases">${hidden('_csrf', f.session.csrf)}${hidden('cycle', c.id)}<p class="note">${esc(t('phasesNote'))}</p>${table}<button type="submit">${esc(t('savePhases'))}</button></form>`;
}

export function ballotPage(f: Frame, view: BallotView): string {
  const t = labelsFor(f.lang);
  const admin = can(f.session.user.role, 'ballot');
  const csrf = f.session.csrf;
  const doc = JSON.parse(view.latest.ballot) as BallotDoc;
  const currency = f.d.deployment.currency;
  const when = (at: string | null) => (at ? esc(formatDateTime(new Date(at), f.lang, f.d.deployment.timezone)) : '—');
  const status = `<p>${esc(t('versionStatus', { latest: view.latest.version, published: view.published?.version ?? '—' }))}</p>`;
  const publish =
    admin && view.latest.published_seq === null
      ? postButton('/console/ballot/publish', csrf, t('publish', { n: view.latest.version }), { version: String(view.latest.version) })
      : '';
  const fit = view.fit.length ? `<p class="err" role="alert">${esc(t('fitNow'))}</p>${fitList(f, view.fit)}` : '';
  const wardName = (id: string) => pick(doc.wards.find((w) => w.id === id)?.name ?? { en: id }, f.lang);

  const cycles = doc.cycles.map((c) => {
    const opened = new Date(c.phases.voting.opens as unknown as string) <= view.now;
    const rule = c.ballot as Record<string, unknown>;
    const num = (key: string) =>
      `<label>${esc(key)} <input name="${key}" inputmode="numeric" size="4" value="${esc(String(rule[key] ?? ''))}"${admin && !opened ? '' : ' disabled'}></label>`;
    const ruleForm = admin
      ? `<form method="post" action="/console/ballot/rule">${hidden('_csrf', csrf)}${hidden('cycle', c.id)}<label>${esc(t('rule'))} <select name="rule"${opened ? ' disabled' : ''}>${RULES.map((r) => `<option${r === rule.rule ? ' selected' : ''}>${r}</option>`).join('')}</select></label> ${['min', 'max', 'k', 'points', 'maxPerProject'].map(num).join(' ')} ${opened ? '' : `<button type="submit">${esc(t('saveRule'))}</button>`}</form>`
      : `<p>${esc(t('rule'))}: <code>${esc(JSON.stringify(c.ballot))}</code></p>`;
    const projects = c.projects
      .map((p) => {
        const heading = `<h3>${esc(p.code)} — ${esc(pick(p.title, f.lang))} <span class="note">(${esc(wardName(p.ward))}, ${esc(`${currency} ${p.cost}`)})</span></h3>`;
        if (!admin) return `<div class="project">${heading}<p class="note">${esc(f.d.languages.map((l) => p.short[l.code] ?? '').join(' · '))}</p></div>`;
        const fields = f.d.languages
          .map(
            (l) =>
              `<label>${esc(t('projectTitle', { language: l.name }))}<input name="title.${l.code}" maxlength="160" required value="${esc(p.title[l.code] ?? '')}"></label><label>${esc(t('projectShort', { language: l.name }))}<input name="short.${l.code}" maxlength="22" required value="${esc(p.short[l.code] ?? '')}"></label>`,
          )
          .join('');
        const cost = `<label>${esc(t('cost', { currency }))}<input name="cost" inputmode="numeric" required value="${esc(p.cost)}"${opened ? ' readonly' : ''}></label>`;
        const save = `<form method="post" action="/console/ballot/projects">${hidden('_csrf', csrf)}${hidden('cycle', c.id)}${hidden('code', String(p.code))}${fields}${cost}<button type="submit">${esc(t('saveProject', { code: p.code }))}</button></form>`;
        const remove = opened
          ? ''
          : postButton('/console/ballot/projects/remove', csrf, t('removeProject', { code: p.code }), { cycle: c.id, code: String(p.code) });
        return `<div class="project">${heading}${save}${remove}</div>`;
      })
      .join('');
    return `<h2>${esc(pick(c.name, f.lang))} <span class="note">(${esc(c.id)})</span></h2>${opened ? `<p class="note">${esc(t('votingOpenNote'))}</p>` : ''}${phasesForm(f, c, admin && !opened)}${ruleForm}${projects}`;
  });

  const wards = doc.wards
    .map((w) => {
      const budget = admin
        ? `<form method="post" action="/console/ballot/budgets">${hidden('_csrf', csrf)}${hidden('ward', w.id)}<input name="budget" inputmode="numeric" aria-label="${esc(t('budget', { currency }))}" value="${esc(w.budget)}"> <button type="submit">${esc(t('saveBudget'))}</button></form>`
        : esc(`${currency} ${w.budget}`);
      return `<tr><td>${esc(pick(w.name, f.lang))}</td><td>${budget}</td></tr>`;
    })
    .join('');
  const versions = view.versions
    .map(
      (v) => `<tr><td>${v.version}</td><td>${when(v.created_at)}</td><td>${when(v.published_at)}</td><td><code>${esc(v.sha256.slice(0, 16))}</code></td></tr>`,
    )
    .join('');
  return framed(
    f,
    t('ballot'),
    `<p class="note">${esc(t('ballotNote'))}</p>${status}${fit}${publish}${cycles.join('')}<h2>${esc(t('wardsBudgets'))}</h2><table class="list"><thead><tr><th>${esc(t('ward'))}</th><th>${esc(t('budget', { currency }))}</th></tr></thead><tbody>${wards}</tbody></table><h2>${esc(t('versions'))}</h2><table class="list"><thead><tr><th>#</th><th>${esc(t('created'))}</th><th>${esc(t('publishedAt'))}</th><th>SHA-256</th></tr></thead><tbody>${versions}</tbody></table>`,
  );
}
