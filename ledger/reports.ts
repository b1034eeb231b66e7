// Residents' reports on winning projects (REPORT 7 … by SMS): ingest copies each accepted
// project.reported entry into ledger_reports in the batch's transaction, so the console lists a
// project's reports by an indexed read. The PB team's answer (console/reports.ts) is kept here
// with the report's reference and the gateway that holds the reporter's number; each new answer is
// also a `report.answered` notice (ledger/notices.ts) that the notice feed carries to that gateway,
// which texts it to the number it kept against the reference (src/engine/notices.ts).
import type { Transaction } from 'kysely';
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
