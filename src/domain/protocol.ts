// The sync protocol between gateways and the ledger, version 1: the wire shapes (zod), how a
// batch is signed, and how the ledger chains accepted events. docs/architecture.md describes
// it for teams writing their own gateway; this file is the definition.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, hash, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { MAX_BATCH_SIZE } from '../config/schema.ts';
import { SautiError } from './errors.ts';

export const PROTOCOL_VERSION = 1;

/** An ISO 8601 UTC instant; bounded, so a line cannot carry megabytes of fraction digits. */
const instant = z.iso.datetime().max(40);

/** First line of a batch body (gzip-compressed NDJSON): who sends what. */
export const batchHeaderSchema = z.object({
  protocol: z.literal(PROTOCOL_VERSION),
  gatewayId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/),
  batchId: z.uuid(),
  /** The gateway's clock when it built the batch; the ledger measures skew against its own. */
  sentAt: instant,
  /** Events still waiting on the gateway after this batch (zod's int() is a safe integer). */
  backlog: z.number().int().min(0),
  count: z.number().int().min(0),
  /** Bundles only: attachment lines after the `count` event lines (absent before attachments, and in pushes). */
  attachments: z.number().int().min(0).max(MAX_BATCH_SIZE).optional(),
});
export type BatchHeader = z.infer<typeof batchHeaderSchema>;

const code = z.number().int().min(1).max(97);
const idText = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/);
/** Receipt codes and proposal references: groups of letters and digits joined by single dashes (never just dashes: receiptKey must not be empty). */
const shortCode = z
  .string()
  .min(4)
  .max(24)
  .regex(/^[A-Z0-9]+(?:-[A-Z0-9]+)*$/);

export const votePayloadSchema = z.strictObject({
  wardId: idText,
  picks: z.array(code).min(1).max(97),
  receipt: shortCode,
  /** The event id of the voter's ballot this one replaces. */
  replaces: z.uuid().nullable(),
  // From the voter's roll entry, only when the roll holds them (never asked of residents). The
  // ledger counts a value only if its deployment lists it; anything else is kept in the event
  // but left out of turnout, so a mismatched list never costs a vote. Absent in older events.
  ageBand: z.string().min(1).max(32).optional(),
  gender: z.string().min(1).max(32).optional(),
});
export const proposalPayloadSchema = z.strictObject({
  wardId: idText,
  category: z.string().min(1).max(40),
  title: z.string().min(1).max(200),
  description: z.string().max(2000),
  reference: shortCode,
  /** A spoken idea (voice): its recording's SHA-256 and length, kept on the gateway that took the call. */
  audio: z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().min(1).max(50_000_000) }).optional(),
  /** An idea an officer photographed (field capture): the photo kept on the gateway, cleaned, by digest and length. It travels as a recording does. */
  photo: z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().min(1).max(50_000_000) }).optional(),
});

/**
 * A resident's report on a winning project (REPORT 7 … by SMS, USSD, or spoken on a call): the project's ward and number,
 * what they wrote (phone numbers in it already replaced on the gateway), the reference the team's
 * answer names, and the language to answer in. Who sent it stays on the gateway.
 */
export const reportPayloadSchema = z
  .strictObject({
    wardId: idText,
    code,
    text: z.string().max(500),
    reference: shortCode,
    lang: z.string().regex(/^[a-z]{2,3}$/),
    /** A spoken report (voice): its recording's SHA-256 and length, kept on the gateway that took the call; its text is then empty. */
    audio: z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().min(1).max(50_000_000) }).optional(),
  })
  // A report says something: in words, or in a recording.
  .refine((p) => p.text.length > 0 || p.audio !== undefined, { path: ['text'], message: 'a report has text or a recording' });

/** A count on a tally sheet: a whole number of ballots. */
const tallyCount = z.number().int().min(0).max(10_000_000);
/**
 * A meeting's paper tally sheet (src/domain/paper.ts): ballots issued, valid and spoiled, and the
 * votes of each project among the valid ones. One per meeting id and cycle in the ledger.
 */
