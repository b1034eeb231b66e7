// Bundles for gateways with no link at all: `sauti sync export` writes every unacknowledged
// event into a signed file an officer carries to the city office; the ledger's acknowledgement
// file, carried back, is imported here and acknowledges exactly what the ledger answered for.
import { closeSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
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
  // Written under a temporary name and renamed when complete: a half-written file never looks like a bundle.
  const partial = `${file}.partial`;
  const fd = openSync(partial, 'w', 0o600);
  let summary: ExportSummary;
  try {
    summary = db.transaction(() => {
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
      return { bundleId: header.batchId, count: total, firstSeq: first, lastSeq: after, bytes };
    })();
  } finally {
    closeSync(fd);
  }
  // Recorded after the read snapshot ends: a write inside it could fail on a gateway taking votes.
  db.prepare('INSERT INTO sync_bundles (bundle_id, first_seq, last_seq, count, created_at) VALUES (?, ?, ?, ?, ?)').run(summary.bundleId, summary.firstSeq, summary.lastSeq, summary.count, now.toISOString());
  renameSync(partial, file);
  return summary;
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
  const bundle = outbox.db.prepare('SELECT first_seq, last_seq FROM sync_bundles WHERE bundle_id = ?').get(ack.bundleId) as { first_seq: number; last_seq: number } | undefined;
  if (!bundle) throw new SautiError('sync.bad_ack', `${file} is for bundle ${ack.bundleId}, which this gateway did not export`);
  // Only events the bundle carried can be acknowledged by its file.
  const inBundle = new Set(
    outbox.db.prepare('SELECT id FROM events WHERE seq BETWEEN ? AND ?').pluck().all(bundle.first_seq, bundle.last_seq) as string[],
  );
  const result = outbox.recordAnswer(
    {
      receivedAt: ack.importedAt,
      accepted: ack.accepted.filter((a) => inBundle.has(a.id)),
      duplicates: ack.duplicates.filter((id) => inBundle.has(id)),
      rejected: ack.rejected.filter((r) => inBundle.has(r.id)),
    },
    now,
  );
  outbox.db.prepare('UPDATE sync_bundles SET acked_at = coalesce(acked_at, ?) WHERE bundle_id = ?').run(now.toISOString(), ack.bundleId);
  return { ...result, bundleId: ack.bundleId };
}
