// The life of an outbound message. It only moves right: queued → sent → delivered | failed.

export type OutboundState = 'queued' | 'sent' | 'delivered' | 'failed';

/** Order of states; a report may only raise it (a late "sent" never undoes "delivered"). */
export const OUTBOUND_RANK: Record<OutboundState, number> = { queued: 0, sent: 1, delivered: 2, failed: 2 };
