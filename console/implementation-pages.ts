// The console's implementation page (console/implementation.ts): per published cycle, each
// winning project's updates with their photos, and for admins and reviewers the form recording
// a new one. The form is multipart (the photo), its CSRF token the first field so the server
// checks it before reading any file byte (src/http/console-multipart.ts). Plain HTML, no script.
import { formatDate } from '../src/domain/format.ts';
import { IMPLEMENTATION_STATUSES, MAX_IMPLEMENTATION_REASON, MAX_MILESTONE, reasonIn, type ImplementationUpdate } from '../src/domain/implementation.ts';
import { statusWord } from '../src/domain/implementation-text.ts';
import { MAX_PHOTO_BYTES, PHOTO_TYPES } from '../src/domain/photo.ts';
import { can } from './accounts.ts';
import { labelsFor } from './labels.ts';
import { esc, framed, hidden, pick, type Frame } from './pages.ts';

/** Where a milestone photo is served: the public address (src/http/ledger-app.ts), as on the results page. */
const photoSrc = (sha256: string) => `/results/photos/${sha256}`;

/** A refused form: which project, which field, why, and what was typed. */
export interface ImplementationRefusal {
  cycleId: string;
  code: number;
  field: string;
  text: string;
  values: Record<string, string>;
}

export function implementationPage(
  f: Frame,
  cycles: { cycleId: string; winners: number[]; updates: ImplementationUpdate[] }[],
  refused?: ImplementationRefusal,
): string {
  const t = labelsFor(f.lang);
  const day = (iso: string) => formatDate(new Date(`${iso}T12:00:00Z`), f.lang, 'UTC');
  const parts = [`<p class="note">${esc(t('implementationNote'))}</p>`];
  if (cycles.length === 0) parts.push(`<p>${esc(t('noPublished'))}</p>`);
  const editable = can(f.session.user.role, 'implementation');
  if (!editable && cycles.length > 0) parts.push(`<p class="note">${esc(t('readOnly'))}</p>`);
  for (const c of cycles) {
    const cycle = f.d.cycles.find((x) => x.id === c.cycleId)!;
    parts.push(`<h2>${esc(pick(cycle.name, f.lang))}</h2>`);
    for (const code of c.winners) {
      const project = cycle.projects.find((p) => p.code === code);
      const mine = c.updates.filter((u) => u.code === code);
      parts.push(`<h3 id="p-${esc(c.cycleId)}-${code}">${code} ${esc(project ? pick(project.title, f.lang) : '')}</h3>`);
      const rows = mine
        .map((u) => {
          const alt = pick(u.milestone, f.lang) || t('implPhotoAlt', { code, date: day(u.date) });
          const photo = u.photo ? `<a href="${esc(photoSrc(u.photo))}"><img class="photo" src="${esc(photoSrc(u.photo))}" alt="${esc(alt)}"></a>` : '';
          return `<tr><td>${esc(day(u.date))}</td><td>${esc(statusWord(f.lang, u.status))}</td><td>${u.progress}%</td><td>${esc(pick(u.milestone, f.lang))}${u.reason !== null ? ` (${esc(reasonIn(u.reason, f.lang) ?? '')})` : ''}</td><td>${photo}</td><td>${u.seq}</td></tr>`;
        })
        .reverse()
        .join('');
      parts.push(
        rows
          ? `<table class="list"><thead><tr><th>${esc(t('implDate'))}</th><th>${esc(t('status'))}</th><th>${esc(t('implProgress'))}</th><th>${esc(t('implMilestone'))}</th><th>${esc(t('implPhoto'))}</th><th>${esc(t('entry'))}</th></tr></thead><tbody>${rows}</tbody></table>`
          : `<p>${esc(t('noImplUpdates'))}</p>`,
      );
      if (editable) {
        const mineRefused = refused && refused.cycleId === c.cycleId && refused.code === code ? refused : undefined;
        parts.push(updateForm(f, c.cycleId, code, mine.at(-1), mineRefused));
      }
    }
  }
  return framed(f, t('implementation'), parts.join('\n'));
}

function updateForm(f: Frame, cycleId: string, code: number, last: ImplementationUpdate | undefined, refused?: ImplementationRefusal): string {
  const t = labelsFor(f.lang);
  const v = refused?.values ?? { status: last?.status ?? '', progress: last ? String(last.progress) : '' };
  const id = (name: string) => `${name}-${cycleId}-${code}`;
  const err = (field: string) => (refused?.field === field ? `<p class="err" role="alert">${esc(refused.text)}</p>` : '');
  const milestones = f.d.languages
    .map(
      (l) =>
        `<label for="${id(`m-${l.code}`)}">${esc(t('implMilestoneIn', { language: l.name }))}</label><input id="${id(`m-${l.code}`)}" name="milestone.${l.code}" lang="${l.code}" maxlength="${MAX_MILESTONE}" value="${esc(v[`milestone.${l.code}`] ?? '')}">`,
    )
    .join('');
  const reasons = f.d.languages
    .map(
      (l) =>
        `<label for="${id(`r-${l.code}`)}">${esc(t('implReasonIn', { language: l.name }))}</label><textarea id="${id(`r-${l.code}`)}" name="reason.${l.code}" lang="${l.code}" rows="2" maxlength="${MAX_IMPLEMENTATION_REASON}">${esc(v[`reason.${l.code}`] ?? '')}</textarea>`,
    )
    .join('');
  const options = IMPLEMENTATION_STATUSES.map((s) => `<option value="${s}"${s === v.status ? ' selected' : ''}>${esc(statusWord(f.lang, s))}</option>`).join(
    '',
  );
  // _csrf first: the server refuses a file sent before the token (src/http/console-multipart.ts).
  return `<form method="post" action="/console/implementation/${esc(cycleId)}/${code}" enctype="multipart/form-data">${hidden('_csrf', f.session.csrf)}
<h4>${esc(t('newImplUpdate'))}</h4>
<label for="${id('status')}">${esc(t('status'))}</label>${err('status')}<select id="${id('status')}" name="status">${options}</select>
<label for="${id('progress')}">${esc(t('implProgress'))}</label>${err('progress')}<input id="${id('progress')}" name="progress" inputmode="numeric" maxlength="3" value="${esc(v.progress ?? '')}">
<label for="${id('date')}">${esc(t('implDateHelp'))}</label>${err('date')}<input id="${id('date')}" name="date" type="date" value="${esc(v.date ?? '')}">
<p class="note">${esc(t('implMilestoneHelp'))}</p>${err('milestone')}${milestones}
<p class="note">${esc(t('implReason'))}</p>${err('reason')}${reasons}
<label for="${id('photo')}">${esc(t('implPhoto'))}</label><p class="note">${esc(t('implPhotoHelp', { mb: MAX_PHOTO_BYTES / 1024 / 1024 }))}</p>${err('photo')}<input id="${id('photo')}" name="photo" type="file" accept="${PHOTO_TYPES.join(',')}">
<p><button type="submit">${esc(t('recordUpdate'))}</button></p></form>`;
}
