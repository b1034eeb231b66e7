// Publication: a cycle's count frozen with the exact ballots it counted, recorded in the chain,
// and only once every registered gateway has delivered what it holds (or the PB team says why
// not). Ballots that arrive afterwards are kept and listed apart, never counted into it.
import { v5 as uuidv5 } from 'uuid';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Deployment } from '../src/config/schema.ts';
import { declaredResultsNote } from '../src/domain/cycle.ts';
import { SautiError } from '../src/domain/errors.ts';
import { chainHash, sha256Hex } from '../src/domain/protocol.ts';
import { openBallots, openDataFiles, type OpenDataFile } from './open-data.ts';
import { tallyCycle, type CycleResult, type ForcedPublication } from './results.ts';
import type { LedgerDb, LedgerTables } from './schema.ts';

type Trx = Transaction<LedgerTables>;

/**
 * Whose entries the ledger writes itself. Not a valid gateway id (those start with a letter or
 * digit), so no gateway can send one and no gateway's sequence numbers meet these.
 */
export const LEDGER_ORIGIN = '@ledger';
/** The chain entry type of a publication. */
export const PUBLISHED = 'results.published';
const ENTRY_NAMESPACE = '0b7c1e4a-4f5d-4b7e-9c61-3f0e2d8a9b17';
/** Longest reason recorded for a forced publication. */
export const MAX_REASON = 1000;

/** A registered gateway that has not shown it delivered everything captured before the close. */
export interface BehindGateway {
  gatewayId: string;
  lastSeenAt: string | null;
  backlog: number | null;
}

/** Gateways never seen since `closes`, or whose last push reported events still waiting. */
export async function gatewaysBehind(db: LedgerDb | Trx, closes: Date): Promise<BehindGateway[]> {
  const rows = await db.selectFrom('ledger_gateways').select(['gateway_id', 'last_seen_at', 'backlog']).orderBy('gateway_id').execute();
  return rows
    .filter((r) => r.last_seen_at === null || Date.parse(r.last_seen_at) < closes.getTime() || (r.backlog ?? 0) > 0)
    .map((r) => ({ gatewayId: r.gateway_id, lastSeenAt: r.last_seen_at, backlog: r.backlog }));
}

/** One line per gateway for the operator: what is missing and since when. */
export function describeBehind(g: BehindGateway, closes: Date): string {
  if (g.lastSeenAt === null) return `${g.gatewayId}: never synced`;
  const parts = [];
  if ((g.backlog ?? 0) > 0) parts.push(`${g.backlog} events waiting`);
  parts.push(`last seen ${g.lastSeenAt}${Date.parse(g.lastSeenAt) < closes.getTime() ? ', before voting closed' : ''}`);
  return `${g.gatewayId}: ${parts.join(', ')}`;
}

/**
 * Counts and freezes a cycle inside the caller's transaction, which must hold the chain head
 * (so nothing is appended meanwhile): the result, the ballots it counted, and a chain entry
 * committing to both and to the reason when forced.
 */
