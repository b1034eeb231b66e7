// The sync round as a BullMQ repeatable job (when REDIS_URL is set): one job scheduler per
// gateway runs it every interval; a failed round is retried with exponential backoff. The
// outbox in SQLite stays the source of truth, so a lost job loses nothing: the next round sends it.
import type { Queue, Worker } from 'bullmq';
import type { Redis as IORedis } from 'ioredis';
import type { Logger } from 'pino';
import { nextDelayMs } from '../sync/sync-job.ts';

interface Options {
  redisUrl: string;
  prefix: string;
  gatewayId: string;
  intervalMs: number;
  maxBackoffMs: number;
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
    // While Redis is down ioredis keeps reconnecting; say so in the log instead of on stderr.
    this.connection.on('error', (err: Error) => this.o.logger.warn({ component: 'sync', err: { message: err.message } }, 'Redis connection error; retrying'));
    await this.connection.connect();
    this.queue = new Queue(this.queueName, { connection: this.connection });
    await this.ensureScheduler();
    // A Redis that restarted without persistence has forgotten the scheduler: put it back on every reconnect.
    this.connection.on('ready', () => void this.ensureScheduler().catch(() => undefined));
    // Concurrency 1: rounds of one gateway never overlap (the relay also refuses to).
    this.worker = new Worker(this.queueName, () => this.backedOffRound(), { connection: this.connection.duplicate(), concurrency: 1 });
    this.worker.on('failed', (job, err) =>
      this.o.logger.warn({ component: 'sync', attempt: job?.attemptsMade, err: { message: err.message } }, 'sync round failed; BullMQ will retry'),
    );
    this.worker.on('error', (err) => this.o.logger.error({ component: 'sync', err: String(err) }, 'sync worker error'));
  }

  private async ensureScheduler(): Promise<void> {
    await this.queue?.upsertJobScheduler('sync', { every: this.o.intervalMs }, { name: 'round', opts: this.jobOptions });
  }

  /** One attempt per job: the repeat is the retry, and backedOffRound spaces them out. */
  private readonly jobOptions = { attempts: 1, removeOnComplete: true, removeOnFail: 100 };
  private failures = 0;
  private notBefore = 0;

  /**
   * The scheduler fires every interval whatever happened; after failures, rounds are skipped
   * until the same capped exponential delay as the embedded scheduler has passed.
   */
  private async backedOffRound(): Promise<string> {
    if (Date.now() < this.notBefore) return 'backing off';
    try {
      await this.o.round();
      this.failures = 0;
      this.notBefore = 0;
      return 'done';
    } catch (err) {
      this.failures += 1;
      this.notBefore = Date.now() + nextDelayMs(this.o.intervalMs, this.failures, this.o.maxBackoffMs) - this.o.intervalMs;
      throw err;
    }
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    await this.queue?.close();
    await this.connection?.quit().catch(() => undefined);
  }
}
