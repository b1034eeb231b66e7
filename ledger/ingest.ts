// Ingest: one batch (pushed or carried in a bundle) into the ledger, all or nothing. Every event
// line ends in one list of the answer: accepted (with its ledger sequence number), duplicate
// (already here, or repeated in the batch: ignored), or rejected (with the reason, kept so a
// resend gets the same answer).
import type { Transaction } from 'kysely';
import type { Deployment } from '../src/config/schema.ts';
import { SautiError } from '../src/domain/errors.ts';
import { chainHash, parseEvent, receiptKey, type BatchAnswer, type BatchHeader, type ParsedEvent } from '../src/domain/protocol.ts';
import { demographicColumns } from './demographics.ts';
import { prevails } from '../src/domain/ballot-order.ts';
import { monotoneOrderedAt, orderedAt, refusal } from './rules.ts';
import { CHUNK, insertChunked } from './bulk-insert.ts';
import { screenTallies, storeTallies } from './paper-tallies.ts';
import { storeReports } from './reports.ts';
import type { LedgerTables } from './schema.ts';
import { CHECK_KEY, LAYERS_KEY, type VoterKeyring, type VoterKeys } from './voter-secret.ts';

type Trx = Transaction<LedgerTables>;
type EventInsert = LedgerTables['ledger_events'];
type Rejected = BatchAnswer['rejected'][number];

// Every column, in the order the rows below are built: the compiled INSERTs are reused by these lists.
const EVENT_COLUMNS = [
  'seq',
  'event_id',
  'gateway_id',
  'gateway_seq',
  'type',
  'cycle_id',
  'voter_key',
  'channel',
  'captured_at',
  'ordered_at',
  'received_at',
  'receipt',
  'payload',
  'prev_hash',
  'hash',
] as const satisfies readonly (keyof EventInsert)[];
const BALLOT_COLUMNS = [
  'cycle_id',
  'voter_key',
  'event_id',
  'ward_id',
  'picks',
  'channel',
  'ordered_at',
  'ledger_seq',
  'age_band',
  'gender',
  'gateway_id',
  'gateway_seq',
] as const satisfies readonly (keyof LedgerTables['ledger_ballots'])[];
const REJECTION_COLUMNS = [
  'event_id',
  'gateway_id',
  'gateway_seq',
  'reason',
  'detail',
  'received_at',
] as const satisfies readonly (keyof LedgerTables['ledger_rejections'])[];

export interface IngestInput {
  header: BatchHeader;
  lines: unknown[];
  source: 'push' | 'bundle';
  /**
   * A bundle's chunk: the bundle's own id and the SHA-256 of its signed body. Kept with the
   * chunk's answer, so an import of the same id with another body is refused, not replayed.
   */
  bundle?: { id: string; sha256: string };
}

export interface IngestContext {
  ballot: Deployment;
  allowanceMs: number;
  now: Date;
  /** When the request arrived: the clock skew is measured against this, not against queueing. */
  arrivedAt: Date;
  lockHead: boolean;
  /** Re-keys each gateway voter key with the ledger's secret before anything is compared or stored. */
  voterKeys: VoterKeyring;
}

/** Accepted votes whose age band or gender the deployment does not list (counted as not recorded; logged by the caller). */
export interface Unlisted {
  ageBand: number;
  gender: number;
}

