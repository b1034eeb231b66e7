// Broadcasts as the ledger keeps them: a row of ledger_notices (kind `broadcast`) hanging from
// the console's `broadcast.sent` audit entry (console/broadcasts.ts), served to gateways by the
// notice feed (ledger/notices.ts). `sauti ledger verify` checks each against its entry, and
// that no entry lost its row (checkBroadcasts).
import { BROADCAST_NOTICE, broadcastNoticeSchema, type BroadcastBody, type BroadcastNotice } from '../src/domain/broadcast-notice.ts';
import type { LedgerDb, LedgerTables } from './schema.ts';

/** The audit action of a broadcast sent from the console. */
export const BROADCAST_ACTION = 'broadcast.sent';

/** A stored broadcast as the feed serves it. */
export function broadcastFromRow(r: LedgerTables['ledger_notices']): BroadcastNotice {
  const body = JSON.parse(r.body) as BroadcastBody;
  return {
    kind: BROADCAST_NOTICE,
    seq: Number(r.seq),
    cycleId: r.cycle_id,
    recordedAt: r.recorded_at,
    audience: body.audience,
    wardId: body.wardId,
    text: body.text,
  };
}

/** Whether a stored broadcast is exactly what its audit entry recorded (`after`, cycle in the subject, time). */
export function broadcastMatches(r: LedgerTables['ledger_notices'], entry: { payload: string; received_at: string } | undefined): boolean {
  if (!entry) return false;
  const notice = broadcastNoticeSchema.safeParse(broadcastFromRow(r));
  const audit = JSON.parse(entry.payload) as { action?: string; subject?: string; after?: unknown };
  if (!notice.success || audit.action !== BROADCAST_ACTION || audit.subject !== `broadcast:${r.cycle_id}`) return false;
  const { audience, wardId, text } = notice.data;
  // The preview's send id (against a form sent twice) is the audit entry's alone.
  const { sendId, ...recorded } = (audit.after ?? {}) as { sendId?: unknown };
  void sendId;
  return JSON.stringify(recorded) === JSON.stringify({ audience, wardId, text }) && entry.received_at === r.recorded_at;
}

/** Every `broadcast.sent` entry must still have its notice: one deleted would silently never reach residents. */
export async function missingBroadcast(db: LedgerDb): Promise<{ seq: number; eventId: string } | null> {
  const rows = await db
    .selectFrom('ledger_events as e')
    .leftJoin('ledger_notices as n', 'n.seq', 'e.seq')
    .select(['e.seq', 'e.event_id', 'n.seq as notice'])
    .where('e.type', '=', `console.${BROADCAST_ACTION}`)
    .orderBy('e.seq')
    .execute();
  const gone = rows.find((r) => r.notice === null);
  return gone ? { seq: Number(gone.seq), eventId: gone.event_id } : null;
}

/** The broadcasts sent, newest first (the console's list). */
export async function listBroadcasts(db: LedgerDb, limit = 100): Promise<(BroadcastNotice & { actor: string })[]> {
  const rows = await db
    .selectFrom('ledger_notices as n')
    .innerJoin('ledger_events as e', 'e.seq', 'n.seq')
    .selectAll('n')
    .select('e.payload')
    .where('n.kind', '=', BROADCAST_NOTICE)
    .orderBy('n.seq', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...broadcastFromRow(r), actor: String((JSON.parse(r.payload) as { actor?: string }).actor ?? '') }));
}
