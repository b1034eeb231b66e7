// The ledger's own voter keys. A gateway sends voter_key = HMAC(SAUTI_VOTER_KEY_SECRET, phone),
// and every gateway holds that secret; the ledger never stores it as sent but re-keys it on ingest
// with a secret only the ledger holds, so a gateway's settings and a copy of the ledger together
// still cannot tell whose ballot is whose (docs/privacy.md, "In the ledger").
//
// key = HMAC-SHA256(secret, "sauti-ledger-voter/1\n" + gateway key), base64url. After a rotation
// (`sauti ledger rotate-voter-secret`) the stored keys cannot be made again from the gateway keys,
// which the ledger no longer has, so the new secret is applied on top of the old key:
// key' = HMAC(next, label + key). The earlier secrets are kept in ledger_meta encrypted under the
// current one (`voter_secret_layers`): the current secret alone keys a new vote the way the stored
// ones were keyed, and a copy of the database without it learns nothing from them.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { SautiError } from '../src/domain/errors.ts';

/** Domain separation: this HMAC is never the same computation as any other keyed with the secret. */
export const LEDGER_VOTER_LABEL = 'sauti-ledger-voter/1\n';
const CHECK_LABEL = 'sauti-ledger-voter-check/1';
const LAYERS_LABEL = 'sauti-ledger-voter-layers/1';

/** The meta keys: which secret the stored keys were made with, and the earlier ones under it. */
export const CHECK_KEY = 'voter_secret_check';
export const LAYERS_KEY = 'voter_secret_layers';

/** One HMAC step: the ledger key of `key` under `secret`. */
export function ledgerVoterKey(secret: string, key: string): string {
  return createHmac('sha256', secret)
    .update(LEDGER_VOTER_LABEL + key)
    .digest('base64url');
}

/** A fingerprint of the secret, stored beside the keys: names the secret without revealing it. */
export function secretCheck(secret: string): string {
  return createHmac('sha256', secret).update(CHECK_LABEL).digest('base64url');
}

/** A new random secret (32 bytes), for a ledger that keeps its own. */
export function newVoterSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The earlier secrets (oldest first), encrypted under the current one with AES-256-GCM. */
export function sealLayers(current: string, layers: readonly string[]): string {
  if (layers.length === 0) return '';
  const key = createHmac('sha256', current).update(LAYERS_LABEL).digest();
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(layers), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

export function openLayers(current: string, sealed: string): string[] {
  if (!sealed) return [];
  const raw = Buffer.from(sealed, 'base64url');
  const key = createHmac('sha256', current).update(LAYERS_LABEL).digest();
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as string[];
}

/** Keys voters as the stored keys were keyed: every earlier secret in turn, then the current one. */
export class VoterKeys {
  readonly check: string;
  private readonly chain: string[];

  constructor(
    readonly current: string,
    layers: readonly string[] = [],
  ) {
    this.check = secretCheck(current);
    this.chain = [...layers, current];
  }

  /** The ledger's key for a gateway's voter key. */
  key(gatewayKey: string): string {
    let k = gatewayKey;
    for (const s of this.chain) k = ledgerVoterKey(s, k);
    return k;
  }

  /** The earlier secrets, for a rotation to stack this one under the next. */
  layers(): string[] {
    return this.chain.slice(0, -1);
  }
}

/**
 * The secrets one ledger process may key voters with: the current one, and during a rotation the
 * next one (SAUTI_LEDGER_NEXT_VOTER_SECRET), so a process started with both keeps ingesting
 * across the rotation. `reload` reads a secret the ledger keeps itself again (its file changes at
 * a rotation). Which one applies is decided per batch by the check stored in the ledger.
 */
export class VoterKeyring {
  private readonly known = new Map<string, VoterKeys>();

  constructor(private readonly candidates: () => string[]) {}

  /** The keys matching the stored check, or a retryable error naming what to do. */
  forCheck(check: string | undefined, sealedLayers: string): VoterKeys {
    if (check === undefined) throw new SautiError('ledger.voter_secret', 'this ledger has no voter secret yet (migration 0008 has not run)');
    const hit = this.known.get(check);
    if (hit) return hit;
    for (const secret of this.candidates()) {
      if (secretCheck(secret) !== check) continue;
      const keys = new VoterKeys(secret, openLayers(secret, sealedLayers));
      this.known.set(check, keys);
      return keys;
    }
    throw new SautiError(
      'ledger.voter_secret',
      'the voter keys in this ledger were made with another secret than this process has: set SAUTI_LEDGER_VOTER_SECRET to the secret the ledger was last rotated to (or restore its .voter-secret file) and restart',
      { retryable: true },
    );
  }
}