export const tallyPayloadSchema = z.strictObject({
  wardId: idText,
  meetingId: z.string().regex(/^[A-Z0-9][A-Z0-9-]{0,39}$/),
  issued: tallyCount,
  valid: tallyCount,
  spoiled: tallyCount,
  counts: z.array(z.strictObject({ code, votes: tallyCount })).max(97),
});

/**
 * A survey's answers (needs assessment, taken by a field officer): the survey, the ward, and each
 * answered question's value by question id (text, whole number, or the choice ids picked). No
 * person is named: the event's voter key is a key of the form instance, linking it to nothing.
 */
export const surveyPayloadSchema = z.strictObject({
  surveyId: idText,
  wardId: idText,
  answers: z
    .record(
      z.string().regex(/^[a-z][a-z0-9_]{0,31}$/),
      z.union([z.string().max(2000), z.number().int().min(-1e9).max(1e9), z.array(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/)).max(40)]),
    )
    .refine((a) => Object.keys(a).length <= 60, 'at most 60 answers'),
});

const lineFields = {
  id: z.uuid(),
  /** A positive safe integer (zod's int() refuses 1e300 and 2^53 + 1 alike). */
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  cycleId: idText,
  voterKey: z.string().regex(/^[A-Za-z0-9_-]{16,128}$/),
  channel: z.enum(['ussd', 'sms', 'voice', 'field', 'paper']),
  capturedAt: instant,
};
/**
 * One event line, its payload checked against its type. One discriminated union without
 * transforms: the ledger parses every line of every batch, and this shape parses in a third of
 * the time of a line schema, a payload schema and transforms (see parseEvent for the rest).
 */
export const eventLineSchema = z.discriminatedUnion('type', [
  z.object({ ...lineFields, type: z.literal('vote.cast'), payload: votePayloadSchema }),
  z.object({ ...lineFields, type: z.literal('proposal.submitted'), payload: proposalPayloadSchema }),
  z.object({ ...lineFields, type: z.literal('paper.tally'), payload: tallyPayloadSchema }),
  z.object({ ...lineFields, type: z.literal('survey.answered'), payload: surveyPayloadSchema }),
  z.object({ ...lineFields, type: z.literal('project.reported'), payload: reportPayloadSchema }),
]);
export type ParsedEvent = z.infer<typeof eventLineSchema>;

/** What toISOString() writes; anything else z.iso.datetime() accepts is rewritten to it. */
const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Parses one event line; on failure names the first bad field, e.g. `payload.picks.0`. */
export function parseEvent(raw: unknown): { ok: true; event: ParsedEvent } | { ok: false; id: string | null; seq: number | null; detail: string } {
  const line = eventLineSchema.safeParse(raw);
  if (!line.success) {
    const r = raw as { id?: unknown; seq?: unknown; notJson?: unknown; tooLong?: unknown } | null;
    const i = line.error.issues[0]!;
    return {
      ok: false,
      // Printable ASCII only: the id is stored with the rejection (PostgreSQL text refuses NUL).
      id: typeof r?.id === 'string' && /^[\x21-\x7e]{1,64}$/.test(r.id) ? r.id : null,
      // Only a number the line could legally carry: a malformed line must not move the gateway's highest sequence number to 1e300.
      seq: isSeq(r?.seq) ? r.seq : null,
      detail:
        typeof r?.tooLong === 'number'
          ? `event: the line is longer than ${MAX_LINE_CHARS} characters`
          : typeof r?.notJson === 'string'
            ? 'event: the line is not JSON'
            : printable(`${i.path.map(String).join('.') || 'event'}: ${i.message}`),
    };
  }
  // One spelling of each id and instant, whatever case or offset the gateway wrote.
  const event = line.data;
  event.id = event.id.toLowerCase();
  if (!CANONICAL_INSTANT.test(event.capturedAt)) event.capturedAt = new Date(event.capturedAt).toISOString();
  return { ok: true, event };
}

/** A detail that may quote the line (an unknown key's name) as stored and shown: no control characters (PostgreSQL text refuses NUL), at most 200 characters. */
function printable(detail: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = detail.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 200 ? `${clean.slice(0, 199)}…` : clean;
}

/** A gateway sequence number: a positive safe integer. */
function isSeq(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 1;
}

