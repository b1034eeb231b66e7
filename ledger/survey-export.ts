// A survey's answers as CSV, per ward: one row per form, a column per question (multiple choices
// joined by spaces). Nothing personal: no officer, gateway, time, voter key or instance; rows are
// sorted by their own content, so their order says nothing about who answered when. Answers are
// read from the chained log (ledger_events, type 'survey.answered'): no table of their own.
import { surveyFields, type Survey } from '../src/config/schema.ts';
import { toCsv, type CsvCell } from '../src/domain/csv.ts';
import { surveyPayloadSchema } from '../src/domain/protocol.ts';
import type { LedgerDb } from './schema.ts';

/** The survey's answers accepted by the ledger, in `wardId` only when given, as CSV text. */
export async function surveyCsv(db: LedgerDb, survey: Survey, wardId?: string): Promise<{ csv: string; rows: number }> {
  const events = await db.selectFrom('ledger_events').select('payload').where('type', '=', 'survey.answered').where('cycle_id', '=', survey.cycle).execute();
  const rows: CsvCell[][] = [];
  for (const e of events) {
    const p = surveyPayloadSchema.safeParse(JSON.parse(e.payload));
    if (!p.success || p.data.surveyId !== survey.id || (wardId && p.data.wardId !== wardId)) continue;
    rows.push([p.data.wardId, ...surveyFields(survey).map((q) => cell(p.data.answers[q.id]))]);
  }
  const line = (r: CsvCell[]) => toCsv([r]);
  rows.sort((a, b) => (line(a) < line(b) ? -1 : line(a) > line(b) ? 1 : 0));
  return { csv: toCsv([['ward', ...surveyFields(survey).map((q) => q.id)], ...rows]), rows: rows.length };
}

function cell(v: string | number | string[] | undefined): CsvCell {
  if (v === undefined) return '';
  return Array.isArray(v) ? v.join(' ') : v;
}
