// Receives one inbound SMS: understood by the flow, its effects, conversation and reply
// committed in one transaction, so a crash can lose neither the vote nor its confirmation.
import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { Deployment } from '../config/schema.ts';
import { receiptKey } from '../domain/protocol.ts';
import { redactPhoneNumbers } from '../domain/redact.ts';
import { toGsmLookalikes } from '../domain/sms-encoding.ts';
import { toE164 } from '../domain/voter.ts';
import type { CommitQueue } from '../store/commit-queue.ts';
import type { GatewayStore } from '../store/gateway-store.ts';
import type { SmsStore } from '../store/sms-store.ts';
import type { ImplementationStore } from '../store/implementation-store.ts';
import type { NoticeStore } from '../store/notice-store.ts';
import type { ReceiptStanding, SmsConversation, SmsFlow } from './flow-contract.ts';
import type { OutboundQueue } from './sms-outbound.ts';
import { TurnRunner, type Turn } from './turn-runner.ts';
import { voterSnapshot } from './voter-snapshot.ts';

/** One inbound SMS in provider-neutral form. */
export interface InboundSms {
  provider: string;
  providerId: string;
  /** The sender as the provider gave it: a number, a short code or an alphanumeric id. */
  from: string;
  text: string;
}

/** What became of an inbound message. */
export interface InboxOutcome {
  duplicate: boolean;
  /** The queued reply, or null (opted out, loop protection, duplicate). */
  outboundId: number | null;
}

const THIRTY_MINUTES = 30 * 60_000;
/** However varied the texts it answers, one reply goes to a number at most this many × `maxIdentical` times in 30 minutes. */
const ANY_CAUSE_FACTOR = 3;

/**
 * Asks the city ledger about a receipt this gateway did not issue: its standing, or null when the
 * ledger holds no such receipt. Throws when the ledger cannot be reached.
 */
export type LedgerReceiptLookup = (code: string) => Promise<{ status: 'counted' | 'replaced' | 'superseded' | 'late'; countedChannel?: string } | null>;

/** The gateway's link to the city ledger, filled in once sync is set up; empty: no link (offline, or bundles only). */
export interface LedgerLink {
  receipt?: LedgerReceiptLookup;
}

/** Turns inbound SMS into stored effects and queued replies. */
export class SmsInbox {
  private readonly turns: TurnRunner;
  private readonly keyOf: (e164: string) => string;
  private readonly deny: RegExp[];
  /** The deployment's helpline in E.164, kept as written in replies (computed on the first reply). */
  private helplineKept: string[] | undefined;

  constructor(
    private readonly deps: {
      store: GatewayStore;
      sms: SmsStore;
      queue: CommitQueue;
      outbound: OutboundQueue;
      deployment: Deployment;
      /** The deployment as last downloaded from the ledger; default: `deployment`. */
      ballot?: () => Deployment;
      flow: SmsFlow;
      voterKeySecret: string;
      gatewayId: string;
      logger: Logger;
      clock?: () => Date;
      /** For CHECK of a receipt from another gateway. */
      ledger?: LedgerLink;
      /** Implementation updates downloaded from the ledger and FOLLOW subscriptions (STATUS 7, FOLLOW 7). */
      implementation?: ImplementationStore;
      /** Ideas' proposers, kept to be told of each new review status (src/engine/notices.ts). */
      proposers?: NoticeStore;
    },
  ) {
    this.turns = new TurnRunner(deps);
    this.keyOf = this.turns.voterKeyOf;
    this.deny = deps.deployment.sms.denySenders.map((r) => new RegExp(r));
  }

  /**
   * What a reply answers, for loop protection: the text as the grammar reads it (case and spacing
   * aside), keyed with the deployment secret so that a text holding only a phone number cannot be
   * recovered from what is stored.
   */
  private causeOf(text: string): string {
    const read = text.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();
    return createHmac('sha256', this.deps.voterKeySecret).update(`sms-text:${read}`).digest('base64url').slice(0, 22);
  }

  /** Handles one message; a provider redelivery of the same id changes nothing. */
  async receive(msg: InboundSms): Promise<InboxOutcome> {
    // Asked before the transaction opens: the ledger may take a moment.
    const remote = await this.remoteReceipt(msg.text);
    // SMS's duplicate rule: a message id already in the inbound log (provider redelivery, even
    // concurrent) changes nothing. Any other error is a 500, and the provider's retry (same
    // message id) is handled as new since nothing was stored.
    const outcome = await this.turns.run(
      () => (this.deps.sms.inbound(msg.provider, msg.providerId) !== undefined ? { duplicate: true, outboundId: null } : undefined),
      (turn) => this.receiveInTransaction(msg, turn, remote),
    );
    if (outcome.outboundId !== null) this.deps.outbound.notify([{ id: outcome.outboundId, provider: msg.provider, kind: 'reply' }]);
    return outcome;
  }