/**
 * Why the ledger refused an event. The gateway keeps these for its operator. `id-conflict`: the
 * ledger holds this event id from another gateway, or from this one with other content.
 * `tally-conflict`: the ledger already holds a tally sheet for this meeting and cycle.
 */
export type RejectReason =
  'malformed' | 'unknown-cycle' | 'unknown-ward' | 'not-on-ballot' | 'ballot-rule' | 'outside-window' | 'id-conflict' | 'tally-conflict';

/** The ledger's answer to a batch. Every event of the batch is in one list (an id repeated within the batch is a duplicate from its second line on). */
export const batchAnswerSchema = z.object({
  batchId: z.string(),
  receivedAt: z.string(),
  /** The batch's sentAt minus the ledger's clock at arrival, in ms: positive when the gateway is ahead (null for bundles). */
  clockSkewMs: z.number().nullable(),
  accepted: z.array(z.object({ id: z.string(), ledgerSeq: z.number() })),
  duplicates: z.array(z.string()),
  rejected: z.array(z.object({ id: z.string(), seq: z.number().nullable(), reason: z.string(), detail: z.string() })),
  /** Ranges of this gateway's sequence numbers the ledger has not received yet. */
  gaps: z.array(z.object({ from: z.number(), to: z.number() })),
});
export type BatchAnswer = z.infer<typeof batchAnswerSchema>;

/**
 * Where a ballot stands in the city ledger: `counted`; `replaced` (a later ballot of the same voter
 * counts) or `superseded` (an earlier one counts, refuse policy), each with the channel of the
 * ballot that counts (never its gateway, number or choices); `late` (it arrived after its cycle's
 * results were published: kept, not counted); `unknown` when the ledger does not hold the event.
 */
export const ballotStandingSchema = z.object({
  id: z.string(),
  status: z.enum(['counted', 'replaced', 'superseded', 'late', 'unknown']),
  countedChannel: lineFields.channel.optional(),
});
export type BallotStanding = z.infer<typeof ballotStandingSchema>;

/** Most event ids one `POST /v1/ballots/standing` may ask about. */
export const MAX_STANDING_IDS = 1000;

/** `POST /v1/ballots/standing` body: the votes a gateway wants the standing of (its own, newly acknowledged or last seen counted). */
export const ballotStandingRequestSchema = z.object({ ids: z.array(z.uuid()).min(1).max(MAX_STANDING_IDS) });

/** Its answer: one entry per id asked, in the same order. */
export const ballotStandingAnswerSchema = z.object({ ballots: z.array(ballotStandingSchema) });

/** Protocol-level refusals, sent as `{ error, message }` with the HTTP status here. */
export const REFUSALS = {
  unsigned: 401,
  'bad-signature': 403,
  'unknown-gateway': 403,
  replayed: 409,
  malformed: 400,
  'too-large': 413,
  'seq-conflict': 409,
  // Attachments (PUT /v1/attachments/<sha256>): see AttachmentRefusal.
  'digest-mismatch': 422,
  'length-mismatch': 422,
  'not-an-image': 422,
  'unknown-event': 409,
  /** This gateway already has a batch in flight: retry after its answer (with Retry-After). */
  busy: 429,
} as const;
export type Refusal = keyof typeof REFUSALS;

/** A receipt code as stored and looked up: upper case, letters and digits only ("p3hts-qeme4" → "P3HTSQEME4"). */
export function receiptKey(code: string): string {
  // Codes are Crockford base32 (no I, L, O, U): a receipt copied from paper as O or I/L means 0 or 1, as the SMS grammar reads it.
  return code
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
}

// --- Signatures -------------------------------------------------------------------------------

/** Bytes a gateway signs for a body: binds the gateway id to the exact bytes sent. */
export function signedMessage(gatewayId: string, body: Uint8Array): Buffer {
  return digestMessage(gatewayId, sha256Hex(body));
}

