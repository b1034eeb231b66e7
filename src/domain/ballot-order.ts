// Which of a voter's ballots in a cycle counts: one rule for the gateway (what the resident is
// told) and the ledger (what is counted). Pure: no storage, no clock.

/** A cycle's revote policy: `replace` counts the voter's last ballot, `refuse` the first. */
export type RevotePolicy = 'replace' | 'refuse';

/** What the order needs to know of a ballot. */
export interface OrderedBallot {
  eventId: string;
  gatewayId: string;
  /** The gateway's sequence number: the order in which it applied its events. */
  gatewaySeq: number;
  /** Capture time corrected for the gateway's clock (the ledger's `ordered_at`; on a gateway, its own capture time). */
  orderedAt: string;
}

/**
 * Negative when `a` was cast before `b`, positive after, 0 for the same ballot. Within one
 * gateway its sequence decides: that is the order it applied them and told the resident ("It
 * replaces your earlier vote"), whatever its clock said, and a ballot's `replaces` always names
 * one the same gateway applied before it. Across gateways the corrected capture time decides;
 * equal times go to the smaller gateway id (deterministic, and independent of arrival order).
 *
 * This is a total order as long as a gateway's `orderedAt` never decreases as its sequence
 * grows; the ledger keeps it so (ingest clamps `ordered_at` between its neighbours), which makes
 * it the plain lexicographic order of (orderedAt, gatewayId, gatewaySeq) that its SQL uses.
 */
export function compareBallots(a: OrderedBallot, b: OrderedBallot): number {
  if (a.eventId === b.eventId) return 0;
  if (a.gatewayId === b.gatewayId) return a.gatewaySeq - b.gatewaySeq || cmp(a.eventId, b.eventId);
  return cmp(a.orderedAt, b.orderedAt) || cmp(a.gatewayId, b.gatewayId);
}

/** Whether `challenger` counts instead of `holder` under the policy: the later under `replace`, the earlier under `refuse`. */
export function prevails(policy: RevotePolicy, challenger: OrderedBallot, holder: OrderedBallot): boolean {
  const c = compareBallots(challenger, holder);
  return policy === 'replace' ? c > 0 : c < 0;
}

/** The ballot that counts among one voter's ballots in one cycle (null for none). */
export function countedBallot<T extends OrderedBallot>(policy: RevotePolicy, ballots: readonly T[]): T | null {
  let best: T | null = null;
  for (const b of ballots) if (!best || prevails(policy, b, best)) best = b;
  return best;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
