// "During the vote": a cycle's ballots so far by ward, channel and hour, and each gateway's
// health (last contact, backlog, clock skew, refused events). Read from what the ledger holds;
// the turnout query reads the ledger_ballots_turnout index alone (ledger migration
// 0016-console-vote), so a page view of a million-vote cycle never reads the ballot rows.
import { sql } from 'kysely';
import type { GatewayView } from '../ledger/ledger.ts';
import type { LedgerDb } from '../ledger/schema.ts';

/** Ballots of one (ward, channel, hour): `hour` is the UTC hour the vote was cast, `2026-11-22T09`. */
export interface TurnoutCount {
  wardId: string;
  channel: string;
  hour: string;
  ballots: number;
}

/** A cycle's turnout, by ward, channel and hour (each a total over the others). */
export interface LiveTurnout {
  total: number;
  byWard: Record<string, number>;
  byChannel: Record<string, number>;
  /** UTC hours in order, each with its ballots. */
  byHour: { hour: string; ballots: number }[];
}

/**
 * The grouped count behind the turnout page. Grouped in the index's order (cycle, ward, channel,
 * cast time), so SQLite walks the covering index once without a temporary sort; the test shows
 * its plan. The hour is the cast time's first 13 characters (ISO UTC, as ingest stores it).
 */
export function turnoutQuery(db: LedgerDb, cycleId: string) {
  const hour = sql<string>`substr(ordered_at, 1, 13)`;
  return db
    .selectFrom('ledger_ballots')
    .select(['ward_id', 'channel', hour.as('hour'), (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('cycle_id', '=', cycleId)
    .groupBy(['ward_id', 'channel', hour]);
}

/** The rows of turnoutQuery, summed three ways. */
export async function liveTurnout(db: LedgerDb, cycleId: string, wardIds: readonly string[]): Promise<LiveTurnout> {
  const rows = await turnoutQuery(db, cycleId).execute();
  const out: LiveTurnout = { total: 0, byWard: Object.fromEntries(wardIds.map((w) => [w, 0])), byChannel: {}, byHour: [] };
  const hours = new Map<string, number>();
  for (const r of rows) {
    const n = Number(r.n);
    out.total += n;
    out.byWard[r.ward_id] = (out.byWard[r.ward_id] ?? 0) + n;
    out.byChannel[r.channel] = (out.byChannel[r.channel] ?? 0) + n;
    hours.set(r.hour, (hours.get(r.hour) ?? 0) + n);
  }
  out.byHour = [...hours].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([hour, ballots]) => ({ hour, ballots }));
  return out;
}

/** An event a gateway sent that the ledger refused, as the gateway page lists it. */
export interface Refusal {
  reason: string;
  detail: string;
  receivedAt: string;
}

/** How many refused events of each gateway the page lists (the total is GatewayView.rejected). */
export const REFUSALS_SHOWN = 3;

/** The latest refused events of a gateway, by the ledger_rejections (gateway, sequence) index. */
export function refusalsQuery(db: LedgerDb, gatewayId: string) {
  return db
    .selectFrom('ledger_rejections')
    .select(['reason', 'detail', 'received_at'])
    .where('gateway_id', '=', gatewayId)
    .orderBy('gateway_seq', 'desc')
    .limit(REFUSALS_SHOWN);
}

/** Each gateway with its latest refused events. */
export async function gatewayHealth(db: LedgerDb, gateways: GatewayView[]): Promise<(GatewayView & { refusals: Refusal[] })[]> {
  return Promise.all(
    gateways.map(async (g) => ({
      ...g,
      refusals:
        g.rejected > 0 ? (await refusalsQuery(db, g.gatewayId).execute()).map((r) => ({ reason: r.reason, detail: r.detail, receivedAt: r.received_at })) : [],
    })),
  );
}
