// News from the PB team texted to a resident — a notice (a proposal's review, a report's answer)
// or an implementation update to a project's followers — goes through the provider that texts
// them: the one they came by when it sends SMS, else the first that does. While none does (no
// provider's credentials are configured), the message is held (sms_held, the number sealed)
// instead of being dropped or queued to fail, and each later round queues what is held as soon as
// a provider sends SMS, under the same name, so nothing is lost or sent twice. A number that sent
// STOP loses what was held for it (src/store/gateway-store.ts setOptOut).
import type { Logger } from 'pino';
import type { GatewayStore } from '../store/gateway-store.ts';
import type { NewOutbound, SmsStore } from '../store/sms-store.ts';

/** A row queued, for the sender to be woken. */
export interface QueuedSms {
  id: number;
  provider: string;
  kind: string;
}

/** The provider that texts a resident who came by `provider` ('' when not SMS); undefined: none sends SMS. */
export type SmsProviderFor = (provider: string) => string | undefined;

/**
 * Queues `m` (its `provider` the one the resident came by) through the provider that texts them;
 * held when none sends SMS. Returns the row queued, 'held', or null when it was queued or held before.
 */
export function queueOrHold(sms: SmsStore, smsProvider: SmsProviderFor, m: NewOutbound, at: string): QueuedSms | 'held' | null {
  const provider = smsProvider(m.provider);
  if (!provider) return sms.hold(m, at) ? 'held' : null;
  const id = sms.enqueue({ ...m, provider }, at);
  return id === null ? null : { id, provider, kind: m.kind };
}

/** Queues every held message once a provider sends SMS (inside the caller's commit); those of numbers that sent STOP are forgotten. */
export function releaseHeld(deps: { store: GatewayStore; sms: SmsStore; smsProvider: SmsProviderFor }, at: string): QueuedSms[] {
  const { store, sms, smsProvider } = deps;
  if (sms.heldCount() === 0 || !smsProvider('')) return [];
  const queued: QueuedSms[] = [];
  for (const m of sms.heldMessages()) {
    if (store.optedOut(m.voterKey)) {
      sms.dropHeld(m.sourceRef);
      continue;
    }
    const q = queueOrHold(sms, smsProvider, m, at);
    if (q !== 'held') sms.dropHeld(m.sourceRef);
    if (q && q !== 'held') queued.push(q);
  }
  return queued;
}

/** One warning per round that held messages, with how many are waiting in all. */
export function warnHeld(logger: Logger, component: string, held: number, sms: SmsStore): void {
  if (held > 0)
    logger.warn(
      { component, held, waiting: sms.heldCount() },
      'no SMS provider is configured to send SMS: messages to residents are held, and sent once one is',
    );
}