/** Runs inside the caller's transaction. Throws SautiError('sync.replayed') for a pushed batch seen before. */
export async function ingestBatch(
  trx: Trx,
  input: IngestInput,
  ctx: IngestContext,
): Promise<{ answer: BatchAnswer & { replayOf?: true }; unlisted: Unlisted }> {
  const { header, source } = input;
  const receivedAt = ctx.now.toISOString();
  // SQLite: take the write lock before reading, so a second process (sauti ledger import beside a
  // running ledger) waits for it instead of failing with a stale snapshot.
  if (!ctx.lockHead)
    await trx
      .updateTable('ledger_head')
      .set((eb) => ({ seq: eb.ref('seq') }))
      .where('id', '=', 1)
      .execute();
  const keys = await ledgerVoterKeys(trx, ctx);
  let gq = trx.selectFrom('ledger_gateways').selectAll().where('gateway_id', '=', header.gatewayId);
  if (ctx.lockHead) gq = gq.forUpdate(); // PostgreSQL: one batch per gateway at a time across ledger processes
  const gateway = await gq.executeTakeFirstOrThrow();
  // Looked up under that lock: the same batch sent to two ledger processes at once is then
  // ingested by one and answered as a replay by the other (not a unique violation, a 500).
  const seen = await trx.selectFrom('ledger_batches').select(['answer', 'received_at']).where('batch_id', '=', header.batchId).executeTakeFirst();
  if (seen) {
    if (source === 'bundle' && seen.answer) {
      const { bundleSha256, ...answer } = JSON.parse(seen.answer) as StoredChunkAnswer;
      // The same id is not the same bundle: answering another body with this answer would drop its events.
      if (bundleSha256 === undefined ? !sameEventIds(answer, input.lines) : bundleSha256 !== input.bundle?.sha256)
        throw new SautiError(
          'sync.replayed',
          `bundle ${input.bundle?.id ?? header.batchId} was imported on ${seen.received_at} with other contents (this file is not that bundle): nothing was imported`,
        );
      return { answer: { ...answer, replayOf: true }, unlisted: { ageBand: 0, gender: 0 } };
    }
    throw new SautiError('sync.replayed', `batch ${header.batchId} was already received at ${seen.received_at}; a resend must be a new batch`);
  }
  const skewMs = source === 'push' ? Date.parse(header.sentAt) - ctx.arrivedAt.getTime() : null;
  const effectiveSkew = skewMs ?? gateway.clock_skew_ms;

  const rejected: Rejected[] = [];
  const events: ParsedEvent[] = [];
  const inBatch = new Set<string>();
  const seqsInBatch = new Map<number, string>();
  const duplicates: string[] = [];
  for (const raw of input.lines) {
    const parsed = parseEvent(raw);
    if (!parsed.ok) {
      rejected.push({ id: parsed.id ?? '', seq: parsed.seq, reason: 'malformed', detail: parsed.detail });
    } else if (inBatch.has(parsed.event.id)) {
      duplicates.push(parsed.event.id);
    } else {
      const other = seqsInBatch.get(parsed.event.seq);
      if (other !== undefined) {
        throw new SautiError(
          'sync.seq_conflict',
          `sequence number ${parsed.event.seq} of ${header.gatewayId} is used by two events in this batch (${other} and ${parsed.event.id}); a gateway numbers each event once`,
        );
      }
      seqsInBatch.set(parsed.event.seq, parsed.event.id);
      inBatch.add(parsed.event.id);
      // From here on the event carries the ledger's key: the gateway's is never compared or stored.
      parsed.event.voterKey = keys.key(parsed.event.voterKey);
      events.push(parsed.event);
    }
  }

  // What the ledger already holds of this batch: by id (duplicates, earlier rejections) and by
  // sequence number (another event claiming a number this gateway already used).
  const known = await knownEvents(trx, header.gatewayId, events, rejected.map((r) => r.id).filter(Boolean));
  const fresh: { e: ParsedEvent; ordered: string }[] = [];
  const newRejections: LedgerTables['ledger_rejections'][] = [];
  for (const e of events) {
    const before = known.rejections.get(e.id);
    const held = known.events.get(e.id);
    if (held) {
      // A duplicate only of this gateway's same event: anything else answered "duplicate" would make the gateway drop it.
      const conflict = idConflict(held, header.gatewayId, e);
      if (!conflict) duplicates.push(e.id);
      else {
        rejected.push({ id: e.id, seq: e.seq, reason: 'id-conflict', detail: conflict });
        // Stored (once) so this sequence number counts as received in the gateway's gap report.
        if (!before)
          newRejections.push({
            event_id: e.id,
            gateway_id: header.gatewayId,
            gateway_seq: e.seq,
            reason: 'id-conflict',
            detail: conflict,
            received_at: receivedAt,
          });
      }
    } else if (before) {
      rejected.push({ id: e.id, seq: e.seq, reason: before.reason, detail: before.detail });
    } else {
      const holder = known.seqs.get(e.seq);
      if (holder !== undefined) {
        // The gateway's numbering disagrees with what the ledger holds (a reinstalled gateway reusing
        // its id?). Acknowledging would make the gateway drop the event: refuse the whole batch.
        throw new SautiError(
          'sync.seq_conflict',
          `sequence number ${e.seq} of ${header.gatewayId} already belongs to event ${holder} in the ledger; give a re-installed gateway a new SAUTI_GATEWAY_ID`,
        );
      }
      const ordered = orderedAt(e.capturedAt, effectiveSkew);
      const why = refusal(ctx.ballot, e, ordered, ctx.allowanceMs);
      if (why) {
        rejected.push({ id: e.id, seq: e.seq, ...why });
        newRejections.push({ event_id: e.id, gateway_id: header.gatewayId, gateway_seq: e.seq, ...why, received_at: receivedAt });
      } else {
        fresh.push({ e, ordered });
      }
    }
  }
  // A meeting has one tally sheet in the ledger: a second one (another gateway, another typing) is refused.
  const screened = await screenTallies(trx, fresh);
  for (const { item, detail } of screened.conflicts) {
    rejected.push({ id: item.e.id, seq: item.e.seq, reason: 'tally-conflict', detail });
    newRejections.push({
      event_id: item.e.id,
      gateway_id: header.gatewayId,
      gateway_seq: item.e.seq,
      reason: 'tally-conflict',
      detail,
      received_at: receivedAt,
    });
  }
  if (screened.conflicts.length > 0) {
    const kept = new Set(screened.keep);
    for (let i = fresh.length - 1; i >= 0; i--) if (!kept.has(fresh[i]!)) fresh.splice(i, 1);
  }
  await keepGatewayOrder(trx, header.gatewayId, fresh, gateway.max_seq);
  for (const r of rejected)
    if (r.reason === 'malformed' && r.id && !known.events.has(r.id) && !known.rejections.has(r.id)) {
      newRejections.push({ event_id: r.id, gateway_id: header.gatewayId, gateway_seq: r.seq, reason: r.reason, detail: r.detail, received_at: receivedAt });
    }
  // A malformed line may repeat an id: store (and count) each refused id once.
  const toStore = dedupeBy(newRejections, (r) => r.event_id);

  const accepted = await append(trx, header.gatewayId, fresh, receivedAt, ctx.lockHead);
  const unlisted = await countBallots(trx, ctx.ballot, accepted, fresh);
  await storeTallies(trx, accepted, fresh);
  await storeReports(trx, accepted, fresh);
  await insertChunked(trx, 'ledger_rejections', REJECTION_COLUMNS, toStore, (chunk) =>
    trx
      .insertInto('ledger_rejections')
      .values(chunk)
      .onConflict((oc) => oc.column('event_id').doNothing()),
  );

  // A loop, not Math.max(...list): spreading a large batch overflowed the stack.
  let maxSeq = gateway.max_seq;
  for (const e of events) if (e.seq > maxSeq) maxSeq = e.seq;
  for (const r of rejected) if (r.seq !== null && r.seq > maxSeq) maxSeq = r.seq;
  const batchSeqs = [...events.map((e) => e.seq), ...rejected.flatMap((r) => (r.seq === null ? [] : [r.seq]))];
  const { contiguous, gaps } = await sequenceGaps(trx, header.gatewayId, gateway.contiguous_seq, maxSeq, batchSeqs);
  await trx
    .updateTable('ledger_gateways')
    .set({
      last_seen_at: receivedAt,
      clock_skew_ms: skewMs ?? gateway.clock_skew_ms,
      backlog: source === 'push' ? header.backlog : gateway.backlog,
      max_seq: maxSeq,
      contiguous_seq: contiguous,
      accepted_count: gateway.accepted_count + accepted.length,
      duplicate_count: gateway.duplicate_count + duplicates.length,
      rejected_count: gateway.rejected_count + toStore.length,
    })
    .where('gateway_id', '=', header.gatewayId)
    .execute();

  const answer: BatchAnswer = {
    batchId: header.batchId,
    receivedAt,
    clockSkewMs: skewMs,
    accepted: accepted.map((a) => ({ id: a.event_id, ledgerSeq: a.seq })),
    duplicates,
    rejected,
    gaps,
  };
  await trx
    .insertInto('ledger_batches')
    .values({
      batch_id: header.batchId,
      gateway_id: header.gatewayId,
      source,
      received_at: receivedAt,
      event_count: input.lines.length,
      // A bundle imported again answers the same acknowledgement file; pushes are never resent.
      answer: source === 'bundle' ? JSON.stringify({ ...answer, bundleSha256: input.bundle?.sha256 } satisfies StoredChunkAnswer) : null,
    })
    .execute();
  return { answer, unlisted };
}

