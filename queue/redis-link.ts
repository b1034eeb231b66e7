// The Redis connection behind a BullMQ queue, made so that Redis is never a single point of
// failure at the edge: start-up does not wait for it, an outage is logged once (not on every
// reconnect attempt), and the owner hears each time Redis is ready again to (re)attach its queues.
import type { Redis as IORedis } from 'ioredis';
import type { Logger } from 'pino';

export interface RedisLinkOptions {
  url: string;
  /** `component` of the log lines. */
  component: string;
  logger: Logger;
  /** Redis is ready: at the first connection and after every outage. */
  onReady: () => void;
  /** Redis went away (or was never there): called once per outage with the first error. */
  onDown?: (reason: string) => void;
}

/** One ioredis connection (and its duplicates) that keeps reconnecting in the background. */
export class RedisLink {
  private readonly extra: IORedis[] = [];
  private down = false;

  private constructor(
    readonly connection: IORedis,
    private readonly o: RedisLinkOptions,
  ) {
    // While Redis is down ioredis keeps reconnecting and reports each failed attempt.
    connection.on('error', (err: Error) => this.lost(err.message));
    connection.on('ready', () => {
      if (this.down) o.logger.info({ component: o.component }, 'Redis is back');
      this.down = false;
      this.safely(o.onReady);
    });
  }

  /** Starts connecting and returns at once; ioredis is loaded here so a gateway without Redis never pays for it. */
  static async open(o: RedisLinkOptions): Promise<RedisLink> {
    const { Redis } = await import('ioredis');
    // BullMQ workers block on Redis; they need retries without a per-request limit.
    const link = new RedisLink(new Redis(o.url, { maxRetriesPerRequest: null, lazyConnect: true }), o);
    link.connection.connect().catch(() => undefined); // a failure is reported by the 'error' event and retried
    return link;
  }

  /** Whether commands would run now (not wait in ioredis's offline queue). */
  get ready(): boolean {
    return this.connection.status === 'ready';
  }

  /** A second connection (BullMQ workers need their own); closed with this link. */
  duplicate(): IORedis {
    const d = this.connection.duplicate();
    d.on('error', () => undefined); // the main connection reports the outage
    this.extra.push(d);
    return d;
  }

  /** Drops every connection at once, without waiting for Redis to answer (it may be down). */
  disconnect(): void {
    for (const c of [this.connection, ...this.extra]) c.disconnect();
  }

  private lost(reason: string): void {
    if (this.down) return;
    this.down = true;
    this.o.logger.warn({ component: this.o.component, err: { message: reason } }, 'Redis is unreachable; work waits in SQLite until it is back');
    if (this.o.onDown) this.safely(() => this.o.onDown!(reason));
  }

  /** The owner's callbacks run inside ioredis's event handlers: an exception there would end the process. */
  private safely(callback: () => void): void {
    try {
      callback();
    } catch (err) {
      this.o.logger.error({ component: this.o.component, err: { message: (err as Error).message } }, 'could not act on a Redis state change');
    }
  }
}

/** Waits for `work` at most `ms`; true if it settled in time. */
export async function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    const settled = work.then(
      () => true,
      () => true,
    );
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}
