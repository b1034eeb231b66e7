// The outbound SMS queue on Redis (BullMQ), used when REDIS_URL is set. The sms_outbound table
// stays the source of truth; BullMQ carries the timers, retries and per-provider rate limit.
// Delivery is at-least-once: the dispatcher's lease makes a job that runs twice send once.
// Redis is optional at any moment: while it is down, messages wait in the table, and the queues
// are (re)filled from it as soon as Redis is ready.
import type { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { backoffMs, type OutboundQueue, type SmsDispatcher } from '../src/engine/sms-outbound.ts';
import type { SmsStore } from '../src/store/sms-store.ts';
import { RedisLink, settledWithin } from './redis-link.ts';

interface Options {
  redisUrl: string;
  /** Queue names are `${prefix}-sms-${provider}`; tests use their own prefix. */
  prefix: string;
  /** In every job id: row ids are per gateway, and gateways may share a Redis and a prefix. */
  gatewayId: string;
  perSecond: Record<string, number>;
  maxAttempts: number;
  dispatcher: SmsDispatcher;
  sms: SmsStore;
  logger: Logger;
  /** How often rows that lost their job (a crash, a stalled job) are queued again. */
  reconcileMs?: number;
}

/** Rows per provider one reconcile queues, and how soon the next one runs when there were more. */
const RECONCILE_PAGE = 1000;
const BACKLOG_RECONCILE_MS = 5000;

/** How long stop() lets running sends finish while Redis answers, before dropping the connections. */
const STOP_GRACE_MS = 3000;

/** One BullMQ queue and worker per provider. */
export class BullmqSmsQueue implements OutboundQueue {
  private link: RedisLink | undefined;
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly o: Options) {}

  notify(messages: { id: number; provider: string; kind: string }[]): void {
    // Redis down (or not yet attached): the rows wait in sms_outbound; reconcile queues them once it is ready.
    if (!this.link?.ready || this.stopped) return;
    for (const m of messages) {
      const q = this.queues.get(m.provider);
      if (!q) continue; // no queue for this provider: the row waits for reconcile after a restart
      q.add('send', { id: m.id }, this.jobOptions(m.id, m.kind)).catch((err) =>
        this.o.logger.error({ component: 'sms-queue', message: m.id, err: String(err) }, 'could not enqueue; reconcile will retry'),
      );
    }
  }

  /** Returns at once, Redis or not: the queues attach when Redis is first ready. */
  async start(): Promise<void> {
    // Loaded here so a gateway without Redis never pays for BullMQ and ioredis.
    const { Queue, Worker } = await import('bullmq');
    this.link = await RedisLink.open({
      url: this.o.redisUrl,
      component: 'sms-queue',
      logger: this.o.logger,
      onReady: () => {
        if (this.stopped) return;
        if (this.queues.size === 0) this.attach(Queue, Worker);
        this.reconcile(); // what waited during the outage goes now
      },
    });
  }

  private attach(QueueClass: typeof Queue, WorkerClass: typeof Worker): void {
    const link = this.link!;
    for (const [provider, perSecond] of Object.entries(this.o.perSecond)) {
      const name = `${this.o.prefix}-sms-${provider}`;
      const queue = new QueueClass(name, { connection: link.connection });
      // Without a listener BullMQ prints every failed reconnect attempt to stderr.
      queue.on('error', (err) => link.ready && this.o.logger.error({ component: 'sms-queue', err: String(err) }, 'queue error'));
      this.queues.set(provider, queue);
      const worker = new WorkerClass(
        name,
        async (job) => {
          const outcome = await this.o.dispatcher.dispatch((job.data as { id: number }).id);
          // Throwing hands the retry to BullMQ's exponential backoff (same schedule as embedded).
          if (outcome.kind === 'retry') throw new Error('retryable send failure');
          return outcome.kind;
        },
        {
          connection: link.duplicate(),
          concurrency: 8,
          limiter: { max: Math.max(1, Math.round(perSecond)), duration: 1000 },
          // The same schedule as the embedded queue: 2 s, 4 s, 8 s … capped at 15 minutes.
          settings: { backoffStrategy: (attemptsMade: number) => backoffMs(attemptsMade) },
        },
      );
      // During an outage every reconnect attempt fails; the link has said so once already.
      worker.on('error', (err) => link.ready && this.o.logger.error({ component: 'sms-queue', err: String(err) }, 'worker error'));
      this.workers.push(worker);
    }
  }

  /** Ends within a few seconds whatever Redis does: running sends get a short grace while Redis answers. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const force = !this.link?.ready;
    const closing = Promise.all([...this.workers.map((w) => w.close(force)), ...[...this.queues.values()].map((q) => q.close())]);
    await settledWithin(closing, STOP_GRACE_MS);
    this.link?.disconnect();
  }

  /**
   * Queues every due row again; job ids make this a no-op for rows that still have a job. A full
   * page (a backlog, e.g. after an outage) brings the next reconcile forward, so it drains at the
   * providers' rates rather than a page a minute.
   */
  private reconcile(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const now = new Date().toISOString();
    const due = Object.keys(this.o.perSecond).map((p) => this.o.sms.due(p, now, RECONCILE_PAGE));
    this.notify(due.flat());
    const backlog = due.some((rows) => rows.length === RECONCILE_PAGE);
    this.timer = setTimeout(() => this.reconcile(), backlog ? BACKLOG_RECONCILE_MS : (this.o.reconcileMs ?? 60_000));
    this.timer.unref();
  }

  private jobOptions(id: number, kind: string) {
    return {
      jobId: `sms-${this.o.gatewayId}-${id}`,
      // Lower runs first: a receipt never waits behind a broadcast.
      priority: kind === 'broadcast' ? 10 : 1,
      attempts: this.o.maxAttempts,
      backoff: { type: 'custom' as const },
      // Finished jobs are removed so a later reconcile may queue the same id again.
      removeOnComplete: true,
      removeOnFail: true,
    };
  }
}
