// The contract between the core's runners and the pure conversation flows (flows/ussd,
// flows/sms). The core owns these types so it never imports a flow; the shell wires one in.
import type { Deployment, Lang } from '../config/schema.ts';
import type { ImplementationUpdate } from '../domain/implementation.ts';
import type { LedgerState } from '../store/gateway-store.ts';

/** The voter's current ballot as the gateway knows it. */
export interface BallotSnapshot {
  cycleId: string;
  wardId: string;
  picks: number[];
  receipt: string;
  castAt: Date;
  eventId: string;
  /** Where it stands with the city ledger (absent: not known, e.g. in flow tests). */
  ledger?: LedgerState;
  /** Replaced or superseded: the channel of the vote that counts instead (never its number). */
  countedChannel?: string;
}

/** A vote's standing with the city ledger, as the gateway last heard (defined with the store that keeps it). */
export type { LedgerState };

/**
 * What CHECK learns of a receipt: from this gateway's own votes, else from the ledger when it can
 * be reached (`unreachable` when it cannot: a receipt from another gateway cannot be checked offline).
 */
export interface ReceiptStanding {
  state: LedgerState | 'unreachable';
  countedChannel?: string;
}

/** What the flow may know about the person dialling, loaded before each hop. */
export interface VoterSnapshot {
  /** Language chosen on an earlier call, if any. */
  lang: Lang | null;
  /** Open eligibility: eligible with no ward. Roll: eligible only when listed, with their ward. */
  roll: { eligible: boolean; wardId: string | null };
  /** The latest ballot this voter cast from this gateway, in any cycle. */
  ballot: BallotSnapshot | null;
  /** The ideas this number sent through this gateway, newest first (a few), with their review status and reason as last heard. */
  ideas?: { reference: string; status: string; reason: Record<string, string> }[];
}

/** Everything a flow step may read besides its own state. */
export interface UssdContext {
  now: Date;
  deployment: Deployment;
  serviceCode: string;
  voter: VoterSnapshot;
  /** Codes drawn by the caller, so the flow stays deterministic. Used only if an effect needs one. */
  fresh: { receipt: string; reference: string };
  /** A call only: a receipt can be sent to this caller by SMS (a provider sends SMS, the number has not opted out). */
  smsCopy?: boolean;
  /** The latest implementation update held for winning project `code` ("Project progress"); absent or null: none. */
  projectUpdate?(code: number): Omit<ImplementationUpdate, 'photo'> | null;
  /** A project's updates can be texted to this caller (a provider sends SMS, the number has not opted out). */
  smsFollow?: boolean;
}

/** A change the caller commits in the same transaction as the new session state. */
export type Effect =
  | {
      type: 'vote.cast';
      cycleId: string;
      wardId: string;
      picks: number[];
      receipt: string;
      /** Event id of the ballot this one replaces, under the replace policy. */
      replaces: string | null;
    }
  | {
      type: 'proposal.submitted';
      cycleId: string;
      wardId: string;
      category: string;
      title: string;
      description: string;
      reference: string;
      /** A spoken idea: the recording kept on the gateway, by digest and length in bytes. */
      audio?: { sha256: string; bytes: number };
      /** A field idea's photo, kept on the gateway (cleaned of metadata), by digest and length in bytes. */
      photo?: { sha256: string; bytes: number };
    }
  /**
   * REPORT 7 …: what a resident sees on a winning project, for the PB team (console/reports.ts).
   * `reference` answers it; `lang` is the language the reporter is answered in. A spoken report
   * (voice) has no text: its recording, kept on the gateway, is named by digest and length.
   */
  | {
      type: 'project.reported';
      cycleId: string;
      wardId: string;
      code: number;
      text: string;
      reference: string;
      lang: Lang;
      audio?: { sha256: string; bytes: number };
    }
  /** A needs-assessment survey filled in with a field officer (never from a keypad flow). */
  | { type: 'survey.answered'; cycleId: string; surveyId: string; wardId: string; answers: Record<string, string | number | string[]> }
  | { type: 'voter.language'; lang: Lang }
  /** STOP (true) and START (false): no message goes to an opted-out number. */
  | { type: 'voter.optOut'; optedOut: boolean };

/** A screen for the resident: `end` closes the session. */
export interface Reply {
  end: boolean;
  text: string;
}

/** What one step returns; the caller commits state and effects before sending the reply. */
export interface StepResult<S, R = Reply> {
  state: S;
  reply: R;
  effects: Effect[];
  /**
   * "Follow by SMS" (a project's status, or the projects just voted for): the caller's number
   * follows these projects' updates (kept sealed by the runner), texted in `lang`.
   */
  follow?: { cycleId: string; codes: number[]; lang: Lang };
}

