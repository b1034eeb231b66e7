// A broadcast from the PB team's console (console/broadcasts.ts): a text per language for an
// audience that only gateways can resolve, since the numbers are theirs. Carried by the notice
// feed (src/domain/notices.ts) like a proposal's new status; each gateway queues it to the
// numbers it holds (src/engine/broadcast-notices.ts). No number or voter key is in it.
import { z } from 'zod';

export const BROADCAST_NOTICE = 'broadcast';

/**
 * Who a broadcast is for, as gateways can resolve it: the proposers of ideas in the cycle (the
 * numbers kept with each idea, until STOP), or the residents who opted in to news of a project
 * by FOLLOW. Everyone who voted cannot be resolved: no gateway keeps a voter's number.
 */
export const BROADCAST_AUDIENCES = ['proposers', 'followers'] as const;
export type BroadcastAudience = (typeof BROADCAST_AUDIENCES)[number];

/** Longest text per language: three GSM-7 segments (the preview shows the count before sending). */
export const MAX_BROADCAST_TEXT = 459;

const lang = z.string().regex(/^[a-z]{2,3}$/);

export const broadcastNoticeSchema = z.strictObject({
  kind: z.literal(BROADCAST_NOTICE),
  /** The chain entry that recorded the broadcast (its audit entry): its identity everywhere. */
  seq: z.number().int().min(1),
  cycleId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/),
  recordedAt: z.iso.datetime(),
  audience: z.enum(BROADCAST_AUDIENCES),
  /** One ward's proposers or followers; null: the whole cycle's. */
  wardId: z.string().min(1).max(40).nullable(),
  text: z.record(lang, z.string().min(1).max(MAX_BROADCAST_TEXT)),
});
export type BroadcastNotice = z.infer<typeof broadcastNoticeSchema>;
export type BroadcastBody = Pick<BroadcastNotice, 'audience' | 'wardId' | 'text'>;
