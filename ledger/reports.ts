// Residents' reports on winning projects (REPORT 7 … by SMS): ingest copies each accepted
// project.reported entry into ledger_reports in the batch's transaction, so the console lists a
// project's reports by an indexed read. The PB team's answer (console/reports.ts) is kept here
// with the report's reference and the gateway that holds the reporter's number: reportAnswers is
// what a ledger → gateway notice feed carries, the gateway texting the answer to the number it
// kept against that reference (src/store/implementation-store.ts, reporter).
import type { Kysely, Transaction } from 'kysely';
import type { ParsedEvent } from '../src/domain/protocol.ts';
import type { LedgerTables } from './schema.ts';

type Trx = Transaction<LedgerTables>;
type ReportEvent = Extract<ParsedEvent, { type: 'project.reported' }>;

/** What the PB team does with a report: seen, then dealt with. */
export const REPORT_STATUSES = ['new', 'acknowledged', 'resolved'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

export type ReportRow = LedgerTables['ledger_reports'];

/** Stores the accepted reports; `accepted[i]` is the chained row of `fresh[i]`. */
export async function storeReports(
  trx: Trx,
  accepted: { seq: number; gateway_id: string; received_at: string; channel: string }[],
  fresh: { e: ParsedEvent }[],
): Promise<void> {
  const rows: ReportRow[] = [];
  fresh.forEach(({ e }, i) => {
    if (e.type !== 'project.reported') return;
    const p = (e as ReportEvent).payload;
    const a = accepted[i]!;
    rows.push({
      event_id: e.id,
      ledger_seq: a.seq,
      cycle_id: e.cycleId,
      ward_id: p.wardId,
      code: p.code,
      reference: p.reference,
      channel: a.channel,
      gateway_id: a.gateway_id,
      lang: p.lang,
      text: p.text,
      received_at: a.received_at,
      status: 'new',
      answer: '{}',
      answered_at: null,
      answer_seq: null,
      audit_seq: null,
    });
  });
  // Few per batch: one insert each. A reference already held (two gateways drawing the same one,
  // a chance of 1 in 10^12) keeps the first; the second stays in the chain, listed by verify.
  for (const row of rows)
    await trx
      .insertInto('ledger_reports')
      .values(row)
      .onConflict((oc) => oc.doNothing())
      .execute();
}

/**
 * One answer for a gateway to text: the report's reference (the gateway knows whose it is), the
 * language the reporter reads, the answer in each language, and the status it was given.
 */
export interface ReportAnswer {
  /** The audit entry that set this answer's text: a feed's cursor (increasing, unique). */
  seq: number;
  reference: string;
  gatewayId: string;
  cycleId: string;
  code: number;
  status: ReportStatus;
  lang: string;
  answer: Record<string, string>;
  answeredAt: string;
}

/**
 * The answers for gateway `gatewayId` set after audit entry `after`, oldest first, at most
 * `limit`: the shape a signed notice feed carries (nothing else of the report leaves the ledger).
 * A report answered twice appears once, with its latest answer, under the entry that set it; a
 * change of status alone moves nothing (the reporter is not texted the same answer again).
 */
export async function reportAnswers(db: Kysely<LedgerTables>, gatewayId: string, after: number, limit = 500): Promise<ReportAnswer[]> {
  const rows = await db
    .selectFrom('ledger_reports')
    .select(['reference', 'gateway_id', 'cycle_id', 'code', 'status', 'lang', 'answer', 'answered_at', 'answer_seq'])
    .where('gateway_id', '=', gatewayId)
    .where('answer_seq', '>', after)
    .orderBy('answer_seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    seq: Number(r.answer_seq),
    reference: r.reference,
    gatewayId: r.gateway_id,
    cycleId: r.cycle_id,
    code: Number(r.code),
    status: r.status as ReportStatus,
    lang: r.lang,
    answer: JSON.parse(r.answer) as Record<string, string>,
    answeredAt: r.answered_at!,
  }));
}
