// Implementation updates downloaded from the ledger: kept, and texted to the project's followers
// (FOLLOW 7) in the same transaction, one message per update per number: an update already held
// changes nothing, and each message is named `implementation:<chain entry>:<voter key>`, so a
// repeated or concurrent sync never sends one twice. Opted-out numbers get nothing. A follower is
// texted through the provider that texts them, as the notices' news is; while no provider sends
// SMS the messages are held and queued at a later round once one does (src/engine/held-sms.ts).
import type { Logger } from 'pino';
import type { Deployment, Lang } from '../config/schema.ts';
import type { ImplementationUpdate } from '../domain/implementation.ts';
import { updateText } from '../domain/implementation-text.ts';
import { toGsmLookalikes } from '../domain/sms-encoding.ts';
import type { CommitQueue } from '../store/commit-queue.ts';
import type { GatewayStore } from '../store/gateway-store.ts';
import type { ImplementationStore } from '../store/implementation-store.ts';
import type { SmsStore } from '../store/sms-store.ts';
import { queueOrHold, releaseHeld, warnHeld, type SmsProviderFor } from './held-sms.ts';
import type { OutboundQueue } from './sms-outbound.ts';

export interface ReceivedUpdates {
  /** Updates new to this gateway. */
  stored: number;
  /** Messages queued to followers. */
  queued: number;
}

export class ImplementationUpdates {
  constructor(
    private readonly deps: {
      store: GatewayStore;
      implementation: ImplementationStore;
      sms: SmsStore;
      queue: CommitQueue;
      outbound: OutboundQueue;
      /** The deployment as last downloaded (project titles, languages). */
      ballot: () => Deployment;
      /** The SMS provider to text a follower through, from the one they followed by; undefined: none sends SMS. */
      smsProvider: SmsProviderFor;
      logger: Logger;
      clock?: () => Date;
    },
  ) {}

  /** The last chain entry held: the feed is asked for what follows. */
  cursor(): number {
    return this.deps.implementation.cursor();
  }

  /** Keeps the updates and queues their messages in one durable commit, then wakes the sender. */
  async receive(updates: readonly ImplementationUpdate[]): Promise<ReceivedUpdates> {
    const { store, implementation, sms, queue, outbound } = this.deps;
    const d = this.deps.ballot();
    const at = (this.deps.clock?.() ?? new Date()).toISOString();
    const queued: { id: number; provider: string; kind: string }[] = [];
    let held = 0;
    const stored = await queue.run((commit) => {
      // What was held while no provider sent SMS goes now that one does.
      const released = releaseHeld({ store, sms, smsProvider: this.deps.smsProvider }, at);
      queued.push(...released);
      let n = 0;
      for (const u of updates) {
        if (!implementation.insert(u, at)) continue;
        n += 1;
        const project = d.cycles.find((c) => c.id === u.cycleId)?.projects.find((p) => p.code === u.code);
        for (const f of implementation.followers(u.cycleId, u.code)) {
          if (store.optedOut(f.voterKey)) continue;
          // The language chosen last (LANG) wins over the one FOLLOW was answered in.
          const chosen = [store.voterLang(f.voterKey), f.lang].find((l) => d.languages.some((x) => x.code === l)) as Lang | undefined;
          const lang = chosen ?? d.languages[0]!.code;
          const name = project ? (project.short[lang] ?? Object.values(project.short)[0]!) : '';
          const body = toGsmLookalikes(updateText(lang, 'smsProjectUpdate', u, name));
          const q = queueOrHold(
            sms,
            this.deps.smsProvider,
            { provider: f.provider, toPhone: f.phone, voterKey: f.voterKey, body, kind: 'broadcast', sourceRef: `implementation:${u.seq}:${f.voterKey}` },
            at,
          );
          if (q === 'held') held += 1;
          else if (q) queued.push(q);
        }
      }
      if (n > 0 || released.length > 0) commit.durable();
      return n;
    });
    if (queued.length > 0) outbound.notify(queued);
    warnHeld(this.deps.logger, 'implementation', held, sms);
    if (stored > 0) this.deps.logger.info({ component: 'implementation', stored, queued: queued.length }, 'implementation updates from the ledger');
    return { stored, queued: queued.length };
  }
}
