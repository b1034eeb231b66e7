// Notices: what the PB team decides that a gateway must tell residents, carried from the ledger
// to every gateway by one signed feed (`GET /v1/notices?after=<seq>`). A notice is identified by
// the chain entry that decided it (the console's audit entry), which is also the feed's cursor.
// Two kinds: a proposal's feasibility status changed (console/proposals.ts), naming the proposals
// it concerns and the gateway that holds each; and the PB team answered a resident's report
// (console/reports.ts), naming the report's reference and the gateway that holds the reporter's
// number. Numbers never leave gateways: each acts on its own and ignores the rest. No number, name
// or voter key is in a notice. A kind a gateway does not know (a later ledger's) is skipped, its
// entry still held, so the feed moves on past it (parseNoticeFeed).
import { z } from 'zod';
import { BROADCAST_NOTICE, broadcastNoticeSchema } from './broadcast-notice.ts';

/** A proposal's feasibility review, in the order a proposal moves through it. */
export const PROPOSAL_STATUSES = ['received', 'under-review', 'feasible', 'not-feasible'] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

/** Longest reason per language (the console's limit). */
export const MAX_REVIEW_REASON = 500;

/** The kind of a proposal status notice. */
export const PROPOSAL_STATUS_NOTICE = 'proposal.status';

const lang = z.string().regex(/^[a-z]{2,3}$/);

/** A proposal a notice concerns: its reference as the proposer was given it, its event, and the gateway that captured it. */
export const noticeProposalSchema = z.strictObject({
  gatewayId: z.string().min(1).max(64),
  eventId: z.string().min(1).max(64),
  reference: z.string().min(1).max(24),
});
export type NoticeProposal = z.infer<typeof noticeProposalSchema>;

/**
 * A proposal's new status: the reviewed proposal and every proposal merged into it (all their
 * proposers are told). `reason` holds a text per language for `not-feasible`, else nothing.
 */
export const proposalStatusNoticeSchema = z.strictObject({
  kind: z.literal(PROPOSAL_STATUS_NOTICE),
  /** The chain entry that recorded the review: the notice's identity and the feed's cursor. */
  seq: z.number().int().min(1),
  cycleId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/),
  recordedAt: z.iso.datetime(),
  status: z.enum(PROPOSAL_STATUSES),
  reason: z.record(lang, z.string().min(1).max(MAX_REVIEW_REASON)),
  // Generous: one notice the gateway could not read would hold up the whole feed behind it.
  proposals: z.array(noticeProposalSchema).min(1).max(100_000),
});
export type ProposalStatusNotice = z.infer<typeof proposalStatusNoticeSchema>;

/** The kind of a report answer notice. */
export const REPORT_ANSWER_NOTICE = 'report.answered';

/** Longest answer per language (the console keeps it to one SMS with the reference; this is a ceiling). */
export const MAX_REPORT_ANSWER = 480;

/**
 * The PB team's answer to a report (REPORT 7 …), set by audit entry `seq`: the report's reference,
 * the gateway that holds its reporter's number, and the answer in each language given. A changed
 * answer is a new notice (a new entry); a status change alone is none.
 */
export const reportAnswerNoticeSchema = z.strictObject({
  kind: z.literal(REPORT_ANSWER_NOTICE),
  seq: z.number().int().min(1),
  cycleId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/),
  recordedAt: z.iso.datetime(),
  gatewayId: z.string().min(1).max(64),
  reference: z.string().min(1).max(24),
  answer: z.record(lang, z.string().min(1).max(MAX_REPORT_ANSWER)),
});
export type ReportAnswerNotice = z.infer<typeof reportAnswerNoticeSchema>;

/** Any notice this version knows: a proposal's new status, a report's answer, or a broadcast (src/domain/broadcast-notice.ts). */
export const noticeSchema = z.discriminatedUnion('kind', [proposalStatusNoticeSchema, reportAnswerNoticeSchema, broadcastNoticeSchema]);
export type Notice = z.infer<typeof noticeSchema>;

/** A notice of a kind this version does not know: only its entry and kind are read, to move past it. */
export interface UnknownNotice {
  kind: 'unknown';
  seq: number;
  /** The kind as the ledger named it. */
  named: string;
}

/** What a notice's stored copy holds besides its kind, cycle and entry (ledger_notices.body). */
type BodyOf<N> = N extends unknown ? Omit<N, 'kind' | 'seq' | 'cycleId' | 'recordedAt'> : never;
export type NoticeBody = BodyOf<Notice>;

/** Most notices in one feed answer; `more` says to ask again. */
export const NOTICE_PAGE = 200;

/** `GET /v1/notices?after=<seq>`, as a gateway reads it: known notices, and the entries of unknown kinds to step over. */
export interface ReadNoticeFeed {
  items: (Notice | UnknownNotice)[];
  more: boolean;
}

// Only the envelope is read first: a notice of a later kind must not make the whole page unreadable
// (its feed would stop there for good). A known kind that does not parse is still refused.
const envelopeSchema = z.object({
  items: z.array(z.looseObject({ kind: z.string().min(1).max(64), seq: z.number().int().min(1) })).max(NOTICE_PAGE),
  more: z.boolean(),
});
const KNOWN_KINDS: ReadonlySet<string> = new Set([PROPOSAL_STATUS_NOTICE, REPORT_ANSWER_NOTICE, BROADCAST_NOTICE]);

/** Reads a feed page; null when it is not one (or a notice of a known kind is malformed). */
export function parseNoticeFeed(json: unknown): ReadNoticeFeed | null {
  const page = envelopeSchema.safeParse(json);
  if (!page.success) return null;
  const items: (Notice | UnknownNotice)[] = [];
  for (const raw of page.data.items) {
    if (!KNOWN_KINDS.has(raw.kind)) {
      items.push({ kind: 'unknown', seq: raw.seq, named: raw.kind });
      continue;
    }
    const known = noticeSchema.safeParse(raw);
    if (!known.success) return null;
    items.push(known.data);
  }
  return { items, more: page.data.more };
}
