// Builds signed batch bodies from outbox rows: gzip-compressed NDJSON (header line, then one
// line per event), signed with the gateway key. Pushes and bundles carry the same bytes.
import { gzipSync } from 'node:zlib';
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
  const head = JSON.stringify({ id: e.id, seq: e.seq, type: e.type, cycleId: e.cycle_id, voterKey: e.voter_key, channel: e.channel, capturedAt: e.captured_at });
  return `${head.slice(0, -1)},"payload":${e.payload}}`;
}

export function buildBatch(identity: GatewayIdentity, rows: readonly EventRow[], backlog: number, now: Date, level = 6): SignedBatch {
  const header: BatchHeader = {
    protocol: PROTOCOL_VERSION,
    gatewayId: identity.gatewayId,
    batchId: uuidv7(),
    sentAt: now.toISOString(),
    backlog,
    count: rows.length,
  };
  const body = gzipSync(encodeBatch(header, rows.map(eventLine)), { level });
  return { header, body, signature: signBody(identity.privateKey, identity.gatewayId, body), firstSeq: rows[0]?.seq ?? 0, lastSeq: rows.at(-1)?.seq ?? 0, ids: rows.map((r) => r.id) };
}