export async function publish(trx: Trx, deployment: Deployment, cycleId: string, now: Date, force?: { reason: string }): Promise<CycleResult> {
  const cycle = deployment.cycles.find((c) => c.id === cycleId);
  if (!cycle)
    throw new SautiError('results.unknown_cycle', `no cycle '${cycleId}' in the deployment file (cycles: ${deployment.cycles.map((c) => c.id).join(', ')})`);
  // Counted before this ledger: publishing here would freeze a count of no ballots over its winners.
  if (cycle.results) throw new SautiError('results.historical', `${cycleId} is not published here: ${declaredResultsNote(deployment, cycle)}`);
  const existing = await trx.selectFrom('ledger_results').select('published_at').where('cycle_id', '=', cycleId).executeTakeFirst();
  if (existing)
    throw new SautiError('results.already_published', `results of ${cycleId} were published on ${existing.published_at}; published results do not change`);
  const reason = force?.reason.trim();
  if (force && !reason)
    throw new SautiError(
      'results.reason_needed',
      '--force needs --reason "…": why publish before every gateway has delivered its votes (it is recorded and shown with the results)',
    );
  if (reason && reason.length > MAX_REASON) throw new SautiError('results.reason_too_long', `--reason is ${reason.length} characters; at most ${MAX_REASON}`);
  const closes = cycle.phases.voting.closes;
  const behind = await gatewaysBehind(trx, closes);
  if (behind.length > 0 && reason === undefined) {
    throw new SautiError(
      'results.gateways_behind',
      `not every gateway has delivered its votes since voting closed on ${closes.toISOString()}:\n${behind.map((g) => `  ${describeBehind(g, closes)}`).join('\n')}\nSync them (or import their bundles) first, or publish anyway with --force --reason "…" (the reason is recorded and shown).`,
    );
  }
  // Nothing to force when every gateway has delivered: the publication is not marked forced.
  const forced: ForcedPublication | undefined = reason !== undefined && behind.length > 0 ? { reason, gateways: behind } : undefined;
  const result: CycleResult = { ...(await tallyCycle(trx, deployment, cycleId, now)), publishedAt: now.toISOString(), ...(forced ? { forced } : {}) };
  await trx
    .insertInto('ledger_published_ballots')
    .columns(['cycle_id', 'voter_key', 'event_id', 'ward_id', 'picks', 'channel', 'ledger_seq'])
    .expression((eb) =>
      eb
        .selectFrom('ledger_ballots')
        .select(['cycle_id', 'voter_key', 'event_id', 'ward_id', 'picks', 'channel', 'ledger_seq'])
        .where('cycle_id', '=', cycleId),
    )
    .execute();
  const text = JSON.stringify(result);
  const payload = { throughSeq: result.throughSeq, rule: result.rule, ballots: result.turnout.total, result: sha256Hex(text), ...(forced ? { forced } : {}) };
  const entrySeq = await appendLedgerEntry(trx, {
    type: PUBLISHED,
    cycleId,
    key: `results/${cycleId}`,
    at: result.publishedAt!,
    payload: JSON.stringify(payload),
  });
  await trx
    .insertInto('ledger_results')
    .values({ cycle_id: cycleId, published_at: result.publishedAt!, rule: result.rule, through_seq: result.throughSeq, result: text, entry_seq: entrySeq })
    .execute();
  await freezeOpenData(trx, deployment, result);
  return result;
}

/**
 * Stores a published cycle's open data files in every language of the deployment, made from the
 * frozen result and ballots: from then on a download sends these bytes and nothing is recounted.
 */
