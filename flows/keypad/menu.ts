// The main menu: which items show, and the key each answers to.
import { publishedCycle } from '../../src/domain/cycle.ts';
import type { UssdContext } from '../../src/engine/flow-contract.ts';
import type { MessageKey } from '../../src/i18n/index.ts';

/** What a main-menu item starts. */
export type MenuAction = 'vote' | 'propose' | 'myVote' | 'rules' | 'results' | 'project' | 'myIdeas' | 'language';

/** Menu items in display order. Keys stay fixed so regular callers can type ahead. */
export function menuItems(ctx: UssdContext): { key: string; label: MessageKey; action: MenuAction }[] {
  const items: { key: string; label: MessageKey; action: MenuAction }[] = [
    { key: '1', label: 'menuVote', action: 'vote' },
    { key: '2', label: 'menuPropose', action: 'propose' },
    { key: '3', label: 'menuMyVote', action: 'myVote' },
    { key: '4', label: 'menuRules', action: 'rules' },
  ];
  if (publishedCycle(ctx.deployment, ctx.now)) {
    items.push({ key: '5', label: 'menuResults', action: 'results' });
    // Winners exist: their implementation can be followed and reported on.
    items.push({ key: '6', label: 'menuProject', action: 'project' });
  }
  // Only for a caller who sent ideas through this gateway: where each stands in the city's review.
  if (ctx.voter.ideas?.length) items.push({ key: '7', label: 'menuMyIdeas', action: 'myIdeas' });
  if (ctx.deployment.languages.length > 1) items.push({ key: '9', label: 'menuLanguage', action: 'language' });
  return items;
}
