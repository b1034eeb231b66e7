// Notices for gateways (src/domain/notices.ts): written in the transaction of the console change
// that decides them, under that change's audit entry, and served to gateways as a feed. A
// proposal's notice names the proposal and those merged into it, each with the gateway that holds
// its proposer's number, as they stand when the review is recorded; a report answer's names the
// report's reference and the gateway that holds its reporter's number. `sauti ledger verify`
// checks each stored notice against its audit entry (checkNotices).
import type { Kysely } from 'kysely';
import {
  NOTICE_PAGE,
  noticeSchema,
  PROPOSAL_STATUS_NOTICE,
  REPORT_ANSWER_NOTICE,
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

/** Records the PB team's answer to report `reference` under audit entry `seq`, in the caller's transaction. */
export async function recordReportAnswerNotice(
  trx: Kysely<LedgerTables>,
  n: { seq: number; cycleId: string; at: string; gatewayId: string; reference: string; answer: Record<string, string> },
): Promise<void> {
  const body: NoticeBody = { gatewayId: n.gatewayId, reference: n.reference, answer: n.answer };
  await trx
    .insertInto('ledger_notices')
    .values({ seq: n.seq, kind: REPORT_ANSWER_NOTICE, cycle_id: n.cycleId, body: JSON.stringify(body), recorded_at: n.at })
    .execute();
}

function fromRow(r: LedgerTables['ledger_notices']): Notice {
  if (r.kind === BROADCAST_NOTICE) return broadcastFromRow(r);
  const body = JSON.parse(r.body) as NoticeBody;
  return { kind: r.kind, seq: Number(r.seq), cycleId: r.cycle_id, recordedAt: r.recorded_at, ...body } as Notice;
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

type AuditOf = { action?: string; subject?: string; after?: { status?: string; reason?: unknown; answer?: unknown } };

/**
 * Checks every stored notice against the audit entry it hangs from: a proposal status notice must
 * sit on a `proposal.reviewed` entry whose subject is its first proposal and whose `after` holds
 * the same status and reason; a report answer notice on a `report.handled` entry whose subject is
 * the report with its reference, held for its gateway, and whose `after` holds the same answer.
 * The first mismatch, or null.
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
    const notice = noticeSchema.safeParse(fromRow(r));
    const audit = entry ? (JSON.parse(entry.payload) as AuditOf) : null;
    let ok = notice.success && audit !== null && entry!.received_at === r.recorded_at;
    if (ok && notice.data!.kind === PROPOSAL_STATUS_NOTICE) {
      const n = notice.data!;
      ok =
        audit!.action === 'proposal.reviewed' &&
        audit!.subject === `proposal:${n.proposals[0]!.eventId}` &&
        audit!.after?.status === n.status &&
        JSON.stringify(audit!.after?.reason) === JSON.stringify(n.reason);
    } else if (ok && notice.data!.kind === REPORT_ANSWER_NOTICE) {
      const n = notice.data!;
      const report = await db
        .selectFrom('ledger_reports')
        .select(['event_id', 'gateway_id', 'cycle_id'])
        .where('reference', '=', n.reference)
        .executeTakeFirst();
      ok =
        report !== undefined &&
        report.gateway_id === n.gatewayId &&
        report.cycle_id === n.cycleId &&
        audit!.action === 'report.handled' &&
        audit!.subject === `report:${report.event_id}` &&
        JSON.stringify(audit!.after?.answer) === JSON.stringify(n.answer);
    }
    if (!ok)
      return {
        seq: Number(r.seq),
        eventId: entry?.event_id ?? null,
        problem: 'the stored notice for gateways is not what this chain entry recorded (the row was changed)',
      };
  }
  const gone = await missingBroadcast(db);
  if (gone) return { ...gone, problem: 'a broadcast this chain entry recorded is gone from the notices for gateways (the row was deleted)' };
  return null;
}
