// The retention rule for recordings on the ledger (spoken ideas and spoken reports). A voice is
// personal data; the team needs it only while the idea is being decided on, or the report dealt
// with. A recording is due for erasure `ledger.recordingRetentionDays` after its event is finished.
// A proposal is finished when it is
// - reviewed not feasible in the console (the latest review: one set back to feasible is not finished), or
// - its cycle's results were published (the idea made it to a ballot or it did not; either way the
//   cycle is over, and a draft's written title stands in for the voice),
// whichever comes first. A report on a project is finished when its latest handling in the console
// set it resolved (the time of that audit entry; one set back to new or acknowledged is not
// finished). Its cycle's results do not finish it: a report is made on a winner, after them. Erasing empties the audio and stamps the row (the digest, length and
// event stay, as in the proposal event, so a gateway resending it is answered "already stored"
// and nothing comes back), and appends one chain entry listing the digests erased: who can
// prove a recording existed can also see when and why it went. No personal data is in the entry
// or the log. Idempotent: a second run finds nothing due.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { LedgerConnection } from './connect.ts';
import { appendLedgerEntry } from './publication.ts';
import type { LedgerTables } from './schema.ts';

/** The chain entry type of an erasure. */
export const RECORDINGS_ERASED = 'recordings.erased';
/** How often the ledger applies the rule while it runs. */
export const RETENTION_INTERVAL_MS = 60 * 60_000;
const DAY_MS = 86_400_000;

/** Why a recording's proposal or report counts as finished. */
export type FinishedBy = 'not-feasible' | 'results-published' | 'report-resolved';

/** A recording the rule erases now. */
export interface DueRecording {
  sha256: string;
  eventId: string;
  finishedBy: FinishedBy;
  /** When the proposal or report was finished (the review's, the publication's or the handling's time). */
  finishedAt: string;
}

/** The recordings still held whose proposal or report finished at least `days` days before `now`. */
export async function recordingsDue(db: Kysely<LedgerTables>, days: number, now: Date): Promise<DueRecording[]> {
  const rows = await db
    .selectFrom('ledger_attachments as a')
    .innerJoin('ledger_events as e', 'e.event_id', 'a.event_id')
    .leftJoin('console_proposals as p', 'p.event_id', 'a.event_id')
    .leftJoin('ledger_events as review', 'review.seq', 'p.audit_seq')
    .leftJoin('ledger_results as r', 'r.cycle_id', 'e.cycle_id')
    .leftJoin('ledger_reports as rp', 'rp.event_id', 'a.event_id')
    .leftJoin('ledger_events as handling', 'handling.seq', 'rp.audit_seq')
    .select([
      'a.sha256',
      'a.event_id',
      'e.type',
      'p.status',
      'review.captured_at as reviewed_at',
      'r.published_at',
      'rp.status as report_status',
      'handling.captured_at as handled_at',
    ])
    .where('a.erased_at', 'is', null)
    .orderBy('a.sha256')
    .execute();
  const cutoff = now.getTime() - days * DAY_MS;
  const due: DueRecording[] = [];
  for (const r of rows) {
    const ends: { by: FinishedBy; at: string }[] = [];
    if (r.type === 'project.reported') {
      if (r.report_status === 'resolved' && r.handled_at) ends.push({ by: 'report-resolved', at: r.handled_at });
    } else {
      if (r.status === 'not-feasible' && r.reviewed_at) ends.push({ by: 'not-feasible', at: r.reviewed_at });
      if (r.published_at) ends.push({ by: 'results-published', at: r.published_at });
    }
    const first = ends.sort((x, y) => Date.parse(x.at) - Date.parse(y.at))[0];
    if (first && Date.parse(first.at) <= cutoff) due.push({ sha256: r.sha256, eventId: r.event_id, finishedBy: first.by, finishedAt: first.at });
  }
  return due;
}

/** What one application of the rule did. */
export interface ErasureOutcome {
  erased: DueRecording[];
  /** The chain entry recording it; null when nothing was due. */
  entrySeq: number | null;
}

/**
 * Erases every recording due, in one transaction holding the chain head (as publication does), with
 * the chain entry that records it. Nothing due: nothing written.
 */
