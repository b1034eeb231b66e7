// What the flows may know about a caller, read lazily from the store.
import type { Deployment, Lang } from '../config/schema.ts';
import type { GatewayStore } from '../store/gateway-store.ts';
import type { VoterSnapshot } from './flow-contract.ts';

/** The voter as stored now. Each part is read on first use: most hops need none of them. */
export function voterSnapshot(store: GatewayStore, deployment: Deployment, key: string): VoterSnapshot {
  const once = <T>(read: () => T) => {
    let value: { v: T } | undefined;
    return () => (value ??= { v: read() }).v;
  };
  const lang = once(() => (store.voterLang(key) as Lang | undefined) ?? null);
  const roll = once(() => {
    if (deployment.eligibility.mode !== 'roll') return { eligible: true, wardId: null };
    const wardId = store.rollWard(key) ?? null;
    return { eligible: wardId !== null, wardId };
  });
  const ballot = once(() => {
    const b = store.latestBallot(key);
    if (!b) return null;
    const picks = JSON.parse(b.picks) as number[];
    const { state: ledger, countedChannel } = store.ledgerState(b.event_id);
    return {
      cycleId: b.cycle_id,
      wardId: b.ward_id,
      picks,
      receipt: b.receipt,
      castAt: new Date(b.cast_at),
      eventId: b.event_id,
      ledger,
      ...(countedChannel ? { countedChannel } : {}),
    };
  });
  const ideas = once(() => store.ideasOf(key, 3));
  return {
    get ideas() {
      return ideas();
    },
    get lang() {
      return lang();
    },
    get roll() {
      return roll();
    },
    get ballot() {
      return ballot();
    },
  };
}
