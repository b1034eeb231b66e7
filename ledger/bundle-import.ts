// `sauti ledger import`: a bundle carried from a gateway, ingested under the same rules as a
// push, all or nothing. The signature covers the whole body, so the body is first read through
// and checked (gzip, header, counts, every event line, ids and sequence numbers repeated inside
// it) without writing anything; then its events are ingested in chunks (each with an id derived
// from the bundle's and its own answer) inside one transaction, so a refusal at any point stores
// nothing; then its recordings. A second import of the same file finds every chunk answered and
// changes nothing.
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
  MAX_BUNDLE_EVENTS,
  parseBundleLine,
  parseEvent,
  parseLine,
  PROTOCOL_VERSION,
  sha256Hex,
  type AckFile,
  type AttachmentAck,
  type BatchAnswer,
  type BatchHeader,
} from '../src/domain/protocol.ts';
import type { Unlisted } from './ingest.ts';
import type { Ledger } from './ledger.ts';

const CHUNK = 2000;
/** Namespace for chunk ids: uuidv5(bundleId/chunkIndex). */
const CHUNK_NAMESPACE = '5f0c2a52-6f7e-4d38-9a0e-2b8c7f3d1e61';
/** How a recording line starts (sync/bundle.ts writes the digest first): any other line after the events is an event. */
const ATTACHMENT_LINE = '{"attachment":';

export interface ImportResult {
  ack: AckFile;
  /** The acknowledgement file to carry back: the ack, gzip JSON, signed by this ledger. */
  file: Buffer;
  /** Every chunk had been imported before: nothing changed. */
  alreadyImported: boolean;
  /** Ranges of the gateway's sequence numbers the ledger still lacks after this bundle (as a push's answer has them; not in the ack file). */
  gaps: BatchAnswer['gaps'];
  /** For each `ack.rejected` entry, its event line in the bundle (1 = the first event) when the line is malformed, else null. */
  rejectedLines: (number | null)[];
  /** Votes counted without an age band or gender the deployment lists (also logged). */
  unlisted: Unlisted;
}

/** Why a bundle is refused: nothing of it was stored. */
function refused(problem: string): SautiError {
  return new SautiError('sync.malformed', `${problem}: nothing was imported`);
}

export async function importBundle(
  ledger: Ledger,
  file: string,
  progress?: (done: number, total: number, phase: 'checking' | 'importing') => void,
  now = () => new Date(),
): Promise<ImportResult> {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new SautiError('sync.unreadable', `${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): nothing was imported`);
  }
  const { gatewayId, signature } = parseBundleLine(buf.subarray(0, BUNDLE_LINE_BYTES));
  const body = buf.subarray(BUNDLE_LINE_BYTES);
  await ledger.authenticate(gatewayId, body, signature);

  // 1. Read it all through; nothing is written.
  const checked = await checkBody(body, gatewayId, (done, total) => progress?.(done, total, 'checking'));
  const { header } = checked;

  // 2. The events, in one transaction.
  const ack: AckFile = {
    sauti: 'ack',
    protocol: PROTOCOL_VERSION,
    gatewayId,
    bundleId: header.batchId,
    importedAt: now().toISOString(),
    accepted: [],
    duplicates: [],
    rejected: [],
  };
  let done = 0;
  progress?.(0, header.count, 'importing');
  const { answers, unlisted } = await ledger
    .ingestBundle({ id: header.batchId, sha256: sha256Hex(body) }, eventChunks(body, header), (answer, events) => {
      done += events;
      progress?.(done, header.count, 'importing');
    })
    .catch((err: unknown) => {
      // One transaction: whatever refused a chunk rolled back every chunk before it.
      if (err instanceof SautiError && !err.message.endsWith('nothing was imported'))
        throw new SautiError(err.code, `${err.message}: nothing was imported`, { cause: err });
      throw err;
    });
  for (const answer of answers) {
    ack.accepted.push(...answer.accepted);
    ack.duplicates.push(...answer.duplicates);
    ack.rejected.push(...answer.rejected);
  }
  // When the first chunk was received (stored with its answer): importing again writes the same file, byte for byte.
  if (answers[0]) ack.importedAt = answers[0].receivedAt;

  // 3. The recordings: those bound to the events are in the ledger by now.
  if (checked.attachments > 0) {
    const attachments: AttachmentAck[] = [];
    for await (const line of afterEvents(body, header.count)) attachments.push(await importAttachment(ledger, gatewayId, line));
    ack.attachments = attachments;
  }

  // A malformed line is named by its place in the bundle: its id, if any, may say nothing.
  const malformedWithout = checked.malformed.filter((m) => m.id === null);
  const malformedById = new Map(checked.malformed.flatMap((m) => (m.id === null ? [] : [[m.id, m.line] as const])));
  let nth = 0;
  const rejectedLines = ack.rejected.map((r) =>
    r.reason !== 'malformed' ? null : r.id === '' ? (malformedWithout[nth++]?.line ?? null) : (malformedById.get(r.id) ?? null),
  );
  return {
    ack,
    file: await signedAckFile(ledger, ack),
    alreadyImported: answers.length > 0 && answers.every((a) => a.replayOf),
    gaps: answers.at(-1)?.gaps ?? [],
    rejectedLines,
    unlisted,
  };
}

