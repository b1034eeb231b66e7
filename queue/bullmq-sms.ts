// The outbound SMS queue on Redis (BullMQ), used when REDIS_URL is set. The sms_outbound table
// stays the source of truth; BullMQ carries the timers, retries and per-provider rate limit.
// Delivery is at-least-once: the dispatcher's lease makes a job that runs twice send once.
import type { Queue, Worker } from 'bullmq';
import type { Redis as IORedis } from 'ioredis';
import type { Logger } from 'pino';
import { backoffMs, type OutboundQueue, type SmsDispatcher } from '../src/engine/sms-outbound.ts';
import type { SmsStore } from '../src/store/sms-store.ts';

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

/** One BullMQ queue and worker per provider. */
export class BullmqSmsQueue implements OutboundQueue {
  private connection: IORedis | undefined;
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: Options) {}

  notify(messages: { id: number; provider: string; kind: string }[]): void {
    for (const m of messages) {
      const q = this.queues.get(m.provider);
      if (!q) continue; // no queue for this provider: the row waits for reconcile after a restart
      q.add('send', { id: m.id }, this.jobOptions(m.id, m.kind)).catch((err) =>
        this.o.logger.error({ component: 'sms-queue', message: m.id, err: String(err) }, 'could not enqueue; reconcile will retry'),
      );
    }
  }

  async start(): Promise<void> {
    // Loaded here so a gateway without Redis never pays for BullMQ and ioredis.
    const [{ Queue, Worker }, { Redis }] = await Promise.all([import('bullmq'), import('ioredis')]);
    // BullMQ workers block on Redis; they need retries without a per-request limit.
    this.connection = new Redis(this.o.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
    // While Redis is down ioredis keeps reconnecting; say so in the log instead of on stderr.
    this.connection.on('error', (err: Error) => this.o.logger.warn({ component: 'sms-queue', err: { message: err.message } }, 'Redis connection error; retrying'));
    await this.connection.connect();
    for (const [provider, perSecond] of Object.entries(this.o.perSecond)) {
      const name = `${this.o.prefix}-sms-${provider}`;
      this.queues.set(provider, new Queue(name, { connection: this.connection }));
      const worker = new Worker(
        name,
        async (job) => {
          const outcome = await this.o.dispatcher.dispatch((job.data as { id: number }).id);
          // Throwing hands the retry to BullMQ's exponential backoff (same schedule as embedded).
          if (outcome.kind === 'retry') throw new Error('retryable send failure');
          return outcome.kind;
        },
        {
          connection: this.connection.duplicate(),
          concurrency: 8,
          limiter: { max: Math.max(1, Math.round(perSecond)), duration: 1000 },
          // The same schedule as the embedded queue: 2 s, 4 s, 8 s … capped at 15 minutes.
          settings: { backoffStrategy: (attemptsMade: number) => backoffMs(attemptsMade) },
        },
      );
      worker.on('error', (err) => this.o.logger.error({ component: 'sms-queue', err: String(err) }, 'worker error'));
      this.workers.push(worker);
    }
    this.reconcile();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await this.connection?.quit().catch(() => undefined);
  }

  /** Queues every due row again; job ids make this a no-op for rows that still have a job. */
  private reconcile(): void {
    const now = new Date().toISOString();
    this.notify(Object.keys(this.o.perSecond).flatMap((p) => this.o.sms.due(p, now, 1000)));
    this.timer = setTimeout(() => this.reconcile(), this.o.reconcileMs ?? 60_000);
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
