// Notices downloaded from the ledger (src/domain/notices.ts), acted on in the same transaction
// that keeps them, once per notice: a notice already held changes nothing, and each message is
// named after the notice's chain entry, so a repeated or concurrent sync never sends one twice.
// - A proposal's new status is recorded on each proposal this gateway captured (STATUS <ref>
//   answers it) and texted to its proposer in their language (`notice:<entry>:<reference>`).
// - The PB team's answer to a report is texted to the reporter whose number this gateway kept
//   against the report's reference, in their language (`report-answer:<entry>`).
// - A broadcast from the console is queued to its audience here (src/engine/broadcast-notices.ts)
//   before the notice is kept: a crash in between downloads it again, and its names queue nothing twice.
// - A kind this version does not know (a later ledger's) is kept as received and nothing else,
//   so the feed moves past it; it is logged once per kind, with no personal data.
// Numbers that sent STOP have no contact left and get nothing. While no provider sends SMS, the
// messages are held and queued at a later round once one does (src/engine/held-sms.ts).
import type { Logger } from 'pino';
import type { Deployment, Lang } from '../config/schema.ts';
import { ideaStatusText } from '../domain/idea-status-text.ts';
import { BROADCAST_NOTICE } from '../domain/broadcast-notice.ts';
import type { Notice, ProposalStatusNotice, ReportAnswerNotice, UnknownNotice } from '../domain/notices.ts';
import { reportAnswerSms } from '../domain/report-text.ts';
import { toGsmLookalikes } from '../domain/sms-encoding.ts';
import type { CommitQueue } from '../store/commit-queue.ts';
import type { GatewayStore } from '../store/gateway-store.ts';
import type { ImplementationStore } from '../store/implementation-store.ts';
import type { NoticeStore } from '../store/notice-store.ts';
import type { SmsStore } from '../store/sms-store.ts';
import type { BroadcastNotices } from './broadcast-notices.ts';
import { queueOrHold, releaseHeld, warnHeld } from './held-sms.ts';
import type { OutboundQueue } from './sms-outbound.ts';

/** A resident to text: the number opened for the send, their provider and the language they chose. */
interface Contact {
  voterKey: string;
  provider: string;
  phone: string;
  lang: string;
}

export class Notices {
  /** Unknown kinds already logged: once each is enough to tell the operator to upgrade. */
  private readonly unknownLogged = new Set<string>();

