// Broadcasts from the console (coordinators and admins): a text per language for an audience,
// previewed first (encoding and segments per language, by src/domain/sms-encoding.ts, as every
// carrier bills them; nothing saved), then sent: one audit entry (`broadcast.sent`) and one
// `broadcast` notice for gateways (ledger/broadcasts.ts) in the same transaction. Gateways hold
// the numbers: each queues the broadcast to those it can resolve (src/engine/broadcast-notices.ts).
import { z } from 'zod';
import type { Deployment } from '../src/config/schema.ts';
import { BROADCAST_AUDIENCES, BROADCAST_NOTICE, MAX_BROADCAST_TEXT, type BroadcastBody } from '../src/domain/broadcast-notice.ts';
import { SautiError } from '../src/domain/errors.ts';
import { smsCost, toGsmLookalikes, type SmsCost } from '../src/domain/sms-encoding.ts';
import type { LedgerConnection } from '../ledger/connect.ts';
import { BROADCAST_ACTION } from '../ledger/broadcasts.ts';
import type { LedgerDb } from '../ledger/schema.ts';
import type { Actor } from './accounts.ts';
import { appendAudit, withChainHead } from './audit.ts';
import { catchUpInbox } from './proposals.ts';

/** A bad field of the broadcast form, named for the form. */
export class BroadcastError extends SautiError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('console.bad_broadcast', message);
  }
}

/** The form as a browser sends it. */
export type BroadcastInput = Record<string, string | undefined>;

export interface BroadcastDraft extends BroadcastBody {
  cycleId: string;
}

/** The form checked: a known cycle, audience and ward (or none), a text in every language of the deployment. */
export function parseBroadcast(d: Deployment, input: BroadcastInput): BroadcastDraft {
  const cycleId = String(input.cycle ?? '');
  if (!d.cycles.some((c) => c.id === cycleId)) throw new BroadcastError('cycle', `cycle: '${cycleId}' is not a cycle of this deployment`);
  const audience = z.enum(BROADCAST_AUDIENCES).safeParse(input.audience);
  if (!audience.success) throw new BroadcastError('audience', `audience must be one of ${BROADCAST_AUDIENCES.join(', ')}`);
  const ward = String(input.ward ?? '');
  if (ward && !d.wards.some((w) => w.id === ward)) throw new BroadcastError('ward', `ward: '${ward}' is not a ward of this deployment`);
  const text: Record<string, string> = {};
  for (const { code } of d.languages) {
    const t = String(input[`text.${code}`] ?? '')
      .replace(/\s+/g, ' ')
      .trim();
    if (!t) throw new BroadcastError(`text.${code}`, `text.${code}: the text is needed in every language (each resident reads theirs)`);
    if (t.length > MAX_BROADCAST_TEXT) throw new BroadcastError(`text.${code}`, `text.${code}: at most ${MAX_BROADCAST_TEXT} characters`);
    text[code] = t;
  }
  return { cycleId, audience: audience.data, wardId: ward || null, text };
}

/** What each language's message costs, as sent (after the same look-alike replacement the engine does). */
export function broadcastCosts(d: Deployment, text: Record<string, string>): { lang: string; cost: SmsCost }[] {
  return d.languages.map((l) => ({ lang: l.code, cost: smsCost(toGsmLookalikes(text[l.code] ?? '')) }));
}

/** What a broadcast is expected to cost, from the deployment's price per segment. */
export interface BroadcastPrice {
  currency: string;
  /** Per language: one message's segments times the price. */
  perMessage: { lang: string; amount: string }[];
  /** The estimated recipients times the most segments of any language times the price (an upper bound), or null with no estimate. */
  total: { amount: string; recipients: number; segments: number } | null;
}

/** An amount held in ten-thousandths (the price has at most 4 decimals), written with 2 to 4 decimals. */
const money = (tenThousandths: bigint): string => {
  const whole = tenThousandths / 10_000n;
  const frac = (tenThousandths % 10_000n)
    .toString()
    .padStart(4, '0')
    .replace(/0{1,2}$/, '');
  return `${whole.toLocaleString('en-US')}.${frac.length < 2 ? frac.padEnd(2, '0') : frac}`;
};