/** A bundle chunk's answer as `ledger_batches.answer` keeps it; imports before this field have no digest. */
type StoredChunkAnswer = BatchAnswer & { bundleSha256?: string };

/**
 * For a chunk stored without its bundle's digest: whether `lines` are the events its answer names
 * (every line of a chunk is in one list of its answer; a line without an id as '').
 */
function sameEventIds(answer: BatchAnswer, lines: unknown[]): boolean {
  const held = [...answer.accepted.map((a) => a.id), ...answer.duplicates, ...answer.rejected.map((r) => r.id)].sort();
  const sent = lines
    .map((raw) => {
      const p = parseEvent(raw);
      return p.ok ? p.event.id : (p.id ?? '');
    })
    .sort();
  return held.length === sent.length && held.every((id, i) => id === sent[i]);
}

/**
 * The keys the stored ones were made with, named by the check in ledger_meta. On PostgreSQL the
 * row is read FOR SHARE: a rotation (which takes it FOR UPDATE) waits for batches under way, and
 * a batch that starts during one waits for it and then keys with the new secret.
 */
async function ledgerVoterKeys(trx: Trx, ctx: IngestContext): Promise<VoterKeys> {
  let q = trx.selectFrom('ledger_meta').select(['key', 'value']).where('key', 'in', [CHECK_KEY, LAYERS_KEY]);
  if (ctx.lockHead) q = q.forShare();
  const rows = await q.execute();
  return ctx.voterKeys.forCheck(rows.find((r) => r.key === CHECK_KEY)?.value, rows.find((r) => r.key === LAYERS_KEY)?.value ?? '');
}

