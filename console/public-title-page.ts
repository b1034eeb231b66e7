// The public-title section of a proposal's page (console/public-ideas.ts): whether the results
// page shows the idea's title, and the button that approves or withdraws it, for those who review.
import { can } from './accounts.ts';
import { labelsFor } from './labels.ts';
import { esc, hidden, type Frame } from './pages.ts';
import type { ProposalRow } from './proposals.ts';

export function publicTitleSection(f: Frame, row: ProposalRow, isPublic: boolean): string {
  const t = labelsFor(f.lang);
  const out = [`<h2 id="public-title">${esc(t('publicTitle'))}</h2><p class="note">${esc(t(isPublic ? 'titleIsPublic' : 'titleNotPublic'))}</p>`];
  if (can(f.session.user.role, 'review'))
    out.push(
      `<form method="post" action="/console/proposals/${esc(row.event_id)}/public-title">${hidden('_csrf', f.session.csrf)}${hidden('publish', isPublic ? '0' : '1')}<button type="submit">${esc(t(isPublic ? 'withdrawTitle' : 'approveTitle'))}</button></form>`,
    );
  return out.join('');
}
