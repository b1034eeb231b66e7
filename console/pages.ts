// The console's pages: plain server-rendered HTML, one inline stylesheet (allowed by its hash in
// the Content-Security-Policy), no script, so it works without JavaScript and over a slow link.
// Every form carries the session's CSRF token; every state change is a POST.
import type { Deployment, Lang } from '../src/config/schema.ts';
import { formatDateTime } from '../src/domain/format.ts';
import { can, ROLES, type Session, type UserRow } from './accounts.ts';
import type { AuditEntry } from './audit.ts';
import { labelsFor, type LabelKey } from './labels.ts';
import { STYLE } from './style.ts';
import { CHANNELS, INBOX_PAGE, STATUSES, type InboxFilter, type ProposalPayload, type ProposalRow } from './proposals.ts';
import { MAX_SHORT, MAX_TITLE, type DraftRow } from './drafts.ts';

export const esc = (s: string | number) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
export const pick = (texts: Record<string, string>, lang: Lang) => texts[lang] ?? Object.values(texts)[0] ?? '';

function page(title: string, lang: Lang, body: string): string {
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${esc(title)}</title>
<style>${STYLE}</style></head><body>${body}</body></html>`;
}

export const hidden = (name: string, value: string) => `<input type="hidden" name="${esc(name)}" value="${esc(value)}">`;
/** A one-button form posting to `action` with the CSRF token. */
export const postButton = (action: string, csrf: string, label: string, fields: Record<string, string> = {}) =>
  `<form method="post" action="${esc(action)}">${hidden('_csrf', csrf)}${Object.entries(fields)
    .map(([k, v]) => hidden(k, v))
    .join('')}<button type="submit">${esc(label)}</button></form>`;

/** What every page of a signed-in user shows around its content. */
export interface Frame {
  d: Deployment;
  lang: Lang;
  session: Session;
  /** A message at the top: saved, or an error. */
  notice?: { kind: 'ok' | 'err'; text: string };
  /** This page's address, for the language buttons to come back to (no Referer is sent: Referrer-Policy no-referrer). */
  path?: string;
}

export function framed(f: Frame, title: string, body: string): string {
  const t = labelsFor(f.lang);
  const role = f.session.user.role;
  const links = [
    `<a href="/console">${esc(t('inbox'))}</a>`,
    ...(can(role, 'audit') ? [`<a href="/console/audit">${esc(t('audit'))}</a>`] : []),
    `<a href="/console/drafts">${esc(t('drafts'))}</a>`,
    `<a href="/console/vote">${esc(t('duringVote'))}</a>`,
    `<a href="/console/reports">${esc(t('reports'))}</a>`,
    `<a href="/console/broadcasts">${esc(t('broadcasts'))}</a>`,
    `<a href="/console/implementation">${esc(t('implementation'))}</a>`,
    `<a href="/console/ballot">${esc(t('ballot'))}</a>`,
    `<a href="/console/cycles">${esc(t('cycles'))}</a>`,
    `<a href="/console/wards">${esc(t('wards'))}</a>`,
    `<a href="/console/equity">${esc(t('equity'))}</a>`,
    ...(can(role, 'accounts') ? [`<a href="/console/accounts">${esc(t('accounts'))}</a>`] : []),
    `<a href="/console/password">${esc(t('changePassword'))}</a>`,
  ];
  const languages =
    f.d.languages.length > 1
      ? f.d.languages
          .filter((l) => l.code !== f.lang)
          .map((l) => postButton('/console/language', f.session.csrf, l.name, { lang: l.code, back: f.path ?? '/console' }))
          .join('')
      : '';
  // A space between links lets a narrow screen wrap the menu between any two of them.
  const header = `<header><strong>${esc(f.d.deployment.name)} — ${esc(t('console'))}</strong><nav>${links.join(' ')}</nav>
<span class="who">${esc(t('signedInAs', { name: f.session.user.name, role: t(`role.${role}` as LabelKey) }))}</span>${languages}
${postButton('/console/sign-out', f.session.csrf, t('signOut'))}${postButton('/console/sign-out', f.session.csrf, t('signOutEverywhere'), { everywhere: '1' })}</header>`;
  const notice = f.notice ? `<p class="${f.notice.kind}" role="${f.notice.kind === 'err' ? 'alert' : 'status'}">${esc(f.notice.text)}</p>` : '';
  return page(`${title} — ${t('console')}`, f.lang, `${header}<main><h1>${esc(title)}</h1>${notice}${body}</main>`);
}

/** The sign-in page: the only thing a signed-out visitor sees. `csrf` pairs the form with its cookie. */
export function signInPage(d: Deployment, lang: Lang, csrf: string, message?: string): string {
  const t = labelsFor(lang);
  const langs = d.languages
    .map((l) => (l.code === lang ? `<strong>${esc(l.name)}</strong>` : `<a href="/console/sign-in?lang=${l.code}" lang="${l.code}">${esc(l.name)}</a>`))
    .join(' · ');
  return page(
    `${t('signIn')} — ${t('console')}`,
    lang,
    `<header><strong>${esc(d.deployment.name)} — ${esc(t('console'))}</strong><span>${langs}</span></header><main><h1>${esc(t('signIn'))}</h1>${message ? `<p class="err" role="alert">${esc(message)}</p>` : ''}
<form method="post" action="/console/sign-in">${hidden('_csrf', csrf)}${hidden('lang', lang)}
<label for="name">${esc(t('name'))}</label><input id="name" name="name" autocomplete="username" required maxlength="40" autocapitalize="none">
<label for="password">${esc(t('password'))}</label><input id="password" name="password" type="password" autocomplete="current-password" required maxlength="200">
<p><button type="submit">${esc(t('signIn'))}</button></p></form></main>`,
  );
}

const statusBadge = (status: string, t: ReturnType<typeof labelsFor>) => `<span class="st st-${esc(status)}">${esc(t(`status.${status}` as LabelKey))}</span>`;

/** The inbox: filters, then one page of proposals, newest first. */
/** A category's name; an idea that came without one of the deployment's (an SMS idea, filed as 'sms') shows none. */
function categoryLabel(f: Frame, id: string): string {
  const category = f.d.categories.find((c) => c.id === id);
  return category ? pick(category.name, f.lang) : '—';
}

export function inboxPage(f: Frame, filter: InboxFilter, rows: ProposalRow[], total: number): string {
  const t = labelsFor(f.lang);
  const minute = (iso: string) => formatDateTime(new Date(iso), f.lang, f.d.deployment.timezone);
  const wardName = (id: string) => pick(f.d.wards.find((w) => w.id === id)?.name ?? { en: id }, f.lang);
  const categoryName = (id: string) => categoryLabel(f, id);
  const select = (name: string, label: string, options: [string, string][], value: string | undefined) =>
    `<div><label for="f-${name}">${esc(label)}</label><select id="f-${name}" name="${name}"><option value="">${esc(t('all'))}</option>${options
      .map(([v, text]) => `<option value="${esc(v)}"${v === value ? ' selected' : ''}>${esc(text)}</option>`)
      .join('')}</select></div>`;
  const filters = `<form method="get" action="/console" class="filters">
${select(
  'ward',
  t('ward'),
  f.d.wards.map((w) => [w.id, pick(w.name, f.lang)]),
  filter.ward,
)}
${select(
  'category',
  t('category'),
  f.d.categories.map((c) => [c.id, pick(c.name, f.lang)]),
  filter.category,
)}
${select(
  'status',
  t('status'),
  STATUSES.map((s) => [s, t(`status.${s}`)]),
  filter.status,
)}
${select(
  'channel',
  t('channel'),
  CHANNELS.map((c) => [c, t(`channel.${c}`)]),
  filter.channel,
)}
<div><button type="submit">${esc(t('filter'))}</button></div></form>`;
  const body = rows
    .map(
      (r) =>
        `<tr><td><a href="/console/proposals/${esc(r.event_id)}">${esc(r.reference)}</a></td><td>${esc(r.title)}</td><td>${esc(wardName(r.ward_id))}</td><td>${esc(categoryName(r.category))}</td><td>${esc(t(`channel.${r.channel}` as LabelKey))}</td><td>${esc(minute(r.received_at))}</td><td>${statusBadge(r.status, t)}</td></tr>`,
    )
    .join('');
  const query = (page: number) =>
    `/console?${new URLSearchParams({ ...Object.fromEntries(Object.entries(filter).filter(([k, v]) => k !== 'page' && v)), page: String(page) } as Record<string, string>)}`;
  const paging = [
    filter.page > 1 ? `<a href="${esc(query(filter.page - 1))}">← ${esc(t('previous'))}</a>` : '',
    filter.page * INBOX_PAGE < total ? `<a href="${esc(query(filter.page + 1))}">${esc(t('next'))} →</a>` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const table = rows.length
    ? `<table class="list"><thead><tr><th>${esc(t('reference'))}</th><th>${esc(t('title'))}</th><th>${esc(t('ward'))}</th><th>${esc(t('category'))}</th><th>${esc(t('channel'))}</th><th>${esc(t('received'))}</th><th>${esc(t('status'))}</th></tr></thead><tbody>${body}</tbody></table>`
    : `<p>${esc(t('none'))}</p>`;
  return framed(f, t('inbox'), `${filters}<p class="note">${esc(t('showing', { shown: rows.length, total }))}</p>${table}<p>${paging}</p>`);
}

/** One proposal: what the resident sent, and the review (a form for those who may review). */
export function proposalPage(
  f: Frame,
  /** `recording`: where a spoken idea's recording plays from, when the ledger holds it; `recordingErased`: when the retention rule erased it. */
  p: {
    row: ProposalRow;
    payload: ProposalPayload;
    draft?: DraftRow;
    recording?: string;
    recordingErased?: string;
    /** A field idea's photo: where it is shown from once the ledger holds it, or when the retention rule erased it. */
    photo?: string;
    photoErased?: string;
    history?: AuditEntry[];
    duplicates?: string;
    publicTitle?: string;
  },
  opts: { error?: { field: string; text: string }; values?: Record<string, string>; draftValues?: Record<string, string> } = {},
): string {
  const t = labelsFor(f.lang);
  const { row, payload } = p;
  const cycle = f.d.cycles.find((c) => c.id === row.cycle_id);
  const reason = JSON.parse(row.reason) as Record<string, string>;
  const v = opts.values ?? {
    status: row.status,
    cost: row.cost === null ? '' : String(row.cost),
    costNote: row.cost_note,
    ...Object.fromEntries(Object.entries(reason).map(([k, x]) => [`reason.${k}`, x])),
  };
  const facts: [string, string][] = [
    [t('reference'), row.reference],
    [t('cycle'), cycle ? pick(cycle.name, f.lang) : row.cycle_id],
    [t('ward'), pick(f.d.wards.find((w) => w.id === row.ward_id)?.name ?? { en: row.ward_id }, f.lang)],
    [t('category'), categoryLabel(f, row.category)],
    [t('channel'), t(`channel.${row.channel}` as LabelKey)],
    [t('received'), formatDateTime(new Date(row.received_at), f.lang, f.d.deployment.timezone)],
  ];
  const parts = [`<table>${facts.map(([k, x]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(x)}</td></tr>`).join('')}</table>`];
  parts.push(`<h2>${esc(t('description'))}</h2><p>${esc(payload.description || '—')}</p>`);
  if (payload.audio) {
    const href = p.recording;
    parts.push(
      `<h2>${esc(t('recording'))}</h2>${
        href
          ? `<audio controls preload="none" src="${esc(href)}"></audio>`
          : p.recordingErased
            ? `<p class="note">${esc(t('recordingErased', { date: formatDateTime(new Date(p.recordingErased), f.lang, f.d.deployment.timezone) }))}</p>`
            : `<p class="note">${esc(t('recordingPending', { bytes: payload.audio.bytes, hash: payload.audio.sha256.slice(0, 12) }))}</p>`
      }`,
    );
  }
  if (payload.photo) {
    const when = (iso: string) => formatDateTime(new Date(iso), f.lang, f.d.deployment.timezone);
    parts.push(
      `<h2>${esc(t('ideaPhoto'))}</h2>${
        p.photo
          ? `<a href="${esc(p.photo)}"><img class="photo" src="${esc(p.photo)}" alt="${esc(t('ideaPhotoAlt', { title: payload.title }))}"></a>`
          : p.photoErased
            ? `<p class="note">${esc(t('photoErased', { date: when(p.photoErased) }))}</p>`
            : `<p class="note">${esc(t('photoPending', { bytes: payload.photo.bytes, hash: payload.photo.sha256.slice(0, 12) }))}</p>`
      }`,
    );
  }
  const err = (field: string) => (opts.error?.field === field ? `<p class="err" role="alert" id="e-${esc(field)}">${esc(opts.error.text)}</p>` : '');
  parts.push(`<h2>${esc(t('review'))}</h2>`);
  if (can(f.session.user.role, 'review')) {
    const reasons = f.d.languages
      .map(
        (l) =>
          `<label for="reason-${l.code}">${esc(t('reason', { language: l.name }))}</label>${err(`reason.${l.code}`)}<textarea id="reason-${l.code}" name="reason.${l.code}" lang="${l.code}" rows="2" maxlength="500">${esc(v[`reason.${l.code}`] ?? '')}</textarea>`,
      )
      .join('');
    parts.push(`<form method="post" action="/console/proposals/${esc(row.event_id)}/review">${hidden('_csrf', f.session.csrf)}
<label for="status">${esc(t('status'))}</label>${err('status')}<select id="status" name="status">${STATUSES.map((s) => `<option value="${s}"${s === v.status ? ' selected' : ''}>${esc(t(`status.${s}`))}</option>`).join('')}</select>
<label for="cost">${esc(t('cost', { currency: f.d.deployment.currency }))}</label>${err('cost')}<input id="cost" name="cost" inputmode="numeric" maxlength="20" value="${esc(v.cost ?? '')}">
<label for="costNote">${esc(t('costNote'))}</label>${err('costNote')}<textarea id="costNote" name="costNote" rows="3" maxlength="2000">${esc(v.costNote ?? '')}</textarea>
<p class="note">${esc(t('reasonHelp'))}</p>${reasons}
<p><button type="submit">${esc(t('save'))}</button></p></form>`);
  } else {
    const rows: [string, string][] = [[t('status'), t(`status.${row.status}` as LabelKey)]];
    if (row.cost !== null) rows.push([t('cost', { currency: f.d.deployment.currency }), String(row.cost)]);
    if (row.cost_note) rows.push([t('costNote'), row.cost_note]);
    for (const l of f.d.languages) if (reason[l.code]) rows.push([t('reason', { language: l.name }), reason[l.code]!]);
    parts.push(
      `<p class="note">${esc(t('readOnly'))}</p><table>${rows.map(([k, x]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(x)}</td></tr>`).join('')}</table>`,
    );
  }
  if (can(f.session.user.role, 'ballot') && row.status === 'feasible' && row.cost !== null) parts.push(promoteForm(f, p, err, opts.draftValues));
  // Duplicates merged or split (console/merge-pages.ts), rendered by the caller.
  if (p.duplicates) parts.push(p.duplicates);
  // Whether the public results page shows its title (console/public-title-page.ts), rendered by the caller.
  if (p.publicTitle) parts.push(p.publicTitle);
  if (p.history?.length) {
    const line = (e: AuditEntry) => {
      const after = e.after as { status?: string } | null;
      return `<tr><td>${esc(formatDateTime(new Date(e.at), f.lang, f.d.deployment.timezone))}</td><td>${esc(e.actor)}</td><td>${esc(e.action)}</td><td>${after?.status ? statusBadge(after.status, t) : ''}</td><td>${e.seq}</td></tr>`;
    };
    parts.push(
      `<h2>${esc(t('history'))}</h2><table class="list"><thead><tr><th>${esc(t('when'))}</th><th>${esc(t('who'))}</th><th>${esc(t('action'))}</th><th>${esc(t('status'))}</th><th>${esc(t('entry'))}</th></tr></thead><tbody>${p.history.map(line).join('')}</tbody></table>`,
    );
  }
  return framed(f, payload.title, parts.join('\n'));
}

/** The admin's form making a feasible proposal a ballot project draft (prefilled with the draft, or the proposal's title). */
function promoteForm(
  f: Frame,
  p: { row: ProposalRow; payload: ProposalPayload; draft?: DraftRow },
  err: (field: string) => string,
  values?: Record<string, string>,
): string {
  const t = labelsFor(f.lang);
  const title = p.draft ? (JSON.parse(p.draft.title) as Record<string, string>) : {};
  const short = p.draft ? (JSON.parse(p.draft.short) as Record<string, string>) : {};
  const v = (kind: 'title' | 'short', code: string) =>
    values?.[`${kind}.${code}`] ?? (kind === 'title' ? (title[code] ?? p.payload.title) : (short[code] ?? p.payload.title.slice(0, MAX_SHORT)));
  const fields = f.d.languages
    .map(
      (l) =>
        `<label for="title-${l.code}">${esc(t('projectTitle', { language: l.name }))}</label>${err(`title.${l.code}`)}<input id="title-${l.code}" name="title.${l.code}" lang="${l.code}" maxlength="${MAX_TITLE}" value="${esc(v('title', l.code))}">` +
        `<label for="short-${l.code}">${esc(t('projectShort', { language: l.name }))}</label>${err(`short.${l.code}`)}<input id="short-${l.code}" name="short.${l.code}" lang="${l.code}" maxlength="${MAX_SHORT}" value="${esc(v('short', l.code))}">`,
    )
    .join('');
  return `<h2>${esc(t('promote'))}</h2><p class="note">${esc(t('promoteHelp'))}</p><form method="post" action="/console/proposals/${esc(p.row.event_id)}/promote">${hidden('_csrf', f.session.csrf)}${fields}<p><button type="submit">${esc(t('promote'))}</button></p></form>`;
}

/** Ballot drafts per cycle, with the YAML lines for the deployment file. */
export function draftsPage(f: Frame, drafts: (DraftRow & { reference: string; status: string })[], yamlOf: (cycleId: string) => string): string {
  const t = labelsFor(f.lang);
  if (drafts.length === 0) return framed(f, t('drafts'), `<p class="note">${esc(t('draftsNote'))}</p><p>${esc(t('noDrafts'))}</p>`);
  const wardName = (id: string) => pick(f.d.wards.find((w) => w.id === id)?.name ?? { en: id }, f.lang);
  const sections = [...new Set(drafts.map((r) => r.cycle_id))].map((cycleId) => {
    const cycle = f.d.cycles.find((c) => c.id === cycleId);
    const rows = drafts
      .filter((r) => r.cycle_id === cycleId)
      .map((r) => {
        const title = JSON.parse(r.title) as Record<string, string>;
        const short = JSON.parse(r.short) as Record<string, string>;
        return `<tr><td><a href="/console/proposals/${esc(r.event_id)}">${esc(r.reference)}</a></td><td>${esc(title[f.lang] ?? Object.values(title)[0] ?? '')}<br><span class="note">${esc(short[f.lang] ?? '')}</span></td><td>${esc(wardName(r.ward_id))}</td><td>${esc(`${f.d.deployment.currency} ${r.cost}`)}</td><td>${statusBadge(r.status, t)}</td><td>${can(f.session.user.role, 'ballot') ? postButton(`/console/drafts/${r.event_id}/add`, f.session.csrf, t('addToBallot')) : ''}</td></tr>`;
      })
      .join('');
    return `<h2>${esc(cycle ? pick(cycle.name, f.lang) : cycleId)}</h2><table class="list"><thead><tr><th>${esc(t('reference'))}</th><th>${esc(t('title'))}</th><th>${esc(t('ward'))}</th><th>${esc(t('cost', { currency: f.d.deployment.currency }))}</th><th>${esc(t('status'))}</th><th></th></tr></thead><tbody>${rows}</tbody></table><pre class="yaml">${esc(yamlOf(cycleId))}</pre>`;
  });
  return framed(f, t('drafts'), `<p class="note">${esc(t('draftsNote'))}</p>${sections.join('')}`);
}

const json = (v: unknown) => (v === null || v === undefined ? '' : `<pre>${esc(JSON.stringify(v, null, 1))}</pre>`);

/** The audit trail, newest first, `below` pages back. */
export function auditPage(f: Frame, entries: AuditEntry[], more: number | undefined): string {
  const t = labelsFor(f.lang);
  const rows = entries
    .map(
      (e) =>
        `<tr><td>${e.seq}</td><td>${esc(formatDateTime(new Date(e.at), f.lang, f.d.deployment.timezone))}</td><td>${esc(e.actor)}</td><td>${esc(e.action)}</td><td>${esc(e.subject)}</td><td>${json(e.before)}</td><td>${json(e.after)}</td></tr>`,
    )
    .join('');
  const next = more !== undefined ? `<p><a href="/console/audit?below=${more}">${esc(t('next'))} →</a></p>` : '';
  return framed(
    f,
    t('audit'),
    `<p class="note">${esc(t('auditNote'))}</p><div class="wide"><table><thead><tr><th>${esc(t('entry'))}</th><th>${esc(t('when'))}</th><th>${esc(t('who'))}</th><th>${esc(t('action'))}</th><th>${esc(t('subject'))}</th><th>${esc(t('before'))}</th><th>${esc(t('after'))}</th></tr></thead><tbody>${rows}</tbody></table></div>${next}`,
  );
}

/** Accounts: the list with an admin's actions, and the form to add one. */
export function accountsPage(f: Frame, users: UserRow[]): string {
  const t = labelsFor(f.lang);
  const roleOptions = (current?: string) =>
    ROLES.map((r) => `<option value="${r}"${r === current ? ' selected' : ''}>${esc(t(`role.${r}`))}</option>`).join('');
  const rows = users
    .map((u) => {
      const base = `/console/accounts/${encodeURIComponent(u.name)}`;
      const roleForm = `<form method="post" action="${esc(base)}/role">${hidden('_csrf', f.session.csrf)}<select name="role" aria-label="${esc(t('role'))}">${roleOptions(u.role)}</select><button type="submit">${esc(t('setRole'))}</button></form>`;
      return `<tr><td>${esc(u.name)}${u.disabled ? ` <span class="note">(${esc(t('disabled'))})</span>` : ''}</td><td>${roleForm}</td><td>${postButton(`${base}/${u.disabled ? 'enable' : 'disable'}`, f.session.csrf, t(u.disabled ? 'enable' : 'disable'))}${postButton(`${base}/reset`, f.session.csrf, t('resetPassword'))}</td></tr>`;
    })
    .join('');
  const add = `<h2>${esc(t('addUser'))}</h2><form method="post" action="/console/accounts">${hidden('_csrf', f.session.csrf)}
<label for="new-name">${esc(t('name'))}</label><input id="new-name" name="name" required maxlength="40" autocapitalize="none">
<label for="new-role">${esc(t('role'))}</label><select id="new-role" name="role">${roleOptions('reviewer')}</select>
<p><button type="submit">${esc(t('add'))}</button></p></form>`;
  return framed(
    f,
    t('accounts'),
    `<table><thead><tr><th>${esc(t('name'))}</th><th>${esc(t('role'))}</th><th></th></tr></thead><tbody>${rows}</tbody></table>${add}`,
  );
}

/** The user's own password change (forced after a one-time password). */
export function passwordPage(f: Frame, forced: boolean): string {
  const t = labelsFor(f.lang);
  return framed(
    f,
    t('changePassword'),
    `${forced ? `<p class="note">${esc(t('mustChange'))}</p>` : ''}<form method="post" action="/console/password">${hidden('_csrf', f.session.csrf)}
<label for="current">${esc(t('currentPassword'))}</label><input id="current" name="current" type="password" autocomplete="current-password" required maxlength="200">
<label for="next">${esc(t('newPassword'))}</label><input id="next" name="next" type="password" autocomplete="new-password" required minlength="12" maxlength="200">
<p><button type="submit">${esc(t('save'))}</button></p></form>`,
  );
}

/** A page with only a message (forbidden, not found). */
export function messagePage(f: Frame, text: string): string {
  return framed(f, text, '');
}

/** A bare page for a signed-out visitor's refused form (no session to frame it with). */
export function plainMessage(lang: Lang, text: string): string {
  const t = labelsFor(lang);
  return page(t('console'), lang, `<main><p class="err">${esc(text)}</p><p><a href="/console/sign-in?lang=${lang}">${esc(t('signIn'))}</a></p></main>`);
}