/**
 * The estimated cost, or null when the deployment sets no price (`sms.pricePerSegment`). Whole
 * numbers throughout (the price in ten-thousandths), so the figure is exact. The total takes the
 * longest language's segments for everyone: which language each recipient reads is known only on
 * gateways, so this is the most it can cost for the recipients estimated.
 */
export function broadcastPrice(d: Deployment, costs: { lang: string; cost: SmsCost }[], recipients: number | null): BroadcastPrice | null {
  const price = d.sms.pricePerSegment;
  if (!price) return null;
  const unit = BigInt(Math.round(price.amount * 10_000));
  const segments = Math.max(...costs.map((c) => c.cost.segments));
  return {
    currency: price.currency,
    perMessage: costs.map(({ lang, cost }) => ({ lang, amount: money(unit * BigInt(cost.segments)) })),
    total: recipients === null ? null : { amount: money(unit * BigInt(segments) * BigInt(recipients)), recipients, segments },
  };
}

/**
 * The ledger's best estimate of the audience, or null when it has none. Proposers: the ideas the
 * ledger holds for the cycle (and ward), an upper bound (a resident may send several; an idea a
 * field officer captured has no number). Followers: FOLLOW stays on gateways, so none.
 */
export async function audienceEstimate(db: LedgerDb, draft: BroadcastDraft): Promise<number | null> {
  if (draft.audience !== 'proposers') return null;
  // The inbox's copy of the chain's ideas, brought up to date as the inbox page does (no broadcast is saved).
  await catchUpInbox(db);
  let q = db.selectFrom('console_proposals').where('cycle_id', '=', draft.cycleId);
  if (draft.wardId) q = q.where('ward_id', '=', draft.wardId);
  const r = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Records the broadcast: its audit entry and its notice for gateways, in one transaction. Returns the entry. */
/**
 * Records the broadcast: one audit entry and its notice for gateways. `sendId` names the preview
 * page it was sent from (a fresh id each preview): the same page sent again (a double click, the
 * browser resending the form) records nothing more and returns the first entry, `duplicate`.
 */
export function sendBroadcast(
  conn: LedgerConnection,
  actor: Actor,
  draft: BroadcastDraft,
  now: Date,
  sendId?: string,
): Promise<{ seq: number; duplicate: boolean }> {
  const { cycleId, audience, wardId, text } = draft;
  const body: BroadcastBody = { audience, wardId, text };
  return withChainHead(conn, async (trx) => {
    const earlier = sendId ? await sentFrom(trx, sendId) : undefined;
    if (earlier !== undefined) return { seq: earlier, duplicate: true };
    // The send id is kept in the audit entry only: the notice gateways read keeps its shape.
    const after = sendId ? { ...body, sendId } : body;
    const seq = await appendAudit(trx, now, { actor: actor.name, action: BROADCAST_ACTION, subject: `broadcast:${cycleId}`, before: null, after });
    await trx
      .insertInto('ledger_notices')
      .values({ seq, kind: BROADCAST_NOTICE, cycle_id: cycleId, body: JSON.stringify(body), recorded_at: now.toISOString() })
      .execute();
    return { seq, duplicate: false };
  });
}

/** How many recent broadcasts are looked at for a resent form: a resend comes within minutes. */
const RECENT_SENDS = 200;

/** The entry of a broadcast recorded from preview `sendId`, among the recent ones. */
async function sentFrom(trx: LedgerDb, sendId: string): Promise<number | undefined> {
  const rows = await trx
    .selectFrom('ledger_events')
    .select(['seq', 'payload'])
    .where('type', '=', `console.${BROADCAST_ACTION}`)
    .orderBy('seq', 'desc')
    .limit(RECENT_SENDS)
    .execute();
  const hit = rows.find((r) => (JSON.parse(r.payload) as { after?: { sendId?: unknown } }).after?.sendId === sendId);
  return hit ? Number(hit.seq) : undefined;
}
