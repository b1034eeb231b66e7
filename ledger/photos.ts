// Milestone photos: kept by SHA-256 in ledger_photos, named by the `photo` digest of an
// implementation update's chained payload, served publicly by digest (src/http/ledger-app.ts), and
// checked by `sauti ledger verify`: every photo an update names is here and hashes to its name.
import type { Kysely } from 'kysely';
import { sha256Hex } from '../src/domain/protocol.ts';
import { PHOTO_DIGEST, type PhotoType } from '../src/domain/photo.ts';
import type { LedgerDb, LedgerTables } from './schema.ts';

/** A photo as stored. */
export interface StoredPhoto {
  sha256: string;
  contentType: string;
  data: Buffer;
}

/** Keeps a (cleaned) photo inside the caller's transaction, once per digest; returns its digest. */
export async function storePhoto(trx: Kysely<LedgerTables>, photo: { data: Uint8Array; contentType: PhotoType }, now: Date): Promise<string> {
  const sha256 = sha256Hex(photo.data);
  await trx
    .insertInto('ledger_photos')
    .values({
      sha256,
      bytes: photo.data.length,
      content_type: photo.contentType,
      data: Buffer.from(photo.data.buffer, photo.data.byteOffset, photo.data.byteLength),
      stored_at: now.toISOString(),
    })
    .onConflict((oc) => oc.column('sha256').doNothing())
    .execute();
  return sha256;
}

/** A stored photo by digest, or undefined (a malformed digest reads nothing). */
export async function readPhoto(db: LedgerDb, sha256: string): Promise<StoredPhoto | undefined> {
  if (!PHOTO_DIGEST.test(sha256)) return undefined;
  const r = await db.selectFrom('ledger_photos').select(['sha256', 'content_type', 'data']).where('sha256', '=', sha256).executeTakeFirst();
  return r ? { sha256: r.sha256, contentType: r.content_type, data: Buffer.from(r.data) } : undefined;
}

/**
 * For `sauti ledger verify`: every photo an implementation update names is stored, and its bytes
 * hash to that name and have the stored length. The first problem, or null. The updates
 * themselves are checked against the chain before (checkImplementation).
 */
export async function checkPhotos(db: LedgerDb): Promise<{ seq: number; eventId: string | null; problem: string } | null> {
  const named = await db
    .selectFrom('ledger_implementation')
    .select(['entry_seq', 'photo_sha256', 'code', 'cycle_id'])
    .where('photo_sha256', 'is not', null)
    .orderBy('entry_seq')
    .execute();
  for (const u of named) {
    const sha = u.photo_sha256!;
    const row = await db.selectFrom('ledger_photos').select(['bytes', 'data']).where('sha256', '=', sha).executeTakeFirst();
    const entry = await db.selectFrom('ledger_events').select('event_id').where('seq', '=', u.entry_seq).executeTakeFirst();
    const at = { seq: Number(u.entry_seq), eventId: entry?.event_id ?? null };
    if (!row) return { ...at, problem: `the photo ${sha} of project ${u.code}'s update in ${u.cycle_id} is missing (the row was deleted)` };
    const data = Buffer.from(row.data);
    if (sha256Hex(data) !== sha || data.length !== Number(row.bytes))
      return { ...at, problem: `the stored photo ${sha} of project ${u.code}'s update in ${u.cycle_id} does not hash to its digest (the bytes were changed)` };
  }
  return null;
}
