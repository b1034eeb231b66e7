// Which ledger this gateway believes. An event leaves the outbox only on an answer signed by
// exactly one ledger key: the embedded ledger's own under `sauti start` without a ledger URL,
// otherwise the key the operator gave (SAUTI_LEDGER_KEY, or `sauti sync trust-ledger`, kept
// in sync_state). With none, the gateway does not sync, and says why.
import type { KeyObject } from 'node:crypto';
import { SautiError } from '../src/domain/errors.ts';
import { parsePublicKey } from '../src/domain/protocol.ts';
import type { Outbox } from './outbox.ts';

/** Where the trusted key came from, for `sauti sync status`. */
export type TrustSource = 'embedded' | 'environment' | 'trust-ledger';

/** How each source is named to operators. */
export const TRUST_SOURCES: Record<TrustSource, string> = {
  embedded: "the embedded ledger's own",
  environment: 'SAUTI_LEDGER_KEY',
  'trust-ledger': 'sauti sync trust-ledger',
};

export type LedgerTrust = { ok: true; key: KeyObject; text: string; source: TrustSource } | { ok: false; problem: string };

/** What the gateway was told: the embedded ledger's key when it runs one, and SAUTI_LEDGER_KEY. */
export interface TrustInputs {
  embeddedKey?: string;
  envKey?: string;
}

const STATE_KEY = 'ledger_key';

const HOW = 'run `sauti ledger identity` on the ledger, then `sauti sync trust-ledger <key>` here (or set SAUTI_LEDGER_KEY)';

/** The one ledger key this gateway trusts now, or why there is none. Read every round, so `trust-ledger` needs no restart. */
export function ledgerTrust(outbox: Outbox, inputs: TrustInputs): LedgerTrust {
  if (inputs.embeddedKey) return keyed(inputs.embeddedKey, 'embedded');
  const stored = outbox.state(STATE_KEY) || undefined;
  if (inputs.envKey && stored && inputs.envKey !== stored) {
    return {
      ok: false,
      problem: `SAUTI_LEDGER_KEY and the key trusted with \`sauti sync trust-ledger\` differ: a gateway trusts exactly one ledger, so it does not sync until they agree (unset one, or trust the same key with --replace)`,
    };
  }
  if (inputs.envKey) return keyed(inputs.envKey, 'environment');
  if (stored) return keyed(stored, 'trust-ledger');
  return {
    ok: false,
    problem: `no ledger key is trusted, so this gateway does not sync (an unsigned or forged answer could otherwise empty its outbox): ${HOW}`,
  };
}

/** The trusted key, or a SautiError saying why there is none (what sync rounds and import-ack throw). */
export function requireTrust(trust: LedgerTrust): Extract<LedgerTrust, { ok: true }> {
  if (!trust.ok) throw new SautiError('sync.no_ledger_key', trust.problem);
  return trust;
}

/** `sauti sync trust-ledger`: stores the ledger's key. Another key than the stored one needs `replace`. */
export function trustLedger(outbox: Outbox, key: string, replace = false): 'trusted' | 'unchanged' | 'replaced' {
  try {
    parsePublicKey(key);
  } catch {
    throw new SautiError('sync.bad_ledger_key', 'a ledger key is the 43 base64url characters `sauti ledger identity` prints on the ledger');
  }
  const stored = outbox.state(STATE_KEY) || undefined;
  if (stored === key) return 'unchanged';
  if (stored && !replace) {
    throw new SautiError(
      'sync.ledger_key_conflict',
      `this gateway already trusts ledger key ${stored}; pass --replace only if the city really moved to a new ledger (then resend with \`sauti sync resend --from-seq 1\`)`,
    );
  }
  outbox.setState({ [STATE_KEY]: key });
  return stored ? 'replaced' : 'trusted';
}

function keyed(text: string, source: TrustSource): LedgerTrust {
  try {
    return { ok: true, key: parsePublicKey(text), text, source };
  } catch {
    return {
      ok: false,
      problem: `the ${source === 'environment' ? 'SAUTI_LEDGER_KEY' : source === 'embedded' ? "embedded ledger's" : 'stored'} ledger key is not an Ed25519 public key: ${HOW}`,
    };
  }
}
