// The gateway's Ed25519 identity: created once on first start and kept in the gateway's own
// database (meta is insert-once, so a key can never be silently replaced). Only the public key
// ever leaves the gateway.
import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import { shortCode } from '../src/domain/codes.ts';
import { newKeyPair, publicKeyOf } from '../src/domain/protocol.ts';
import type { GatewayStore } from '../src/store/gateway-store.ts';

export interface GatewayIdentity {
  gatewayId: string;
  publicKey: string;
  privateKey: KeyObject;
}

export function gatewayIdentity(store: GatewayStore, gatewayId: string): GatewayIdentity {
  const pem = store.meta('gateway_private_key') ?? store.metaOnce('gateway_private_key', newKeyPair().privatePem);
  return { gatewayId, publicKey: publicKeyOf(pem), privateKey: createPrivateKey(pem) };
}

/**
 * This gateway's id: SAUTI_GATEWAY_ID when set, else one generated on first use. Either way the
 * first id is stored, so `sauti sync …` in a shell without SAUTI_GATEWAY_ID finds the same one
 * `sauti start` uses (and run before the first start, makes the one start will use).
 */
export function gatewayIdOf(store: GatewayStore, configured: string | undefined): string {
  const stored = store.metaOnce('gateway_id', configured ?? `gw-${shortCode(randomBytes(5), 8).toLowerCase()}`);
  return configured ?? stored;
}
