// Keeps the gateway's data folder free of what no reply needs any more: at start-up it seals
// numbers and keypresses an older Sauti stored in plaintext, and then, on a timer, purges USSD
// sessions past their resume window, expired SMS conversations and spoken ideas' recordings the
// ledger has held for the grace period, and truncates the WAL so the page images that held them
// leave the disk too.
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Deployment } from '../config/schema.ts';
import type { Seal } from '../domain/phone-seal.ts';
import type { CommitQueue } from '../store/commit-queue.ts';
import { checkpointTruncate, purgeExpired, sealSessionPlaintext, totalChanges, vacuumOnce, type ScrubCounts } from '../store/scrub.ts';
import type { SmsStore } from '../store/sms-store.ts';

/**
 * A finished USSD session is kept at least this long whatever `resumeMinutes` says: Africa's
 * Talking ends a session after about 180 s, and a provider retry of its last hop must still find it.
 */
export const MIN_SESSION_KEEP_MS = 5 * 60_000;

/** How long a USSD session row outlives its last hop: the resume window, at least MIN_SESSION_KEEP_MS. */
export function sessionKeepMs(d: Pick<Deployment, 'ussd'>): number {
  return Math.max(d.ussd.resumeMinutes * 60_000, MIN_SESSION_KEEP_MS);
}

/** Seals, purges and checkpoints; `sweep` is safe to call at any time, `start` runs it on a timer. */
export class PrivacySweep {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  /** total_changes() after the last checkpoint: nothing written since, nothing to truncate. */
  private checkpointedAt = -1;
  private readonly clock: () => Date;

  constructor(
    private readonly deps: {
      db: Database;
      sms: SmsStore;
      queue: CommitQueue;
      seal: Seal;
      deployment: Pick<Deployment, 'ussd'> & { sync: Pick<Deployment['sync'], 'recordingGraceMinutes'> };
      logger: Logger;
      clock?: () => Date;
    },
  ) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /**
   * Start-up, before anything is sent or any hop answered (synchronous, outside the commit
   * queue): seals plaintext left by an older Sauti, rewrites the file once, purges, checkpoints.
   */
  startup(): void {
    const { db, sms, seal, logger } = this.deps;
    const now = this.clock();
    // IMMEDIATE, as every write transaction that reads first (src/store/commit-queue.ts).
    const sealed = db.transaction(() => ({ numbers: sms.sealPlaintext(), sessions: sealSessionPlaintext(db, seal) })).immediate();
    const purged = db.transaction(() => this.purge(now)).immediate();
    let vacuumed = false;
    try {
      vacuumed = vacuumOnce(db, now.toISOString());
    } catch (err) {
      // Another process (a `sauti` command) has the file open: the gateway starts all the same, and tries at its next start.
      logger.warn({ component: 'privacy', err: { message: (err as Error)?.message } }, 'the one-time rewrite of the database file could not run now');
    }
    this.checkpoint();
    if (sealed.numbers + sealed.sessions + purged.sessions + purged.conversations + purged.recordings > 0 || vacuumed) {
      logger.info({ component: 'privacy', sealed, purged, vacuumed }, 'stored numbers sealed and expired rows erased');
    }
  }

  /** Purges what expired, then truncates the WAL if anything was written since the last time. */
  sweep(): Promise<ScrubCounts> {
    const now = this.clock();
    const run = this.running.then(async () => {
      const purged = await this.deps.queue.run(() => this.purge(now));
      this.checkpoint();
      return purged;
    });
    this.running = run.catch(() => undefined);
    return run;
  }

  /** Sweeps every `intervalMs` until stop(). */
  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) => this.deps.logger.error({ component: 'privacy', err: { message: (err as Error)?.message } }, 'privacy sweep failed'));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a sweep under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private purge(now: Date): ScrubCounts {
    const before = new Date(now.getTime() - sessionKeepMs(this.deps.deployment)).toISOString();
    const recordingsBefore = new Date(now.getTime() - this.deps.deployment.sync.recordingGraceMinutes * 60_000).toISOString();
    return purgeExpired(this.deps.db, before, now.toISOString(), recordingsBefore);
  }

  private checkpoint(): void {
    const { db, logger } = this.deps;
    const changes = totalChanges(db);
    if (changes === this.checkpointedAt) return;
    if (checkpointTruncate(db)) this.checkpointedAt = totalChanges(db);
    else logger.warn({ component: 'privacy' }, 'the WAL could not be truncated now (a reader holds it); the next sweep tries again');
  }
}
