// Results published from the console: the ledger's own publication (ledger/publication.ts) with
// its guards — after voting closes, every gateway synced, or forced with a reason — and an audit
// entry naming who published, written in the publication's transaction.
import { SautiError } from '../src/domain/errors.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { CycleResult } from '../ledger/results.ts';
import { appendAudit } from './audit.ts';
import type { Actor } from './accounts.ts';

/** Refusals the page explains in the operator's language (the ledger's message adds the details). */
export const PUBLISH_REFUSALS = [
  'results.voting_open',
  'results.gateways_behind',
  'results.reason_needed',
  'results.reason_too_long',
  'results.already_published',
  'results.unknown_cycle',
  'results.historical',
] as const;
export type PublishRefusal = (typeof PUBLISH_REFUSALS)[number];

export const isPublishRefusal = (err: unknown): err is SautiError & { code: PublishRefusal } =>
  err instanceof SautiError && (PUBLISH_REFUSALS as readonly string[]).includes(err.code);

/** What the audit entry of a publication records. */
export function publicationState(r: CycleResult) {
  return {
    cycleId: r.cycleId,
    publishedAt: r.publishedAt,
    rule: r.rule,
    ballots: r.turnout.total,
    throughSeq: Number(r.throughSeq),
    forced: r.forced ? { reason: r.forced.reason, gateways: r.forced.gateways.map((g) => g.gatewayId) } : null,
  };
}

/** Publishes `cycleId` as `actor`; `force` only with a reason. Throws the ledger's SautiError when a guard refuses. */
export function publishFromConsole(ledger: Ledger, actor: Actor, cycleId: string, force?: { reason: string }): Promise<CycleResult> {
  return ledger.publishResults(cycleId, {
    ...(force ? { force } : {}),
    record: (trx, result) =>
      appendAudit(trx, new Date(result.publishedAt!), {
        actor: actor.name,
        action: 'results.published',
        subject: `results:${cycleId}`,
        before: null,
        after: publicationState(result),
      }),
  });
}
