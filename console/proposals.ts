// The inbox: every proposal.submitted entry of the chain, from every channel, with its
// feasibility review. The chain stays as ingest wrote it; the console copies each new proposal
// into console_proposals as it reads the inbox (catchUpInbox), so filtering by ward, category,
// status and channel is an indexed table read, not JSON parsing of every event.
import { z } from 'zod';
import type { Deployment } from '../src/config/schema.ts';
import { SautiError } from '../src/domain/errors.ts';
import { PROPOSAL_STATUSES, type ProposalStatus } from '../src/domain/notices.ts';
import type { LedgerConnection } from '../ledger/connect.ts';
import { recordProposalNotice, reviewedProposals } from '../ledger/notices.ts';
import type { LedgerDb, LedgerTables } from '../ledger/schema.ts';
import { appendAudit, reviewState, withChainHead } from './audit.ts';
import type { Actor } from './accounts.ts';

export const STATUSES = PROPOSAL_STATUSES;
export type Status = (typeof STATUSES)[number];
export const CHANNELS = ['ussd', 'sms', 'voice', 'field', 'paper'] as const;

export type ProposalRow = LedgerTables['console_proposals'];

/** A proposal as the gateway sent it (payload of its chain entry). */
export interface ProposalPayload {
  wardId: string;
  category: string;
  title: string;
  description: string;
  reference: string;
  /** A spoken idea: its recording's hash and size (the bytes arrive apart, into ledger_attachments). */
  audio?: { sha256: string; bytes: number };
  /** A field idea's photo: its hash and size (the bytes arrive apart, into ledger_attachments, as a recording's). */
  photo?: { sha256: string; bytes: number };
}

const PAGE = 2000;

/** Copies proposals the chain received since the last call into the inbox, with status `received`. */
export async function catchUpInbox(db: LedgerDb): Promise<void> {
  for (;;) {
    const last = await db
      .selectFrom('console_proposals')
      .select((eb) => eb.fn.max('ledger_seq').as('seq'))
      .executeTakeFirst();
    const rows = await db
      .selectFrom('ledger_events')
      .select(['seq', 'event_id', 'cycle_id', 'channel', 'received_at', 'payload'])
      .where('type', '=', 'proposal.submitted')
      .where('seq', '>', Number(last?.seq ?? 0))
      .orderBy('seq')
      .limit(PAGE)
      .execute();
    if (rows.length === 0) return;
    const values = rows.map((r) => {
      const p = JSON.parse(r.payload) as ProposalPayload;
      return {
        event_id: r.event_id,
        ledger_seq: Number(r.seq),
        cycle_id: r.cycle_id,
        ward_id: p.wardId,
        category: p.category,
        channel: r.channel,
        reference: p.reference,
        title: p.title,
        received_at: r.received_at,
        status: 'received',
        reason: '{}',
        cost: null,
        cost_note: '',
        audit_seq: null,
      };
    });
    // Two readers catching up at once insert the same rows: the first wins, nothing is doubled.
    for (let i = 0; i < values.length; i += 200)
      await db
        .insertInto('console_proposals')
        .values(values.slice(i, i + 200))
        .onConflict((oc) => oc.doNothing())
        .execute();
    if (rows.length < PAGE) return;
  }
}

