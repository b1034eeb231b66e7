// What the gateway syncs to, as the last `sauti start` on this database set it up. The `sauti
// sync` commands run in another shell, whose environment may not hold the gateway's
// SAUTI_LEDGER_URL: they report what the gateway recorded rather than guess from their own.
import type { Outbox } from './outbox.ts';

/** Where the gateway started last syncs, and since when. */
export interface SyncTarget {
  /** The remote ledger's URL (credentials removed), or 'embedded'. */
  ledger: string;
  /** The embedded ledger's address when `ledger` is 'embedded'. */
  embeddedUrl?: string;
  /** The trusted ledger key and where it came from, or why none is trusted, at start-up. */
  trust: string;
  /** The SAUTI_LEDGER_KEY the gateway started with (a public key), so a shell without it says what the gateway trusts now. */
  envKey?: string;
  startedAt: string;
}

const KEY = 'sync_target';

/** Recorded by `sauti start` once it listens. */
export function recordSyncTarget(outbox: Outbox, target: SyncTarget): void {
  outbox.setState({ [KEY]: JSON.stringify({ ...target, ledger: target.ledger === 'embedded' ? 'embedded' : withoutCredentials(target.ledger) }) });
}

/** What the last `sauti start` recorded, or undefined if the gateway never started on this database. */
export function recordedSyncTarget(outbox: Outbox): SyncTarget | undefined {
  const raw = outbox.state(KEY);
  return raw ? (JSON.parse(raw) as SyncTarget) : undefined;
}

/** A URL as it may be shown and stored: no user name, password, query or fragment. */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}
