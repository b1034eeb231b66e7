// Meetings' paper tally sheets in the ledger: one per meeting id and cycle, kept apart from
// individual ballots. Ingest refuses a second sheet for a meeting (`tally-conflict`); results add a
// sheet's per-project votes to the greedy rules' counts and show every sheet apart.
import type { Kysely, Transaction } from 'kysely';
import type { ParsedEvent } from '../src/domain/protocol.ts';
import type { LedgerTables } from './schema.ts';

type Trx = Transaction<LedgerTables>;
type TallyEvent = Extract<ParsedEvent, { type: 'paper.tally' }>;

/** A stored sheet, as results read it. */
export interface StoredTally {
  meetingId: string;
  wardId: string;
  issued: number;
  valid: number;
  spoiled: number;
  counts: { code: number; votes: number }[];
}

const isTally = (e: ParsedEvent): e is TallyEvent => e.type === 'paper.tally';

/**
 * Splits fresh events into those that may be appended and tally sheets refused because the ledger
 * (or an earlier line of this batch) already holds a sheet for that meeting and cycle.
 */
export async function screenTallies<T extends { e: ParsedEvent }>(trx: Trx, fresh: T[]): Promise<{ keep: T[]; conflicts: { item: T; detail: string }[] }> {
  const tallies = fresh.filter((f) => isTally(f.e));
  if (tallies.length === 0) return { keep: fresh, conflicts: [] };
  const held = new Map<string, string>();
  for (const cycleId of new Set(tallies.map((f) => f.e.cycleId))) {
    const ids = tallies.filter((f) => f.e.cycleId === cycleId).map((f) => (f.e as TallyEvent).payload.meetingId);
    const rows = await trx
      .selectFrom('ledger_paper_tallies')
      .select(['meeting_id', 'event_id'])
      .where('cycle_id', '=', cycleId)
      .where('meeting_id', 'in', ids)
      .execute();
    for (const r of rows) held.set(`${cycleId}\u0000${r.meeting_id}`, r.event_id);
  }
  const keep: T[] = [];
  const conflicts: { item: T; detail: string }[] = [];
  for (const f of fresh) {
    if (!isTally(f.e)) {
      keep.push(f);
      continue;
    }
    const key = `${f.e.cycleId}\u0000${f.e.payload.meetingId}`;
    const holder = held.get(key);
    if (holder)
      conflicts.push({
        item: f,
        detail: `the ledger already holds the tally sheet of meeting ${f.e.payload.meetingId} in cycle ${f.e.cycleId} (event ${holder}); a meeting has one sheet`,
      });
    else {
      held.set(key, f.e.id);
      keep.push(f);
    }
  }
  return { keep, conflicts };
}

/** Stores the accepted tally sheets; `accepted[i]` is the chained row of `fresh[i]`. */
export async function storeTallies(trx: Trx, accepted: { seq: number }[], fresh: { e: ParsedEvent }[]): Promise<void> {
  const rows: LedgerTables['ledger_paper_tallies'][] = [];
  fresh.forEach(({ e }, i) => {
    if (!isTally(e)) return;
    const p = e.payload;
    rows.push({
      cycle_id: e.cycleId,
      meeting_id: p.meetingId,
      event_id: e.id,
      ward_id: p.wardId,
      issued: p.issued,
      valid: p.valid,
      spoiled: p.spoiled,
      counts: JSON.stringify(p.counts),
      ledger_seq: accepted[i]!.seq,
    });
  });
  // Few per batch (one per meeting): one insert each is fine.
  for (const row of rows) await trx.insertInto('ledger_paper_tallies').values(row).execute();
}

/** A cycle's tally sheets, those chained up to `throughSeq` when given (a published count), by meeting id. */
export async function cycleTallies(db: Kysely<LedgerTables>, cycleId: string, throughSeq?: number): Promise<StoredTally[]> {
  let q = db.selectFrom('ledger_paper_tallies').selectAll().where('cycle_id', '=', cycleId);
  if (throughSeq !== undefined) q = q.where('ledger_seq', '<=', throughSeq);
  const rows = await q.orderBy('meeting_id').execute();
  return rows.map((r) => ({
    meetingId: r.meeting_id,
    wardId: r.ward_id,
    issued: Number(r.issued),
    valid: Number(r.valid),
    spoiled: Number(r.spoiled),
    counts: JSON.parse(r.counts) as StoredTally['counts'],
  }));
}

/** Totals of several sheets. */
export interface TallyTotals {
  sheets: number;
  issued: number;
  valid: number;
  spoiled: number;
}

export function tallyTotals(tallies: readonly StoredTally[]): TallyTotals {
  return tallies.reduce((t, s) => ({ sheets: t.sheets + 1, issued: t.issued + s.issued, valid: t.valid + s.valid, spoiled: t.spoiled + s.spoiled }), {
    sheets: 0,
    issued: 0,
    valid: 0,
    spoiled: 0,
  });
}
