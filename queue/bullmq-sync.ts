// The sync round as a BullMQ repeatable job (when REDIS_URL is set): one job scheduler per
// gateway runs it every interval; a failed round is retried with exponential backoff. The
// outbox in SQLite stays the source of truth, so a lost job loses nothing: the next round sends it.
import type { Queue, Worker } from 'bullmq';
import type { Redis as IORedis } from 'ioredis';
import type { Logger } from 'pino';

interface Options {
  redisUrl: string;
  prefix: string;
  gatewayId: string;
  intervalMs: number;
  round: () => Promise<unknown>;
  logger: Logger;
}

export class BullmqSyncScheduler {
  private connection: IORedis | undefined;
  private queue: Queue | undefined;
  private worker: Worker | undefined;

  constructor(private readonly o: Options) {}

  get queueName(): string {
    return `${this.o.prefix}-sync-${this.o.gatewayId}`;
  }

  async start(): Promise<void> {
    const [{ Queue, Worker }, { Redis }] = await Promise.all([import('bullmq'), import('ioredis')]);
    this.connection = new Redis(this.o.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
    await this.connection.connect();
    this.queue = new Queue(this.queueName, { connection: this.connection });
    await this.queue.upsertJobScheduler(
      'sync',
      { every: this.o.intervalMs },
      { name: 'round', opts: { attempts: 6, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: 100, removeOnFail: 100 } },
    );
    // Concurrency 1: rounds of one gateway never overlap (the relay also refuses to).
    this.worker = new Worker(this.queueName, () => this.o.round(), { connection: this.connection.duplicate(), concurrency: 1 });
    this.worker.on('failed', (job, err) =>
      this.o.logger.warn({ component: 'sync', attempt: job?.attemptsMade, err: { message: err.message } }, 'sync round failed; BullMQ will retry'),
    );
    this.worker.on('error', (err) => this.o.logger.error({ component: 'sync', err: String(err) }, 'sync worker error'));
  }

  /** Runs a round soon (a one-off job beside the repeating one). */
  async trigger(): Promise<void> {
    await this.queue?.add('round', {}, { attempts: 6, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: true, removeOnFail: 100 });
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    await this.queue?.close();
    await this.connection?.quit().catch(() => undefined);
  }
}
