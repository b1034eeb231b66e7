// The keypad session state (USSD and voice): which screen the caller is on and what they have chosen so far.
import type { Lang } from '../../src/config/schema.ts';

/**
 * A ballot or proposal being built, or the results being read. `wardFromRoll`: the ward was known
 * without asking (the roll; for results also the last ballot or the only ward), so Back skips
 * the ward list.
 */
export type Draft =
  | { kind: 'vote'; cycleId: string; wardId?: string; wardFromRoll: boolean; picks: number[] }
  | {
      kind: 'proposal';
      cycleId: string;
      wardId?: string;
      wardFromRoll: boolean;
      category?: string;
      title?: string;
      description?: string;
    }
  | { kind: 'results'; cycleId: string; wardId?: string; wardFromRoll: boolean }
  /** "Project progress": the winning project typed, and the cycle it won in. */
  | { kind: 'project'; cycleId: string; code: number }
  /** A vote just recorded, offered to follow: its receipt, and the projects it chose that can be followed. */
  | { kind: 'voted'; cycleId: string; codes: number[]; receipt: string; replaced: boolean };

/** List screens remember the first item of every page seen (a stack) and the current page's end. */
export interface Paging {
  pages: number[];
  end: number;
}

/** The screen on display, and what it needs to handle the next input. */
export type Screen =
  | { name: 'lang' }
  | { name: 'menu' }
  | { name: 'resume'; saved: KeypadState }
  | { name: 'replace' }
  | ({ name: 'ward' } & Paging)
  | ({ name: 'pick' } & Paging)
  | { name: 'confirmVote' }
  | ({ name: 'category' } & Paging)
  | { name: 'title' }
  /** A spoken idea: the channel records it (voice) instead of asking for a typed title. */
  | { name: 'speak' }
  | { name: 'description' }
  | { name: 'confirmProposal' }
  | ({ name: 'results' } & Paging)
  /** "Project progress": the number of a winning project is typed here. */
  | { name: 'projectCode' }
  /** The project's latest update, with Follow (by SMS) and Report. */
  | { name: 'projectStatus' }
  /** A report on the project is typed here. */
  | { name: 'reportText' }
  /** A report on the project is spoken and recorded (voice) instead of typed. */
  | { name: 'speakReport' }
  /** The vote is recorded (its receipt shown); 1 follows the projects voted for by SMS. */
  | { name: 'voted' };

/** Whole state of one keypad session (USSD or voice). */
export interface KeypadState {
  lang: Lang;
  screen: Screen;
  draft?: Draft;
}

/** A fresh page stack starting at the first item. */
export const firstPage = (): Paging => ({ pages: [0], end: 0 });
