// Bundles for gateways with no link at all: `sauti sync export` writes every unacknowledged
// event into a signed file an officer carries to the city office; the ledger's acknowledgement
// file, carried back, is imported here and acknowledges exactly what the ledger answered for.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createHash, sign } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { v7 as uuidv7 } from 'uuid';
import { SautiError } from '../src/domain/errors.ts';
import { ackFileSchema, BUNDLE_LINE_BYTES, bundleLine, PROTOCOL_VERSION, digestMessage, type BatchHeader } from '../src/domain/protocol.ts';
import type { EventRow } from '../src/store/gateway-store.ts';
import { eventLine } from './batch.ts';
import type { GatewayIdentity } from './identity.ts';
import type { Outbox } from './outbox.ts';

const PAGE = 5000;

export interface ExportSummary {
  bundleId: string;
  count: number;
  firstSeq: number;
  lastSeq: number;
  bytes: number;
}

/**
 * Writes the bundle in one read snapshot (events acknowledged meanwhile still go: the ledger
 * ignores duplicates). Each page is its own gzip member, so memory stays flat at any size.
 */
export function exportBundle(outbox: Outbox, identity: GatewayIdentity, file: string, progress?: (done: number, total: number) => void, now = new Date()): ExportSummary {
  const db = outbox.db;
  const fd = openSync(file, 'w', 0o600);
  try {
    return db.transaction(() => {
      const total = outbox.pendingCount();
      const header: BatchHeader = { protocol: PROTOCOL_VERSION, gatewayId: identity.gatewayId, batchId: uuidv7(), sentAt: now.toISOString(), backlog: 0, count: total };
      const hash = createHash('sha256');
      let bytes = BUNDLE_LINE_BYTES;
      const write = (chunk: Buffer) => {
        hash.update(chunk);
        writeSync(fd, chunk, 0, chunk.length, bytes);
        bytes += chunk.length;
      };
      write(gzipSync(JSON.stringify(header) + '\n'));
      let after = 0;
      let first = 0;
      let done = 0;
      progress?.(0, total);
      while (done < total) {
        const rows: EventRow[] = outbox.pending(Math.min(PAGE, total - done), after);
        if (rows.length === 0) break;
        first ||= rows[0]!.seq;
        after = rows.at(-1)!.seq;
        write(gzipSync(rows.map(eventLine).join('\n') + '\n'));
        done += rows.length;
        progress?.(done, total);
      }
      if (done !== total) throw new SautiError('sync.export_changed', 'the outbox changed while exporting; run the export again');
      const signature = sign(null, digestMessage(identity.gatewayId, hash.digest('hex')), identity.privateKey).toString('base64');
      writeSync(fd, bundleLine(identity.gatewayId, signature), 0, 'latin1');
      db.prepare('INSERT INTO sync_bundles (bundle_id, first_seq, last_seq, count, created_at) VALUES (?, ?, ?, ?, ?)').run(header.batchId, first, after, total, now.toISOString());
      return { bundleId: header.batchId, count: total, firstSeq: first, lastSeq: after, bytes };
    })();
  } finally {
    closeSync(fd);
  }
}

/** Applies the ledger's acknowledgement file. Importing it twice changes nothing. */
export function importAck(outbox: Outbox, gatewayId: string, file: string, now = new Date()): { acknowledged: number; rejected: number; bundleId: string } {
  let json: unknown;
  try {
    json = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8'));
  } catch {
    throw new SautiError('sync.bad_ack', `${file} is not an acknowledgement file (gzip JSON written by sauti ledger import)`);
  }
  const parsed = ackFileSchema.safeParse(json);
  if (!parsed.success) throw new SautiError('sync.bad_ack', `${file}: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
  const ack = parsed.data;
  if (ack.gatewayId !== gatewayId) throw new SautiError('sync.bad_ack', `${file} acknowledges gateway ${ack.gatewayId}, not this one (${gatewayId})`);
  const known = outbox.db.prepare('SELECT 1 FROM sync_bundles WHERE bundle_id = ?').get(ack.bundleId);
  if (!known) throw new SautiError('sync.bad_ack', `${file} is for bundle ${ack.bundleId}, which this gateway did not export`);
  const result = outbox.recordAnswer({ ...ack, receivedAt: ack.importedAt }, now);
  outbox.db.prepare('UPDATE sync_bundles SET acked_at = coalesce(acked_at, ?) WHERE bundle_id = ?').run(now.toISOString(), ack.bundleId);
  return { ...result, bundleId: ack.bundleId };
}
