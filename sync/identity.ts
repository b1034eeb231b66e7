// The gateway's Ed25519 identity: created once on first start and kept in the gateway's own
// database (meta is insert-once, so a key can never be silently replaced). Only the public key
// ever leaves the gateway.
import { createPrivateKey, type KeyObject } from 'node:crypto';
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
