// Implementation updates of winning projects: each one a chain entry the ledger writes itself
// (src/domain/implementation.ts), with a copy in ledger_implementation for queries that
// `sauti ledger verify` checks against the chain. Only a project that won a published cycle
// gets updates.
import type { Kysely } from 'kysely';
import type { Deployment } from '../src/config/schema.ts';
import { SautiError } from '../src/domain/errors.ts';
import { sha256Hex } from '../src/domain/protocol.ts';
import {
  IMPLEMENTATION_PAGE,
  IMPLEMENTATION_STATUSES,
  IMPLEMENTATION_UPDATED,
  implementationPayload,
  implementationDayProblem,
  implementationPayloadSchema,
  localToday,
  MAX_IMPLEMENTATION_REASON,
  reasonFromColumn,
  reasonToColumn,
  type ImplementationPayload,
  type ImplementationStatus,
  type ImplementationUpdate,
} from '../src/domain/implementation.ts';
import { cleanPhoto, type PhotoType } from '../src/domain/photo.ts';
import { feedPage } from './feed.ts';
import { storePhoto } from './photos.ts';
import { appendLedgerEntry } from './publication.ts';
import { selectedCodes, type CycleResult } from './results.ts';
import type { LedgerDb, LedgerTables } from './schema.ts';

/** What the PB team gives for one update; anything left out is taken from the project's last update. */
export interface ImplementationInput {
  code: number;
  status?: ImplementationStatus;
  progress?: number;
  /** YYYY-MM-DD, not after today; default: the ledger's today in the deployment's time zone. */
  date?: string;
  /** `{ en: 'Drilling started', sw: '…' }`: none, or one per language of the deployment. */
  milestone?: Record<string, string>;
  /** A cancellation's reason, `{ en: 'The site flooded', sw: '…' }`: one per language of the deployment. */
  reason?: Record<string, string>;
  /** A milestone photo, already cleaned (src/domain/photo.ts cleanPhoto): stored by digest, named in the payload. */
  photo?: { data: Uint8Array; contentType: PhotoType };
}

/**
 * The winners of a cycle the ledger may record updates for: its published result's selected
 * projects, or, for a cycle counted before this ledger, those its deployment file declares.
 * Throws naming why a cycle has none.
 */
export async function winnersOf(db: Kysely<LedgerTables>, deployment: Deployment, cycleId: string): Promise<Set<number>> {
  const cycle = deployment.cycles.find((c) => c.id === cycleId);
  if (!cycle)
    throw new SautiError(
      'implementation.unknown_cycle',
      `no cycle '${cycleId}' in the deployment file (cycles: ${deployment.cycles.map((c) => c.id).join(', ')})`,
    );
  // The deployment file's winners first: a publication stored for such a cycle before that was refused counted no ballots.
  if (cycle.results) return new Set(cycle.results.selected);
  const row = await db.selectFrom('ledger_results').select('result').where('cycle_id', '=', cycleId).executeTakeFirst();
  if (row) return new Set(selectedCodes(JSON.parse(row.result) as CycleResult));
  throw new SautiError(
    'implementation.not_published',
    `the results of ${cycleId} are not published: only a published cycle's winning projects have implementation updates (publish with \`sauti results ${cycleId} --publish\`)`,
  );
}

/**
 * Records one update inside the caller's transaction, which must hold the chain head: refuses a
 * project that did not win or a cycle not published, with the reason; fills what is left out from
 * the last update (never its photo: each update has its own or none); stores the photo; appends
 * the chain entry and its copy. Returns the update as the feed carries it; with
 * `unlessSameAsLast`, null (nothing written) when it would repeat the project's last update.
 */
