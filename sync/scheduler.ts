// The embedded scheduler (no Redis): runs a sync round every interval, backing off while the
// ledger cannot be reached (with jitter, so gateways do not all retry in step).
import type { Logger } from 'pino';
import { nextDelayMs, waitingForKey } from './sync-job.ts';

export class EmbeddedSyncScheduler {
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private stopped = true;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly round: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly maxBackoffMs: number,
    private readonly logger: Logger,
    /** Source of the backoff's jitter (tests pass their own). */
    private readonly random: () => number = Math.random,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Runs a round now (joins one already running). */
  private trigger(): Promise<void> {
    this.inFlight ??= this.run().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.trigger(), ms);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    try {
      await this.round();
      this.failures = 0;
    } catch (err) {
      // No key trusted: nothing was sent, so no backoff (a key trusted meanwhile is used at the next interval).
      this.failures = waitingForKey(err) ? 0 : this.failures + 1;
      this.logger.warn({ component: 'sync', failures: this.failures, err: { message: (err as Error).message } }, 'sync round failed; will retry');
    }
    this.schedule(nextDelayMs(this.intervalMs, this.failures, this.maxBackoffMs, this.random));
  }
}
