// The results page's implementation section: each winning project's status, progress and
// timeline of dated milestones, in the reader's language. Plain HTML, as the rest of the page.
import { isBuiltInLang, type BuiltInLang, type Lang } from '../config/schema.ts';
import { reasonIn, type ImplementationStatus, type ImplementationUpdate } from '../domain/implementation.ts';
import { statusWord } from '../domain/implementation-text.ts';
import { formatDate } from '../domain/format.ts';

const LABELS = {
  en: {
    title: 'Implementation',
    none: 'No update yet.',
    progress: 'progress',
    reason: 'Reason',
    data: 'Implementation data',
    photo: 'Photo of {project} on {date}',
  },
  sw: {
    title: 'Utekelezaji',
    none: 'Hakuna taarifa bado.',
    progress: 'maendeleo',
    reason: 'Sababu',
    data: 'Data ya utekelezaji',
    photo: 'Picha ya {project} tarehe {date}',
  },
  fr: {
    title: 'Mise en œuvre',
    none: 'Pas encore de nouvelles.',
    progress: 'avancement',
    reason: 'Raison',
    data: 'Données de mise en œuvre',
    photo: 'Photo de {project} le {date}',
  },
} satisfies Record<BuiltInLang, Record<string, string>>;

/** The status in the reader's language (the SMS catalogue's word, so an added language has it too), capitalised. */
const statusText = (lang: Lang, status: ImplementationStatus) => {
  const word = statusWord(lang, status);
  return word.charAt(0).toLocaleUpperCase() + word.slice(1);
};

/** Where a milestone photo is served (src/http/ledger-app.ts), by its digest. */
export const photoPath = (sha256: string) => `/results/photos/${sha256}`;

const esc = (s: string | number) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const pick = (texts: Record<string, string>, lang: Lang) => texts[lang] ?? Object.values(texts)[0] ?? '';

/**
 * The section for `winners` (code and title), with their updates (oldest first); empty when the
 * cycle has no winners or no update yet. The open data files are linked when the cycle is published here.
 */
export function implementationSection(
  cycleId: string,
  winners: { code: number; title: Record<string, string> }[],
  updates: ImplementationUpdate[],
  lang: Lang,
  linkFiles: boolean,
): string {
  // Nothing until the PB team records a first update: a cycle just published, or counted long ago, reads as before.
  if (winners.length === 0 || updates.length === 0) return '';
  const L = isBuiltInLang(lang) ? LABELS[lang] : LABELS.en;
  const day = (iso: string) => formatDate(new Date(`${iso}T12:00:00Z`), lang, 'UTC');
  const items = winners.map((w) => {
    const mine = updates.filter((u) => u.code === w.code);
    const last = mine.at(-1);
    const head = `<h3>${w.code} ${esc(pick(w.title, lang))}</h3>`;
    if (!last) return `<li class="impl">${head}<p>${esc(L.none)}</p></li>`;
    const now = `<p><strong>${esc(statusText(lang, last.status))}</strong> · ${last.progress}% ${esc(L.progress)}</p>`;
    const timeline = mine
      .map((u) => {
        const text = Object.keys(u.milestone).length ? ` — ${esc(pick(u.milestone, lang))}` : '';
        const reason = u.reason !== null ? ` (${esc(L.reason)}: ${esc(reasonIn(u.reason, lang) ?? '')})` : '';
        // The milestone's own words describe the photo best; without them, the project and the day.
        const alt = Object.keys(u.milestone).length
          ? pick(u.milestone, lang)
          : L.photo.replace('{project}', pick(w.title, lang)).replace('{date}', day(u.date));
        const photo = u.photo ? `<img class="photo" src="${esc(photoPath(u.photo))}" alt="${esc(alt)}" loading="lazy">` : '';
        return `<li><time datetime="${esc(u.date)}">${esc(day(u.date))}</time>: ${esc(statusText(lang, u.status))}, ${u.progress}%${text}${reason}${photo}</li>`;
      })
      .reverse()
      .join('');
    return `<li class="impl">${head}${now}<ol reversed>${timeline}</ol></li>`;
  });
  const files = linkFiles
    ? `<p>${esc(L.data)}: ${['implementation.csv', 'implementation.json'].map((f) => `<a href="${esc(`/results/${cycleId}/${f}`)}">${f}</a>`).join(' · ')}</p>`
    : '';
  return `<section aria-labelledby="impl"><h2 id="impl">${esc(L.title)}</h2><ul class="impl-list">${items.join('')}</ul>${files}</section>`;
}