/** What the ledger holds of an event id: enough to tell the same event from another one under that id. */
type HeldEvent = Pick<EventInsert, 'event_id' | 'gateway_id' | 'gateway_seq' | 'type' | 'cycle_id' | 'voter_key' | 'channel' | 'captured_at' | 'payload'>;

/**
 * Why `e`, sent by `gatewayId`, is not the held event of that id (null when it is the same one).
 * Every field the gateway sent is compared with what is stored (the payload as the stored JSON
 * text): exact, and no column or hashing on the common path, since only ids already held are read.
 * So the payload schema's output for a given line must never change (a resend of an old event,
 * e.g. by an operator's recovery, must still compare equal).
 */
function idConflict(held: HeldEvent, gatewayId: string, e: ParsedEvent): string | null {
  if (held.gateway_id !== gatewayId)
    return `event ${e.id} is already in the ledger from another gateway (${held.gateway_id}); a gateway's event ids are its own`;
  const same =
    Number(held.gateway_seq) === e.seq &&
    held.type === e.type &&
    held.cycle_id === e.cycleId &&
    held.voter_key === e.voterKey &&
    held.channel === e.channel &&
    held.captured_at === e.capturedAt &&
    held.payload === JSON.stringify(e.payload);
  return same ? null : `event ${e.id} is already in the ledger from this gateway with other content (sequence ${held.gateway_seq}); the ledger keeps the first`;
}