export async function recordImplementation(
  trx: Kysely<LedgerTables>,
  deployment: Deployment,
  cycleId: string,
  input: ImplementationInput,
  now: Date,
  opts: { unlessSameAsLast?: boolean } = {},
): Promise<ImplementationUpdate | null> {
  const winners = await winnersOf(trx, deployment, cycleId);
  const cycle = deployment.cycles.find((c) => c.id === cycleId)!;
  const project = cycle.projects.find((p) => p.code === input.code);
  if (!project)
    throw new SautiError(
      'implementation.unknown_project',
      `project ${input.code} is not on the ballot of ${cycleId} (codes ${cycle.projects.map((p) => p.code).join(', ') || 'none'})`,
    );
  if (!winners.has(input.code))
    throw new SautiError(
      'implementation.not_a_winner',
      `project ${input.code} did not win in ${cycleId} (winners: ${[...winners].sort((a, b) => a - b).join(', ') || 'none'}): only winning projects are implemented`,
    );
  const last = (await projectUpdates(trx, cycleId, input.code)).at(-1);
  const status = input.status ?? (last?.status as ImplementationStatus | undefined);
  if (!status)
    throw new SautiError(
      'implementation.status_needed',
      `--status is needed for the first update of project ${input.code}: one of ${IMPLEMENTATION_STATUSES.join(', ')}`,
    );
  const langs = deployment.languages.map((l) => l.code);
  const reasonGiven = Object.entries(input.reason ?? {})
    .map(([l, text]) => [l, text.trim()] as const)
    .filter(([, text]) => text);
  const reason = reasonGiven.length > 0 ? Object.fromEntries(reasonGiven) : null;
  if (status === 'cancelled' && !reason)
    throw new SautiError(
      'implementation.reason_needed',
      `--status cancelled needs --reason in every language (${langs.map((l) => `"${l}=…"`).join(' ')}): why the project was cancelled (it is published)`,
    );
  if (status !== 'cancelled' && reason) throw new SautiError('implementation.reason_unexpected', '--reason is for --status cancelled only');
  if (reason) {
    const strayReason = Object.keys(reason).find((l) => !langs.includes(l as (typeof langs)[number]));
    if (strayReason)
      throw new SautiError(
        'implementation.bad_reason',
        `--reason "${strayReason}=…": ${strayReason} is not a language of this deployment (${langs.join(', ')})`,
      );
    const missingReason = langs.filter((l) => reason[l] === undefined);
    if (missingReason.length > 0)
      throw new SautiError(
        'implementation.reason_needed',
        `--reason needs a text in every language of the deployment: missing ${missingReason.map((l) => `"${l}=…"`).join(', ')}`,
      );
    const long = Object.entries(reason).find(([, text]) => text.length > MAX_IMPLEMENTATION_REASON);
    if (long)
      throw new SautiError('implementation.reason_too_long', `--reason "${long[0]}=…" is ${long[1].length} characters; at most ${MAX_IMPLEMENTATION_REASON}`);
  }
  const progress = input.progress ?? (status === 'completed' ? 100 : (last?.progress ?? 0));
  if (status === 'completed' && progress !== 100)
    throw new SautiError('implementation.bad_progress', `--progress is ${progress} but --status completed means 100`);
  const milestone = input.milestone ?? {};
  const given = Object.keys(milestone);
  const stray = given.find((l) => !langs.includes(l as (typeof langs)[number]));
  if (stray)
    throw new SautiError('implementation.bad_milestone', `--milestone "${stray}=…": ${stray} is not a language of this deployment (${langs.join(', ')})`);
  const missing = given.length > 0 ? langs.filter((l) => !given.includes(l)) : [];
  if (missing.length > 0)
    throw new SautiError(
      'implementation.bad_milestone',
      `--milestone needs a text in every language of the deployment: missing ${missing.map((l) => `"${l}=…"`).join(', ')}`,
    );
  const today = localToday(now, deployment.deployment.timezone);
  const date = input.date ?? today;
  const dayProblem = implementationDayProblem('--date', date, today);
  if (dayProblem) throw new SautiError('implementation.bad_date', dayProblem);
  // Checked again here, whoever calls: only a JPEG, PNG or WebP without metadata is ever published.
  const photo = input.photo ? cleanPhoto(input.photo.data) : undefined;
  if (photo && 'refused' in photo) throw new SautiError('implementation.bad_photo', `the photo is refused: ${photo.refused}`);
  const payload: ImplementationPayload = {
    code: input.code,
    status,
    progress,
    date,
    milestone,
    reason,
    photo: photo ? sha256Hex(photo.data) : null,
  };
  const parsed = implementationPayloadSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const option = { progress: '--progress', date: '--date', milestone: '--milestone', status: '--status' }[String(issue.path[0])] ?? String(issue.path[0]);
    throw new SautiError('implementation.bad_input', `${option}: ${issue.message}`);
  }
  // A form sent twice (a double click, a browser resending) records nothing the second time.
  if (opts.unlessSameAsLast && last && implementationPayload(last) === implementationPayload(parsed.data)) return null;
  if (photo) await storePhoto(trx, photo, now);
  const at = now.toISOString();
  const n = (
    await trx
      .selectFrom('ledger_implementation')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('cycle_id', '=', cycleId)
      .where('code', '=', input.code)
      .executeTakeFirstOrThrow()
  ).n;
  const text = implementationPayload(parsed.data);
  const seq = await appendLedgerEntry(trx, {
    type: IMPLEMENTATION_UPDATED,
    cycleId,
    key: `implementation/${cycleId}/${input.code}/${Number(n) + 1}`,
    at,
    payload: text,
  });
  await trx
    .insertInto('ledger_implementation')
    .values(toRow(seq, cycleId, parsed.data, at))
    .execute();
  return { ...parsed.data, seq, cycleId, recordedAt: at };
}

