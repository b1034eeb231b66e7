// Broadcasts (implementation updates, reminders): one queued message per number, skipping
// numbers that sent STOP. Idempotent per broadcast id: running the same broadcast twice
// queues nothing new.
import type { Deployment } from '../config/schema.ts';
import { smsCost, toGsmLookalikes } from '../domain/sms-encoding.ts';
import { toE164, voterKey } from '../domain/voter.ts';
import type { CommitQueue } from '../store/commit-queue.ts';
import type { GatewayStore } from '../store/gateway-store.ts';
import type { SmsStore } from '../store/sms-store.ts';

/** What a broadcast did, number by number (counts only: no numbers are reported). */
export interface BroadcastReport {
  queued: number;
  alreadyQueued: number;
  /** The same number listed again (in any form): one message per number. */
  duplicates: number;
  optedOut: number;
  invalid: number;
  /** Segments per message and their encoding: the cost of each one sent. */
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
}

/** Rows per transaction: a long list must not hold the write lock the live gateway needs. */
const CHUNK = 500;

/** Queues `text` to every valid number in `phones` through `provider`. */
export async function broadcast(
  deps: { store: GatewayStore; sms: SmsStore; queue: CommitQueue; deployment: Deployment; voterKeySecret: string },
  o: { id: string; provider: string; text: string; phones: string[]; now?: Date; dryRun?: boolean },
): Promise<BroadcastReport & { ids: number[] }> {
  const body = toGsmLookalikes(o.text);
  const cost = smsCost(body);
  const at = (o.now ?? new Date()).toISOString();
  const r = { queued: 0, alreadyQueued: 0, duplicates: 0, optedOut: 0, invalid: 0, encoding: cost.encoding, segments: cost.segments, ids: [] as number[] };
  // Parsing and hashing happen outside any transaction.
  const targets: { e164: string; key: string }[] = [];
  const seen = new Set<string>();
  for (const raw of o.phones) {
    const e164 = toE164(raw, deps.deployment.deployment.country);
    if (!e164) r.invalid++;
    else if (seen.has(e164)) r.duplicates++;
    else {
      seen.add(e164);
      targets.push({ e164, key: voterKey(e164, deps.voterKeySecret) });
    }
  }
  for (let i = 0; i < targets.length; i += CHUNK) {
    const chunk = targets.slice(i, i + CHUNK);
    await deps.queue.run((commit) => {
      for (const { e164, key } of chunk) {
        if (deps.store.optedOut(key)) {
          r.optedOut++;
          continue;
        }
        const sourceRef = `broadcast:${o.id}:${key}`;
        // A dry run counts what the real run would do, messages queued under this id before included.
        if (o.dryRun) {
          if (deps.sms.bySource(sourceRef)) r.alreadyQueued++;
          else r.queued++;
          continue;
        }
        const id = deps.sms.enqueue({ provider: o.provider, toPhone: e164, voterKey: key, body, kind: 'broadcast', sourceRef }, at);
        if (id === null) r.alreadyQueued++;
        else {
          r.queued++;
          r.ids.push(id);
        }
      }
      if (!o.dryRun) commit.durable();
    });
  }
  return r;
}