async function knownEvents(trx: Trx, gatewayId: string, events: ParsedEvent[], otherIds: string[]) {
  const byId = new Map<string, HeldEvent>();
  // Only this gateway's: another gateway's rejection of an id never answers for this one.
  const rejections = new Map<string, { reason: string; detail: string }>();
  const seqs = new Map<number, string>();
  const all = [...events.map((e) => e.id), ...otherIds];
  for (let i = 0; i < all.length; i += CHUNK) {
    const chunk = all.slice(i, i + CHUNK);
    const rows = await trx
      .selectFrom('ledger_events')
      .select(['event_id', 'gateway_id', 'gateway_seq', 'type', 'cycle_id', 'voter_key', 'channel', 'captured_at', 'payload'])
      .where('event_id', 'in', chunk)
      .execute();
    for (const r of rows) byId.set(r.event_id, r);
    for (const r of await trx.selectFrom('ledger_rejections').select(['event_id', 'gateway_id', 'reason', 'detail']).where('event_id', 'in', chunk).execute()) {
      if (r.gateway_id === gatewayId) rejections.set(r.event_id, r);
    }
  }
  if (events.length === 0) return { events: byId, rejections, seqs };
  let lo = events[0]!.seq;
  let hi = lo;
  for (const e of events) {
    if (e.seq < lo) lo = e.seq;
    if (e.seq > hi) hi = e.seq;
  }
  const held = await trx
    .selectFrom('ledger_events')
    .select(['gateway_seq', 'event_id'])
    .where('gateway_id', '=', gatewayId)
    .where('gateway_seq', '>=', lo)
    .where('gateway_seq', '<=', hi)
    .execute();
  for (const r of held) seqs.set(r.gateway_seq, r.event_id);
  for (const e of events) if (seqs.get(e.seq) === e.id) seqs.delete(e.seq); // itself: a duplicate, not a conflict
  return { events: byId, rejections, seqs };
}

/**
 * Makes ordering times non-decreasing along the gateway's sequence (see monotoneOrderedAt), against
 * its stored events next to this batch: the one just below it (the usual case: one indexed
 * lookup) and, when the batch fills a gap, those within and just above it.
 */
async function keepGatewayOrder(trx: Trx, gatewayId: string, fresh: { e: ParsedEvent; ordered: string }[], maxSeq: number): Promise<void> {
  if (fresh.length === 0) return;
  const seqs = fresh.map((f) => f.e.seq);
  const lo = seqs.reduce((a, b) => Math.min(a, b));
  const hi = seqs.reduce((a, b) => Math.max(a, b));
  const near = (q: ReturnType<typeof byGateway>) => q.select(['gateway_seq as seq', 'ordered_at as orderedAt']);
  const byGateway = () => trx.selectFrom('ledger_events').where('gateway_id', '=', gatewayId);
  const stored = await near(byGateway()).where('gateway_seq', '<', lo).orderBy('gateway_seq', 'desc').limit(1).execute();
  if (lo < maxSeq) {
    stored.push(...(await near(byGateway()).where('gateway_seq', '>=', lo).where('gateway_seq', '<=', hi).execute()));
    stored.push(...(await near(byGateway()).where('gateway_seq', '>', hi).orderBy('gateway_seq').limit(1).execute()));
  }
  const times = monotoneOrderedAt(
    fresh.map((f) => ({ seq: f.e.seq, corrected: f.ordered })),
    stored.map((r) => ({ seq: Number(r.seq), orderedAt: r.orderedAt })),
  );
  for (const f of fresh) f.ordered = times.get(f.e.seq) ?? f.ordered;
}

