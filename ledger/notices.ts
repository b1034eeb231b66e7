// Notices for gateways (src/domain/notices.ts): written in the transaction of the console change
// that decides them, under that change's audit entry, and served to gateways as a feed. A
// proposal's notice names the proposal and those merged into it, each with the gateway that holds
// its proposer's number, as they stand when the review is recorded. `sauti ledger verify` checks
// each stored notice against its audit entry (checkNotices).
import type { Kysely } from 'kysely';
import {
  NOTICE_PAGE,
  PROPOSAL_STATUS_NOTICE,
  proposalStatusNoticeSchema,
  type Notice,
  type NoticeBody,
  type NoticeProposal,
  type ProposalStatus,
} from '../src/domain/notices.ts';
import { BROADCAST_NOTICE } from '../src/domain/broadcast-notice.ts';
import { broadcastFromRow, broadcastMatches, missingBroadcast } from './broadcasts.ts';
import { feedPage } from './feed.ts';
import type { LedgerDb, LedgerTables } from './schema.ts';

/** The proposals a review of `eventId` concerns: itself, then those merged into it, oldest first. */
export async function reviewedProposals(trx: Kysely<LedgerTables>, eventId: string): Promise<NoticeProposal[]> {
  const merged = await trx.selectFrom('console_merges').select('event_id').where('into_id', '=', eventId).execute();
  const ids = [eventId, ...merged.map((m) => m.event_id)];
  const rows = await trx
    .selectFrom('console_proposals as p')
    .innerJoin('ledger_events as e', 'e.event_id', 'p.event_id')
    .select(['p.event_id', 'p.reference', 'e.gateway_id', 'p.ledger_seq'])
    .where('p.event_id', 'in', ids)
    .orderBy('p.ledger_seq')
    .execute();
  // The reviewed proposal first, whatever its place in the chain.
  rows.sort((a, b) => Number(b.event_id === eventId) - Number(a.event_id === eventId));
  return rows.map((r) => ({ gatewayId: r.gateway_id, eventId: r.event_id, reference: r.reference }));
}

/** Records a proposal status notice under audit entry `seq`, in the caller's transaction. */
export async function recordProposalNotice(
  trx: Kysely<LedgerTables>,
  n: { seq: number; cycleId: string; at: string; status: ProposalStatus; reason: Record<string, string>; proposals: NoticeProposal[] },
): Promise<void> {
  const body: NoticeBody = { status: n.status, reason: n.reason, proposals: n.proposals };
  await trx
    .insertInto('ledger_notices')
    .values({ seq: n.seq, kind: PROPOSAL_STATUS_NOTICE, cycle_id: n.cycleId, body: JSON.stringify(body), recorded_at: n.at })
    .execute();
}

function fromRow(r: LedgerTables['ledger_notices']): Notice {
  if (r.kind === BROADCAST_NOTICE) return broadcastFromRow(r);
  const body = JSON.parse(r.body) as NoticeBody;
  return { kind: PROPOSAL_STATUS_NOTICE, seq: Number(r.seq), cycleId: r.cycle_id, recordedAt: r.recorded_at, ...body };
}

/** The feed gateways download: notices after chain entry `after`, oldest first, a page at a time. */
export async function noticesAfter(db: LedgerDb, after: number): Promise<{ items: Notice[]; more: boolean }> {
  const rows = await db
    .selectFrom('ledger_notices')
    .selectAll()
    .where('seq', '>', after)
    .orderBy('seq')
    .limit(NOTICE_PAGE + 1)
    .execute();
  return feedPage(rows, NOTICE_PAGE, fromRow);
}

/**
 * Checks every stored notice against the audit entry it hangs from: a proposal status notice must
 * sit on a `proposal.reviewed` entry whose subject is its first proposal and whose `after` holds
 * the same status and reason. The first mismatch, or null.
 */
export async function checkNotices(db: LedgerDb): Promise<{ seq: number; eventId: string | null; problem: string } | null> {
  const rows = await db.selectFrom('ledger_notices').selectAll().orderBy('seq').execute();
  for (const r of rows) {
    const entry = await db.selectFrom('ledger_events').select(['event_id', 'payload', 'received_at']).where('seq', '=', r.seq).executeTakeFirst();
    if (r.kind === BROADCAST_NOTICE) {
      if (broadcastMatches(r, entry)) continue;
      return {
        seq: Number(r.seq),
        eventId: entry?.event_id ?? null,
        problem: 'the stored broadcast for gateways is not the one this chain entry recorded (the row was changed)',
      };
    }
    const notice = proposalStatusNoticeSchema.safeParse(fromRow(r));
    const audit = entry ? (JSON.parse(entry.payload) as { action?: string; subject?: string; after?: { status?: string; reason?: unknown } }) : null;
    const ok =
      notice.success &&
      audit?.action === 'proposal.reviewed' &&
      audit.subject === `proposal:${notice.data.proposals[0]!.eventId}` &&
      audit.after?.status === notice.data.status &&
      JSON.stringify(audit.after?.reason) === JSON.stringify(notice.data.reason) &&
      entry!.received_at === r.recorded_at;
    if (!ok)
      return {
        seq: Number(r.seq),
        eventId: entry?.event_id ?? null,
        problem: 'the stored notice for gateways is not the review this chain entry recorded (the row was changed)',
      };
  }
  const gone = await missingBroadcast(db);
  if (gone) return { ...gone, problem: 'a broadcast this chain entry recorded is gone from the notices for gateways (the row was deleted)' };
  return null;
}