function toRow(seq: number, cycleId: string, p: ImplementationPayload, at: string): LedgerTables['ledger_implementation'] {
  return {
    entry_seq: seq,
    cycle_id: cycleId,
    code: p.code,
    status: p.status,
    progress: p.progress,
    milestone_date: p.date,
    milestone: JSON.stringify(p.milestone),
    reason: reasonToColumn(p.reason),
    photo_sha256: p.photo,
    recorded_at: at,
  };
}

function fromRow(r: LedgerTables['ledger_implementation']): ImplementationUpdate {
  return {
    seq: Number(r.entry_seq),
    cycleId: r.cycle_id,
    recordedAt: r.recorded_at,
    code: Number(r.code),
    status: r.status as ImplementationStatus,
    progress: Number(r.progress),
    date: r.milestone_date,
    milestone: JSON.parse(r.milestone) as Record<string, string>,
    reason: reasonFromColumn(r.reason),
    photo: r.photo_sha256,
  };
}

/** A project's updates, oldest first. */
export async function projectUpdates(db: Kysely<LedgerTables>, cycleId: string, code: number): Promise<ImplementationUpdate[]> {
  const rows = await db.selectFrom('ledger_implementation').selectAll().where('cycle_id', '=', cycleId).where('code', '=', code).orderBy('entry_seq').execute();
  return rows.map(fromRow);
}

/** A cycle's updates, oldest first. */
export async function cycleUpdates(db: LedgerDb, cycleId: string): Promise<ImplementationUpdate[]> {
  const rows = await db.selectFrom('ledger_implementation').selectAll().where('cycle_id', '=', cycleId).orderBy('entry_seq').execute();
  return rows.map(fromRow);
}

/** The feed gateways download: updates after chain entry `after`, oldest first, a page at a time. */
export async function updatesAfter(db: LedgerDb, after: number): Promise<{ updates: ImplementationUpdate[]; more: boolean }> {
  const rows = await db
    .selectFrom('ledger_implementation')
    .selectAll()
    .where('entry_seq', '>', after)
    .orderBy('entry_seq')
    .limit(IMPLEMENTATION_PAGE + 1)
    .execute();
  const page = feedPage(rows, IMPLEMENTATION_PAGE, fromRow);
  return { updates: page.items, more: page.more };
}

/**
 * Checks every stored update against the chain entry it copies, and that every such entry has
 * its copy: the first mismatch, or null. The chain itself is checked before (ledger/verify.ts).
 */
export async function checkImplementation(db: LedgerDb): Promise<{ seq: number; eventId: string | null; problem: string } | null> {
  const rows = await db.selectFrom('ledger_implementation').selectAll().orderBy('entry_seq').execute();
  const entries = await db
    .selectFrom('ledger_events')
    .select(['seq', 'event_id', 'cycle_id', 'payload', 'received_at'])
    .where('type', '=', IMPLEMENTATION_UPDATED)
    .orderBy('seq')
    .execute();
  const bySeq = new Map(entries.map((e) => [Number(e.seq), e]));
  for (const r of rows) {
    const e = bySeq.get(Number(r.entry_seq));
    const u = fromRow(r);
    const copy = implementationPayloadSchema.safeParse({
      code: u.code,
      status: u.status,
      progress: u.progress,
      date: u.date,
      milestone: u.milestone,
      reason: u.reason,
      photo: u.photo,
    });
    if (!e || !copy.success || e.cycle_id !== r.cycle_id || e.received_at !== r.recorded_at || e.payload !== implementationPayload(copy.data)) {
      return {
        seq: Number(r.entry_seq),
        eventId: e?.event_id ?? null,
        problem: `the stored implementation update of project ${r.code} in ${r.cycle_id} is not the one this chain entry recorded (the row was changed)`,
      };
    }
    bySeq.delete(Number(r.entry_seq));
  }
  const orphan = bySeq.values().next().value;
  if (orphan)
    return {
      seq: Number(orphan.seq),
      eventId: orphan.event_id,
      problem: 'this implementation update is in the chain but its stored copy is missing (the row was deleted)',
    };
  return null;
}
