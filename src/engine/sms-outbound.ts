// Sends queued SMS through provider senders, one attempt per call, and records the outcome.
// Queues (embedded or BullMQ) decide when to call; this decides what an outcome means.
import type { Logger } from 'pino';
import { SautiError } from '../domain/errors.ts';
import type { SmsStore } from '../store/sms-store.ts';
import type { CommitQueue } from '../store/commit-queue.ts';

/** A provider's sending side, implemented by an adapter with the provider's SDK. */
export interface SmsSender {
  /** Hands one message to the provider; throws SautiError (retryable or not) on failure. */
  send(message: { to: string; body: string }): Promise<{ providerMessageId: string }>;
}

/** What one dispatch did. `retry` carries the delay the queue should wait. */
export type DispatchOutcome = { kind: 'sent' | 'failed' | 'skipped' } | { kind: 'retry'; delayMs: number };

/** Tells a queue that messages are ready; implemented by the embedded and BullMQ queues. */
export interface OutboundQueue {
  notify(messages: { id: number; provider: string; kind: string }[]): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const LEASE_MS = 60_000;
/** A send that has not answered by then counts as a network failure (retried), well inside the lease. */
const SEND_TIMEOUT_MS = 20_000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SautiError('sms.timeout', `no answer from the provider in ${ms} ms`, { retryable: true })), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Exponential backoff: 2 s, 4 s, 8 s … capped at 15 minutes. */
export function backoffMs(attempt: number): number {
  return Math.min(2_000 * 2 ** Math.max(0, attempt - 1), 15 * 60_000);
}

/** One send attempt at a time per message, whatever the queue. */
export class SmsDispatcher {
  private readonly clock: () => Date;

  constructor(
    private readonly deps: {
      sms: SmsStore;
      queue: CommitQueue;
      senders: Partial<Record<string, SmsSender>>;
      optedOut: (voterKey: string) => boolean;
      maxAttempts: number;
      logger: Logger;
      clock?: () => Date;
    },
  ) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /** Makes one attempt to send message `id`. Safe to call twice: the lease lets one through. */
  async dispatch(id: number): Promise<DispatchOutcome> {
    const { sms, queue, logger } = this.deps;
    const now = this.clock();
    const iso = now.toISOString();
    const claimed = await queue.run(() => {
      const row = sms.get(id);
      if (!row || !sms.claim(id, iso, new Date(now.getTime() + LEASE_MS).toISOString())) return null;
      // The answer to STOP itself is the one message an opted-out number still gets.
      if (row.kind !== 'stop' && this.deps.optedOut(row.voter_key)) {
        sms.fail(id, 'opted-out', iso);
        return 'opted-out' as const;
      }
      return sms.get(id)!;
    });
    if (claimed === null) return { kind: 'skipped' };
    if (claimed === 'opted-out') return { kind: 'failed' };
    const row = claimed;
    const sender = this.deps.senders[row.provider];
    try {
      if (!sender) throw new SautiError('sms.no_sender', `no credentials configured for ${row.provider}`, { retryable: false });
      const { providerMessageId } = await withTimeout(sender.send({ to: sms.recipient(row), body: row.body }), SEND_TIMEOUT_MS);
      await queue.run(() => sms.markSent(id, providerMessageId, this.clock().toISOString()));
      return { kind: 'sent' };
    } catch (err) {
      const e = err instanceof SautiError ? err : new SautiError('sms.unexpected', String((err as Error)?.message ?? err), { retryable: true });
      const later = this.clock();
      if (e.retryable && row.attempts < this.deps.maxAttempts) {
        const delayMs = backoffMs(row.attempts);
        await queue.run(() => sms.retryLater(id, new Date(later.getTime() + delayMs).toISOString(), e.code, later.toISOString()));
        logger.warn({ component: 'sms-outbound', message: id, provider: row.provider, code: e.code, attempt: row.attempts }, 'sms send failed, will retry');
        return { kind: 'retry', delayMs };
      }
      await queue.run(() => sms.fail(id, e.code, later.toISOString()));
      logger.error({ component: 'sms-outbound', message: id, provider: row.provider, code: e.code, attempt: row.attempts }, 'sms send failed for good');
      return { kind: 'failed' };
    }
  }
}
