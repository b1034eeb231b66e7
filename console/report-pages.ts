// The console's pages for residents' reports on winning projects (console/reports.ts): the list,
// filtered by cycle, project and status (a project's reports are its filtered list), and one
// report with the handling form for those who review. Plain HTML as console/pages.ts.
import { formatDateTime } from '../src/domain/format.ts';
import { REPORT_STATUSES, type ReportRow } from '../ledger/reports.ts';
import { can } from './accounts.ts';
import type { AuditEntry } from './audit.ts';
import { labelsFor, type LabelKey } from './labels.ts';
import { esc, framed, hidden, pick, type Frame } from './pages.ts';
import { REPORTS_PAGE, type ReportFilter, type ReportRecording } from './reports.ts';

const badge = (status: string, t: ReturnType<typeof labelsFor>) => `<span class="st st-${esc(status)}">${esc(t(`reportStatus.${status}` as LabelKey))}</span>`;

/** A project's menu title in the reader's language, or its number alone when the cycle does not list it. */
function projectName(f: Frame, cycleId: string, code: number): string {
  const p = f.d.cycles.find((c) => c.id === cycleId)?.projects.find((x) => x.code === code);
  return p ? pick(p.short, f.lang) : '';
}

/** The reports list: filters, then one page, newest first; headed by the project when one is chosen. */
export function reportsPage(f: Frame, filter: ReportFilter, rows: ReportRow[], total: number): string {
  const t = labelsFor(f.lang);
  const minute = (iso: string) => formatDateTime(new Date(iso), f.lang, f.d.deployment.timezone);
  const option = (v: string, text: string, chosen: string | undefined) => `<option value="${esc(v)}"${v === chosen ? ' selected' : ''}>${esc(text)}</option>`;
  const cycles = f.d.cycles.map((c) => option(c.id, pick(c.name, f.lang), filter.cycle)).join('');
  const filters = `<form method="get" action="/console/reports" class="filters">
<div><label for="f-cycle">${esc(t('cycle'))}</label><select id="f-cycle" name="cycle"><option value="">${esc(t('all'))}</option>${cycles}</select></div>
<div><label for="f-code">${esc(t('project'))}</label><input id="f-code" name="code" inputmode="numeric" maxlength="2" size="3" value="${filter.code ?? ''}"></div>
<div><label for="f-status">${esc(t('status'))}</label><select id="f-status" name="status"><option value="">${esc(t('all'))}</option>${REPORT_STATUSES.map((s) => option(s, t(`reportStatus.${s}`), filter.status)).join('')}</select></div>
<div><button type="submit">${esc(t('filter'))}</button></div></form>`;
  const body = rows
    .map(
      (r) =>
        `<tr><td><a href="/console/reports/${esc(r.event_id)}">${esc(r.reference)}</a></td><td><a href="/console/reports?${esc(new URLSearchParams({ cycle: r.cycle_id, code: String(r.code) }).toString())}">${r.code} ${esc(projectName(f, r.cycle_id, Number(r.code)))}</a></td><td>${esc(r.text || t('spokenReport'))}</td><td>${esc(t(`channel.${r.channel}` as LabelKey))}</td><td>${esc(minute(r.received_at))}</td><td>${badge(r.status, t)}</td></tr>`,
    )
    .join('');
  const query = (page: number) =>
    `/console/reports?${new URLSearchParams({
      ...Object.fromEntries(
        Object.entries(filter)
          .filter(([k, v]) => k !== 'page' && v !== undefined)
          .map(([k, v]) => [k, String(v)]),
      ),
      page: String(page),
    })}`;
  const paging = [
    filter.page > 1 ? `<a href="${esc(query(filter.page - 1))}">← ${esc(t('previous'))}</a>` : '',
    filter.page * REPORTS_PAGE < total ? `<a href="${esc(query(filter.page + 1))}">${esc(t('next'))} →</a>` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const table = rows.length
    ? `<table class="list"><thead><tr><th>${esc(t('reference'))}</th><th>${esc(t('project'))}</th><th>${esc(t('reportText'))}</th><th>${esc(t('channel'))}</th><th>${esc(t('received'))}</th><th>${esc(t('status'))}</th></tr></thead><tbody>${body}</tbody></table>`
    : `<p>${esc(t('noReports'))}</p>`;
  const title =
    filter.code !== undefined && filter.cycle ? t('reportsOn', { code: filter.code, name: projectName(f, filter.cycle, filter.code) }).trim() : t('reports');
  return framed(
    f,
    title,
    `<p class="note">${esc(t('reportsNote'))}</p>${filters}<p class="note">${esc(t('showingReports', { shown: rows.length, total }))}</p>${table}<p>${paging}</p>`,
  );
}

/** One report: what the resident wrote or said (its recording), and its handling (a form for those who review). */
export function reportPage(
  f: Frame,
  r: ReportRow,
  history: AuditEntry[],
  opts: { error?: { field: string; text: string }; values?: Record<string, string>; recording?: ReportRecording | null } = {},
): string {
  const t = labelsFor(f.lang);
  const when = (iso: string) => formatDateTime(new Date(iso), f.lang, f.d.deployment.timezone);
  const cycle = f.d.cycles.find((c) => c.id === r.cycle_id);
  const answer = JSON.parse(r.answer) as Record<string, string>;
  const readerLang = f.d.languages.find((l) => l.code === r.lang) ?? f.d.languages[0]!;
  const v = opts.values ?? { status: r.status, ...Object.fromEntries(Object.entries(answer).map(([k, x]) => [`answer.${k}`, x])) };
  const facts: [string, string][] = [
    [t('reference'), r.reference],
    [t('cycle'), cycle ? pick(cycle.name, f.lang) : r.cycle_id],
    [t('project'), `${r.code} ${projectName(f, r.cycle_id, Number(r.code))}`],
    [t('ward'), pick(f.d.wards.find((w) => w.id === r.ward_id)?.name ?? { en: r.ward_id }, f.lang)],
    [t('channel'), t(`channel.${r.channel}` as LabelKey)],
    [t('gateway'), r.gateway_id],
    [t('received'), when(r.received_at)],
    [t('reportLang'), readerLang.name],
  ];
  const parts = [
    `<p><a href="/console/reports?${esc(new URLSearchParams({ cycle: r.cycle_id, code: String(r.code) }).toString())}">${esc(t('reportsOn', { code: r.code, name: projectName(f, r.cycle_id, Number(r.code)) }))}</a></p>`,
    `<table>${facts.map(([k, x]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(x)}</td></tr>`).join('')}</table>`,
    r.text ? `<h2>${esc(t('reportText'))}</h2><p lang="${esc(r.lang)}">${esc(r.text)}</p>` : '',
  ];
  const rec = opts.recording;
  if (rec) parts.push(`<h2>${esc(t('recording'))}</h2>${recordingPart(rec, t, when)}`);
  if (r.answered_at) parts.push(`<p class="note">${esc(t('answeredOn', { date: when(r.answered_at) }))}</p>`);
  const err = (field: string) => (opts.error?.field === field ? `<p class="err" role="alert" id="e-${esc(field)}">${esc(opts.error.text)}</p>` : '');
  parts.push(`<h2>${esc(t('status'))}</h2>`);
  if (can(f.session.user.role, 'review')) {
    const answers = f.d.languages
      .map(
        (l) =>
          `<label for="answer-${l.code}">${esc(t('answer', { language: l.name }))}</label>${err(`answer.${l.code}`)}<textarea id="answer-${l.code}" name="answer.${l.code}" lang="${l.code}" rows="2" maxlength="400">${esc(v[`answer.${l.code}`] ?? '')}</textarea>`,
      )
      .join('');
    parts.push(`<form method="post" action="/console/reports/${esc(r.event_id)}">${hidden('_csrf', f.session.csrf)}
<label for="status">${esc(t('status'))}</label>${err('status')}<select id="status" name="status">${REPORT_STATUSES.map((s) => `<option value="${s}"${s === v.status ? ' selected' : ''}>${esc(t(`reportStatus.${s}`))}</option>`).join('')}</select>
<p class="note">${esc(t('answerHelp', { language: readerLang.name }))}</p>${answers}
<p><button type="submit">${esc(t('save'))}</button></p></form>`);
  } else {
    const rows: [string, string][] = [[t('status'), t(`reportStatus.${r.status}` as LabelKey)]];
    for (const l of f.d.languages) if (answer[l.code]) rows.push([t('answer', { language: l.name }), answer[l.code]!]);
    parts.push(
      `<p class="note">${esc(t('readOnly'))}</p><table>${rows.map(([k, x]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(x)}</td></tr>`).join('')}</table>`,
    );
  }
  if (history.length) {
    const line = (e: AuditEntry) => {
      const after = e.after as { status?: string } | null;
      return `<tr><td>${esc(when(e.at))}</td><td>${esc(e.actor)}</td><td>${esc(e.action)}</td><td>${after?.status ? badge(after.status, t) : ''}</td><td>${e.seq}</td></tr>`;
    };
    parts.push(
      `<h2>${esc(t('history'))}</h2><table class="list"><thead><tr><th>${esc(t('when'))}</th><th>${esc(t('who'))}</th><th>${esc(t('action'))}</th><th>${esc(t('status'))}</th><th>${esc(t('entry'))}</th></tr></thead><tbody>${history.map(line).join('')}</tbody></table>`,
    );
  }
  return framed(f, `${t('reports')}: ${r.reference}`, parts.join('\n'));
}

/** A spoken report's player, or why there is none yet (not synced) or any more (erased by the retention rule). */
function recordingPart(rec: ReportRecording, t: ReturnType<typeof labelsFor>, when: (iso: string) => string): string {
  if (rec.href) return `<audio controls preload="none" src="${esc(rec.href)}"></audio>`;
  if (rec.erasedAt) return `<p class="note">${esc(t('reportRecordingErased', { date: when(rec.erasedAt) }))}</p>`;
  return `<p class="note">${esc(t('reportRecordingPending', { bytes: rec.bytes, hash: rec.sha256.slice(0, 12) }))}</p>`;
}