async function freezeOpenData(db: LedgerDb | Trx, deployment: Deployment, result: CycleResult): Promise<void> {
  const ballots = await openBallots(db, deployment, result.cycleId);
  const files = new Map<string, OpenDataFile>();
  for (const { code } of deployment.languages) {
    for (const f of openDataFiles(deployment, result, ballots, code)) files.set(`${f.name}\u0000${f.lang}`, f);
  }
  // One file at a time: a ballots file can be tens of megabytes, and a statement has a size limit.
  for (const f of files.values()) {
    await db
      .insertInto('ledger_published_files')
      .values({ cycle_id: result.cycleId, name: f.name, lang: f.lang, content_type: f.type, body: f.body })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}

/**
 * A published cycle's open data file as frozen, in `lang` (or the first language stored, for a
 * language added since); `file` undefined when the cycle has no such file (a ward without
 * projects in it). A cycle published before its files were stored (ledger migration 0009) has
 * them made and stored now, once. `published: false` before publication.
 */
export async function publishedFile(
  db: LedgerDb,
  deployment: Deployment,
  cycleId: string,
  name: string,
  lang: string,
): Promise<{ published: false } | { published: true; file?: OpenDataFile }> {
  const find = () =>
    db
      .selectFrom('ledger_published_files')
      .select(['name', 'lang', 'content_type', 'body'])
      .where('cycle_id', '=', cycleId)
      .where('name', '=', name)
      .orderBy(sql<number>`CASE WHEN lang = ${lang} OR lang = '' THEN 0 ELSE 1 END`)
      .orderBy('lang')
      .limit(1)
      .executeTakeFirst();
  // Counted before this ledger: no open data here, even under a publication made before that was refused.
  if (deployment.cycles.find((c) => c.id === cycleId)?.results) return { published: false };
  let row = await find();
  if (!row) {
    const published = await db.selectFrom('ledger_results').select('result').where('cycle_id', '=', cycleId).executeTakeFirst();
    if (!published) return { published: false };
    const stored = await db.selectFrom('ledger_published_files').select('name').where('cycle_id', '=', cycleId).limit(1).executeTakeFirst();
    if (stored) return { published: true };
    await db.transaction().execute((trx) => freezeOpenData(trx, deployment, JSON.parse(published.result) as CycleResult));
    row = await find();
  }
  return { published: true, ...(row ? { file: { name: row.name, lang: row.lang, type: row.content_type, body: row.body } } : {}) };
}

/**
 * Appends an entry the ledger writes itself, chained by the same formula as a gateway's event
 * (docs/architecture.md, "The chain"): gateway `@ledger`, its own seq as gateway_seq, no voter.
 */
export async function appendLedgerEntry(
  trx: Kysely<LedgerTables>,
  e: { type: string; cycleId: string; key: string; at: string; payload: string },
): Promise<number> {
  const head = await trx.selectFrom('ledger_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
  const seq = head.seq + 1;
  const row = {
    seq,
    event_id: uuidv5(e.key, ENTRY_NAMESPACE),
    gateway_id: LEDGER_ORIGIN,
    gateway_seq: seq,
    type: e.type,
    cycle_id: e.cycleId,
    voter_key: '',
    channel: 'ledger',
    captured_at: e.at,
    ordered_at: e.at,
    received_at: e.at,
    receipt: null,
    payload: e.payload,
    prev_hash: head.hash,
    hash: '',
  };
  row.hash = chainHash(row.prev_hash, row);
  await trx.insertInto('ledger_events').values(row).execute();
  await trx.updateTable('ledger_head').set({ seq, hash: row.hash }).where('id', '=', 1).execute();
  return seq;
}

/** Ballots that reached the ledger after a cycle's results were published, per gateway. */
export interface LateBallots {
  total: number;
  byGateway: { gatewayId: string; ballots: number; capturedFirst: string; capturedLast: string; arrivedFirst: string; arrivedLast: string }[];
}

/** Votes of a published cycle entered after the publication (none if it is not published). */
export async function lateBallots(db: LedgerDb, cycleId: string): Promise<LateBallots> {
  const published = await db.selectFrom('ledger_results').select('through_seq').where('cycle_id', '=', cycleId).executeTakeFirst();
  if (!published) return { total: 0, byGateway: [] };
  const rows = await db
    .selectFrom('ledger_events')
    .select((eb) => [
      'gateway_id',
      eb.fn.countAll<number>().as('n'),
      eb.fn.min('captured_at').as('captured_first'),
      eb.fn.max('captured_at').as('captured_last'),
      eb.fn.min('received_at').as('arrived_first'),
      eb.fn.max('received_at').as('arrived_last'),
    ])
    .where('cycle_id', '=', cycleId)
    .where('type', '=', 'vote.cast')
    .where('seq', '>', published.through_seq)
    .groupBy('gateway_id')
    .orderBy('gateway_id')
    .execute();
  const byGateway = rows.map((r) => ({
    gatewayId: r.gateway_id,
    ballots: Number(r.n),
    capturedFirst: r.captured_first,
    capturedLast: r.captured_last,
    arrivedFirst: r.arrived_first,
    arrivedLast: r.arrived_last,
  }));
  return { total: byGateway.reduce((s, g) => s + g.ballots, 0), byGateway };
}

/**
 * A receipt's status once its cycle is published: `late` if it arrived after publication,
 * otherwise whether the published count holds it. Null while the cycle is not published.
 */
export async function publishedStatus(
  db: LedgerDb,
  e: { seq: number; event_id: string; cycle_id: string; voter_key: string },
): Promise<'late' | 'counted' | 'not-counted' | null> {
  const published = await db.selectFrom('ledger_results').select('through_seq').where('cycle_id', '=', e.cycle_id).executeTakeFirst();
  if (!published) return null;
  if (e.seq > published.through_seq) return 'late';
  const held = await db
    .selectFrom('ledger_published_ballots')
    .select('event_id')
    .where('cycle_id', '=', e.cycle_id)
    .where('voter_key', '=', e.voter_key)
    .executeTakeFirst();
  return held?.event_id === e.event_id ? 'counted' : 'not-counted';
}

/** Checks each frozen result against the chain entry that published it; the first mismatch, or null. */
export async function checkPublications(db: LedgerDb): Promise<{ seq: number; eventId: string | null; problem: string } | null> {
  const rows = await db.selectFrom('ledger_results').select(['cycle_id', 'result', 'entry_seq']).orderBy('cycle_id').execute();
  for (const r of rows) {
    if (r.entry_seq === null) continue; // published before publications were chained
    const entry = await db.selectFrom('ledger_events').select(['event_id', 'type', 'cycle_id', 'payload']).where('seq', '=', r.entry_seq).executeTakeFirst();
    const chained = entry?.type === PUBLISHED && entry.cycle_id === r.cycle_id ? (JSON.parse(entry.payload) as { result?: string }).result : undefined;
    if (chained !== sha256Hex(r.result)) {
      return {
        seq: r.entry_seq,
        eventId: entry?.event_id ?? null,
        problem: `the published results of ${r.cycle_id} are not the ones this chain entry published (the stored result was changed)`,
      };
    }
  }
  return null;
}