  /**
   * CHECK of a receipt this gateway did not issue: the ledger's answer when it can be reached,
   * `unreachable` otherwise (a receipt from elsewhere cannot be checked offline). Undefined when
   * the message checks nothing, or a receipt issued here (answered from the local standing).
   */
  private async remoteReceipt(text: string): Promise<{ key: string; standing: ReceiptStanding } | undefined> {
    const code = this.deps.flow.receiptToCheck?.(text);
    if (!code || this.deps.store.receiptState(code).state !== 'unknown') return undefined;
    const key = receiptKey(code);
    const lookup = this.deps.ledger?.receipt;
    if (!lookup) return { key, standing: { state: 'unreachable' } };
    try {
      const answer = await lookup(code);
      return {
        key,
        standing: answer ? { state: answer.status, ...(answer.countedChannel ? { countedChannel: answer.countedChannel } : {}) } : { state: 'unknown' },
      };
    } catch (err) {
      this.deps.logger.warn({ component: 'sms-inbox', err: err instanceof Error ? err.message : String(err) }, 'the ledger could not be asked about a receipt');
      return { key, standing: { state: 'unreachable' } };
    }
  }

  private receiveInTransaction(msg: InboundSms, turn: Turn, remote?: { key: string; standing: ReceiptStanding }): InboxOutcome {
    const { store, sms, flow } = this.deps;
    const { now, fresh, deployment } = turn;
    const at = now.toISOString();
    // Every message is logged as received, answered or not: the commit is durable.
    turn.commit.durable();
    const e164 = toE164(msg.from, deployment.deployment.country);
    // Short codes and alphanumeric senders are machines: log, never answer (no reply loops).
    if (!e164 || this.deny.some((r) => r.test(msg.from))) {
      sms.saveInbound(msg.provider, msg.providerId, this.keyOf(`sender:${msg.from}`), at, 'ignored-sender');
      return { duplicate: false, outboundId: null };
    }
    const key = this.keyOf(e164);
    const conversation = sms.conversation(key, at) as SmsConversation | null;
    const result = flow.handle(msg.text, {
      now,
      deployment,
      // The snapshot's lazy getters stay lazy behind the prototype; spreading would read them all.
      voter: Object.assign(Object.create(voterSnapshot(store, deployment, key)), { optedOut: store.optedOut(key) }),
      conversation,
      fresh,
      proposal: (ref) => store.proposal(ref),
      projectUpdate: (code) => this.deps.implementation?.latest(code) ?? null,
      receiptState: (code) => {
        const local = store.receiptState(code);
        return local.state === 'unknown' && remote?.key === receiptKey(code) ? remote.standing : local;
      },
    });
    const sourceRef = `sms:${msg.provider}:${msg.providerId}`;
    turn.apply(result.effects, { voterKey: key, channel: 'sms', sourceRef, contact: { provider: msg.provider, phone: e164, lang: result.lang ?? '' } });
    // FOLLOW: the number is kept (sealed) to text each later update; never for an opted-out number.
    if (result.follow && this.deps.implementation && !store.optedOut(key)) {
      this.deps.implementation.follow({ voterKey: key, ...result.follow, provider: msg.provider, phone: e164 }, at);
    }
    // REPORT: the number is kept (sealed) against the report's reference, for the team's answer.
    for (const e of result.effects)
      if (e.type === 'project.reported' && this.deps.implementation && !store.optedOut(key))
        this.deps.implementation.keepReporter({ reference: e.reference, voterKey: key, provider: msg.provider, phone: e164, lang: e.lang }, at);
    const expires = new Date(now.getTime() + deployment.sms.conversationMinutes * 60_000).toISOString();
    if (result.conversation !== null || conversation !== null) sms.saveConversation(key, result.conversation, expires);
    let outboundId: number | null = null;
    if (result.reply) {
      // A reply may quote what was texted ("did you mean …", unknown codes): a number in it is
      // replaced, since the body is stored for the outbox and the simulator long after sending.
      const { country, helpline } = deployment.deployment;
      // The helpline is not personal: left as written. Parsed once per deployment, not per reply.
      const keep = (this.helplineKept ??= helpline ? [toE164(helpline, country)].filter((n) => n !== null) : []);
      const body = redactPhoneNumbers(toGsmLookalikes(result.reply.text), country, keep);
      const since = new Date(now.getTime() - THIRTY_MINUTES).toISOString();
      // Loop protection: the same reply to the same text (a machine repeating itself) stops at
      // `maxIdentical`; a different text gets its answer, up to a ceiling for machines that vary.
      const cause = this.causeOf(msg.text);
      const sent = sms.identicalSince(key, body, cause, since);
      const max = deployment.sms.maxIdentical;
      if (sent.sameCause < max && sent.total < max * ANY_CAUSE_FACTOR) {
        outboundId = sms.enqueue({ provider: msg.provider, toPhone: e164, voterKey: key, body, kind: result.reply.kind, sourceRef, cause }, at);
      } else {
        this.deps.logger.warn({ component: 'sms-inbox', provider: msg.provider }, 'identical reply limit reached; not sending');
      }
    }
    sms.saveInbound(msg.provider, msg.providerId, key, at, result.command);
    return { duplicate: false, outboundId };
  }
}
