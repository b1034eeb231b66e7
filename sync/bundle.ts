// Bundles for gateways with no link at all: `sauti sync export` writes every unacknowledged
// event into a signed file an officer carries to the city office; the ledger's acknowledgement
// file, carried back, is imported here and acknowledges exactly what the ledger answered for,
// once its signature by the trusted ledger key is checked.
import { closeSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { createHash, sign } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { SautiError } from '../src/domain/errors.ts';
import {
  ackFileSchema,
  BUNDLE_LINE_BYTES,
  bundleLine,
  DEFAULT_MAX_ATTACHMENT_BYTES,
  MAX_BUNDLE_EVENTS,
  PROTOCOL_VERSION,
  digestMessage,
  parseAckFile,
  verifyAnswer,
  type BatchHeader,
} from '../src/domain/protocol.ts';
import { AttachmentBook } from './attachments.ts';
import type { EventRow } from '../src/store/gateway-store.ts';
import { eventLine } from './batch.ts';
import type { GatewayIdentity } from './identity.ts';
import { requireTrust, type LedgerTrust } from './ledger-trust.ts';
import { namedOutside, type Outbox } from './outbox.ts';

const PAGE = 5000;

export interface ExportSummary {
  bundleId: string;
  count: number;
  firstSeq: number;
  lastSeq: number;
  bytes: number;
  /** Recordings (spoken ideas) carried after the events. */
  attachments: number;
}

/** What a bundle carries besides events. */
export interface ExportOptions {
  /** Largest recording carried (`sync.maxAttachmentBytes`); larger ones stay for the operator. */
  maxAttachmentBytes?: number;
  /** false: no recordings, for a ledger older than attachments (it would refuse the file). */
  attachments?: boolean;
}

/**
 * Writes the bundle in one read snapshot (events acknowledged meanwhile still go: the ledger
 * ignores duplicates). Each page is its own gzip member, so memory stays flat at any size.
 * `fromSeq` adds every acknowledged event from that sequence number on: the resend by file
 * for an operator who fears the ledger lost some (it answers those it holds as duplicates).
 */
export function exportBundle(
  outbox: Outbox,
  identity: GatewayIdentity,
  file: string,
  progress?: (done: number, total: number) => void,
  now = new Date(),
  fromSeq = Number.MAX_SAFE_INTEGER,
  opts: ExportOptions = {},
): ExportSummary {
  const book = new AttachmentBook(outbox.db);
  const maxAttachment = opts.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES;
  const db = outbox.db;
  const page = db.prepare('SELECT * FROM events WHERE (acked_at IS NULL OR seq >= ?) AND seq > ? ORDER BY seq LIMIT ?');
  const count = db.prepare('SELECT count(*) FROM events WHERE acked_at IS NULL OR seq >= ?').pluck();
  // Written under a temporary name and renamed when complete: a half-written file never looks like a bundle.
  const partial = `${file}.partial`;
  const fd = openSync(partial, 'w', 0o600);
  let summary: ExportSummary;
  try {
    summary = db.transaction(() => {
      const total = count.get(fromSeq) as number;
      if (total > MAX_BUNDLE_EVENTS)
        throw new SautiError(
          'sync.too_large',
          `${total} events are due; a bundle holds at most ${MAX_BUNDLE_EVENTS.toLocaleString('en-US')} (the ledger refuses a larger one): nothing was exported`,
        );
      // Recordings whose event this bundle carries or the ledger already acknowledged, intact
      // and within the limit (the relay marks the others; nothing is written in this snapshot).
      const recordings = opts.attachments === false ? [] : book.due(Number.MAX_SAFE_INTEGER, true).filter((r) => r.bytes <= maxAttachment);
      const attachmentLine = (r: (typeof recordings)[number]) => {
        const audio = book.audio(r.sha256);
        // The digest and event first, the bytes last: the ledger reads the digest of a line it refuses without parsing it.
        return audio
          ? JSON.stringify({
              attachment: { sha256: r.sha256, bytes: audio.length, eventId: r.eventId, contentType: r.contentType, data: audio.toString('base64') },
            })
          : null;
      };
      const lines = recordings.map(attachmentLine).filter((l): l is string => l !== null);
      const header: BatchHeader = {
        protocol: PROTOCOL_VERSION,
        gatewayId: identity.gatewayId,
        batchId: uuidv7(),
        sentAt: now.toISOString(),
        backlog: 0,
        count: total,
        // Only when there are some: a bundle without recordings stays what older ledgers read.
        ...(lines.length > 0 ? { attachments: lines.length } : {}),
      };
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
        const rows = page.all(fromSeq, after, Math.min(PAGE, total - done)) as EventRow[];
        if (rows.length === 0) break;
        first ||= rows[0]!.seq;
        after = rows.at(-1)!.seq;
        write(gzipSync(rows.map(eventLine).join('\n') + '\n'));
        done += rows.length;
        progress?.(done, total);
      }
      if (done !== total) throw new SautiError('sync.export_changed', 'the outbox changed while exporting; run the export again');
      // One gzip member per recording, after the events: the ledger holds each event before it reads the recording bound to it.
      for (const line of lines) write(gzipSync(line + '\n'));
      const signature = sign(null, digestMessage(identity.gatewayId, hash.digest('hex')), identity.privateKey).toString('base64');
      writeSync(fd, bundleLine(identity.gatewayId, signature), 0, 'latin1');
      return { bundleId: header.batchId, count: total, firstSeq: first, lastSeq: after, bytes, attachments: lines.length };
    })();
  } finally {
    closeSync(fd);
  }
  // Recorded after the read snapshot ends: a write inside it could fail on a gateway taking votes.
  db.prepare('INSERT INTO sync_bundles (bundle_id, first_seq, last_seq, count, created_at) VALUES (?, ?, ?, ?, ?)').run(
    summary.bundleId,
    summary.firstSeq,
    summary.lastSeq,
    summary.count,
    now.toISOString(),
  );
  renameSync(partial, file);
  return summary;
}

