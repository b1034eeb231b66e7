// Residents' reports on winning projects in the console (written, or spoken on a call and played
// from the ledger's recording): listed by project and status, each
// handled by a reviewer or admin (status and the answer per language), every change an audit
// entry of the chain (`report:<event id>`, before and after) that `sauti ledger verify` checks
// the stored row against (verifyReportTrail), as it checks reviews.
import { z } from 'zod';
import type { Deployment } from '../src/config/schema.ts';
import { SautiError } from '../src/domain/errors.ts';
import { answerFits } from '../src/domain/report-text.ts';
import type { LedgerConnection } from '../ledger/connect.ts';
import { recordReportAnswerNotice } from '../ledger/notices.ts';
import { LEDGER_ORIGIN } from '../ledger/publication.ts';
import { REPORT_STATUSES, type ReportRow, type ReportStatus } from '../ledger/reports.ts';
import type { LedgerDb, LedgerTables } from '../ledger/schema.ts';
import type { Actor } from './accounts.ts';
import { appendAudit, AUDIT_PREFIX, withChainHead, type AuditPayload } from './audit.ts';

export const reportFilterSchema = z.object({
  cycle: z.string().max(40).optional().catch(undefined),
  code: z.coerce.number().int().min(1).max(97).optional().catch(undefined),
  status: z.enum(REPORT_STATUSES).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
export type ReportFilter = z.infer<typeof reportFilterSchema>;

/** Reports per page: a small page on a slow link. */
export const REPORTS_PAGE = 50;

/** One page of reports, newest first, with the number matching the filter. */
export async function listReports(db: LedgerDb, f: ReportFilter): Promise<{ rows: ReportRow[]; total: number }> {
  let q = db.selectFrom('ledger_reports');
  if (f.cycle) q = q.where('cycle_id', '=', f.cycle);
  if (f.code !== undefined) q = q.where('code', '=', f.code);
  if (f.status) q = q.where('status', '=', f.status);
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q
    .selectAll()
    .orderBy('ledger_seq', 'desc')
    .limit(REPORTS_PAGE)
    .offset((f.page - 1) * REPORTS_PAGE)
    .execute();
  return { rows, total: Number(total.n) };
}

/** One report, by its event id, or null. */
export async function reportOf(db: LedgerDb, eventId: string): Promise<ReportRow | null> {
  return (await db.selectFrom('ledger_reports').selectAll().where('event_id', '=', eventId).executeTakeFirst()) ?? null;
}

/** A spoken report's recording: what its event names, and whether the ledger holds it or erased it. */
export interface ReportRecording {
  sha256: string;
  bytes: number;
  /** Where the console plays it from, once the ledger holds it (ledger_attachments). */
  href?: string;
  /** When the retention rule erased it (ledger/recording-retention.ts). */
  erasedAt?: string;
}

/** The recording a report's event names (a report spoken on a call), or null for a written one. */
export async function reportRecording(db: LedgerDb, eventId: string): Promise<ReportRecording | null> {
  const event = await db
    .selectFrom('ledger_events')
    .select('payload')
    .where('event_id', '=', eventId)
    .where('type', '=', 'project.reported')
    .executeTakeFirst();
  const audio = event ? (JSON.parse(event.payload) as { audio?: { sha256: string; bytes: number } }).audio : undefined;
  if (!audio) return null;
  const held = await db.selectFrom('ledger_attachments').select(['sha256', 'erased_at']).where('sha256', '=', audio.sha256).executeTakeFirst();
  return {
    sha256: audio.sha256,
    bytes: audio.bytes,
    ...(held?.erased_at ? { erasedAt: held.erased_at } : held ? { href: `/console/recordings/${held.sha256}` } : {}),
  };
}

/** A report's audited state. */
export function reportState(r: Pick<ReportRow, 'status' | 'answer'>): { status: string; answer: Record<string, string> } {
  return { status: r.status, answer: JSON.parse(r.answer) as Record<string, string> };
}

/** A bad field of the form handling a report, named for the form. */
export class ReportError extends SautiError {
  constructor(
    readonly field: string,
    readonly key: 'reportStatus' | 'answerNeeded' | 'answerTooLong',
    message: string,
  ) {
    super('console.bad_report', message);
  }
}

/** The form as a browser sends it: every field a string. */
export interface ReportInput {
  status: string;
  answer: Record<string, string>;
}

/**
 * The handling the form asks for, checked: a known status; an answer, when any is given, at least
 * in the reporter's language, and in each language short enough that its SMS (with the report's
 * reference) is one segment. Languages left empty are dropped.
 */
export function parseHandling(
  d: Deployment,
  report: Pick<ReportRow, 'reference' | 'lang'>,
  input: ReportInput,
): { status: ReportStatus; answer: Record<string, string> } {
  if (!(REPORT_STATUSES as readonly string[]).includes(input.status))
    throw new ReportError('status', 'reportStatus', `status must be one of ${REPORT_STATUSES.join(', ')}`);
  const answer: Record<string, string> = {};
  for (const { code } of d.languages) {
    const text = (input.answer[code] ?? '').replace(/\s+/g, ' ').trim();
    if (!text) continue;
    if (!answerFits(code, report.reference, text))
      throw new ReportError(`answer.${code}`, 'answerTooLong', `answer.${code}: the answer's SMS with reference ${report.reference} must fit one segment`);
    answer[code] = text;
  }
  const readerLang = d.languages.some((l) => l.code === report.lang) ? report.lang : d.languages[0]!.code;
  if (Object.keys(answer).length > 0 && !answer[readerLang])
    throw new ReportError(`answer.${readerLang}`, 'answerNeeded', `answer.${readerLang}: the answer is needed in the reporter's language`);
  return { status: input.status as ReportStatus, answer };
}

/**
 * Records a report's handling with its audit entry (before and after) in one transaction;
 * nothing when nothing changed. A changed answer text also moves `answer_seq` and, in the same
 * transaction, becomes a `report.answered` notice that the gateway holding the reporter's number
 * texts (ledger/notices.ts, src/engine/notices.ts): a status change alone texts nobody.
 */
export async function handleReport(
  conn: LedgerConnection,
  d: Deployment,
  actor: Actor,
  eventId: string,
  input: ReportInput,
  now: Date,
): Promise<'changed' | 'unchanged'> {
  return withChainHead(conn, async (trx) => {
    const row = await trx.selectFrom('ledger_reports').selectAll().where('event_id', '=', eventId).executeTakeFirst();
    if (!row) throw new SautiError('console.no_report', `there is no report ${eventId}`);
    const after = parseHandling(d, row, input);
    const before = reportState(row);
    if (JSON.stringify(before) === JSON.stringify(after)) return 'unchanged';
    const seq = await appendAudit(trx, now, { actor: actor.name, action: 'report.handled', subject: `report:${eventId}`, before, after });
    // A new answer text is one to send (answer_seq); an answer taken back leaves nothing to send.
    const changedAnswer = JSON.stringify(before.answer) !== JSON.stringify(after.answer);
    const answered = Object.keys(after.answer).length > 0;
    await trx
      .updateTable('ledger_reports')
      .set({
        status: after.status,
        answer: JSON.stringify(after.answer),
        audit_seq: seq,
        ...(changedAnswer ? (answered ? { answered_at: now.toISOString(), answer_seq: seq } : { answered_at: null, answer_seq: null }) : {}),
      })
      .where('event_id', '=', eventId)
      .execute();
    if (changedAnswer && answered)
      await recordReportAnswerNotice(trx, {
        seq,
        cycleId: row.cycle_id,
        at: now.toISOString(),
        gatewayId: row.gateway_id,
        reference: row.reference,
        answer: after.answer,
      });
    return 'changed';
  });
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
type Problem = { seq: number | null; problem: string };

/**
 * Checks every report against the chain: its copied fields are its project.reported entry's; its
 * handling is exactly what its last `report:` audit entry recorded (and `answer_seq` names an
 * entry that set the same answer); a report never handled is as received; no audited report is
 * gone. Returns the first problem, or null.
 */
export async function verifyReportTrail(db: LedgerDb): Promise<Problem | null> {
  const history = new Map<string, { seq: number; after: unknown }[]>();
  let from = 0;
  for (;;) {
    const rows = await db
      .selectFrom('ledger_events')
      .select(['seq', 'gateway_seq', 'payload'])
      .where('gateway_id', '=', LEDGER_ORIGIN)
      .where('gateway_seq', '>', from)
      .where('type', '=', `${AUDIT_PREFIX}report.handled`)
      .orderBy('gateway_seq')
      .limit(5000)
      .execute();
    for (const r of rows) {
      const p = JSON.parse(r.payload) as AuditPayload;
      const list = history.get(p.subject) ?? [];
      list.push({ seq: Number(r.seq), after: p.after });
      history.set(p.subject, list);
    }
    if (rows.length < 5000) break;
    from = Number(rows[rows.length - 1]!.gateway_seq);
  }
  const seen = new Set<string>();
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('ledger_reports as r')
      .leftJoin('ledger_events as e', 'e.event_id', 'r.event_id')
      .selectAll('r')
      .select(['e.seq as e_seq', 'e.payload as e_payload', 'e.type as e_type', 'e.gateway_id as e_gateway', 'e.cycle_id as e_cycle'])
      .where('r.ledger_seq', '>', after)
      .orderBy('r.ledger_seq')
      .limit(2000)
      .execute();
    for (const r of rows) {
      const problem = checkReport(r, history.get(`report:${r.event_id}`) ?? []);
      if (problem) return problem;
      seen.add(`report:${r.event_id}`);
    }
    if (rows.length < 2000) break;
    after = Number(rows[rows.length - 1]!.ledger_seq);
  }
  for (const [subject, entries] of history)
    if (!seen.has(subject))
      return {
        seq: entries.at(-1)!.seq,
        problem: `report ${subject.slice(7)} was handled by audit entry ${entries.at(-1)!.seq} but is gone from ledger_reports (the row was deleted)`,
      };
  return null;
}

function checkReport(
  r: LedgerTables['ledger_reports'] & {
    e_seq: number | null;
    e_payload: string | null;
    e_type: string | null;
    e_gateway: string | null;
    e_cycle: string | null;
  },
  entries: { seq: number; after: unknown }[],
): Problem | null {
  const name = `report ${r.reference}`;
  if (r.e_seq === null || r.e_type !== 'project.reported' || Number(r.e_seq) !== Number(r.ledger_seq))
    return { seq: null, problem: `${name} names chain entry ${r.ledger_seq}, which is not its project.reported entry` };
  const p = JSON.parse(r.e_payload!) as { wardId: string; code: number; text: string; reference: string; lang: string };
  const copy = { cycle: r.cycle_id, gateway: r.gateway_id, wardId: r.ward_id, code: Number(r.code), text: r.text, reference: r.reference, lang: r.lang };
  const chained = { cycle: r.e_cycle, gateway: r.e_gateway, wardId: p.wardId, code: p.code, text: p.text, reference: p.reference, lang: p.lang };
  if (!same(copy, chained))
    return { seq: Number(r.ledger_seq), problem: `${name} is not as its chain entry ${r.ledger_seq} recorded it (the row was changed)` };
  const last = entries.at(-1);
  if (!last) {
    if (r.audit_seq !== null || r.status !== 'new' || r.answer !== '{}' || r.answer_seq !== null)
      return { seq: null, problem: `${name} has a handling that no audit entry recorded (the row was changed)` };
    return null;
  }
  if (Number(r.audit_seq) !== last.seq) return { seq: last.seq, problem: `${name} names audit entry ${r.audit_seq}, but its last audit entry is ${last.seq}` };
  if (!same(reportState(r), last.after)) return { seq: last.seq, problem: `${name} is not as its last audit entry recorded it (the row was changed)` };
  if (r.answer_seq !== null) {
    const set = entries.find((e) => e.seq === Number(r.answer_seq));
    if (!set || !same((set.after as { answer?: unknown }).answer, reportState(r).answer))
      return { seq: last.seq, problem: `${name} says its answer was set by audit entry ${r.answer_seq}, which did not set it` };
  }
  return null;
}
