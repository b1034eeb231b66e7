// What a keypad channel (USSD screens, voice prompts) renders: the dialogue decides the screen,
// a notice on top of it or the ending, and the renderer turns them into the channel's reply.
import type { RuleViolation } from '../../src/domain/ballot.ts';
import type { UssdContext } from '../../src/engine/flow-contract.ts';
import type { ReplyRoom } from '../shared/after-close.ts';
import type { MenuAction } from './menu.ts';
import type { KeypadState, Screen } from './state.ts';

/** Why the current screen is shown again, said before it. */
export type Notice =
  | { kind: 'invalidChoice' }
  | { kind: 'noMore' }
  | { kind: 'unknownProject' }
  | { kind: 'violation'; violation: RuleViolation }
  | { kind: 'pointsTakenBack'; code: number }
  | { kind: 'pickRemoved'; code: number }
  | { kind: 'tooShort'; min: number }
  | { kind: 'tooLong'; n: number; max: number }
  /** The number typed is no winning project. */
  | { kind: 'notWinner'; code: number };

/** How a session ends. */
export type Ending =
  | { kind: 'voteRecorded'; receipt: string; replaced: boolean }
  | { kind: 'proposalRecorded'; reference: string }
  /** Voting is not open to this caller; `text` says why, fitted to the renderer's room. */
  | { kind: 'votingBlocked'; text: string }
  | { kind: 'proposalsUpcoming'; opens: Date }
  | { kind: 'proposalsClosed'; closed: Date }
  | { kind: 'proposalsNone' }
  /** Project `code`'s updates will be texted to the caller. */
  | { kind: 'following'; code: number }
  /** After a vote (receipt `receipt`): the updates of projects `codes` will be texted to the caller. */
  | { kind: 'followingVoted'; codes: number[]; receipt: string }
  /** A report on project `code` is recorded under `reference`. */
  | { kind: 'projectReported'; code: number; reference: string }
  | { kind: 'myVote' }
  /** The caller's ideas and their review status. */
  | { kind: 'myIdeas' }
  | { kind: 'rules' };

/** One channel's rendering of the keypad dialogue into replies of type R. */
export interface KeypadRenderer<R> {
  /**
   * The current screen, `notice` first. Renders list screens from their page's first item and
   * returns the screen with the page's end (how many items this channel fits on one page).
   */
  show(state: KeypadState, ctx: UssdContext, notice?: Notice): { reply: R; screen: Screen };
  /** The last reply of a session. */
  end(state: KeypadState, ctx: UssdContext, ending: Ending): R;
  /** The main-menu actions this channel can carry (keys stay those of the full menu). */
  readonly actions: readonly MenuAction[];
  /** Ideas and reports are spoken and recorded on this channel (voice), not typed. */
  readonly spokenIdeas?: boolean;
  /** How much room replies written by shared rules (closed votes) may take. */
  readonly room: ReplyRoom;
}