/** The same message from a SHA-256 computed while streaming: `sauti/1 <gatewayId> <hex digest>`. */
export function digestMessage(gatewayId: string, sha256hex: string): Buffer {
  return Buffer.from(`sauti/${PROTOCOL_VERSION} ${gatewayId} ${sha256hex}`, 'utf8');
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A new Ed25519 key pair: the private key as PKCS#8 PEM, the public key as base64url (32 bytes). */
export function newKeyPair(): { privatePem: string; publicKey: string } {
  // Encoded by the generation itself, never exported from the KeyObjects it would return: on Node
  // 20, exporting a JWK from such a key deadlocked a test process for good (ExportJWKEdKey holds
  // the key's lock while V8 allocates; a garbage collection then ran, and destroying the finished
  // generation job took the same lock). The last 32 bytes of an Ed25519 SPKI are the raw key.
  const { privateKey, publicKey } = generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'der' },
  });
  return { privatePem: privateKey, publicKey: publicKey.subarray(-32).toString('base64url') };
}

/** The base64url text form of an Ed25519 public key. */
export function publicKeyText(key: KeyObject): string {
  return (key.export({ format: 'jwk' }) as { x: string }).x;
}

export function publicKeyOf(privatePem: string): string {
  return publicKeyText(createPublicKey(createPrivateKey(privatePem)));
}

/** Parses a public key text; throws with a plain message when it is not an Ed25519 key. */
export function parsePublicKey(text: string): KeyObject {
  if (!/^[A-Za-z0-9_-]{43}$/.test(text)) throw new Error('a public key is 43 base64url characters (as `sauti sync identity` prints it)');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: text }, format: 'jwk' });
}

export function signBody(privateKey: KeyObject | string, gatewayId: string, body: Uint8Array): string {
  return sign(null, signedMessage(gatewayId, body), privateKey).toString('base64');
}

export function verifyBody(publicKey: KeyObject, gatewayId: string, body: Uint8Array, signature: string): boolean {
  const sig = Buffer.from(signature, 'base64');
  if (sig.length !== 64) return false;
  return verify(null, signedMessage(gatewayId, body), publicKey, sig);
}

// --- The ledger's signed answers ---------------------------------------------------------------

/** HTTP header carrying the ledger's signature over a batch answer's exact body bytes. */
export const ANSWER_SIGNATURE_HEADER = 'sauti-ledger-signature';
/**
 * A gateway's question whose answer it will tell a resident (a vote's standing, a receipt) carries
 * a fresh UUID here and its id in `Sauti-Gateway`; the ledger signs its answer for that gateway
 * and nonce as a batch answer is signed, but as a `query` (`answerMessage(gatewayId, nonce, bytes, 'query')`).
 */
export const QUERY_NONCE_HEADER = 'sauti-nonce';
const NONCE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The gateway and nonce a signed question names, or null when it is not one (anyone may ask unsigned). */
export function queryNonce(gatewayId: string | undefined, nonce: string | undefined): { gatewayId: string; nonce: string } | null {
  if (!gatewayId || !nonce || !NONCE.test(nonce) || !/^[a-z0-9][a-z0-9-]{0,39}$/.test(gatewayId)) return null;
  return { gatewayId, nonce };
}

/**
 * Bytes the ledger signs for an answer: `sauti-answer/1 <gatewayId> <batch or bundle id> <sha256
 * hex of the exact answer bytes>`. Binding both ids means an answer can neither be replayed for
 * another batch nor shown to another gateway; hashing the bytes as sent (never a re-encoding)
 * lets the answer grow new fields without breaking older gateways.
 */
export function answerMessage(gatewayId: string, answerFor: string, body: Uint8Array, kind: AnswerKind = 'answer'): Buffer {
  return Buffer.from(`sauti-${kind}/${PROTOCOL_VERSION} ${gatewayId} ${answerFor} ${sha256Hex(body)}`, 'utf8');
}

/**
 * `answer`: a batch answer or acknowledgement file (it moves events out of an outbox); `query`:
 * the answer to a gateway's signed question; `attachment`: the answer to an attachment upload (it
 * lets the gateway erase the recording). Kept apart, so a signature the ledger gives to anyone
 * who asks a question can never pass as a batch answer.
 */
export type AnswerKind = 'answer' | 'query' | 'attachment';

/** The ledger's signature (base64) over an answer's bytes. */
export function signAnswer(privateKey: KeyObject, gatewayId: string, answerFor: string, body: Uint8Array, kind: AnswerKind = 'answer'): string {
  return sign(null, answerMessage(gatewayId, answerFor, body, kind), privateKey).toString('base64');
}

