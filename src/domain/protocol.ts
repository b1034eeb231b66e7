// The sync protocol between gateways and the ledger, version 1: the wire shapes (zod), how a
// batch is signed, and how the ledger chains accepted events. docs/architecture.md describes
// it for teams writing their own gateway; this file is the definition.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, hash, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { SautiError } from './errors.ts';

export const PROTOCOL_VERSION = 1;

/** First line of a batch body (gzip-compressed NDJSON): who sends what. */
export const batchHeaderSchema = z.object({
  protocol: z.literal(PROTOCOL_VERSION),
  gatewayId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/),
  batchId: z.uuid(),
  /** The gateway's clock when it built the batch; the ledger measures skew against its own. */
  sentAt: z.iso.datetime(),
  /** Events still waiting on the gateway after this batch. */
  backlog: z.number().int().min(0),
  count: z.number().int().min(0),
});
export type BatchHeader = z.infer<typeof batchHeaderSchema>;

const code = z.number().int().min(1).max(97);
const idText = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/);

export const votePayloadSchema = z.strictObject({
  wardId: idText,
  picks: z.array(code).min(1).max(97),
  receipt: z.string().regex(/^[A-Z0-9-]{4,24}$/),
  replaces: z.string().nullable(),
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
  reference: z.string().regex(/^[A-Z0-9-]{4,24}$/),
});

const lineFields = {
  id: z.uuid(),
  seq: z.number().int().min(1),
  cycleId: idText,
  voterKey: z.string().regex(/^[A-Za-z0-9_-]{16,128}$/),
  channel: z.enum(['ussd', 'sms', 'voice', 'field', 'paper']),
  capturedAt: z.iso.datetime(),
};
/**
 * One event line, its payload checked against its type. One discriminated union without
 * transforms: the ledger parses every line of every batch, and this shape parses in a third of
 * the time of a line schema, a payload schema and transforms (see parseEvent for the rest).
 */
export const eventLineSchema = z.discriminatedUnion('type', [
  z.object({ ...lineFields, type: z.literal('vote.cast'), payload: votePayloadSchema }),
  z.object({ ...lineFields, type: z.literal('proposal.submitted'), payload: proposalPayloadSchema }),
]);
export type ParsedEvent = z.infer<typeof eventLineSchema>;

/** What toISOString() writes; anything else z.iso.datetime() accepts is rewritten to it. */
const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Parses one event line; on failure names the first bad field, e.g. `payload.picks.0`. */
export function parseEvent(raw: unknown): { ok: true; event: ParsedEvent } | { ok: false; id: string | null; seq: number | null; detail: string } {
  const line = eventLineSchema.safeParse(raw);
  if (!line.success) {
    const r = raw as { id?: unknown; seq?: unknown; notJson?: unknown } | null;
    const i = line.error.issues[0]!;
    return {
      ok: false,
      id: typeof r?.id === 'string' ? r.id.slice(0, 64) : null,
      seq: typeof r?.seq === 'number' && Number.isInteger(r.seq) ? r.seq : null,
      detail: typeof r?.notJson === 'string' ? 'event: the line is not JSON' : `${i.path.map(String).join('.') || 'event'}: ${i.message}`,
    };
  }
  // One spelling of each id and instant, whatever case or offset the gateway wrote.
  const event = line.data;
  event.id = event.id.toLowerCase();
  if (!CANONICAL_INSTANT.test(event.capturedAt)) event.capturedAt = new Date(event.capturedAt).toISOString();
  return { ok: true, event };
}

/** Why the ledger refused an event. The gateway keeps these for its operator. */
export type RejectReason = 'malformed' | 'unknown-cycle' | 'unknown-ward' | 'not-on-ballot' | 'ballot-rule' | 'outside-window';

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
 * ballot that counts (never its gateway, number or choices); `unknown` when the ledger does not
 * hold the event.
 */
export const ballotStandingSchema = z.object({
  id: z.string(),
  status: z.enum(['counted', 'replaced', 'superseded', 'unknown']),
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
} as const;
export type Refusal = keyof typeof REFUSALS;

/** A receipt code as stored and looked up: upper case, letters and digits only ("p3hts-qeme4" → "P3HTSQEME4"). */
export function receiptKey(code: string): string {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, '');
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
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey: publicKeyText(publicKey) };
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

/** NDJSON body: the header line, then one line per event. */
export function encodeBatch(header: BatchHeader, eventLines: readonly string[]): string {
  return [JSON.stringify(header), ...eventLines].join('\n') + '\n';
}

/** Parses a decompressed body; throws SautiError('sync.malformed') naming the bad line or field. */
export function decodeBatch(text: string): { header: BatchHeader; lines: unknown[] } {
  const rows = text.split('\n');
  if (rows.at(-1) === '') rows.pop();
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
  if (header.data.count !== rows.length - 1) throw malformed(`header.count says ${header.data.count} events but the body has ${rows.length - 1}`);
  return { header: header.data, lines: rows.slice(1).map(parseLine) };
}

/** One event line; a line that is not JSON becomes a malformed event, and the rest of the batch still counts. */
export function parseLine(line: string): unknown {
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

export function bundleLine(gatewayId: string, signature: string): string {
  return `SAUTI-BUNDLE/${PROTOCOL_VERSION} ${gatewayId.padEnd(40)} ${signature.padEnd(88)}\n`;
}

export function parseBundleLine(line: Buffer): { gatewayId: string; signature: string } {
  const m = /^SAUTI-BUNDLE\/1 ([a-z0-9][a-z0-9-]{0,39}) *\s([A-Za-z0-9+/=]{88})\n$/.exec(line.toString('latin1'));
  if (!m) throw malformed('this is not a Sauti bundle (the first line must start with SAUTI-BUNDLE/1)');
  return { gatewayId: m[1]!, signature: m[2]! };
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
});
export type AckFile = z.infer<typeof ackFileSchema>;
