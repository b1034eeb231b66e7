// Notices: what the PB team decides that a gateway must tell residents, carried from the ledger
// to every gateway by one signed feed (`GET /v1/notices?after=<seq>`). A notice is identified by
// the chain entry that decided it (the console's audit entry), which is also the feed's cursor.
// Today one kind: a proposal's feasibility status changed (console/proposals.ts). It names the
// proposals it concerns and the gateway that holds each (their proposers' numbers never leave it);
// each gateway acts on its own and ignores the rest. No number, name or voter key is in a notice.
import { z } from 'zod';
import { broadcastNoticeSchema } from './broadcast-notice.ts';

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

/** Any notice: a proposal's new status, or a broadcast (src/domain/broadcast-notice.ts). */
export const noticeSchema = z.discriminatedUnion('kind', [proposalStatusNoticeSchema, broadcastNoticeSchema]);
export type Notice = z.infer<typeof noticeSchema>;

/** What a notice's stored copy holds besides its kind, cycle and entry (ledger_notices.body). */
export type NoticeBody = Omit<ProposalStatusNotice, 'kind' | 'seq' | 'cycleId' | 'recordedAt'>;

/** Most notices in one feed answer; `more` says to ask again. */
export const NOTICE_PAGE = 200;

/** `GET /v1/notices?after=<seq>`: notices after that entry, oldest first. */
export const noticeFeedSchema = z.object({ items: z.array(noticeSchema).max(NOTICE_PAGE), more: z.boolean() });
export type NoticeFeed = z.infer<typeof noticeFeedSchema>;
