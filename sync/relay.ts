// Pushes the outbox to the ledger, batch after batch in sequence order, and pulls the published
// ballot back. Nothing leaves the outbox until the trusted ledger has answered for it: an answer
// is acted on only if the ledger's signature over its exact bytes, this gateway and this batch
// verifies, and it names only events of that batch.
import { randomUUID, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import { SautiError } from '../src/domain/errors.ts';
import {
  ANSWER_SIGNATURE_HEADER,
  ATTACHMENT_EVENT_HEADER,
  attachmentAnswerSchema,
  DEFAULT_MAX_ATTACHMENT_BYTES,
  QUERY_NONCE_HEADER,
  ballotStandingAnswerSchema,
  batchAnswerSchema,
  MAX_STANDING_IDS,
  signAttachment,
  verifyAnswer,
  type BallotStanding,
  type BatchAnswer,
} from '../src/domain/protocol.ts';
import { implementationFeedSchema, type ImplementationFeed } from '../src/domain/implementation.ts';
import { parseNoticeFeed, type ReadNoticeFeed } from '../src/domain/notices.ts';
import { AttachmentBook, type DueRecording } from './attachments.ts';
import type { EventRow } from '../src/store/gateway-store.ts';
import { buildBatchAsync, type SignedBatch } from './batch.ts';
import type { GatewayIdentity } from './identity.ts';
import { LedgerConnectionPool, type PostResult } from './http-post.ts';
import { requireTrust, type LedgerTrust } from './ledger-trust.ts';
import { namedOutside, type Outbox } from './outbox.ts';
import { StandingBook } from './standing.ts';
import { withoutCredentials } from './target.ts';

/** Errors meaning "an answer came, but not one the gateway may act on": kept for `sauti sync status`. */
const REFUSED_ANSWER = new Set(['sync.unsigned_answer', 'sync.forged_answer', 'sync.answer_mismatch']);

export interface PushSummary {
  batches: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** Events still waiting after this run (0 when everything went). */
  backlog: number;
}

/** The last `sauti sync resend`, as `sauti sync status` shows it (sync_state `last_resend`). */
export interface LastResend extends PushSummary {
  to: string;
  at: string;
  fromSeq: number;
  /** Why it stopped, when it did. */
  error?: string;
}

export interface RelayOptions {
  outbox: Outbox;
  identity: GatewayIdentity;
  ledgerUrl: string;
  batchSize: number;
  logger: Logger;
  /** The one ledger key this gateway trusts, read at the start of every run (sync/ledger-trust.ts). */
  trust: () => LedgerTrust;
  clock?: () => Date;
  /** Milliseconds before an unanswered request is abandoned (it is then retried as a new batch). */
  timeoutMs?: number;
  gzipLevel?: number;
  /** Largest recording sent (`sync.maxAttachmentBytes`); a larger one is kept here and marked `too-large`. */
  maxAttachmentBytes?: number;
  /**
   * A shorter way to the same ledger, when there is one now: the embedded ledger's own loopback
   * port, so this gateway's batches skip its public proxy (src/http/embedded-ledger.ts). Answers
   * are checked exactly as on `ledgerUrl`; messages still name `ledgerUrl`.
   */
  direct?: () => LedgerRoute | undefined;
  /** Times a batch answered `busy` (429) is sent again before the run fails (BUSY_RETRIES; tests give fewer). */
  busyRetries?: number;
}

/** Where a request goes, and the headers that route needs. */
export interface LedgerRoute {
  url: string;
  headers: Record<string, string>;
}

/** What one run of attachment uploads did. */
export interface AttachmentSummary {
  /** The ledger said it holds them (now or before). */
  stored: number;
  /** Refused, by the ledger or by this gateway (too large, damaged): kept here. */
  refused: number;
  /** The ledger has no attachment endpoint (an older version): recordings wait for a newer one. */
  unsupported: boolean;
}

/** Times a batch the ledger answered `busy` (429) is sent again before the run fails. */
const BUSY_RETRIES = 20;

/** A Retry-After in seconds as milliseconds, between 0.1 and 5 s (1 s when absent or a date). */
function retryAfterMs(header: string | string[] | undefined): number {
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(seconds) ? Math.min(5000, Math.max(100, seconds * 1000)) : 1000;
}

/** Recordings sent per round at most: a large backlog of audio must not hold up the next round. */
const ATTACHMENTS_PER_ROUND = 50;

/** Which events a run sends: the outbox (a push), or every event from a sequence number (a resend). */
interface RunSource {
  rows: (limit: number, afterSeq: number) => EventRow[];
  /** Events this run will send, counted when it starts, for the batches' backlog field. */
  total: () => number;
  afterSeq: number;
  /** Send an empty batch when there is nothing to send (a push reports in every round). */
  heartbeat: boolean;
}

export class Relay {
  private running: Promise<PushSummary> | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly pool = new LedgerConnectionPool();

  constructor(private readonly o: RelayOptions) {}

  private now(): Date {
    return this.o.clock?.() ?? new Date();
  }

  /** Whether a ledger key is trusted now: without one the gateway does not sync at all. */
  trusted(): boolean {
    return this.o.trust().ok;
  }

  /** Sends every pending event; one run at a time (a second call joins the first). */
  pushAll(): Promise<PushSummary> {
    const { outbox } = this.o;
    this.running ??= this.serial(() =>
      this.transfer({ rows: (limit, after) => outbox.pending(limit, after), total: () => outbox.pendingCount(), afterSeq: 0, heartbeat: true }),
    ).finally(() => (this.running = null));
    return this.running;
  }

  /**
   * Sends every event from sequence `fromSeq` on again, acknowledged or not, for an operator who
   * fears the ledger lost some: it answers those it holds as duplicates and takes the missing
   * ones. Nothing on the gateway changes except pending events the answers acknowledge.
   */
  resendFrom(fromSeq: number): Promise<PushSummary> {
    const { outbox } = this.o;
    const total = () => outbox.db.prepare('SELECT count(*) FROM events WHERE seq >= ?').pluck().get(fromSeq) as number;
    return this.serial(() => this.transfer({ rows: (limit, after) => outbox.everything(limit, after), total, afterSeq: fromSeq - 1, heartbeat: false }));
  }

  /** Runs one transfer at a time: a resend waits for a push and the other way round. */
  private serial<T>(run: () => Promise<T>): Promise<T> {
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async transfer(source: RunSource): Promise<PushSummary> {
    const { outbox, identity, batchSize, logger } = this.o;
    const total: PushSummary = { batches: 0, accepted: 0, duplicates: 0, rejected: 0, backlog: outbox.pendingCount() };
    let batch: SignedBatch | null = null;
    try {
      const { key } = requireTrust(this.o.trust());
      // The next batch is read, compressed and signed while the ledger works on the current one.
      let remaining = source.total();
      const next = async (afterSeq: number) => {
        const rows = source.rows(batchSize, afterSeq);
        remaining -= rows.length;
        return rows.length ? buildBatchAsync(identity, rows, Math.max(0, remaining), this.now(), this.o.gzipLevel) : null;
      };
      // With nothing to send, an empty batch still tells the ledger this gateway is alive, its
      // clock and its backlog (GET /v1/gateways).
      batch = (await next(source.afterSeq)) ?? (source.heartbeat ? await buildBatchAsync(identity, [], 0, this.now(), this.o.gzipLevel) : null);
      let sending = batch ? this.send(batch, key) : null;
      while (batch && sending) {
        // SQLite reads and the recording below block this thread: hand each batch's bytes to the
        // socket first, so the ledger works on it meanwhile (see http-post.ts).
        await sending.sent;
        const following = await next(batch.lastSeq);
        const answer = await sending.answer;
        // Send the next batch before recording this answer, so the ledger is never idle waiting.
        sending = following ? this.send(following, key) : null;
        if (sending) await sending.sent;
        // The answer and the sync state in one transaction: one commit per batch.
        const sent = batch;
        // A resend's answers (perhaps from another ledger than the gateway's own) say nothing of
        // the regular sync: only its acknowledgements are kept, and a line of its own (below).
        outbox.db
          .transaction(() => {
            if (source.heartbeat)
              outbox.setState({
                last_push_at: answer.receivedAt,
                ledger_clock_skew_ms: String(answer.clockSkewMs ?? ''),
                ledger_gaps: JSON.stringify(answer.gaps),
              });
            return outbox.recordAnswer(answer, this.now(), sent);
          })
          .immediate();
        if (batch.header.count > 0) total.batches += 1;
        total.accepted += answer.accepted.length;
        total.duplicates += answer.duplicates.length;
        total.rejected += answer.rejected.length;
        if (answer.rejected.length)
          logger.warn({ component: 'sync', rejected: answer.rejected.map((r) => ({ id: r.id, reason: r.reason })) }, 'the ledger refused events');
        // An answer that names none of the batch's events means the ledger is not taking this gateway's events: stop and report.
        const answered = answer.accepted.length + answer.duplicates.length + answer.rejected.length;
        if (answered === 0 && batch.header.count > 0)
          throw new SautiError(
            'sync.no_progress',
            `the ledger answered batch ${batch.header.batchId} without acknowledging any of its ${batch.header.count} events`,
          );
        batch = following;
      }
      total.backlog = outbox.pendingCount();
      if (source.heartbeat) outbox.setState({ last_success_at: this.now().toISOString(), last_error: '' });
      else this.recordResend({ ...total, fromSeq: source.afterSeq + 1 });
      if (total.batches) logger.info({ component: 'sync', ...total, resend: !source.heartbeat }, source.heartbeat ? 'outbox pushed' : 'events resent');
      return total;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const at = this.now().toISOString();
      if (source.heartbeat) outbox.setState({ last_error: message, last_error_at: at });
      else this.recordResend({ ...total, fromSeq: source.afterSeq + 1, error: message });
      if (err instanceof SautiError && REFUSED_ANSWER.has(err.code) && batch) {
        // Logged with the batch and the reason only: the events stay in the outbox and go again.
        outbox.refuseAnswer({ at, source: 'push', answerFor: batch.header.batchId, problem: message });
        logger.warn({ component: 'sync', batchId: batch.header.batchId, code: err.code }, message);
      }
      // A resend that stops says where to take it up: every event before this batch was answered.
      if (!source.heartbeat && batch && batch.header.count > 0) {
        const code = err instanceof SautiError ? err.code : 'sync.failed';
        throw new SautiError(
          code,
          `${message}. Every event before seq ${batch.firstSeq} was answered: go on with \`sauti sync resend --from-seq ${batch.firstSeq}\``,
          {
            retryable: err instanceof SautiError ? err.retryable : true,
            cause: err,
          },
        );
      }
      throw err;
    }
  }

  /** What the last resend did and to which ledger, for `sauti sync status` (apart from the regular sync's state). */
  private recordResend(r: Omit<LastResend, 'to' | 'at'>): void {
    const last: LastResend = { ...r, to: withoutCredentials(this.o.ledgerUrl), at: this.now().toISOString() };
    this.o.outbox.setState({ last_resend: JSON.stringify(last) });
  }

  /** Posts a batch; `sent` resolves once its bytes are on their way, `answer` with the ledger's verified answer. */
  private send(batch: SignedBatch, key: KeyObject): { sent: Promise<void>; answer: Promise<BatchAnswer> } {
    const { body, signature } = batch;
    const post = () =>
      this.request('/v1/batches', {
        method: 'POST',
        headers: {
          'content-type': 'application/x-ndjson',
          'content-encoding': 'gzip',
          'sauti-gateway': this.o.identity.gatewayId,
          'sauti-signature': signature,
        },
        body,
      });
    const first = post();
    // The ledger takes one batch at a time from a gateway: `busy` means another sender with this
    // gateway's id (a `sauti sync resend` beside the running gateway) has one there now. The same
    // bytes go again after its Retry-After, a few times, before the run gives up.
    const untilNotBusy = async (result: Promise<PostResult>, tries: number): Promise<PostResult> => {
      const r = await result;
      if (r.status !== 429 || (r.json as { error?: string } | null)?.error !== 'busy' || tries >= (this.o.busyRetries ?? BUSY_RETRIES)) return r;
      await new Promise((done) => setTimeout(done, retryAfterMs(r.headers['retry-after'])));
      return untilNotBusy(post().result, tries + 1);
    };
    const answer = untilNotBusy(first.result, 0).then(({ status, json, body: raw, headers }) => {
      const refusal = json as { error?: string; message?: string } | null;
      if (status < 200 || status >= 300) {
        throw new SautiError('sync.refused', `the ledger refused the batch (${status} ${refusal?.error ?? ''}): ${refusal?.message ?? 'no reason given'}`, {
          retryable: status >= 500 || status === 429,
        });
      }
      return this.verified(batch, key, raw, headers, json);
    });
    answer.catch(() => undefined); // awaited by the caller; never an unhandled rejection meanwhile
    return { sent: first.sent, answer };
  }

  /**
   * The answer, if the trusted ledger signed these exact bytes for this gateway and batch and it
   * names only the batch's events; otherwise a SautiError (retryable: the events stay and go again).
   */
  private verified(batch: SignedBatch, key: KeyObject, raw: Buffer, headers: IncomingHttpHeaders, json: unknown): BatchAnswer {
    const { gatewayId, batchId } = batch.header;
    const signature = headers[ANSWER_SIGNATURE_HEADER];
    if (typeof signature !== 'string') {
      throw new SautiError(
        'sync.unsigned_answer',
        `the answer to batch ${batchId} carries no ledger signature: not acting on it (is something other than the ledger at ${withoutCredentials(this.o.ledgerUrl)}?)`,
        { retryable: true },
      );
    }
    if (!verifyAnswer(key, gatewayId, batchId, raw, signature)) {
      throw new SautiError(
        'sync.forged_answer',
        `the answer to batch ${batchId} is not signed by the trusted ledger key for this gateway and batch: not acting on it`,
        { retryable: true },
      );
    }
    const parsed = batchAnswerSchema.safeParse(json);
    if (!parsed.success) throw new SautiError('sync.bad_answer', 'the ledger answered with something that is not a batch answer', { retryable: true });
    if (parsed.data.batchId !== batchId) {
      throw new SautiError('sync.answer_mismatch', `the signed answer to batch ${batchId} says it is for batch ${parsed.data.batchId}: not acting on it`, {
        retryable: true,
      });
    }
    const outside = namedOutside(parsed.data, new Set(batch.ids));
    if (outside.length > 0) {
      throw new SautiError(
        'sync.answer_mismatch',
        `the signed answer to batch ${batchId} names ${outside.length} event(s) that were not in it (first ${outside[0]}): not acting on any of it`,
        { retryable: true },
      );
    }
    return parsed.data;
  }

  /** The published ballot if it changed since `version`; null when unchanged. */
  async pullBallot(version: string | undefined): Promise<{ version: string; ballot: unknown } | null> {
    // Believed only on the trusted ledger's signed word: the ballot is what residents are shown.
    const { status, json } = await this.signedQuery('/v1/ballot', { method: 'GET', headers: version ? { 'if-none-match': `"${version}"` } : {} });
    if (status === 304) return null;
    if (status < 200 || status >= 300) throw new SautiError('sync.refused', `the ledger did not serve the ballot (${status})`, { retryable: true });
    const published = json as { version?: unknown; ballot?: unknown } | null;
    if (typeof published?.version !== 'string') throw new SautiError('sync.bad_answer', 'the ballot answer has no version', { retryable: true });
    return { version: published.version, ballot: published.ballot };
  }

  /**
   * Implementation updates after chain entry `after` (GET /v1/implementation), oldest first. A
   * ledger without the endpoint (older) answers 404: none.
   */
  async implementationAfter(after: number): Promise<ImplementationFeed> {
    const feed = await this.feedAfter('/v1/implementation', 'implementation updates', after, (json) => {
      const parsed = implementationFeedSchema.safeParse(json);
      return parsed.success ? { items: parsed.data.updates, more: parsed.data.more } : null;
    });
    return { updates: feed.items, more: feed.more };
  }

  /**
   * Notices (proposal status changes, report answers) after chain entry `after` (GET /v1/notices),
   * oldest first; none from an older ledger. A later ledger's kinds come back as `unknown`.
   */
  async noticesAfter(after: number): Promise<ReadNoticeFeed> {
    return this.feedAfter('/v1/notices', 'notices', after, parseNoticeFeed);
  }

  /**
   * One page of a feed after chain entry `after`. Its answer is texted to residents, so it is
   * believed only on the trusted ledger's signature for this question (as a receipt check is),
   * read with `parse` (null: not this feed), and refused if it names entries that were not asked.
   */
  private async feedAfter<T extends { seq: number }>(
    path: string,
    what: string,
    after: number,
    parse: (json: unknown) => { items: T[]; more: boolean } | null,
  ): Promise<{ items: T[]; more: boolean }> {
    const { status, json } = await this.signedQuery(`${path}?after=${after}`, { method: 'GET', headers: {} });
    if (status === 404) return { items: [], more: false };
    if (status !== 200) throw new SautiError('sync.refused', `the ledger did not serve ${what} (${status})`, { retryable: true });
    const parsed = parse(json);
    if (!parsed) throw new SautiError('sync.bad_answer', `the ledger answered the ${what} feed with something else`, { retryable: true });
    if (parsed.items.some((u) => u.seq <= after))
      throw new SautiError('sync.answer_mismatch', `the ${what} feed answered for entries at or before ${after}, which were not asked`, {
        retryable: true,
      });
    return parsed;
  }

  /** Where these votes stand in the ledger now (POST /v1/ballots/standing), in the order asked; only on the trusted ledger's signed word. */
  async standing(ids: readonly string[]): Promise<BallotStanding[]> {
    const body = Buffer.from(JSON.stringify({ ids }));
    const { status, json } = await this.signedQuery('/v1/ballots/standing', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    if (status < 200 || status >= 300)
      throw new SautiError('sync.refused', `the ledger did not answer where the votes stand (${status})`, { retryable: status >= 500 });
    const parsed = ballotStandingAnswerSchema.safeParse(json);
    if (!parsed.success || parsed.data.ballots.length !== ids.length)
      throw new SautiError('sync.bad_answer', 'the ledger answered the standing request with something else', { retryable: true });
    return parsed.data.ballots;
  }

  /**
   * Asks the ledger where this gateway's votes stand and records it: every newly acknowledged
   * vote, then the votes last seen counted (a later vote from another gateway may have replaced
   * them), longest unchecked first, one request's worth per round.
   */
  async refreshStandings(): Promise<{ asked: number; changed: number }> {
    const book = new StandingBook(this.o.outbox.db);
    let asked = 0;
    let changed = 0;
    const seen = new Set<string>();
    for (let round = 0; round < 50; round++) {
      const fresh = book.fresh(MAX_STANDING_IDS);
      if (fresh.ids.length === 0) {
        book.record([], this.now(), fresh.throughSeq);
        break;
      }
      changed += book.record(await this.standing(fresh.ids), this.now(), fresh.throughSeq);
      asked += fresh.ids.length;
      for (const id of fresh.ids) seen.add(id);
    }
    const counted = book.counted(MAX_STANDING_IDS, seen);
    if (counted.length > 0) {
      changed += book.record(await this.standing(counted), this.now());
      asked += counted.length;
    }
    return { asked, changed };
  }

  /**
   * A receipt from any gateway as the ledger answers it (GET /v1/receipts/:code); null when the
   * ledger holds no such receipt. A resident's SMS waits on it, so the timeout is short.
   */
  async receipt(code: string, timeoutMs = 3000): Promise<{ status: 'counted' | 'replaced' | 'superseded' | 'late'; countedChannel?: string } | null> {
    const { status, json } = await this.signedQuery(`/v1/receipts/${encodeURIComponent(code)}`, { method: 'GET', headers: {} }, timeoutMs);
    if (status === 404 || status === 400) return null; // 400: not a receipt code the ledger could hold
    const view = json as { status?: unknown; countedChannel?: unknown } | null;
    if (status !== 200 || (view?.status !== 'counted' && view?.status !== 'replaced' && view?.status !== 'superseded' && view?.status !== 'late')) {
      throw new SautiError('sync.bad_answer', `the ledger did not answer the receipt check (${status})`, { retryable: true });
    }
    return { status: view.status, ...(typeof view.countedChannel === 'string' ? { countedChannel: view.countedChannel } : {}) };
  }

  /**
   * A question whose answer a resident will be told (where a vote stands, a receipt check): sent
   * with a fresh nonce, and believed only if the trusted ledger signed these exact bytes for this
   * gateway and that nonce, so neither a stranger on the link nor an old answer can tell a
   * resident their vote counts.
   */
  private async signedQuery(path: string, init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: Buffer }, timeoutMs?: number) {
    const { key } = requireTrust(this.o.trust());
    const nonce = randomUUID();
    const gatewayId = this.o.identity.gatewayId;
    const answer = await this.request(path, { ...init, headers: { ...init.headers, [QUERY_NONCE_HEADER]: nonce, 'sauti-gateway': gatewayId } }, timeoutMs)
      .result;
    const signature = answer.headers[ANSWER_SIGNATURE_HEADER];
    if (typeof signature !== 'string' || !verifyAnswer(key, gatewayId, nonce, answer.body, signature, 'query')) {
      throw new SautiError(
        'sync.forged_answer',
        `the answer to ${path.split('/').slice(0, 3).join('/')} is not signed by the trusted ledger key for this question: not believing it`,
        { retryable: true },
      );
    }
    return answer;
  }

  /**
   * Sends recordings whose events the ledger has acknowledged, one signed PUT each, and marks
   * each one the ledger's signed answer says it holds (the privacy sweep erases it after the
   * grace period). A refusal is kept on the recording; a ledger without the endpoint (older) or
   * one that fails stops the run, and the recordings wait for the next round.
   */
  pushAttachments(limit = ATTACHMENTS_PER_ROUND): Promise<AttachmentSummary> {
    return this.serial(async () => {
      const { key } = requireTrust(this.o.trust());
      const book = new AttachmentBook(this.o.outbox.db);
      const max = this.o.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES;
      const summary: AttachmentSummary = { stored: 0, refused: 0, unsupported: false };
      for (const r of book.due(limit)) {
        if (r.bytes > max) {
          book.refused(r.sha256, 'too-large', `${r.bytes} bytes; this gateway sends at most ${max} (sync.maxAttachmentBytes)`, this.now());
          summary.refused += 1;
          continue;
        }
        const audio = book.audio(r.sha256);
        if (!audio) {
          book.damaged(r.sha256, this.now());
          this.o.logger.error({ component: 'sync', sha256: r.sha256 }, 'a kept recording no longer matches its digest: not sent, kept for the operator');
          summary.refused += 1;
          continue;
        }
        const outcome = await this.sendAttachment(r, audio, key);
        if (outcome === 'unsupported') {
          summary.unsupported = true;
          this.o.logger.info({ component: 'sync' }, 'the ledger takes no attachments (an older version): recordings stay on this gateway');
          break;
        }
        if (outcome === 'stored') {
          book.stored(r.sha256, this.now());
          summary.stored += 1;
        } else {
          book.refused(r.sha256, outcome.reason, outcome.detail, this.now());
          summary.refused += 1;
          this.o.logger.warn({ component: 'sync', sha256: r.sha256, reason: outcome.reason }, `the ledger refused a recording: ${outcome.detail}`);
        }
      }
      return summary;
    });
  }

  /** One upload: `stored` only on the trusted ledger's signed word for this nonce. Throws on anything retryable. */
  private async sendAttachment(r: DueRecording, audio: Buffer, key: KeyObject): Promise<'stored' | 'unsupported' | { reason: string; detail: string }> {
    const { gatewayId, privateKey } = this.o.identity;
    const nonce = randomUUID();
    const path = `/v1/attachments/${r.sha256}`;
    const { status, json, body, headers } = await this.request(path, {
      method: 'PUT',
      headers: {
        'content-type': r.contentType,
        'sauti-gateway': gatewayId,
        'sauti-signature': signAttachment(privateKey, gatewayId, r.eventId, audio),
        [ATTACHMENT_EVENT_HEADER]: r.eventId,
        [QUERY_NONCE_HEADER]: nonce,
      },
      body: audio,
    }).result;
    const refusal = json as { error?: unknown; message?: unknown } | null;
    if (status === 404 && typeof refusal?.error !== 'string') return 'unsupported';
    if (status >= 200 && status < 300) {
      const signature = headers[ANSWER_SIGNATURE_HEADER];
      if (typeof signature !== 'string' || !verifyAnswer(key, gatewayId, nonce, body, signature, 'attachment')) {
        throw new SautiError(
          'sync.forged_answer',
          `the answer to recording ${r.sha256.slice(0, 12)}… is not signed by the trusted ledger key for this upload: kept`,
          { retryable: true },
        );
      }
      const answer = attachmentAnswerSchema.safeParse(json);
      if (!answer.success || answer.data.sha256 !== r.sha256)
        throw new SautiError('sync.answer_mismatch', `the signed answer to recording ${r.sha256.slice(0, 12)}… names another recording: kept`, {
          retryable: true,
        });
      return 'stored';
    }
    if (status >= 400 && status < 500 && status !== 429 && typeof refusal?.error === 'string') {
      return { reason: refusal.error, detail: typeof refusal.message === 'string' ? refusal.message : '' };
    }
    throw new SautiError('sync.refused', `the ledger did not take recording ${r.sha256.slice(0, 12)}… (${status})`, { retryable: true });
  }

  /** Closes the kept-alive connections to the ledger. */
  close(): void {
    this.pool.close();
  }

  private request(
    path: string,
    init: { method: 'GET' | 'POST' | 'PUT'; headers: Record<string, string>; body?: Buffer },
    timeoutMs = this.o.timeoutMs ?? 30_000,
  ) {
    const route = this.o.direct?.();
    // Relative to the base with a trailing slash, so a ledger behind a path prefix keeps it.
    const url = new URL(path.replace(/^\//, ''), `${(route?.url ?? this.o.ledgerUrl).replace(/\/$/, '')}/`);
    const headers = route ? { ...init.headers, ...route.headers } : init.headers;
    const post = this.pool.request(url, { ...init, headers, timeoutMs });
    const result = post.result.catch((err: unknown) => {
      const cause = (err as { code?: string }).code ?? (err as Error).name;
      throw new SautiError('sync.unreachable', `the ledger at ${withoutCredentials(this.o.ledgerUrl)} is unreachable (${cause})`, {
        retryable: true,
        cause: err,
      });
    });
    return { sent: post.sent, result };
  }
}
