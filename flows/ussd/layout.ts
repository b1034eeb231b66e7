// Fitting text into one USSD screen, and splitting long lists into pages that each fit.
import type { ReadBackRoom } from '../shared/read-back.ts';

/** Africa's Talking shows at most 182 characters per screen. */
export const SCREEN_LIMIT = 182;

/** One screen: what shared replies (closed votes, "My vote") must fit, and where results are. */
export const SCREEN: ReadBackRoom = { fits: (text) => text.length <= SCREEN_LIMIT, resultsOut: 'resultsOutUssd', vote: 'yourVote', sep: ', ' };

const size = (lines: string[]) => lines.join('\n').length;

/**
 * One page of a list starting at item `start`: as many items as fit under `head`, with the
 * navigation line `nav(hasMore)` last. Returns the text and the index after the last item shown.
 */
export function listPage(head: string[], items: string[], start: number, nav: (hasMore: boolean) => string): { text: string; end: number } {
  const tail = items.slice(start);
  const lastLine = (more: boolean) => [nav(more)].filter((l) => l.length > 0);
  if (size([...head, ...tail, ...lastLine(false)]) <= SCREEN_LIMIT) {
    return { text: [...head, ...tail, ...lastLine(false)].join('\n'), end: items.length };
  }
  let end = start;
  while (end < items.length && size([...head, ...items.slice(start, end + 1), ...lastLine(true)]) <= SCREEN_LIMIT) end++;
  if (end === start) end = start + 1; // never an empty page; the length test catches overflow
  const more = end < items.length;
  return { text: [...head, ...items.slice(start, end), ...lastLine(more)].join('\n'), end };
}

/** Joins parts with spaces, dropping trailing optional parts that would overflow the screen. */
export function fitParts(required: string, optional: string[], limit = SCREEN_LIMIT): string {
  let text = required;
  for (const part of optional) {
    const next = `${text} ${part}`;
    if (next.length > limit) break;
    text = next;
  }
  return text;
}
