// The wards page (/console/wards: names, population, need index, budgets, and budgets by formula
// with its preview) and "Who is heard" (/console/equity: ideas, ballots and money funded per ward
// and per 1,000 residents). Plain HTML as console/pages.ts: no script, every POST with the CSRF token.
import type { BallotDoc } from '../src/config/ballot-doc.ts';
import { can } from './accounts.ts';
import type { FormulaResult } from './ward-formula.ts';
import type { CycleEquity } from './equity.ts';
import { labelsFor } from './labels.ts';
import { esc, framed, hidden, pick, type Frame } from './pages.ts';
import { MAX_WARD_NAME, type FormulaForm, type NewWardInput, type WardInput } from './ballot-wards.ts';

export interface WardsView {
  /** The latest ballot version (what an edit changes). */
  doc: BallotDoc;
  version: number;
  /** The formula form as typed, and its preview when it could be computed. */
  formula?: { form: FormulaForm; result?: FormulaResult };
  /** A refused ward edit: the ward and what was typed, shown again. */
  typed?: { wardId: string; input: WardInput };
  /** A refused new ward: what was typed. */
  added?: NewWardInput;
}

const amount = (n: number) => n.toLocaleString('en-US').replace(/,/g, '\u202f');

export function wardsPage(f: Frame, view: WardsView): string {
  const t = labelsFor(f.lang);
  const admin = can(f.session.user.role, 'ballot');
  const csrf = f.session.csrf;
  const currency = f.d.deployment.currency;
  const rows = view.doc.wards.map((w) => {
    const typed = view.typed?.wardId === w.id ? view.typed.input : undefined;
    const names = f.d.languages.map((l) => typed?.name[l.code] ?? w.name[l.code] ?? '');
    if (!admin)
      return `<tr><td>${esc(pick(w.name, f.lang))} <span class="note">(${esc(w.id)})</span></td><td>${w.population ?? '—'}</td><td>${w.need ?? '—'}</td><td>${esc(`${currency} ${amount(w.budget)}`)}</td></tr>`;
    const fields = f.d.languages
      .map(
        (l, i) =>
          `<label>${esc(t('wardName', { language: l.name }))}<input name="name.${l.code}" maxlength="${MAX_WARD_NAME}" required value="${esc(names[i]!)}"></label>`,
      )
      .join('');
    const pop = typed?.population ?? (w.population === undefined ? '' : String(w.population));
    const need = typed?.need ?? (w.need === undefined ? '' : String(w.need));
    const form = `<form method="post" action="/console/wards/edit">${hidden('_csrf', csrf)}${hidden('ward', w.id)}${fields}<label>${esc(t('population'))}<input name="population" inputmode="numeric" value="${esc(pop)}"></label><label>${esc(t('needIndex'))}<input name="need" inputmode="decimal" value="${esc(need)}"></label><button type="submit">${esc(t('saveWard'))}</button></form>`;
    return `<tr><td><strong>${esc(pick(w.name, f.lang))}</strong> <span class="note">(${esc(w.id)})</span>${form}</td><td>${w.population ?? '—'}</td><td>${w.need ?? '—'}</td><td>${esc(`${currency} ${amount(w.budget)}`)}</td></tr>`;
  });
  const table = `<table class="list"><thead><tr><th>${esc(t('ward'))}</th><th>${esc(t('population'))}</th><th>${esc(t('needIndex'))}</th><th>${esc(t('budget', { currency }))}</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  const parts = [`<p class="note">${esc(t('wardsNote'))}</p>`, `<p><a href="/console/ballot">${esc(t('ballot'))}</a></p>`, table];
  if (admin) parts.push(addSection(f, view.added), formulaSection(f, view));
  return framed(f, t('wards'), parts.join(''));
}

/** The form adding a ward (at the end of the list: existing wards keep their menu numbers). */
function addSection(f: Frame, typed: NewWardInput | undefined): string {
  const t = labelsFor(f.lang);
  const v = (x: string | undefined) => esc(x ?? '');
  const names = f.d.languages
    .map(
      (l) =>
        `<label>${esc(t('wardName', { language: l.name }))}<input name="name.${l.code}" maxlength="${MAX_WARD_NAME}" required value="${v(typed?.name[l.code])}"></label>`,
    )
    .join('');
  return `<h2>${esc(t('addWard'))}</h2><form method="post" action="/console/wards/add">${hidden('_csrf', f.session.csrf)}<label>${esc(t('wardId'))}<input name="id" maxlength="40" required value="${v(typed?.id)}"></label>${names}<label>${esc(t('budget', { currency: f.d.deployment.currency }))}<input name="budget" inputmode="numeric" required value="${v(typed?.budget)}"></label><label>${esc(t('population'))}<input name="population" inputmode="numeric" value="${v(typed?.population)}"></label><label>${esc(t('needIndex'))}<input name="need" inputmode="decimal" value="${v(typed?.need)}"></label><button type="submit">${esc(t('addWard'))}</button></form>`;
}

/** The formula: its explanation, the form (a GET: a preview changes nothing), and the preview with the apply form. */
function formulaSection(f: Frame, view: WardsView): string {
  const t = labelsFor(f.lang);
  const currency = f.d.deployment.currency;
  const form = view.formula?.form ?? { total: String(view.doc.wards.reduce((a, w) => a + w.budget, 0)), population: '1', need: '0' };
  const input = (name: keyof FormulaForm, label: string, mode: string) =>
    `<div><label for="fm-${name}">${esc(label)}</label><input id="fm-${name}" name="${name}" inputmode="${mode}" required value="${esc(form[name])}"></div>`;
  const ask = `<form method="get" action="/console/wards" class="filters">${input('total', t('formulaTotal', { currency }), 'numeric')}${input('population', t('weightPopulation'), 'decimal')}${input('need', t('weightNeed'), 'decimal')}<div><button type="submit">${esc(t('preview'))}</button></div></form>`;
  let preview = '';
  const result = view.formula?.result;
  if (result) {
    const now = new Map(view.doc.wards.map((w) => [w.id, w]));
    const rows = result.budgets
      .map((b) => {
        const w = now.get(b.wardId)!;
        return `<tr><td>${esc(pick(w.name, f.lang))}</td><td>${w.population ?? '—'}</td><td>${w.need ?? '—'}</td><td>${esc(amount(w.budget))}</td><td><strong>${esc(amount(b.budget))}</strong></td></tr>`;
      })
      .join('');
    const sum = result.budgets.reduce((a, b) => a + b.budget, 0);
    const apply = `<form method="post" action="/console/wards/formula">${hidden('_csrf', f.session.csrf)}${hidden('total', form.total)}${hidden('population', form.population)}${hidden('need', form.need)}<button type="submit">${esc(t('applyFormula'))}</button></form>`;
    preview = `<p class="note">${esc(t('previewNote'))}</p><p><code>${esc(result.formula)}</code></p><table class="list"><thead><tr><th>${esc(t('ward'))}</th><th>${esc(t('population'))}</th><th>${esc(t('needIndex'))}</th><th>${esc(t('budgetNow'))}</th><th>${esc(t('budgetByFormula'))}</th></tr></thead><tbody>${rows}<tr><td>${esc(t('total'))}</td><td></td><td></td><td>${esc(amount(view.doc.wards.reduce((a, w) => a + w.budget, 0)))}</td><td><strong>${esc(amount(sum))}</strong></td></tr></tbody></table>${apply}`;
  }
  return `<h2>${esc(t('budgetsByFormula'))}</h2><p class="note">${esc(t('formulaNote', { currency }))}</p>${ask}${preview}`;
}

/** "Who is heard" for one cycle. */
export function equityPage(f: Frame, cycleId: string, eq: CycleEquity): string {
  const t = labelsFor(f.lang);
  const currency = f.d.deployment.currency;
  const cycles = f.d.cycles.map((c) => `<option value="${esc(c.id)}"${c.id === cycleId ? ' selected' : ''}>${esc(pick(c.name, f.lang))}</option>`).join('');
  const chooser = `<form method="get" action="/console/equity" class="filters"><div><label for="f-cycle">${esc(t('cycle'))}</label><select id="f-cycle" name="cycle">${cycles}</select></div><div><button type="submit">${esc(t('show'))}</button></div></form>`;
  const n = (x: number | null) => (x === null ? '—' : esc(amount(x)));
  const d1 = (x: number | null | undefined) => (x === null || x === undefined ? '—' : esc(x.toFixed(1)));
  const rows = eq.wards
    .map(
      (w) =>
        `<tr><td>${esc(pick(w.name, f.lang))}</td><td>${n(w.population)}</td><td>${w.need ?? '—'}</td><td>${w.ideas}</td><td>${d1(w.per1000?.ideas)}</td><td>${n(w.ballots)}</td><td>${d1(w.per1000?.ballots)}</td><td>${n(w.funded)}</td><td>${w.per1000 ? n(w.per1000.funded) : '—'}</td></tr>`,
    )
    .join('');
  const tt = eq.totals;
  const totals = `<tr><td><strong>${esc(t('total'))}</strong></td><td>${n(tt.population)}</td><td></td><td>${tt.ideas}</td><td>${tt.population ? esc(((tt.ideas * 1000) / tt.population).toFixed(1)) : '—'}</td><td>${n(tt.ballots)}</td><td>${tt.population && tt.ballots !== null ? esc(((tt.ballots * 1000) / tt.population).toFixed(1)) : '—'}</td><td>${n(tt.funded)}</td><td>${tt.population && tt.funded !== null ? n(Math.round((tt.funded * 1000) / tt.population)) : '—'}</td></tr>`;
  const head = [
    t('ward'),
    t('population'),
    t('needIndex'),
    t('ideas'),
    t('ideasPer1000'),
    t('ballots'),
    t('ballotsPer1000'),
    t('funded', { currency }),
    t('fundedPer1000', { currency }),
  ];
  const from = eq.fundedFrom === 'published' ? t('fundedPublished') : eq.fundedFrom === 'deployment' ? t('fundedDeployment') : t('fundedNotYet');
  return framed(
    f,
    t('equity'),
    `${chooser}<p class="note">${esc(t('equityNote'))}</p><p class="note">${esc(from)}</p><div class="wide"><table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows}${totals}</tbody></table></div>`,
  );
}