/** Appends accepted events to the chain, after the head (locked on PostgreSQL). */
async function append(
  trx: Trx,
  gatewayId: string,
  fresh: { e: ParsedEvent; ordered: string }[],
  receivedAt: string,
  lockHead: boolean,
): Promise<EventInsert[]> {
  if (fresh.length === 0) return [];
  let q = trx.selectFrom('ledger_head').select(['seq', 'hash']).where('id', '=', 1);
  if (lockHead) q = q.forUpdate();
  const head = await q.executeTakeFirstOrThrow();
  let { seq, hash } = head;
  const rows: EventInsert[] = fresh.map(({ e, ordered }) => {
    seq += 1;
    const row = {
      seq,
      event_id: e.id,
      gateway_id: gatewayId,
      gateway_seq: e.seq,
      type: e.type,
      cycle_id: e.cycleId,
      voter_key: e.voterKey,
      channel: e.channel,
      captured_at: e.capturedAt,
      ordered_at: ordered,
      received_at: receivedAt,
      receipt: e.type === 'vote.cast' ? receiptKey(e.payload.receipt) : null,
      payload: JSON.stringify(e.payload),
      prev_hash: hash,
      hash: '',
    };
    row.hash = hash = chainHash(row.prev_hash, row);
    return row;
  });
  await insertChunked(trx, 'ledger_events', EVENT_COLUMNS, rows, (chunk) => trx.insertInto('ledger_events').values(chunk));
  await trx.updateTable('ledger_head').set({ seq, hash }).where('id', '=', 1).execute();
  return rows;
}

/**
 * Keeps one counted ballot per voter and cycle: the accepted votes compete with the holder.
 * `accepted[i]` is the stored row of `fresh[i]`, whose payload is already parsed.
 */
async function countBallots(trx: Trx, ballot: Deployment, accepted: EventInsert[], fresh: { e: ParsedEvent }[]): Promise<Unlisted> {
  const unlisted: Unlisted = { ageBand: 0, gender: 0 };
  const best = new Map<string, LedgerTables['ledger_ballots']>();
  const policy = (cycleId: string) => ballot.cycles.find((c) => c.id === cycleId)?.revote ?? 'replace';
  for (let i = 0; i < accepted.length; i++) {
    const r = accepted[i]!;
    const e = fresh[i]!.e;
    if (e.type !== 'vote.cast') continue;
    const p = e.payload;
    const demographics = demographicColumns(ballot, p);
    if (p.ageBand !== undefined && demographics.age_band === null) unlisted.ageBand += 1;
    if (p.gender !== undefined && demographics.gender === null) unlisted.gender += 1;
    const candidate = {
      cycle_id: r.cycle_id,
      voter_key: r.voter_key,
      event_id: r.event_id,
      ward_id: p.wardId,
      picks: JSON.stringify(p.picks),
      channel: r.channel,
      ordered_at: r.ordered_at,
      ledger_seq: r.seq,
      ...demographics,
      gateway_id: r.gateway_id,
      gateway_seq: r.gateway_seq,
    };
    const key = `${r.cycle_id}\u0000${r.voter_key}`;
    const current = best.get(key);
    if (!current || prevails(policy(r.cycle_id), asOrdered(candidate), asOrdered(current))) best.set(key, candidate);
  }
  if (best.size === 0) return unlisted;
  // The policy is applied by the upsert itself: the stored ballot is replaced only when the
  // challenger prevails. Ordering times never go back along a gateway's sequence (keepGatewayOrder),
  // so the ballot order is the lexicographic order of (ordered_at, gateway_id, gateway_seq): no read
  // is needed, and the result is the same whatever order batches arrive in.
  const candidates = [...best.values()];
  for (const cycleId of new Set(candidates.map((c) => c.cycle_id))) {
    const later = policy(cycleId) === 'replace';
    // In key order: each insert lands next to the previous one in the voter index, so SQLite's b-tree
    // descent and page cache work less than for keys in random order.
    const rows = candidates.filter((c) => c.cycle_id === cycleId).sort((a, b) => (a.voter_key < b.voter_key ? -1 : a.voter_key > b.voter_key ? 1 : 0));
    await insertChunked(trx, later ? 'ledger_ballots:later' : 'ledger_ballots:earlier', BALLOT_COLUMNS, rows, (chunk) =>
      trx
        .insertInto('ledger_ballots')
        .values(chunk)
        .onConflict((oc) =>
          oc
            .columns(['cycle_id', 'voter_key'])
            .doUpdateSet((eb) => ({
              event_id: eb.ref('excluded.event_id'),
              ward_id: eb.ref('excluded.ward_id'),
              picks: eb.ref('excluded.picks'),
              channel: eb.ref('excluded.channel'),
              ordered_at: eb.ref('excluded.ordered_at'),
              ledger_seq: eb.ref('excluded.ledger_seq'),
              age_band: eb.ref('excluded.age_band'),
              gender: eb.ref('excluded.gender'),
              gateway_id: eb.ref('excluded.gateway_id'),
              gateway_seq: eb.ref('excluded.gateway_seq'),
            }))
            .where((eb) => {
              const op = later ? '>' : '<';
              const same = (c: 'ordered_at' | 'gateway_id') => eb(`excluded.${c}`, '=', eb.ref(`ledger_ballots.${c}`));
              return eb.or([
                eb('excluded.ordered_at', op, eb.ref('ledger_ballots.ordered_at')),
                eb.and([same('ordered_at'), eb('excluded.gateway_id', op, eb.ref('ledger_ballots.gateway_id'))]),
                eb.and([same('ordered_at'), same('gateway_id'), eb('excluded.gateway_seq', op, eb.ref('ledger_ballots.gateway_seq'))]),
              ]);
            }),
        ),
    );
  }
  return unlisted;
}

