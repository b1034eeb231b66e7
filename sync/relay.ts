// Pushes the outbox to the ledger, batch after batch in sequence order, and pulls the published
// ballot back. Nothing leaves the outbox until the ledger has answered for it.
import type { Logger } from 'pino';
import { SautiError } from '../src/domain/errors.ts';
import { ballotStandingAnswerSchema, batchAnswerSchema, MAX_STANDING_IDS, type BallotStanding, type BatchAnswer } from '../src/domain/protocol.ts';
import { buildBatch, type SignedBatch } from './batch.ts';
import type { GatewayIdentity } from './identity.ts';
import { LedgerConnectionPool } from './http-post.ts';
import type { Outbox } from './outbox.ts';
import { StandingBook } from './standing.ts';

export interface PushSummary {
  batches: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** Events still waiting after this run (0 when everything went). */
  backlog: number;
}

export interface RelayOptions {
  outbox: Outbox;
  identity: GatewayIdentity;
  ledgerUrl: string;
  batchSize: number;
  logger: Logger;
  clock?: () => Date;
  /** Milliseconds before an unanswered request is abandoned (it is then retried as a new batch). */
  timeoutMs?: number;
  gzipLevel?: number;
}

export class Relay {
  private running: Promise<PushSummary> | null = null;
  private readonly pool = new LedgerConnectionPool();

  constructor(private readonly o: RelayOptions) {}

  private now(): Date {
    return this.o.clock?.() ?? new Date();
  }

  /** Sends every pending event; one run at a time (a second call joins the first). */
  pushAll(): Promise<PushSummary> {
    this.running ??= this.push().finally(() => (this.running = null));
    return this.running;
  }

  private async push(): Promise<PushSummary> {
    const { outbox, identity, batchSize, logger } = this.o;
    const total: PushSummary = { batches: 0, accepted: 0, duplicates: 0, rejected: 0, backlog: outbox.pendingCount() };
    try {
      // The next batch is read, compressed and signed while the ledger works on the current one.
      let remaining = total.backlog;
      const next = (afterSeq: number) => {
        const rows = outbox.pending(batchSize, afterSeq);
        remaining -= rows.length;
        return rows.length ? buildBatch(identity, rows, Math.max(0, remaining), this.now(), this.o.gzipLevel) : null;
      };
      // With nothing to send, an empty batch still tells the ledger this gateway is alive, its
      // clock and its backlog (GET /v1/gateways).
      let batch: SignedBatch | null = next(0) ?? buildBatch(identity, [], 0, this.now(), this.o.gzipLevel);
      let sending = batch ? this.send(batch.body, batch.signature) : null;
      while (batch && sending) {
        // SQLite reads, gzip and the recording below block this thread: hand each batch's bytes
        // to the socket first, so the ledger works on it meanwhile (see http-post.ts).
        await sending.sent;
        const following = next(batch.lastSeq);
        const answer = await sending.answer;
        // Send the next batch before recording this answer, so the ledger is never idle waiting.
        sending = following ? this.send(following.body, following.signature) : null;
        if (sending) await sending.sent;
        // The answer and the sync state in one transaction: one commit per batch.
        const sent = batch;
        const { acknowledged } = outbox.db.transaction(() => {
          outbox.setState({
            last_push_at: answer.receivedAt,
            ledger_clock_skew_ms: String(answer.clockSkewMs ?? ''),
            ledger_gaps: JSON.stringify(answer.gaps),
          });
          return outbox.recordAnswer(answer, this.now(), sent);
        })();
        if (batch.header.count > 0) total.batches += 1;
        total.accepted += answer.accepted.length;
        total.duplicates += answer.duplicates.length;
        total.rejected += answer.rejected.length;
        if (answer.rejected.length) logger.warn({ component: 'sync', rejected: answer.rejected.map((r) => ({ id: r.id, reason: r.reason })) }, 'the ledger refused events');
        // An answer that acknowledges nothing means the ledger is not taking this gateway's events: stop and report.
        if (acknowledged === 0 && batch.header.count > 0) throw new SautiError('sync.no_progress', `the ledger answered batch ${batch.header.batchId} without acknowledging any of its ${batch.header.count} events`);
        batch = following;
      }
      total.backlog = outbox.pendingCount();
      outbox.setState({ last_success_at: this.now().toISOString(), last_error: '' });
      if (total.batches) logger.info({ component: 'sync', ...total }, 'outbox pushed');
      return total;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      outbox.setState({ last_error: message, last_error_at: this.now().toISOString() });
      throw err;
    }
  }