  constructor(
    private readonly deps: {
      store: GatewayStore;
      notices: NoticeStore;
      /** Reporters' sealed numbers, by report reference. */
      implementation: ImplementationStore;
      sms: SmsStore;
      queue: CommitQueue;
      outbound: OutboundQueue;
      gatewayId: string;
      /** Queues a broadcast from the console to its audience here (src/engine/broadcast-notices.ts). */
      broadcasts: BroadcastNotices;
      /** The deployment as last downloaded (languages). */
      ballot: () => Deployment;
      /** The SMS provider to text a resident through, from the one they wrote by ('' when not SMS); undefined: none sends SMS. */
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
  async receive(items: readonly (Notice | UnknownNotice)[]): Promise<{ stored: number; queued: number }> {
    const { notices, queue, outbound } = this.deps;
    const d = this.deps.ballot();
    const at = (this.deps.clock?.() ?? new Date()).toISOString();
    const queued: { id: number; provider: string; kind: string }[] = [];
    const unknown = new Set<string>();
    // A broadcast is queued before its notice is kept (the engine commits it in chunks of its
    // own): a crash in between downloads it again, and the engine's names queue nothing twice.
    for (const notice of items) if (notice.kind === BROADCAST_NOTICE) queued.push(...(await this.deps.broadcasts.send(notice)));
    let held = 0;
    /** Queues `text(lang)` to `who` (null: nobody to text) in the language they read, named `sourceRef`; held while no provider sends SMS. */
    const send = (who: Contact | null, langs: (lang: Lang) => boolean, text: (lang: Lang) => string, sourceRef: string) => {
      if (!who || this.deps.store.optedOut(who.voterKey)) return;
      const lang = this.langOf(d, who, langs);
      const body = toGsmLookalikes(text(lang));
      const q = queueOrHold(
        this.deps.sms,
        this.deps.smsProvider,
        { provider: who.provider, toPhone: who.phone, voterKey: who.voterKey, body, kind: 'broadcast', sourceRef },
        at,
      );
      if (q === 'held') held += 1;
      else if (q) queued.push(q);
    };
    const stored = await queue.run((commit) => {
      // What was held while no provider sent SMS goes now that one does.
      const released = releaseHeld({ store: this.deps.store, sms: this.deps.sms, smsProvider: this.deps.smsProvider }, at);
      queued.push(...released);
      let n = 0;
      for (const notice of items) {
        if (!notices.insert(notice.seq, notice.kind === 'unknown' ? notice.named.slice(0, 64) : notice.kind, at)) continue;
        n += 1;
        if (notice.kind === 'unknown') unknown.add(notice.named.slice(0, 64));
        else if (notice.kind === 'proposal.status') this.proposalStatus(notice, send);
        else if (notice.kind === 'report.answered') this.reportAnswer(notice, send);
        // A broadcast was queued above, before this commit.
      }
      if (n > 0 || released.length > 0) commit.durable();
      return n;
    });
    if (queued.length > 0) outbound.notify(queued);
    const log = this.deps.logger;
    for (const kind of unknown)
      if (!this.unknownLogged.has(kind)) {
        this.unknownLogged.add(kind);
        log.warn({ component: 'notices', kind }, 'skipped notices of a kind this gateway does not know; upgrade it to act on them');
      }
    warnHeld(log, 'notices', held, this.deps.sms);
    if (stored > 0) log.info({ component: 'notices', stored, queued: queued.length }, 'notices from the ledger');
    return { stored, queued: queued.length };
  }

  /** A proposal's new status: recorded on each proposal captured here, texted to its proposer. */
  private proposalStatus(notice: ProposalStatusNotice, send: Send): void {
    const { notices, gatewayId } = this.deps;
    for (const p of notice.proposals) {
      // Only proposals captured here, and only the one the ledger names (a reference is short: its event settles it).
      if (p.gatewayId !== gatewayId || notices.proposalEvent(p.reference) !== p.eventId) continue;
      if (!notices.setStatus(p.reference, notice.status, notice.reason, notice.seq)) continue;
      send(
        notices.proposer(p.reference),
        () => true,
        (lang) => ideaStatusText(lang, 'news', p.reference, notice.status, notice.reason),
        `notice:${notice.seq}:${p.reference}`,
      );
    }
  }

  /** The PB team's answer to a report: texted to its reporter when this gateway holds their number. */
  private reportAnswer(notice: ReportAnswerNotice, send: Send): void {
    const given = Object.values(notice.answer)[0];
    if (notice.gatewayId !== this.deps.gatewayId || given === undefined) return;
    // Null: no such report here, or its number sent STOP (and was deleted) since.
    send(
      this.deps.implementation.reporter(notice.reference),
      (lang) => Boolean(notice.answer[lang]),
      (lang) => reportAnswerSms(lang, notice.reference, notice.answer[lang] ?? given),
      `report-answer:${notice.seq}`,
    );
  }

  /**
   * The language to text `who` in: the one chosen last (LANG) over the one they wrote in, among the
   * deployment's and those `has` (the notice's text exists in it); else the first that has it.
   */
  private langOf(d: Deployment, who: Contact, has: (lang: Lang) => boolean): Lang {
    const usable = (l: string | null | undefined): l is Lang => !!l && d.languages.some((x) => x.code === l) && has(l as Lang);
    const first = [this.deps.store.voterLang(who.voterKey), who.lang].find(usable);
    if (first) return first;
    return (d.languages.map((x) => x.code).find(usable) ?? d.languages[0]!.code) as Lang;
  }
}

type Send = (who: Contact | null, langs: (lang: Lang) => boolean, text: (lang: Lang) => string, sourceRef: string) => void;
