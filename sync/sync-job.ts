// One sync round: download the ballot if it changed, then push the whole outbox and the
// recordings its acknowledged events name, then download implementation updates and notices. The embedded
// scheduler and the BullMQ job both run exactly this.
import type { Logger } from 'pino';
import type { ImplementationUpdate } from '../src/domain/implementation.ts';
import type { Notice, UnknownNotice } from '../src/domain/notices.ts';
import type { BallotCache } from './ballot.ts';
import type { AttachmentSummary, PushSummary, Relay } from './relay.ts';

export interface SyncRound {
  ballot: 'updated' | 'unchanged' | 'refused' | 'unreachable';
  push: PushSummary;
  /** Votes whose standing in the ledger was asked, and how many answers were recorded; null when the ledger did not answer. */
  standing: { asked: number; changed: number } | null;
  /** Recordings (spoken ideas) sent after the push; null when that failed (they wait for the next round). */
  attachments: AttachmentSummary | null;
  /** Implementation updates downloaded (new to this gateway) and messages queued to followers; null when not asked or it failed. */
  implementation: { stored: number; queued: number } | null;
  /** Notices downloaded (new to this gateway) and messages queued to proposers; null when not asked or it failed. */
  notices: { stored: number; queued: number } | null;
}

/**
 * Where a feed's downloads go (src/engine/implementation-updates.ts, src/engine/notices.ts, wired
 * by the shell): the last entry held, and a page to keep and text in one commit.
 */
export interface FeedSink<T> {
  cursor(): number;
  receive(items: readonly T[]): Promise<{ stored: number; queued: number }>;
}

/** Where downloaded implementation updates go. */
export type ImplementationSink = FeedSink<ImplementationUpdate>;
/** Where downloaded notices go. */
export type NoticeSink = FeedSink<Notice | UnknownNotice>;

/** Pages of a feed read in one round at most. */
const FEED_PAGES = 20;

/** Downloads a feed after the last entry held, page by page, each page kept before the next is asked. */
async function pullFeed<T>(page: (after: number) => Promise<{ items: T[]; more: boolean }>, sink: FeedSink<T>): Promise<{ stored: number; queued: number }> {
  const total = { stored: 0, queued: 0 };
  for (let n = 0; n < FEED_PAGES; n++) {
    const feed = await page(sink.cursor());
    const r = await sink.receive(feed.items);
    total.stored += r.stored;
    total.queued += r.queued;
    if (!feed.more || feed.items.length === 0) break;
  }
  return total;
}

/** Downloads the implementation updates after the last one held. */
export function pullImplementation(relay: Relay, sink: ImplementationSink): Promise<{ stored: number; queued: number }> {
  return pullFeed(async (after) => {
    const feed = await relay.implementationAfter(after);
    return { items: feed.updates, more: feed.more };
  }, sink);
}

/** Downloads the notices after the last one held. */
export function pullNotices(relay: Relay, sink: NoticeSink): Promise<{ stored: number; queued: number }> {
  return pullFeed((after) => relay.noticesAfter(after), sink);
}

/** A feed pulled after the push: its failure costs the round nothing (it comes at the next one). */
async function pulled(what: string, logger: Logger, pull: (() => Promise<{ stored: number; queued: number }>) | undefined) {
  if (!pull) return null;
  return pull().catch((err: unknown) => {
    logger.warn({ component: 'sync', err: err instanceof Error ? err.message : String(err) }, `${what} were not downloaded; they come at the next round`);
    return null;
  });
}

/**
 * The parts of a round that may run elsewhere than on the relay's own thread: the embedded
 * ledger runs them on its thread (sync/thread-relay.ts).
 */
export type PushSide = Pick<Relay, 'pushAll' | 'refreshStandings'>;

export async function syncRound(
  relay: Relay,
  ballots: BallotCache,
  logger: Logger,
  implementation?: ImplementationSink,
  notices?: NoticeSink,
  pushSide: PushSide = relay,
): Promise<SyncRound> {
  let ballot: SyncRound['ballot'] = 'unchanged';
  // With no trusted ledger key the gateway does not sync: the push below records and throws why.
  if (!relay.trusted()) return { ballot: 'unreachable', push: await relay.pushAll(), standing: null, attachments: null, implementation: null, notices: null };
  try {
    const fresh = await relay.pullBallot(ballots.version());
    if (fresh) {
      const applied = ballots.apply(fresh.version, fresh.ballot);
      ballot = applied.ok ? 'updated' : 'refused';
      if (applied.ok) logger.info({ component: 'sync', version: fresh.version }, 'new ballot from the ledger');
      else
        logger.error(
          { component: 'sync', version: fresh.version, problem: applied.problem },
          'the ledger sent a ballot this gateway cannot use; keeping the last one',
        );
    }
  } catch {
    // Offline: keep serving the ballot we have; the push below reports the link's state.
    ballot = 'unreachable';
  }
  const push = await pushSide.pushAll();
  // After the push: a recording goes once the ledger holds the event that names its digest.
  const attachments = await relay.pushAttachments().catch((err: unknown) => {
    logger.warn(
      { component: 'sync', err: err instanceof Error ? err.message : String(err) },
      'recordings were not all sent; they stay on this gateway for the next round',
    );
    return null;
  });
  // After the push, so newly acknowledged votes are asked about in the same round. A ledger that
  // cannot answer (an older version, a dropped link) costs the round nothing: votes keep their last standing.
  const standing = await pushSide.refreshStandings().catch((err: unknown) => {
    logger.warn(
      { component: 'sync', err: err instanceof Error ? err.message : String(err) },
      "the ledger did not say where this gateway's votes stand; the last answers are kept",
    );
    return null;
  });
  // Updates and notices the PB team recorded: kept and texted to residents once each, whatever round brings them.
  const implemented = await pulled('implementation updates', logger, implementation && (() => pullImplementation(relay, implementation)));
  const noticed = await pulled('notices', logger, notices && (() => pullNotices(relay, notices)));
  return { ballot, push, standing, attachments, implementation: implemented, notices: noticed };
}

/**
 * Whether a failed round is one that asked nothing of the ledger because no ledger key is trusted
 * yet: it costs nothing to try again, so the schedulers retry it at the plain interval, not with
 * backoff. `sauti sync trust-ledger` (run in another process) then takes effect within an interval.
 */
export function waitingForKey(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'sync.no_ledger_key';
}

/**
 * Delay before the next round: the interval after success; after failures, a random point
 * between the interval and a ceiling that doubles with each failure up to `maxMs` ("full
 * jitter" above the interval). Without the randomness every gateway cut off by the same outage
 * would retry the ledger in the same instant when it returns; with it they spread over the window.
 */
export function nextDelayMs(intervalMs: number, failures: number, maxMs: number, random: () => number = Math.random): number {
  if (failures === 0) return intervalMs;
  const ceiling = Math.min(intervalMs * 2 ** Math.min(failures, 30), Math.max(intervalMs, maxMs));
  return Math.round(intervalMs + random() * (ceiling - intervalMs));
}
