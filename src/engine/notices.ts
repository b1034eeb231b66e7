// Notices downloaded from the ledger (src/domain/notices.ts), acted on in the same transaction
// that keeps them: a proposal's new status is recorded on each proposal this gateway captured
// (STATUS <ref> answers it) and texted to its proposer in their language, once per notice per
// proposal: a notice already held changes nothing, and each message is named
// `notice:<chain entry>:<reference>`, so a repeated or concurrent sync never sends one twice.
// Numbers that sent STOP have no contact left and get nothing.
import type { Logger } from 'pino';
import type { Deployment, Lang } from '../config/schema.ts';
import { ideaStatusText } from '../domain/idea-status-text.ts';
import { BROADCAST_NOTICE } from '../domain/broadcast-notice.ts';
import { PROPOSAL_STATUS_NOTICE, type Notice } from '../domain/notices.ts';
import { toGsmLookalikes } from '../domain/sms-encoding.ts';
import type { CommitQueue } from '../store/commit-queue.ts';
import type { GatewayStore } from '../store/gateway-store.ts';
import type { NoticeStore } from '../store/notice-store.ts';
import type { SmsStore } from '../store/sms-store.ts';
import type { BroadcastNotices } from './broadcast-notices.ts';
import type { OutboundQueue } from './sms-outbound.ts';

export class Notices {
  constructor(
    private readonly deps: {
      store: GatewayStore;
      notices: NoticeStore;
      sms: SmsStore;
      queue: CommitQueue;
      outbound: OutboundQueue;
      gatewayId: string;
      /** Queues a broadcast from the console to its audience here (src/engine/broadcast-notices.ts). */
      broadcasts: BroadcastNotices;
      /** The deployment as last downloaded (languages). */
      ballot: () => Deployment;
      /** The SMS provider to text a proposer through, from the one their idea came by ('' when not SMS); undefined: none sends SMS. */
      smsProvider: (provider: string) => string | undefined;
      logger: Logger;
      clock?: () => Date;
    },
  ) {}

  /** The last chain entry held: the feed is asked for what follows. */
  cursor(): number {
    return this.deps.notices.cursor();
  }

  /** Keeps the notices and queues their messages in one durable commit, then wakes the sender. */
  async receive(items: readonly Notice[]): Promise<{ stored: number; queued: number }> {
    const { store, notices, sms, queue, outbound, gatewayId } = this.deps;
    const d = this.deps.ballot();
    const at = (this.deps.clock?.() ?? new Date()).toISOString();
    const queued: { id: number; provider: string; kind: string }[] = [];
    // A broadcast is queued before its notice is kept (the engine commits it in chunks of its
    // own): a crash in between downloads it again, and the engine's names queue nothing twice.
    for (const notice of items) if (notice.kind === BROADCAST_NOTICE) queued.push(...(await this.deps.broadcasts.send(notice)));
    let unsent = 0;
    const stored = await queue.run((commit) => {
      let n = 0;
      for (const notice of items) {
        if (!notices.insert(notice.seq, notice.kind, at)) continue;
        n += 1;
        if (notice.kind !== PROPOSAL_STATUS_NOTICE) continue;
        for (const p of notice.proposals) {
          // Only proposals captured here, and only the one the ledger names (a reference is short: its event settles it).
          if (p.gatewayId !== gatewayId || notices.proposalEvent(p.reference) !== p.eventId) continue;
          if (!notices.setStatus(p.reference, notice.status, notice.reason, notice.seq)) continue;
          const who = notices.proposer(p.reference);
          if (!who || store.optedOut(who.voterKey)) continue;
          const provider = this.deps.smsProvider(who.provider);
          if (!provider) {
            unsent += 1;
            continue;
          }
          // The language chosen last (LANG) wins over the one the idea was sent in.
          const lang = ([store.voterLang(who.voterKey), who.lang].find((l) => d.languages.some((x) => x.code === l)) ?? d.languages[0]!.code) as Lang;
          const body = toGsmLookalikes(ideaStatusText(lang, 'news', p.reference, notice.status, notice.reason));
          const id = sms.enqueue(
            { provider, toPhone: who.phone, voterKey: who.voterKey, body, kind: 'broadcast', sourceRef: `notice:${notice.seq}:${p.reference}` },
            at,
          );
          if (id !== null) queued.push({ id, provider, kind: 'broadcast' });
        }
      }
      if (n > 0) commit.durable();
      return n;
    });
    if (queued.length > 0) outbound.notify(queued);
    if (unsent > 0) this.deps.logger.warn({ component: 'notices', unsent }, 'no SMS provider is configured to tell proposers of their idea’s new status');
    if (stored > 0) this.deps.logger.info({ component: 'notices', stored, queued: queued.length }, 'notices from the ledger');
    return { stored, queued: queued.length };
  }
}