/** Whether `signature` is the ledger key's over exactly these answer bytes for this gateway and batch. */
export function verifyAnswer(
  publicKey: KeyObject,
  gatewayId: string,
  answerFor: string,
  body: Uint8Array,
  signature: string,
  kind: AnswerKind = 'answer',
): boolean {
  const sig = Buffer.from(signature, 'base64');
  if (sig.length !== 64) return false;
  return verify(null, answerMessage(gatewayId, answerFor, body, kind), publicKey, sig);
}

// --- The ledger's hash chain ------------------------------------------------------------------

export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an accepted event that its chain link covers. */
export interface ChainedFields {
  seq: number;
  event_id: string;
  gateway_id: string;
  gateway_seq: number;
  type: string;
  cycle_id: string;
  voter_key: string;
  channel: string;
  captured_at: string;
  received_at: string;
  payload: string;
}

/** hash(n) = SHA-256(hash(n-1) ‖ "\n" ‖ JSON of the fields in a fixed order), hex. */
export function chainHash(prevHash: string, e: ChainedFields): string {
  const fields = [e.seq, e.event_id, e.gateway_id, e.gateway_seq, e.type, e.cycle_id, e.voter_key, e.channel, e.captured_at, e.received_at, e.payload];
  // One-shot hashing of one string: the same bytes as three updates, in half the time.
  return hash('sha256', `${prevHash}\n${JSON.stringify(fields)}`, 'hex');
}

// --- Batch bodies -----------------------------------------------------------------------------

/** Largest batch body after decompression: a bound on what one request can make the ledger hold. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Most events in one batch: the largest `sync.batchSize`. More is refused whole (413) before any line is parsed. */
export const MAX_BATCH_EVENTS = MAX_BATCH_SIZE;

/**
 * Longest event line, in characters. The largest honest line (a proposal's 2,000-character
 * description with every character JSON-escaped) is under 14,000; a longer line is refused
 * without being parsed.
 */
export const MAX_LINE_CHARS = 16 * 1024;

/** NDJSON body: the header line, then one line per event. */
export function encodeBatch(header: BatchHeader, eventLines: readonly string[]): string {
  return [JSON.stringify(header), ...eventLines].join('\n') + '\n';
}

/**
 * Parses a decompressed body; throws SautiError('sync.malformed') naming the bad line or field,
 * or SautiError('sync.too_large') past MAX_BATCH_EVENTS lines, found without reading further:
 * five million empty lines cost no more than a full batch.
 */
export function decodeBatch(text: string): { header: BatchHeader; lines: unknown[] } {
  const rows: string[] = [];
  for (let start = 0; start < text.length;) {
    if (rows.length > MAX_BATCH_EVENTS)
      throw new SautiError(
        'sync.too_large',
        `the body has more than ${MAX_BATCH_EVENTS} event lines; a batch holds at most ${MAX_BATCH_EVENTS} events (sync.batchSize)`,
      );
    const end = text.indexOf('\n', start);
    rows.push(text.slice(start, end === -1 ? text.length : end));
    start = end === -1 ? text.length : end + 1;
  }
  if (rows.length === 0) throw malformed('the body is empty: the first line must be the batch header');
  let first: unknown;
  try {
    first = JSON.parse(rows[0]!);
  } catch {
    throw malformed('line 1 (header) is not JSON');
  }
  const header = batchHeaderSchema.safeParse(first);
  if (!header.success) {
    const i = header.error.issues[0]!;
    throw malformed(`header.${i.path.join('.')}: ${i.message}`);
  }
  if (header.data.count > MAX_BATCH_EVENTS)
    throw new SautiError('sync.too_large', `header.count is ${header.data.count}; a batch holds at most ${MAX_BATCH_EVENTS} events (sync.batchSize)`);
  if (header.data.count !== rows.length - 1) throw malformed(`header.count says ${header.data.count} events but the body has ${rows.length - 1}`);
  const empty = rows.indexOf('', 1);
  if (empty !== -1) throw malformed(`line ${empty + 1} is empty: every line after the header is one event`);
  return { header: header.data, lines: rows.slice(1).map(parseLine) };
}