  /** Posts a batch; `sent` resolves once its bytes are on their way, `answer` with the ledger's answer. */
  private send(body: Buffer, signature: string): { sent: Promise<void>; answer: Promise<BatchAnswer> } {
    const post = this.request('/v1/batches', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-ndjson',
        'content-encoding': 'gzip',
        'sauti-gateway': this.o.identity.gatewayId,
        'sauti-signature': signature,
      },
      body,
    });
    const answer = post.result.then(({ status, json }) => {
      const refusal = json as { error?: string; message?: string } | null;
      if (status < 200 || status >= 300) {
        throw new SautiError('sync.refused', `the ledger refused the batch (${status} ${refusal?.error ?? ''}): ${refusal?.message ?? 'no reason given'}`, { retryable: status >= 500 });
      }
      const parsed = batchAnswerSchema.safeParse(json);
      if (!parsed.success) throw new SautiError('sync.bad_answer', 'the ledger answered with something that is not a batch answer', { retryable: true });
      return parsed.data;
    });
    answer.catch(() => undefined); // awaited by the caller; never an unhandled rejection meanwhile
    return { sent: post.sent, answer };
  }

  /** The published ballot if it changed since `version`; null when unchanged. */
  async pullBallot(version: string | undefined): Promise<{ version: string; ballot: unknown } | null> {
    const { status, json } = await this.request('/v1/ballot', { method: 'GET', headers: version ? { 'if-none-match': `"${version}"` } : {} }).result;
    if (status === 304) return null;
    if (status < 200 || status >= 300) throw new SautiError('sync.refused', `the ledger did not serve the ballot (${status})`, { retryable: true });
    const published = json as { version?: unknown; ballot?: unknown } | null;
    if (typeof published?.version !== 'string') throw new SautiError('sync.bad_answer', 'the ballot answer has no version', { retryable: true });
    return { version: published.version, ballot: published.ballot };
  }

  /** Where these votes stand in the ledger now (POST /v1/ballots/standing), in the order asked. */
  async standing(ids: readonly string[]): Promise<BallotStanding[]> {
    const body = Buffer.from(JSON.stringify({ ids }));
    const { status, json } = await this.request('/v1/ballots/standing', { method: 'POST', headers: { 'content-type': 'application/json' }, body }).result;
    if (status < 200 || status >= 300) throw new SautiError('sync.refused', `the ledger did not answer where the votes stand (${status})`, { retryable: status >= 500 });
    const parsed = ballotStandingAnswerSchema.safeParse(json);
    if (!parsed.success || parsed.data.ballots.length !== ids.length) throw new SautiError('sync.bad_answer', 'the ledger answered the standing request with something else', { retryable: true });
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
  async receipt(code: string, timeoutMs = 3000): Promise<{ status: 'counted' | 'replaced' | 'superseded'; countedChannel?: string } | null> {
    const { status, json } = await this.request(`/v1/receipts/${encodeURIComponent(code)}`, { method: 'GET', headers: {} }, timeoutMs).result;
    if (status === 404 || status === 400) return null; // 400: not a receipt code the ledger could hold
    const view = json as { status?: unknown; countedChannel?: unknown } | null;
    if (status !== 200 || (view?.status !== 'counted' && view?.status !== 'replaced' && view?.status !== 'superseded')) {
      throw new SautiError('sync.bad_answer', `the ledger did not answer the receipt check (${status})`, { retryable: true });
    }
    return { status: view.status, ...(typeof view.countedChannel === 'string' ? { countedChannel: view.countedChannel } : {}) };
  }

  /** Closes the kept-alive connections to the ledger. */
  close(): void {
    this.pool.close();
  }

  private request(path: string, init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: Buffer }, timeoutMs = this.o.timeoutMs ?? 30_000) {
    // Relative to the base with a trailing slash, so a ledger behind a path prefix keeps it.
    const url = new URL(path.replace(/^\//, ''), `${this.o.ledgerUrl.replace(/\/$/, '')}/`);
    const post = this.pool.request(url, { ...init, timeoutMs });
    const result = post.result.catch((err: unknown) => {
      const cause = (err as { code?: string }).code ?? (err as Error).name;
      throw new SautiError('sync.unreachable', `the ledger at ${this.o.ledgerUrl} is unreachable (${cause})`, { retryable: true, cause: err });
    });
    return { sent: post.sent, result };
  }
}
