// The outbound SMS queue without Redis: the sms_outbound table is the queue; a timer picks
// due rows, respecting each provider's messages-per-second, and survives restarts for free.
import type { Logger } from 'pino';
import type { SmsStore } from '../store/sms-store.ts';
import type { OutboundQueue, SmsDispatcher } from './sms-outbound.ts';

/** Polls the outbound table; `notify` only makes the next poll come sooner. */
export class EmbeddedSmsQueue implements OutboundQueue {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = true;
  private busy: Promise<void> = Promise.resolve();
  /** Earliest next send per provider, for the rate limit. */
  private readonly nextSlot = new Map<string, number>();

  constructor(
    private readonly deps: {
      sms: SmsStore;
      dispatcher: SmsDispatcher;
      perSecond: Record<string, number>;
      logger: Logger;
      pollMs?: number;
      clock?: () => Date;
    },
  ) {}

  notify(): void {
    if (!this.stopped) this.schedule(0);
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.busy;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.running) return this.schedule(50);
      this.running = true;
      this.busy = this.tick().finally(() => {
        this.running = false;
        this.schedule(this.deps.pollMs ?? 500);
      });
    }, ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const now = (this.deps.clock ?? (() => new Date()))();
    const due = Object.keys(this.deps.perSecond).flatMap((p) => this.deps.sms.due(p, now.toISOString(), 100));
    const sends: Promise<unknown>[] = [];
    for (const { id, provider } of due) {
      const gap = 1000 / (this.deps.perSecond[provider] ?? 1);
      const slot = Math.max(this.nextSlot.get(provider) ?? 0, Date.now());
      const wait = slot - Date.now();
      if (wait > 2000) continue; // this provider's share of the rest waits for the next tick
      this.nextSlot.set(provider, slot + gap);
      sends.push(
        new Promise((r) => setTimeout(r, wait)).then(() =>
          this.deps.dispatcher
            .dispatch(id)
            .catch((err) => this.deps.logger.error({ component: 'sms-queue', message: id, err: String(err) }, 'dispatch crashed')),
        ),
      );
    }
    await Promise.all(sends);
  }
}
