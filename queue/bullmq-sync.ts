// The sync round as a BullMQ repeatable job (when REDIS_URL is set): one job scheduler per
// gateway runs it every interval; a failed round is retried with exponential backoff. The
// outbox in SQLite stays the source of truth, so a lost job loses nothing: the next round sends it.
// Redis may be down at start-up or go away later: the outbox waits in SQLite, the outage is
// recorded as the sync's last error (`sauti sync status`), and rounds resume when Redis is back.
import type { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { nextDelayMs, waitingForKey } from '../sync/sync-job.ts';
import { RedisLink, settledWithin } from './redis-link.ts';

interface Options {
  redisUrl: string;
  prefix: string;
  gatewayId: string;
  intervalMs: number;
  maxBackoffMs: number;
  round: () => Promise<unknown>;
  /** Records why sync is not running (shown by `sauti sync status`). */
  reportError: (message: string) => void;
  logger: Logger;
  /** Source of the backoff's jitter (tests pass their own); Math.random by default. */
  random?: () => number;
}

/** How long stop() lets a running round finish while Redis answers, before dropping the connections. */
const STOP_GRACE_MS = 3000;

export class BullmqSyncScheduler {
  private link: RedisLink | undefined;
  private queue: Queue | undefined;
  private worker: Worker | undefined;
  private stopped = false;
  /** Why sync cannot run now; undefined while Redis is ready. */
  private outage: string | undefined;

  constructor(private readonly o: Options) {}

  get queueName(): string {
    return `${this.o.prefix}-sync-${this.o.gatewayId}`;
  }

  /** Returns at once, Redis or not: the queue and worker attach when Redis is first ready. */
  async start(): Promise<void> {
    const { Queue, Worker } = await import('bullmq');
    this.link = await RedisLink.open({
      url: this.o.redisUrl,
      component: 'sync',
      logger: this.o.logger,
      onDown: (reason) => {
        this.outage = `Redis is unreachable (${reason}): sync waits until it is back`;
        this.o.reportError(this.outage);
      },
      onReady: () => {
        this.outage = undefined;
        if (this.stopped) return;
        if (!this.queue) this.attach(Queue, Worker);
        // A Redis that restarted without persistence has forgotten the scheduler: put it back on every reconnect.
        void this.ensureScheduler().catch(() => undefined);
      },
    });
  }

  private attach(QueueClass: typeof Queue, WorkerClass: typeof Worker): void {
    const link = this.link!;
    this.queue = new QueueClass(this.queueName, { connection: link.connection });
    // Without a listener BullMQ prints every failed reconnect attempt to stderr.
    this.queue.on('error', (err) => link.ready && this.o.logger.error({ component: 'sync', err: String(err) }, 'sync queue error'));
    // Concurrency 1: rounds of one gateway never overlap (the relay also refuses to).
    this.worker = new WorkerClass(this.queueName, () => this.backedOffRound(), { connection: link.duplicate(), concurrency: 1 });
    this.worker.on('failed', (job, err) =>
      this.o.logger.warn({ component: 'sync', attempt: job?.attemptsMade, err: { message: err.message } }, 'sync round failed; BullMQ will retry'),
    );
    // During an outage every reconnect attempt fails; the link has said so once already.
    this.worker.on('error', (err) => link.ready && this.o.logger.error({ component: 'sync', err: String(err) }, 'sync worker error'));
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
   * until the same capped, jittered exponential delay as the embedded scheduler has passed.
   */
  private async backedOffRound(): Promise<string> {
    if (Date.now() < this.notBefore) return 'backing off';
    try {
      await this.o.round();
      this.failures = 0;
      this.notBefore = 0;
      return 'done';
    } catch (err) {
      this.failures = waitingForKey(err) ? 0 : this.failures + 1; // no key trusted: nothing was sent, no backoff
      this.notBefore = Date.now() + nextDelayMs(this.o.intervalMs, this.failures, this.o.maxBackoffMs, this.o.random) - this.o.intervalMs;
      throw err;
    } finally {
      // Redis went away while this round ran: its result must not hide that no further round will run.
      if (this.outage) this.o.reportError(this.outage);
    }
  }

  /** Ends within a few seconds whatever Redis does; the outbox keeps what a cut-short round did not send. */
  async stop(): Promise<void> {
    this.stopped = true;
    const force = !this.link?.ready;
    await settledWithin(Promise.all([this.worker?.close(force), this.queue?.close()]), STOP_GRACE_MS);
    this.link?.disconnect();
  }
}