export async function eraseDueRecordings(conn: LedgerConnection, days: number, now: Date): Promise<ErasureOutcome> {
  // SQLite: the freed pages of an emptied recording are overwritten with zeros, not left in the file.
  if (conn.dialect === 'sqlite') await sql`PRAGMA secure_delete = ON`.execute(conn.db);
  const outcome = await erase(conn, days, now);
  // And the log that held the zeroed pages is emptied (best effort: another reader may hold it back).
  if (conn.dialect === 'sqlite' && outcome.entrySeq !== null) await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(conn.db);
  return outcome;
}

function erase(conn: LedgerConnection, days: number, now: Date): Promise<ErasureOutcome> {
  return conn.db.transaction().execute(async (trx: Transaction<LedgerTables>) => {
    if (conn.dialect === 'postgres') await trx.selectFrom('ledger_head').select('seq').where('id', '=', 1).forUpdate().execute();
    else
      await trx
        .updateTable('ledger_head')
        .set((eb) => ({ seq: eb.ref('seq') }))
        .where('id', '=', 1)
        .execute();
    // Read inside the lock: a concurrent run (the timer and the CLI) finds them erased and does nothing.
    const erased = await recordingsDue(trx, days, now);
    if (erased.length === 0) return { erased, entrySeq: null };
    const at = now.toISOString();
    const entrySeq = await appendLedgerEntry(trx, {
      type: RECORDINGS_ERASED,
      cycleId: '',
      key: `recordings-erased/${at}/${erased.map((r) => r.sha256).join(',')}`,
      at,
      payload: JSON.stringify({
        rule: 'ledger.recordingRetentionDays',
        days,
        recordings: erased.map((r) => ({ sha256: r.sha256, event: r.eventId, finishedBy: r.finishedBy, finishedAt: r.finishedAt })),
      }),
    });
    await trx
      .updateTable('ledger_attachments')
      .set({ audio: new Uint8Array(0), erased_at: at, erased_seq: entrySeq })
      .where(
        'sha256',
        'in',
        erased.map((r) => r.sha256),
      )
      .where('erased_at', 'is', null)
      .execute();
    return { erased, entrySeq };
  });
}

/**
 * Applies the rule now and then every `intervalMs` while the ledger runs; a failure is logged and
 * tried again next time. Returns the stop function.
 */
export function startRecordingRetention(run: () => Promise<ErasureOutcome>, logger: Logger | undefined, intervalMs = RETENTION_INTERVAL_MS): () => void {
  const once = () =>
    run()
      .then((o) => {
        if (o.entrySeq !== null) logger?.info({ component: 'ledger', erased: o.erased.length, entry: o.entrySeq }, 'recordings erased by the retention rule');
      })
      .catch((err: Error) => logger?.error({ component: 'ledger', err: err.message }, 'the recording retention rule failed; trying again later'));
  void once();
  const timer = setInterval(() => void once(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * For `sauti ledger verify`: every erased recording is named by the chain entry it points to, and
 * every recording not erased still has its audio. Null when all agree, else the first problem.
 */
export async function verifyErasures(db: Kysely<LedgerTables>): Promise<{ seq: number | null; problem: string } | null> {
  const rows = await db
    .selectFrom('ledger_attachments as a')
    .leftJoin('ledger_events as e', 'e.seq', 'a.erased_seq')
    .select(['a.sha256', 'a.erased_at', 'a.erased_seq', 'a.bytes', (eb) => eb.fn<number>('length', ['a.audio']).as('held'), 'e.type', 'e.payload'])
    .orderBy('a.sha256')
    .execute();
  for (const r of rows) {
    const seq = r.erased_seq === null ? null : Number(r.erased_seq);
    if (r.erased_at === null) {
      if (Number(r.held) !== Number(r.bytes))
        return { seq: null, problem: `recording ${r.sha256} holds ${r.held} bytes of ${r.bytes} but no erasure is recorded` };
      continue;
    }
    const named =
      r.type === RECORDINGS_ERASED && (JSON.parse(r.payload ?? '{}') as { recordings?: { sha256: string }[] }).recordings?.some((x) => x.sha256 === r.sha256);
    if (!named) return { seq, problem: `recording ${r.sha256} is marked erased, but chain entry ${seq ?? '(none)'} does not name it` };
  }
  return null;
}