function asOrdered(b: LedgerTables['ledger_ballots']) {
  return { eventId: b.event_id, gatewayId: b.gateway_id, gatewaySeq: Number(b.gateway_seq), orderedAt: b.ordered_at };
}

/** Advances the gateway's contiguous sequence mark and lists what is still missing below its highest number. */
async function sequenceGaps(trx: Trx, gatewayId: string, contiguousBefore: number, maxSeq: number, batchSeqs: number[]) {
  let contiguous = contiguousBefore;
  const gaps: { from: number; to: number }[] = [];
  if (maxSeq <= contiguous) return { contiguous, gaps };
  // The usual case: the batch continued exactly where the last one ended.
  if (batchSeqs.length === maxSeq - contiguous && batchSeqs.every((s) => s > contiguous) && new Set(batchSeqs).size === batchSeqs.length) {
    return { contiguous: maxSeq, gaps };
  }
  const received = await trx
    .selectFrom('ledger_events')
    .select('gateway_seq as s')
    .where('gateway_id', '=', gatewayId)
    .where('gateway_seq', '>', contiguous)
    .union(
      trx
        .selectFrom('ledger_rejections')
        .select('gateway_seq as s')
        .where('gateway_id', '=', gatewayId)
        .where('gateway_seq', '>', contiguous)
        .$narrowType<{ s: number }>(),
    )
    .orderBy('s')
    .execute();
  let expected = contiguous + 1;
  for (const { s } of received) {
    if (s < expected) continue;
    if (s > expected && gaps.length < 20) gaps.push({ from: expected, to: s - 1 });
    if (s === expected && gaps.length === 0) contiguous = s;
    expected = s + 1;
  }
  return { contiguous, gaps };
}

function dedupeBy<T>(rows: T[], key: (r: T) => string): T[] {
  const seen = new Set<string>();
  return rows.filter((r) => !seen.has(key(r)) && (seen.add(key(r)), true));
}