export const inboxFilterSchema = z.object({
  ward: z.string().max(40).optional().catch(undefined),
  category: z.string().max(40).optional().catch(undefined),
  status: z.enum(STATUSES).optional().catch(undefined),
  channel: z.enum(CHANNELS).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
export type InboxFilter = z.infer<typeof inboxFilterSchema>;

/** Proposals per page of the inbox: a small page on a slow link. */
export const INBOX_PAGE = 50;

/** One page of the inbox, newest first, with the number matching the filter. */
export async function listInbox(db: LedgerDb, f: InboxFilter): Promise<{ rows: ProposalRow[]; total: number }> {
  await catchUpInbox(db);
  let q = db.selectFrom('console_proposals');
  if (f.ward) q = q.where('ward_id', '=', f.ward);
  if (f.category) q = q.where('category', '=', f.category);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.channel) q = q.where('channel', '=', f.channel);
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q
    .selectAll()
    .orderBy('ledger_seq', 'desc')
    .limit(INBOX_PAGE)
    .offset((f.page - 1) * INBOX_PAGE)
    .execute();
  return { rows, total: Number(total.n) };
}

/** One proposal with what the resident sent, or null. */
export async function proposalOf(db: LedgerDb, eventId: string): Promise<{ row: ProposalRow; payload: ProposalPayload } | null> {
  await catchUpInbox(db);
  const row = await db.selectFrom('console_proposals').selectAll().where('event_id', '=', eventId).executeTakeFirst();
  if (!row) return null;
  const e = await db.selectFrom('ledger_events').select('payload').where('event_id', '=', eventId).executeTakeFirstOrThrow();
  return { row, payload: JSON.parse(e.payload) as ProposalPayload };
}

/** A review as submitted from the form: every field a string, as a browser sends it. */
export interface ReviewInput {
  status: string;
  cost: string;
  costNote: string;
  reason: Record<string, string>;
}

/** A bad field of a review, named for the form. */
export class ReviewError extends SautiError {
  constructor(
    readonly field: string,
    readonly key: 'status' | 'costNeeded' | 'costNumber' | 'noteNeeded' | 'reasonNeeded' | 'tooLong',
    message: string,
  ) {
    super('console.bad_review', message);
  }
}

/**
 * The review the form asks for, checked: `feasible` needs a cost estimate and its explanation,
 * `not-feasible` a reason in every language of the deployment (residents are told it in theirs).
 */
export function parseReview(d: Deployment, input: ReviewInput): ReturnType<typeof reviewState> {
  if (!(STATUSES as readonly string[]).includes(input.status)) throw new ReviewError('status', 'status', `status must be one of ${STATUSES.join(', ')}`);
  const status = input.status as Status;
  const costText = input.cost.trim().replace(/[\s,_]/g, '');
  if (costText && !/^\d{1,13}$/.test(costText))
    throw new ReviewError('cost', 'costNumber', 'cost: a whole amount in the deployment currency, digits only, at most 13 of them');
  const cost = costText ? Number(costText) : null;
  const costNote = input.costNote.trim();
  if (costNote.length > 2000) throw new ReviewError('costNote', 'tooLong', 'costNote: at most 2,000 characters');
  if (status === 'feasible' && cost === null) throw new ReviewError('cost', 'costNeeded', 'cost: a feasible proposal needs a cost estimate');
  if (status === 'feasible' && !costNote) throw new ReviewError('costNote', 'noteNeeded', 'costNote: explain how the cost was estimated');
  const reason: Record<string, string> = {};
  for (const { code } of d.languages) {
    const text = (input.reason[code] ?? '').trim();
    if (text.length > 500) throw new ReviewError(`reason.${code}`, 'tooLong', `reason.${code}: at most 500 characters`);
    if (status === 'not-feasible' && !text)
      throw new ReviewError(`reason.${code}`, 'reasonNeeded', `reason.${code}: a proposal found not feasible needs the reason in every language`);
    if (status === 'not-feasible') reason[code] = text;
  }
  return { status, reason, cost, costNote };
}

/**
 * Records a review with its audit entry (before and after), in one transaction; nothing when
 * nothing changed. A new status or reason is also a notice for the gateways holding the proposers'
 * numbers (ledger/notices.ts): this proposal's and those merged into it, each told once.
 */
export async function reviewProposal(
  conn: LedgerConnection,
  d: Deployment,
  actor: Actor,
  eventId: string,
  input: ReviewInput,
  now: Date,
): Promise<'changed' | 'unchanged'> {
  const after = parseReview(d, input);
  await catchUpInbox(conn.db);
  return withChainHead(conn, async (trx) => {
    const row = await trx.selectFrom('console_proposals').selectAll().where('event_id', '=', eventId).executeTakeFirst();
    if (!row) throw new SautiError('console.no_proposal', `there is no proposal ${eventId}`);
    const before = reviewState(row);
    if (JSON.stringify(before) === JSON.stringify(after)) return 'unchanged';
    const seq = await appendAudit(trx, now, { actor: actor.name, action: 'proposal.reviewed', subject: `proposal:${eventId}`, before, after });
    await trx
      .updateTable('console_proposals')
      .set({ status: after.status, reason: JSON.stringify(after.reason), cost: after.cost, cost_note: after.costNote, audit_seq: seq })
      .where('event_id', '=', eventId)
      .execute();
    if (before.status !== after.status || JSON.stringify(before.reason) !== JSON.stringify(after.reason))
      await recordProposalNotice(trx, {
        seq,
        cycleId: row.cycle_id,
        at: now.toISOString(),
        status: after.status as ProposalStatus,
        reason: after.reason,
        proposals: await reviewedProposals(trx, eventId),
      });
    return 'changed';
  });
}