/** What importAck needs besides the file: the ledger key this gateway trusts. */
export interface AckImport {
  trust: LedgerTrust;
  logger?: Logger;
  now?: Date;
}

/**
 * Applies the ledger's acknowledgement file, only if the trusted ledger signed its exact bytes
 * for this gateway and a bundle this gateway exported, and it names only that bundle's events.
 * Anything else is refused whole (logged, kept for `sauti sync status`) and the outbox is
 * unchanged. Importing a good file twice changes nothing.
 */
export function importAck(
  outbox: Outbox,
  gatewayId: string,
  file: string,
  opts: AckImport,
): { acknowledged: number; rejected: number; bundleId: string; recordings: { stored: number; refused: number } } {
  const now = opts.now ?? new Date();
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new SautiError('sync.bad_ack', `${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const signed = parseAckFile(bytes);
  const refuse = (answerFor: string, problem: string): never => {
    outbox.refuseAnswer({ at: now.toISOString(), source: 'ack-file', answerFor, problem });
    opts.logger?.warn({ component: 'sync', bundleId: answerFor }, `acknowledgement file refused: ${problem}`);
    throw new SautiError('sync.bad_ack', `${file}: ${problem}; no event left the outbox`);
  };
  if (!signed) {
    if (unsignedAck(bytes))
      refuse('unknown', 'the acknowledgement is not signed by a ledger (made by hand, or by a ledger older than this gateway): not acting on it');
    throw new SautiError('sync.bad_ack', `${file} is not an acknowledgement file (written by sauti ledger import)`);
  }
  const { key } = requireTrust(opts.trust);
  const bundleId = signed.bundleId.toLowerCase();
  if (signed.gatewayId !== gatewayId) refuse(bundleId, `it acknowledges gateway ${signed.gatewayId}, not this one (${gatewayId})`);
  const bundle = outbox.db.prepare('SELECT first_seq, last_seq FROM sync_bundles WHERE bundle_id = ?').get(bundleId) as
    { first_seq: number; last_seq: number } | undefined;
  if (!bundle) refuse(bundleId, `it is for bundle ${bundleId}, which this gateway did not export`);
  if (!verifyAnswer(key, gatewayId, signed.bundleId, signed.body, signed.signature))
    refuse(bundleId, 'it is not signed by the ledger this gateway trusts (another ledger, or altered)');
  let json: unknown;
  try {
    json = JSON.parse(gunzipSync(signed.body).toString('utf8'));
  } catch {
    refuse(bundleId, 'its signed body is not gzip JSON');
  }
  const parsed = ackFileSchema.safeParse(json);
  if (!parsed.success) return refuse(bundleId, `${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
  const ack = parsed.data;
  if (ack.gatewayId !== gatewayId || ack.bundleId.toLowerCase() !== bundleId)
    refuse(bundleId, `its signed line and its content name different gateways or bundles`);
  // Only events the bundle carried can be acknowledged by its file: naming any other is a wrong file, refused whole.
  const inBundle = new Set(outbox.db.prepare('SELECT id FROM events WHERE seq BETWEEN ? AND ?').pluck().all(bundle!.first_seq, bundle!.last_seq) as string[]);
  const outside = namedOutside(ack, inBundle);
  if (outside.length > 0) refuse(bundleId, `it names ${outside.length} event(s) that were not in the bundle (first ${outside[0]})`);
  const result = outbox.recordAnswer({ receivedAt: ack.importedAt, accepted: ack.accepted, duplicates: ack.duplicates, rejected: ack.rejected }, now);
  outbox.db.prepare('UPDATE sync_bundles SET acked_at = coalesce(acked_at, ?) WHERE bundle_id = ?').run(now.toISOString(), bundleId);
  // The ledger's signed word on each recording: one it holds may leave this gateway after the grace period.
  const recordings = new AttachmentBook(outbox.db).applyAck(ack.attachments ?? [], now);
  return { ...result, bundleId, recordings };
}

/** Whether the file is an acknowledgement without a signature line (the format before ledgers signed them, or one made by hand). */
function unsignedAck(bytes: Buffer): boolean {
  try {
    return (JSON.parse(gunzipSync(bytes).toString('utf8')) as { sauti?: unknown } | null)?.sauti === 'ack';
  } catch {
    return false;
  }
}
