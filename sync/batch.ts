// Builds signed batch bodies from outbox rows: gzip-compressed NDJSON (header line, then one
// line per event), signed with the gateway key. Pushes and bundles carry the same bytes.
import { promisify } from 'node:util';
import { gzip, gzipSync } from 'node:zlib';
import { v7 as uuidv7 } from 'uuid';
import { encodeBatch, PROTOCOL_VERSION, signBody, type BatchHeader } from '../src/domain/protocol.ts';
import type { EventRow } from '../src/store/gateway-store.ts';
import type { GatewayIdentity } from './identity.ts';

export interface SignedBatch {
  header: BatchHeader;
  body: Buffer;
  signature: string;
  firstSeq: number;
  lastSeq: number;
  /** The events' ids: an answer naming all of them acknowledges the batch's range at once. */
  ids: string[];
}

/** One event as a protocol line. The payload is stored as JSON text already: spliced, not re-encoded. */
export function eventLine(e: EventRow): string {
  const head = JSON.stringify({
    id: e.id,
    seq: e.seq,
    type: e.type,
    cycleId: e.cycle_id,
    voterKey: e.voter_key,
    channel: e.channel,
    capturedAt: e.captured_at,
  });
  return `${head.slice(0, -1)},"payload":${e.payload}}`;
}

/** A signed batch, compressed on this thread (bundles, tests). */
export function buildBatch(identity: GatewayIdentity, rows: readonly EventRow[], backlog: number, now: Date, level = 6): SignedBatch {
  const header = batchHeader(identity, rows, backlog, now);
  return signed(identity, header, rows, gzipSync(encodeBatch(header, rows.map(eventLine)), { level }));
}

const gzipAsync = promisify(gzip);

/**
 * The same batch, compressed in libuv's thread pool: the relay runs on the gateway's event loop,
 * where a synchronous gzip of a 1,000-event batch would hold up every USSD hop meanwhile.
 */
export async function buildBatchAsync(identity: GatewayIdentity, rows: readonly EventRow[], backlog: number, now: Date, level = 6): Promise<SignedBatch> {
  const header = batchHeader(identity, rows, backlog, now);
  return signed(identity, header, rows, await gzipAsync(encodeBatch(header, rows.map(eventLine)), { level }));
}

function batchHeader(identity: GatewayIdentity, rows: readonly EventRow[], backlog: number, now: Date): BatchHeader {
  return { protocol: PROTOCOL_VERSION, gatewayId: identity.gatewayId, batchId: uuidv7(), sentAt: now.toISOString(), backlog, count: rows.length };
}

function signed(identity: GatewayIdentity, header: BatchHeader, rows: readonly EventRow[], body: Buffer): SignedBatch {
  return {
    header,
    body,
    signature: signBody(identity.privateKey, identity.gatewayId, body),
    firstSeq: rows[0]?.seq ?? 0,
    lastSeq: rows.at(-1)?.seq ?? 0,
    ids: rows.map((r) => r.id),
  };
}
