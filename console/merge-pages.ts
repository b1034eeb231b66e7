// The duplicates section of a proposal's page (console/merges.ts): what it was merged into, with
// the split button, or the proposals merged into it, and the merge form for those who review.
import { can } from './accounts.ts';
import { labelsFor, type LabelKey } from './labels.ts';
import { esc, hidden, type Frame } from './pages.ts';
import type { ProposalRow } from './proposals.ts';

export function mergeSection(f: Frame, row: ProposalRow, merges: { into?: ProposalRow; duplicates: ProposalRow[] }, error?: string): string {
  const t = labelsFor(f.lang);
  const may = can(f.session.user.role, 'review');
  const link = (r: ProposalRow) =>
    `<a href="/console/proposals/${esc(r.event_id)}">${esc(r.reference)}</a> ${esc(r.title)} <span class="note">(${esc(t(`channel.${r.channel}` as LabelKey))})</span>`;
  const out = [`<h2 id="duplicates">${esc(t('duplicates'))}</h2>`];
  if (error) out.push(`<p class="err" role="alert">${esc(error)}</p>`);
  if (merges.into) {
    out.push(`<p>${esc(t('mergedInto'))} ${link(merges.into)}</p>`);
    if (may)
      out.push(
        `<form method="post" action="/console/proposals/${esc(row.event_id)}/split">${hidden('_csrf', f.session.csrf)}<button type="submit">${esc(t('split'))}</button></form>`,
      );
    return out.join('');
  }
  if (merges.duplicates.length)
    out.push(`<p>${esc(t('mergedHere', { n: merges.duplicates.length }))}</p><ul>${merges.duplicates.map((r) => `<li>${link(r)}</li>`).join('')}</ul>`);
  else out.push(`<p class="note">${esc(t('noDuplicates'))}</p>`);
  if (may && merges.duplicates.length === 0) {
    out.push(
      `<form method="post" action="/console/proposals/${esc(row.event_id)}/merge">${hidden('_csrf', f.session.csrf)}<label for="into">${esc(t('mergeInto'))}</label><input id="into" name="into" maxlength="40" autocapitalize="characters"><p><button type="submit">${esc(t('merge'))}</button></p></form>`,
    );
  }
  return out.join('');
}
