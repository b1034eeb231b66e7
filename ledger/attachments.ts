// Recordings of spoken ideas and reports, and photos of field ideas, in the ledger: taken only
// when bound by digest to an event the ledger already holds from the same gateway (its `audio` or
// `photo`), kept once per digest, and read back by digest for the PB team (`sauti ledger
// attachment`, and the console's player and proposal page through readAttachment). Never public.
import type { Kysely } from 'kysely';
import { RECORDING_OWNERS, sha256Hex, type AttachmentRefusal } from '../src/domain/protocol.ts';
import { sniffImage } from '../src/domain/photo.ts';
import type { LedgerTables } from './schema.ts';

/** One upload or bundle line, after the gateway is authenticated. */
export interface AttachmentInput {
  gatewayId: string;
  eventId: string;
  /** The digest it was sent under (the path, or the bundle line). */
  sha256: string;
  contentType: string;
  audio: Uint8Array;
}

export type StoreOutcome = { status: 'stored'; duplicate: boolean } | { status: 'refused'; reason: AttachmentRefusal; detail: string };

/** What the PB team gets back: the bytes, their type, and the event that names them. */
export interface StoredAttachment {
  sha256: string;
  bytes: number;
  contentType: string;
  audio: Buffer;
  eventId: string;
  gatewayId: string;
  receivedAt: string;
  /** When the retention rule erased it (ledger/recording-retention.ts): `audio` is then empty. */
  erasedAt: string | null;
}

/**
 * Checks an attachment against the event it names and keeps it (once per digest). Refused,
 * storing nothing: over `maxBytes`, bytes that do not hash to the digest, no such event of this
 * gateway naming the digest, or a length other than the event's.
 */
export async function storeAttachment(db: Kysely<LedgerTables>, a: AttachmentInput, maxBytes: number, now: Date): Promise<StoreOutcome> {
  const refuse = (reason: AttachmentRefusal, detail: string): StoreOutcome => ({ status: 'refused', reason, detail });
  if (a.audio.length > maxBytes)
    return refuse('too-large', `the recording is ${a.audio.length} bytes; this ledger takes at most ${maxBytes} (sync.maxAttachmentBytes)`);
  const actual = sha256Hex(a.audio);
  if (actual !== a.sha256) return refuse('digest-mismatch', `the bytes received hash to ${actual}, not ${a.sha256}: altered or cut short on the way`);
  const event = await db
    .selectFrom('ledger_events')
    .select(['gateway_id', 'type', 'payload'])
    .where('event_id', '=', a.eventId.toLowerCase())
    .executeTakeFirst();
  type Named = { sha256: string; bytes: number };
  const owner = (RECORDING_OWNERS as readonly string[]).includes(event?.type ?? '');
  const payload = owner ? (JSON.parse(event!.payload) as { audio?: Named; photo?: Named }) : undefined;
  // A spoken idea or report names its recording; a field idea its photo. Either is bound the same way.
  const named =
    payload?.audio?.sha256 === a.sha256
      ? payload.audio
      : event?.type === 'proposal.submitted' && payload?.photo?.sha256 === a.sha256
        ? payload.photo
        : undefined;
  if (!event || event.gateway_id !== a.gatewayId || !named) {
    return refuse('unknown-event', `the ledger holds no proposal or report ${a.eventId} from ${a.gatewayId} naming this recording; send the event first`);
  }
  if (named.bytes !== a.audio.length)
    return refuse('length-mismatch', `event ${a.eventId} names this recording with ${named.bytes} bytes, not ${a.audio.length}`);
  // A photo's type is what its bytes are, whatever the gateway says: the console shows it as that.
  const photoType = named === payload?.photo ? sniffImage(a.audio) : undefined;
  if (photoType === null) return refuse('not-an-image', `event ${a.eventId} names a photo, but these bytes are not a JPEG, PNG or WebP image`);
  const row = {
    sha256: a.sha256,
    bytes: a.audio.length,
    content_type: photoType ?? a.contentType,
    audio: Buffer.from(a.audio.buffer, a.audio.byteOffset, a.audio.byteLength),
    event_id: a.eventId.toLowerCase(),
    gateway_id: a.gatewayId,
    received_at: now.toISOString(),
    erased_at: null,
    erased_seq: null,
  };
  // Idempotent: the same recording sent twice (a retry, a resend, a bundle after a push) is kept
  // once; one the retention rule erased stays erased (its row remains).
  const inserted = await db
    .insertInto('ledger_attachments')
    .values(row)
    .onConflict((oc) => oc.column('sha256').doNothing())
    .executeTakeFirst();
  return { status: 'stored', duplicate: Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0 };
}

/** A stored recording by its SHA-256 (lower-case hex), or undefined. For the console's player and `sauti ledger attachment`. */
export async function readAttachment(db: Kysely<LedgerTables>, sha256: string): Promise<StoredAttachment | undefined> {
  const r = await db.selectFrom('ledger_attachments').selectAll().where('sha256', '=', sha256.toLowerCase()).executeTakeFirst();
  if (!r) return undefined;
  return {
    sha256: r.sha256,
    bytes: Number(r.bytes),
    contentType: r.content_type,
    audio: Buffer.from(r.audio),
    eventId: r.event_id,
    gatewayId: r.gateway_id,
    receivedAt: r.received_at,
    erasedAt: r.erased_at,
  };
}
