// Long lists by SMS (the ballot, the winners): cut into pages that each fit one segment.
import { smsCost, toGsmLookalikes } from '../../src/domain/sms-encoding.ts';

/** Where a page sits, for its header and footer. */
export interface PageAt {
  page: number;
  pages: number;
  last: boolean;
}

/**
 * Page `page` of `items` (past the end: the last page). Items are cut so that each page fits one
 * segment as sent (look-alikes applied) with either footer, so the cut is the same whichever page
 * is asked for; an item too long for a segment of its own still gets its own page.
 */
export function segmentPage(items: readonly string[], page: number, render: (items: string[], at: PageAt) => string): PageAt & { text: string } {
  const fits = (list: string[]) => [false, true].every((last) => smsCost(toGsmLookalikes(render(list, { page: 99, pages: 99, last }))).segments === 1);
  const pages: string[][] = [[]];
  for (const item of items) {
    const current = pages[pages.length - 1]!;
    if (current.length > 0 && !fits([...current, item])) pages.push([item]);
    else current.push(item);
  }
  const at = { page: Math.min(Math.max(1, page), pages.length), pages: pages.length, last: false };
  at.last = at.page === at.pages;
  return { ...at, text: render(pages[at.page - 1]!, at) };
}
