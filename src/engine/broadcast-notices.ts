// Broadcasts from the PB team's console (src/domain/broadcast-notice.ts), downloaded with the
// notice feed: resolved here to the numbers this gateway holds (src/store/broadcast-audience.ts)
// and queued with the engine's broadcast (src/engine/broadcast.ts), one message per number in
// its language, under the id `notice-<chain entry>`: the engine names each row
// `broadcast:notice-<entry>:<voter key>`, so a repeated download, a crash before the notice is
// kept, or a concurrent sync queues nothing twice. The engine skips numbers that sent STOP (and
// STOP already forgot their contacts). While no provider sends SMS, each message is held under
// that same name (held-sms.ts) and queued once one does.
import type { Logger } from 'pino';
import type { Deployment } from '../config/schema.ts';
import type { BroadcastNotice } from '../domain/broadcast-notice.ts';
import type { BroadcastAudience, AudienceContact } from '../store/broadcast-audience.ts';
import type { CommitQueue } from '../store/commit-queue.ts';
import type { GatewayStore } from '../store/gateway-store.ts';
import type { SmsStore } from '../store/sms-store.ts';
import { toGsmLookalikes } from '../domain/sms-encoding.ts';
import { toE164, voterKey } from '../domain/voter.ts';
import type { NewOutbound } from '../store/sms-store.ts';
import { broadcast } from './broadcast.ts';
import { warnHeld } from './held-sms.ts';

export class BroadcastNotices {
  constructor(
    private readonly deps: {
      store: GatewayStore;
      audience: BroadcastAudience;
      sms: SmsStore;
      queue: CommitQueue;
      voterKeySecret: string;
      /** The deployment as last downloaded (languages, the ballot's projects by ward). */
      ballot: () => Deployment;
      /** The SMS provider to text a contact through, from the one it came by; undefined: none sends SMS. */
      smsProvider: (provider: string) => string | undefined;
      logger: Logger;
      clock?: () => Date;
    },
  ) {}

  /** Queues one broadcast to its audience here; the rows queued, for the sender to be woken. */
  async send(n: BroadcastNotice): Promise<{ id: number; provider: string; kind: string }[]> {
    const d = this.deps.ballot();
    const contacts = this.resolve(d, n);
    // Each resident in the language they chose last (LANG), else the one they wrote in, else the deployment's first.
    const groups = new Map<string, { provider: string; lang: string; phones: string[] }>();
    const unsent: NewOutbound[] = [];
    for (const c of contacts) {
      const lang = [this.deps.store.voterLang(c.voterKey), c.lang].find((l) => l !== undefined && n.text[l]) ?? d.languages.find((l) => n.text[l.code])?.code;
      if (!lang) continue;
      const provider = this.deps.smsProvider(c.provider);
      if (!provider) {
        // No provider sends SMS: held (held-sms.ts) under the name the engine would queue it by.
        const e164 = toE164(c.phone, d.deployment.country);
        if (!e164) continue;
        const key = voterKey(e164, this.deps.voterKeySecret);
        const body = toGsmLookalikes(n.text[lang]!);
        unsent.push({ provider: c.provider, toPhone: e164, voterKey: key, body, kind: 'broadcast', sourceRef: `broadcast:notice-${n.seq}:${key}` });
        continue;
      }
      const key = `${provider}\n${lang}`;
      const g = groups.get(key) ?? { provider, lang, phones: [] };
      g.phones.push(c.phone);
      groups.set(key, g);
    }
    const { store, sms, queue, voterKeySecret } = this.deps;
    const queued: { id: number; provider: string; kind: string }[] = [];
    let optedOut = 0;
    for (const g of groups.values()) {
      const r = await broadcast(
        { store, sms, queue, deployment: d, voterKeySecret },
        { id: `notice-${n.seq}`, provider: g.provider, text: n.text[g.lang]!, phones: g.phones, now: this.deps.clock?.() },
      );
      optedOut += r.optedOut;
      queued.push(...r.ids.map((id) => ({ id, provider: g.provider, kind: 'broadcast' })));
    }
    if (unsent.length > 0) {
      const at = (this.deps.clock?.() ?? new Date()).toISOString();
      let held = 0;
      await queue.run((commit) => {
        for (const m of unsent) if (!store.optedOut(m.voterKey) && sms.hold(m, at)) held += 1;
        commit.durable();
      });
      warnHeld(this.deps.logger, 'broadcasts', held, sms);
    }
    this.deps.logger.info({ component: 'broadcasts', entry: n.seq, audience: n.audience, queued: queued.length, optedOut }, 'broadcast from the ledger');
    return queued;
  }

  private resolve(d: Deployment, n: BroadcastNotice): AudienceContact[] {
    if (n.audience === 'proposers') return this.deps.audience.proposers(n.cycleId, n.wardId);
    const projects = d.cycles.find((c) => c.id === n.cycleId)?.projects ?? [];
    const codes = n.wardId === null ? null : new Set(projects.filter((p) => p.ward === n.wardId).map((p) => p.code));
    return this.deps.audience.followers(n.cycleId, codes);
  }
}