/**
 * A pure keypad conversation (USSD, voice) whose replies are of type R: a screen of text, or a
 * list of prompts. State must be JSON-serialisable.
 */
export interface KeypadFlow<S, R> {
  /** First screen of a new session; `resumable` is an unfinished session's state, if any. */
  start(ctx: UssdContext, resumable: S | null): StepResult<S, R>;
  /** Next screen for one input typed on the current screen. */
  step(state: S, input: string, ctx: UssdContext): StepResult<S, R>;
  /** Whether an abandoned session in this state is worth offering to resume. */
  isResumable(state: S): boolean;
  /** The language to answer in, for error replies the runner writes itself. */
  language(state: S | null): Lang | null;
}

/** The USSD conversation: a keypad flow answered with screens of text. */
export type UssdFlow<S> = KeypadFlow<S, Reply>;

/** The voice conversation: a keypad flow answered with prompts, plus what only a call has. */
export interface VoiceFlow<S, R extends { end: boolean; again?: boolean }> extends KeypadFlow<S, R> {
  /** The dialogue input for keys pressed on the current screen, or null to hear it again. */
  input(state: S, digits: string, ctx: UssdContext): string | null;
  /** The input that hands the dialogue a kept recording (a spoken idea or report). */
  recordingInput(sha256: string, bytes: number): string;
  /** The last prompt again, after a timeout with no key pressed. */
  silence(last: R, lang: Lang): R;
  /** Hangs up politely (silence after re-prompts, or a key after the call's last prompt). */
  goodbye(lang: Lang): R;
  /**
   * A key pressed after the call's last prompt (`last`, an ending): that ending again, the SMS copy
   * of its receipt (`sms`, the text to send to the caller), goodbye, or `input` for the dialogue
   * (a choice the ending offered, such as following the projects just voted for).
   */
  afterEnd(last: R, digits: string, lang: Lang): { reply: R; sms?: string } | { input: string };
  /** Ends the call after an internal error: nothing was recorded. */
  apology(lang: Lang): R;
  /** A callback for a call that has already ended. */
  ended(lang: Lang): R;
}

/**
 * A question an SMS conversation is waiting on (expires after `sms.conversationMinutes`).
 * `results` and `projects` without `wardId` wait for a ward number; with it, the ward of the page
 * shown last, kept so that paging on (RESULTS 2, PROJECTS 2, MORE) does not ask again.
 */
export type SmsConversation = (
  { kind: 'vote' } | { kind: 'idea'; text: string } | { kind: 'results'; page: number; wardId?: string } | { kind: 'projects'; page: number; wardId?: string }
) & { lang?: Lang };

/** Everything the SMS flow may read for one inbound message. */
export interface SmsContext {
  now: Date;
  deployment: Deployment;
  voter: VoterSnapshot & { optedOut: boolean };
  conversation: SmsConversation | null;
  fresh: { receipt: string; reference: string };
  /** Where the vote with this receipt code stands with the city ledger. */
  receiptState(code: string): ReceiptStanding;
  /** A proposal submitted on this gateway, by reference: its review status and reason as the ledger's notices last said. */
  proposal(reference: string): { status: string; reason?: Record<string, string> } | null;
  /**
   * The latest implementation update this gateway has downloaded for project `code` (STATUS 7),
   * in the cycle whose update is latest; absent or null: none.
   */
  projectUpdate?(code: number): Omit<ImplementationUpdate, 'photo'> | null;
}

/** What one inbound SMS leads to; the caller commits effects, conversation and replies together. */
export interface SmsResult {
  /** At most one reply; null when nothing may be sent (opted out). */
  reply: { text: string; kind: 'reply' | 'confirmation' | 'stop' } | null;
  effects: Effect[];
  conversation: SmsConversation | null;
  /** The keyword understood, for the inbound log (never the text). */
  command: string;
  /** The language the reply is in (an idea's proposer is told of its review in it). */
  lang?: Lang;
  /** FOLLOW 7: the sender's number follows this project's updates (stored sealed by the inbox), texted in `lang`. */
  follow?: { cycleId: string; code: number; lang: Lang };
}

/** A pure SMS conversation. */
export interface SmsFlow {
  handle(body: string, ctx: SmsContext): SmsResult;
  /**
   * The receipt code a message asks to check, if any, so the inbox can ask the ledger before
   * the flow runs when the receipt is not from this gateway. Pure.
   */
  receiptToCheck?(body: string): string | null;
}