/**
 * One event line; a line that is not JSON, or longer than MAX_LINE_CHARS, becomes a malformed
 * event, and the rest of the batch still counts.
 */
export function parseLine(line: string): unknown {
  if (line.length > MAX_LINE_CHARS) return { tooLong: line.length };
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return { notJson: line.slice(0, 40) };
  }
}

function malformed(message: string): SautiError {
  return new SautiError('sync.malformed', message);
}

// --- Bundles (carried by hand where there is no link) ----------------------------------------

/**
 * A bundle file is one fixed-length text line, then a batch body (gzip, possibly several gzip
 * members one after another). The line is `SAUTI-BUNDLE/1 <gatewayId padded to 40> <signature>`,
 * 145 bytes with its newline, so it can be written last, in place, once the body is hashed.
 */
export const BUNDLE_LINE_BYTES = 15 + 40 + 1 + 88 + 1;

/**
 * Most events one bundle may declare (`count`) and carry; `sauti sync export` refuses to write
 * more. `sauti ledger import` checks the whole body before storing anything, keeping every event
 * id and sequence number of the bundle in memory, so this bounds what a file can make it hold.
 */
export const MAX_BUNDLE_EVENTS = 2_000_000;

export function bundleLine(gatewayId: string, signature: string): string {
  return `SAUTI-BUNDLE/${PROTOCOL_VERSION} ${gatewayId.padEnd(40)} ${signature.padEnd(88)}\n`;
}

export function parseBundleLine(line: Buffer): { gatewayId: string; signature: string } {
  const m = /^SAUTI-BUNDLE\/1 ([a-z0-9][a-z0-9-]{0,39}) *\s([A-Za-z0-9+/=]{88})\n$/.exec(line.toString('latin1'));
  if (!m) throw malformed('this is not a Sauti bundle (the first line must start with SAUTI-BUNDLE/1)');
  return { gatewayId: m[1]!, signature: m[2]! };
}

/**
 * An acknowledgement file is one text line, `SAUTI-ACK/1 <gatewayId> <bundleId> <signature>`,
 * then the acknowledgement as gzip JSON; the signature is the ledger's answer signature over
 * those gzip bytes (see answerMessage).
 */
export function ackLine(gatewayId: string, bundleId: string, signature: string): string {
  return `SAUTI-ACK/${PROTOCOL_VERSION} ${gatewayId} ${bundleId} ${signature}\n`;
}

/** Splits an acknowledgement file into its line's fields and the signed bytes after it; null when it has no such line. */
export function parseAckFile(file: Buffer): { gatewayId: string; bundleId: string; signature: string; body: Buffer } | null {
  const end = file.indexOf(0x0a);
  if (end < 0 || end > 512) return null;
  const m = /^SAUTI-ACK\/1 ([a-z0-9][a-z0-9-]{0,39}) ([0-9a-fA-F-]{36}) ([A-Za-z0-9+/=]{88})$/.exec(file.subarray(0, end).toString('latin1'));
  if (!m) return null;
  return { gatewayId: m[1]!, bundleId: m[2]!, signature: m[3]!, body: file.subarray(end + 1) };
}

/** The acknowledgement file the ledger writes for a bundle; the gateway imports it. */
export const ackFileSchema = z.object({
  sauti: z.literal('ack'),
  protocol: z.literal(PROTOCOL_VERSION),
  gatewayId: z.string(),
  bundleId: z.string(),
  importedAt: z.string(),
  accepted: batchAnswerSchema.shape.accepted,
  duplicates: batchAnswerSchema.shape.duplicates,
  rejected: batchAnswerSchema.shape.rejected,
  /** Attachments the bundle carried (absent from ledgers before attachments). */
  attachments: z.array(z.lazy(() => attachmentAckSchema)).optional(),
});
export type AckFile = z.infer<typeof ackFileSchema>;

// --- Attachments (a spoken idea's recording) ----------------------------------------------------

/**
 * A recording travels apart from its event and is bound to it by digest: the event line (signed
 * in its batch or bundle, then chained in the ledger) names `audio: { sha256, bytes }`, and the
 * ledger keeps an attachment only if its bytes hash to that digest, have that length, and an
 * event of the same gateway names them. Pushed: `PUT /v1/attachments/<sha256>`, the raw bytes,
 * signed by the gateway over `attachmentMessage`. In a bundle: attachment lines after the events,
 * under the bundle's signature.
 */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

