// The push and the standing check of the embedded ledger's own gateway, run on the ledger's
// thread rather than on the one that answers residents. Both are SQLite reads and writes, JSON,
// gzip, signatures and HTTP with no state of the gateway's in memory, and during a round they
// took about a seventh of the residents' thread while it answered 1,000 SMS a second
// (docs/benchmarks.md). The thread opens the gateway's file itself and runs the very same Relay,
// over loopback to its own port, with the same checks of every answer; the gateway's thread only
// asks and waits (src/http/embedded-ledger.ts). The ballot, the feeds and the recordings stay on
// the gateway's thread: they change what it holds in memory, or read its recordings folder.
import type { KeyObject } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import { SautiError } from '../src/domain/errors.ts';
import { openDatabase } from '../src/store/db.ts';
import { ledgerTrust } from './ledger-trust.ts';
import { Outbox } from './outbox.ts';
import { Relay, type PushSummary } from './relay.ts';

/** What a thread needs to push for a gateway (structured-cloned: a KeyObject passes as itself). */
export interface ThreadRelaySetup {
  dbFile: string;
  gatewayId: string;
  publicKey: string;
  privateKey: KeyObject;
  batchSize: number;
  maxAttachmentBytes: number;
}

/** The work a round hands to the thread. */
export type ThreadSyncWork = 'push' | 'standings';

/** What each work returns. */
export interface ThreadSyncResults {
  push: PushSummary;
  standings: { asked: number; changed: number };
}

/** A failure as it crosses threads: a SautiError keeps its code and whether a retry may help. */
export interface ThreadSyncFailure {
  code: string;
  message: string;
  retryable: boolean;
}

/**
 * The gateway's SQLite page cache on this thread, in KiB: it reads each batch once, so a small
 * one does; SQLite's default would add 2 MB to the process.
 */
const THREAD_CACHE_KIB = 256;

export class ThreadRelay {
  private readonly db: Database;
  private readonly relay: Relay;

  /** `ledgerUrl` and `headers`: this thread's own port, and what its ledger asks of the gateway's requests. */
  constructor(setup: ThreadRelaySetup, ledgerKey: string, ledgerUrl: string, headers: Record<string, string>, logger: Logger) {
    this.db = openDatabase(setup.dbFile);
    this.db.pragma(`cache_size = -${THREAD_CACHE_KIB}`);
    // Its commits hold the write lock the residents' thread waits on, so none waits for an fsync:
    // what it writes (acknowledgements, standings, sync state) is asked again if a power cut
    // loses it, and the ledger answers a resent event as a duplicate.
    this.db.pragma('synchronous = NORMAL');
    const outbox = new Outbox(this.db);
    this.relay = new Relay({
      outbox,
      identity: { gatewayId: setup.gatewayId, publicKey: setup.publicKey, privateKey: setup.privateKey },
      ledgerUrl,
      batchSize: setup.batchSize,
      maxAttachmentBytes: setup.maxAttachmentBytes,
      logger,
      trust: () => ledgerTrust(outbox, { embeddedKey: ledgerKey }),
      direct: () => ({ url: ledgerUrl, headers }),
    });
  }

  run<W extends ThreadSyncWork>(work: W): Promise<ThreadSyncResults[W]> {
    return (work === 'push' ? this.relay.pushAll() : this.relay.refreshStandings()) as Promise<ThreadSyncResults[W]>;
  }

  close(): void {
    this.relay.close();
    if (this.db.open) this.db.close();
  }
}

/** A thrown value as it is posted back. */
export function failureOf(err: unknown): ThreadSyncFailure {
  if (err instanceof SautiError) return { code: err.code, message: err.message, retryable: err.retryable };
  return { code: 'sync.failed', message: err instanceof Error ? err.message : String(err), retryable: true };
}

/** The failure again as the error the round would have seen on its own thread. */
export function errorOf(failure: ThreadSyncFailure): SautiError {
  return new SautiError(failure.code, failure.message, { retryable: failure.retryable });
}
