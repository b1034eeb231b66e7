// `sauti ledger import`: a bundle carried from a gateway, ingested under the same rules as a
// push, in chunks (each its own transaction, with an id derived from the bundle's), so a
// second import of the same file finds every chunk already answered and changes nothing.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { createGunzip, gzipSync } from 'node:zlib';
import { v5 as uuidv5 } from 'uuid';
import { SautiError } from '../src/domain/errors.ts';
import {
  ackLine,
  attachmentLineSchema,
  batchHeaderSchema,
  BUNDLE_LINE_BYTES,
  parseBundleLine,
  parseLine,
  PROTOCOL_VERSION,
  type AckFile,
  type AttachmentAck,
  type BatchHeader,
} from '../src/domain/protocol.ts';
import type { Ledger } from './ledger.ts';

const CHUNK = 2000;
/** Namespace for chunk ids: uuidv5(bundleId/chunkIndex). */
const CHUNK_NAMESPACE = '5f0c2a52-6f7e-4d38-9a0e-2b8c7f3d1e61';

export interface ImportResult {
  ack: AckFile;
  /** The acknowledgement file to carry back: the ack, gzip JSON, signed by this ledger. */
  file: Buffer;
  /** Every chunk had been imported before: nothing changed. */
  alreadyImported: boolean;
}

export async function importBundle(
  ledger: Ledger,
  file: string,
  progress?: (done: number, total: number) => void,
  now = () => new Date(),
): Promise<ImportResult> {
  const buf = readFileSync(file);
  const { gatewayId, signature } = parseBundleLine(buf.subarray(0, BUNDLE_LINE_BYTES));
  const body = buf.subarray(BUNDLE_LINE_BYTES);
  await ledger.authenticate(gatewayId, body, signature);

  const lines = createInterface({ input: Readable.from([body]).pipe(createGunzip()), crlfDelay: Infinity });
  let header: BatchHeader | undefined;
  const ack: AckFile = {
    sauti: 'ack',
    protocol: PROTOCOL_VERSION,
    gatewayId,
    bundleId: '',
    importedAt: now().toISOString(),
    accepted: [],
    duplicates: [],
    rejected: [],
  };
  let chunk: unknown[] = [];
  let index = 0;
  let done = 0;
  let lineNo = 0;
  const attachments: AttachmentAck[] = [];
  let fresh = false;
  const flush = async () => {
    if (!header || chunk.length === 0) return;
    const answer = await ledger.ingest({ ...header, batchId: uuidv5(`${header.batchId}/${index}`, CHUNK_NAMESPACE), count: chunk.length }, chunk, 'bundle');
    if (!answer.replayOf) fresh = true;
    // When the first chunk was received (stored with its answer): importing again writes the same file, byte for byte.
    if (index === 0) ack.importedAt = answer.receivedAt;
    ack.accepted.push(...answer.accepted);
    ack.duplicates.push(...answer.duplicates);
    ack.rejected.push(...answer.rejected);
    done += chunk.length;
    index += 1;
    chunk = [];
    progress?.(done, header.count);
  };
  try {
    for await (const line of lines) {
      if (!header) {
        const parsed = batchHeaderSchema.safeParse(parseLine(line));
        if (!parsed.success)
          throw new SautiError('sync.malformed', `bundle header: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
        if (parsed.data.gatewayId !== gatewayId)
          throw new SautiError('sync.malformed', `the bundle is signed by ${gatewayId} but its header names ${parsed.data.gatewayId}`);
        header = parsed.data;
        ack.bundleId = header.batchId;
        progress?.(0, header.count);
        continue;
      }
      if (line === '') continue;
      lineNo += 1;
      if (lineNo > header.count) {
        // Recordings come after every event: those bound to them are in the ledger by now.
        await flush();
        attachments.push(await importAttachment(ledger, gatewayId, line));
        continue;
      }
      chunk.push(parseLine(line));
      if (chunk.length === CHUNK) await flush();
    }
    await flush();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code?.startsWith('Z_'))
      throw new SautiError('sync.malformed', 'the bundle body is not valid gzip (the file is damaged or cut short)');
    throw err;
  }
  if (!header) throw new SautiError('sync.malformed', 'the bundle has no header');
  if (done !== header.count)
    throw new SautiError(
      'sync.malformed',
      `the bundle header says ${header.count} events but it holds ${done}; the chunks read so far are stored and a complete copy can be imported over them`,
    );
  if (attachments.length !== (header.attachments ?? 0)) {
    throw new SautiError(
      'sync.malformed',
      `the bundle header says ${header.attachments ?? 0} recordings but it holds ${attachments.length}; what was read is stored and a complete copy can be imported over it`,
    );
  }
  if (attachments.length > 0) ack.attachments = attachments;
  return { ack, file: await signedAckFile(ledger, ack), alreadyImported: !fresh && done > 0 };
}

/**
 * One attachment line, checked as an upload is (ledger/attachments.ts). A line too long for the
 * ledger's limit is refused from its digest alone, never parsed; one it cannot read is `malformed`.
 */
async function importAttachment(ledger: Ledger, gatewayId: string, line: string): Promise<AttachmentAck> {
  const sha256 = /^\{"attachment":\{"sha256":"([0-9a-f]{64})"/.exec(line)?.[1] ?? '';
  const max = ledger.deployment().sync.maxAttachmentBytes;
  // base64 is 4 characters per 3 bytes; the other fields are well under 400 characters.
  if (line.length > Math.ceil(max / 3) * 4 + 400) {
    ledger.logAttachmentRefusal({ gatewayId, sha256, reason: 'too-large', source: 'bundle' });
    return { sha256, status: 'refused', reason: 'too-large', detail: `the recording is over ${max} bytes, this ledger's sync.maxAttachmentBytes` };
  }
  let parsed: ReturnType<typeof attachmentLineSchema.safeParse>;
  try {
    parsed = attachmentLineSchema.safeParse(JSON.parse(line));
  } catch {
    parsed = attachmentLineSchema.safeParse(null);
  }
  if (!parsed.success) {
    ledger.logAttachmentRefusal({ gatewayId, sha256, reason: 'malformed', source: 'bundle' });
    return { sha256, status: 'refused', reason: 'malformed', detail: 'an attachment line of the bundle cannot be read' };
  }
  const a = parsed.data.attachment;
  const outcome = await ledger.storeAttachment(
    { gatewayId, eventId: a.eventId, sha256: a.sha256, contentType: a.contentType, audio: Buffer.from(a.data, 'base64') },
    'bundle',
  );
  return outcome.status === 'stored'
    ? { sha256: a.sha256, status: 'stored' }
    : { sha256: a.sha256, status: 'refused', reason: outcome.reason, detail: outcome.detail };
}

/** The acknowledgement file's bytes: its `SAUTI-ACK/1` line, signed over the gzip JSON that follows it. */
export async function signedAckFile(ledger: Ledger, ack: AckFile): Promise<Buffer> {
  const body = gzipSync(JSON.stringify(ack));
  const signature = await ledger.signAnswer(ack.gatewayId, ack.bundleId, body);
  return Buffer.concat([Buffer.from(ackLine(ack.gatewayId, ack.bundleId, signature), 'latin1'), body]);
}