export { DEFAULT_MAX_ATTACHMENT_BYTES } from '../config/schema.ts';

/** Headers of an attachment upload besides Sauti-Gateway, Sauti-Signature and Sauti-Nonce. */
export const ATTACHMENT_EVENT_HEADER = 'sauti-event';

/**
 * The events that may name a recording (`audio: { sha256, bytes }`): a spoken idea and a spoken
 * report. The gateway's queries list them in this order, as its partial index does (migration 0026).
 */
export const RECORDING_OWNERS = ['proposal.submitted', 'project.reported'] as const;
/** RECORDING_OWNERS as an SQL list, for `type IN (…)`. */
export const RECORDING_OWNERS_SQL = RECORDING_OWNERS.map((t) => `'${t}'`).join(', ');

/** A media type as stored and served back: `audio/mpeg`, `audio/x-wav`… */
export const contentTypeSchema = z.string().regex(/^[a-z]+\/[a-z0-9.+-]{1,60}$/);

/** Bytes a gateway signs for an upload: `sauti-attachment/1 <gatewayId> <eventId> <sha256 hex of the bytes>`. */
export function attachmentMessage(gatewayId: string, eventId: string, sha256hex: string): Buffer {
  return Buffer.from(`sauti-attachment/${PROTOCOL_VERSION} ${gatewayId} ${eventId} ${sha256hex}`, 'utf8');
}

export function signAttachment(privateKey: KeyObject | string, gatewayId: string, eventId: string, audio: Uint8Array): string {
  return sign(null, attachmentMessage(gatewayId, eventId, sha256Hex(audio)), privateKey).toString('base64');
}

export function verifyAttachment(publicKey: KeyObject, gatewayId: string, eventId: string, sha256hex: string, signature: string): boolean {
  const sig = Buffer.from(signature, 'base64');
  if (sig.length !== 64) return false;
  return verify(null, attachmentMessage(gatewayId, eventId, sha256hex), publicKey, sig);
}

/**
 * Why the ledger refused an attachment: `too-large` (over its `sync.maxAttachmentBytes`),
 * `digest-mismatch` (the bytes do not hash to the digest they were sent under), `unknown-event`
 * (no event of this gateway in the ledger has that id and names that digest), `length-mismatch`
 * (the event names the digest with another length), `not-an-image` (an idea's photo whose bytes are
 * no JPEG, PNG or WebP image), `malformed` (a bundle line it cannot read).
 */
export type AttachmentRefusal = 'too-large' | 'digest-mismatch' | 'unknown-event' | 'length-mismatch' | 'not-an-image' | 'malformed';

/** Refusals a gateway will not retry by itself: sending the same bytes again cannot change the answer. */
export const FINAL_ATTACHMENT_REFUSALS: ReadonlySet<string> = new Set(['too-large', 'length-mismatch', 'not-an-image', 'damaged']);

/** The ledger's signed answer to an upload (kind `attachment`, for the upload's nonce). */
export const attachmentAnswerSchema = z.object({
  sha256: z.string().regex(SHA256_HEX),
  status: z.literal('stored'),
  /** The ledger held these bytes already: nothing changed. */
  duplicate: z.boolean(),
});
export type AttachmentAnswer = z.infer<typeof attachmentAnswerSchema>;

/** One attachment line of a bundle; `data` (base64) last, so its digest can be read without parsing megabytes. */
export const attachmentLineSchema = z.strictObject({
  attachment: z.strictObject({
    sha256: z.string().regex(SHA256_HEX),
    bytes: z.number().int().min(1),
    eventId: z.uuid(),
    contentType: contentTypeSchema,
    data: z.string(),
  }),
});

/** What an acknowledgement file says of each attachment a bundle carried. */
export const attachmentAckSchema = z.object({
  sha256: z.string(),
  status: z.enum(['stored', 'refused']),
  reason: z.string().optional(),
  detail: z.string().optional(),
});
export type AttachmentAck = z.infer<typeof attachmentAckSchema>;