/** The body's lines, decompressed as they are read. */
function bodyLines(body: Buffer): AsyncIterable<string> {
  return createInterface({ input: Readable.from([body]).pipe(createGunzip()), crlfDelay: Infinity });
}

interface CheckedBody {
  header: BatchHeader;
  attachments: number;
  /** Event lines that are not a valid event (rejected as malformed on ingest): their place among the events (1-based) and the id they name. */
  malformed: { line: number; id: string | null }[];
}

/**
 * Reads the whole body and refuses it, naming what is wrong, unless it is complete and
 * consistent: valid gzip to its end, a header for this gateway, as many events and recordings as
 * the header says (at most MAX_BUNDLE_EVENTS), and no event id or sequence number twice.
 * A line that is not a valid event is not a refusal: it is rejected as `malformed`, as in a push.
 */
async function checkBody(body: Buffer, gatewayId: string, progress: (done: number, total: number) => void): Promise<CheckedBody> {
  let header: BatchHeader | undefined;
  let events = 0;
  let extra = 0;
  let attachments = 0;
  const ids = new Map<string, number>();
  const seqs = new Map<number, number>();
  const malformed: CheckedBody['malformed'] = [];
  try {
    for await (const line of bodyLines(body)) {
      if (!header) {
        header = checkHeader(line, gatewayId);
        progress(0, header.count);
        continue;
      }
      if (line === '') continue;
      if (events < header.count) {
        events += 1;
        const parsed = parseEvent(parseLine(line));
        if (!parsed.ok) {
          malformed.push({ line: events, id: parsed.id });
        } else {
          const { id, seq } = parsed.event;
          const idAt = ids.get(id);
          if (idAt !== undefined) throw refused(`event ${id} appears twice in this bundle (event lines ${idAt} and ${events})`);
          const seqAt = seqs.get(seq);
          if (seqAt !== undefined) throw refused(`event seq ${seq} appears twice in this bundle (event lines ${seqAt} and ${events})`);
          ids.set(id, events);
          seqs.set(seq, events);
        }
        if (events % CHUNK === 0) progress(events, header.count);
      } else if (line.startsWith(ATTACHMENT_LINE)) attachments += 1;
      else extra += 1;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code?.startsWith('Z_'))
      throw refused(
        header
          ? `the bundle body is damaged after ${events} events (not valid gzip, or cut short)`
          : 'the bundle body is not valid gzip (the file is damaged or cut short)',
      );
    throw err;
  }
  if (!header) throw refused('the bundle body is empty: it has no header');
  if (events + extra !== header.count) throw refused(`the bundle header says ${header.count} events but it holds ${events + extra}`);
  if (attachments !== (header.attachments ?? 0)) throw refused(`the bundle header says ${header.attachments ?? 0} recordings but it holds ${attachments}`);
  progress(events, header.count);
  return { header, attachments, malformed };
}

function checkHeader(line: string, gatewayId: string): BatchHeader {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw refused('the bundle header (the first line of its body) is not JSON');
  }
  const parsed = batchHeaderSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw refused(`bundle header: ${issue.path.join('.') || 'header'}: ${issue.message}`);
  }
  if (parsed.data.gatewayId !== gatewayId) throw refused(`the bundle is signed by ${gatewayId} but its header names ${parsed.data.gatewayId}`);
  if (parsed.data.count > MAX_BUNDLE_EVENTS)
    throw refused(`the bundle header says ${parsed.data.count} events; a bundle holds at most ${MAX_BUNDLE_EVENTS.toLocaleString('en-US')}`);
  return parsed.data;
}

/** The checked body's event lines, as chunks with their own ids and headers. */
async function* eventChunks(body: Buffer, header: BatchHeader): AsyncGenerator<{ header: BatchHeader; lines: unknown[] }> {
  let chunk: unknown[] = [];
  let index = 0;
  let events = 0;
  const next = () => ({ header: { ...header, batchId: uuidv5(`${header.batchId}/${index++}`, CHUNK_NAMESPACE), count: chunk.length }, lines: chunk });
  let first = true;
  for await (const line of bodyLines(body)) {
    if (first) {
      first = false;
      continue;
    }
    if (line === '') continue;
    if (events === header.count) break;
    events += 1;
    chunk.push(parseLine(line));
    if (chunk.length === CHUNK) {
      yield next();
      chunk = [];
    }
  }
  if (chunk.length > 0) yield next();
}

/** The checked body's lines after its events: its recordings. */
async function* afterEvents(body: Buffer, count: number): AsyncGenerator<string> {
  let lines = -1; // the header
  for await (const line of bodyLines(body)) {
    if (line === '') continue;
    if (++lines > count) yield line;
  }
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
