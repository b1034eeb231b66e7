// Recomputes the ledger's hash chain from the first event and names the first link that does
// not hold: a changed row, a removed row, or a head that does not match the last row; then checks
// each published result against the chain entry that published it, and each implementation
// update's stored copy against the chain entry that recorded it, and each notice for gateways
// against the review whose audit entry it hangs from.
import { chainHash, GENESIS_HASH } from '../src/domain/protocol.ts';
import { checkImplementation } from './implementation.ts';
import { checkNotices } from './notices.ts';
import { checkPhotos } from './photos.ts';
import { checkPublications } from './publication.ts';
import type { LedgerDb } from './schema.ts';

export type VerifyResult = { ok: true; checked: number; head: string } | { ok: false; checked: number; seq: number; eventId: string | null; problem: string };

const PAGE = 5000;

export async function verifyChain(db: LedgerDb, onProgress?: (checked: number, total: number) => void): Promise<VerifyResult> {
  const head = await db.selectFrom('ledger_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  for (;;) {
    const rows = await db.selectFrom('ledger_events').selectAll().where('seq', '>=', expectedSeq).orderBy('seq').limit(PAGE).execute();
    for (const r of rows) {
      const checked = expectedSeq - 1;
      if (r.seq !== expectedSeq) return { ok: false, checked, seq: expectedSeq, eventId: null, problem: `entry ${expectedSeq} is missing (next is ${r.seq})` };
      if (r.prev_hash !== prev) return { ok: false, checked, seq: r.seq, eventId: r.event_id, problem: 'its previous-hash does not match the entry before it' };
      if (chainHash(prev, r) !== r.hash)
        return { ok: false, checked, seq: r.seq, eventId: r.event_id, problem: 'its contents do not match its hash (the row was changed)' };
      prev = r.hash;
      expectedSeq += 1;
    }
    onProgress?.(expectedSeq - 1, head.seq);
    if (rows.length < PAGE) break;
  }
  const checked = expectedSeq - 1;
  if (checked !== head.seq || prev !== head.hash) {
    return {
      ok: false,
      checked,
      seq: head.seq,
      eventId: null,
      problem: `the chain ends at entry ${checked} but the head says ${head.seq} (${head.hash.slice(0, 12)}…)`,
    };
  }
  // Each frozen result must be the one its chain entry published.
  const altered = await checkPublications(db);
  if (altered) return { ok: false, checked, ...altered };
  // Each implementation update's stored copy must be the one its chain entry recorded.
  const changed = await checkImplementation(db);
  if (changed) return { ok: false, checked, ...changed };
  // Each milestone photo an update names must be stored with the bytes its digest names.
  const photo = await checkPhotos(db);
  if (photo) return { ok: false, checked, ...photo };
  // Each notice for gateways must be the review its audit entry recorded.
  const notice = await checkNotices(db);
  if (notice) return { ok: false, checked, ...notice };
  return { ok: true, checked, head: head.hash };
}
