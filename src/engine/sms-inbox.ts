// Receives one inbound SMS: understood by the flow, its effects, conversation and reply
// committed in one transaction, so a crash can lose neither the vote nor its confirmation.
import type { Logger } from 'pino';
import type { Deployment } from '../config/schema.ts';
import { freshCodes, randomPool } from '../domain/codes.ts';
import { memoize } from '../domain/memo.ts';
import { toGsmLookalikes } from '../domain/sms-encoding.ts';
import { toE164, voterKey } from '../domain/voter.ts';
import type { CommitQueue } from '../store/commit-queue.ts';
import type { GatewayStore } from '../store/gateway-store.ts';
import type { SmsStore } from '../store/sms-store.ts';
import { CODE_COLUMNS, isUniqueViolation } from '../store/errors.ts';
import { applyEffects, collectsDemographics } from './effects.ts';
import type { SmsConversation, SmsFlow } from './flow-contract.ts';
import type { OutboundQueue } from './sms-outbound.ts';
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

/** Turns inbound SMS into stored effects and queued replies. */
export class SmsInbox {
  private readonly clock: () => Date;
  private readonly keyOf: (e164: string) => string;
  private readonly deny: RegExp[];
  private readonly random = randomPool();

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
    },
  ) {
    this.clock = deps.clock ?? (() => new Date());
    this.keyOf = memoize((e164) => voterKey(e164, deps.voterKeySecret));
    this.deny = deps.deployment.sms.denySenders.map((r) => new RegExp(r));
  }

  /** Handles one message; a provider redelivery of the same id changes nothing. */
  async receive(msg: InboundSms): Promise<InboxOutcome> {
    const now = this.clock();
    let outcome: { duplicate: boolean; outboundId: number | null; durable: boolean };
    for (let attempt = 1; ; attempt++) {
      const fresh = freshCodes(this.random);
      try {
        outcome = await this.deps.queue.run((commit) => {
          const r = this.receiveInTransaction(msg, now, fresh);
          if (r.durable) commit.durable();
          return r;
        });
        break;
      } catch (err) {
        // A drawn receipt or reference that already exists is redrawn; anything else is a 500,
        // and the provider's retry (same message id) is handled as new since nothing was stored.
        if (attempt < 3 && isUniqueViolation(err, CODE_COLUMNS)) continue;
        throw err;
      }
    }
    if (outcome.outboundId !== null) this.deps.outbound.notify([{ id: outcome.outboundId, provider: msg.provider, kind: 'reply' }]);
    return { duplicate: outcome.duplicate, outboundId: outcome.outboundId };
  }

  private receiveInTransaction(msg: InboundSms, now: Date, fresh: { receipt: string; reference: string }) {
    const { store, sms, flow } = this.deps;
    const deployment = this.deps.ballot?.() ?? this.deps.deployment;
    const at = now.toISOString();
    if (sms.inbound(msg.provider, msg.providerId) !== undefined) return { duplicate: true, outboundId: null, durable: false };
    const e164 = toE164(msg.from, deployment.deployment.country);
    // Short codes and alphanumeric senders are machines: log, never answer (no reply loops).
    if (!e164 || this.deny.some((r) => r.test(msg.from))) {
      sms.saveInbound(msg.provider, msg.providerId, this.keyOf(`sender:${msg.from}`), at, 'ignored-sender');
      return { duplicate: false, outboundId: null, durable: true };
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
      receiptState: (code) => store.receiptState(code),
    });
    const sourceRef = `sms:${msg.provider}:${msg.providerId}`;
    applyEffects(store, result.effects, { voterKey: key, channel: 'sms', gatewayId: this.deps.gatewayId, sourceRef, now, demographics: collectsDemographics(deployment) });
    const expires = new Date(now.getTime() + deployment.sms.conversationMinutes * 60_000).toISOString();
    if (result.conversation !== null || conversation !== null) sms.saveConversation(key, result.conversation, expires);
    let outboundId: number | null = null;
    if (result.reply) {
      const body = toGsmLookalikes(result.reply.text);
      const since = new Date(now.getTime() - THIRTY_MINUTES).toISOString();
      if (sms.identicalSince(key, body, since) < deployment.sms.maxIdentical) {
        outboundId = sms.enqueue({ provider: msg.provider, toPhone: e164, voterKey: key, body, kind: result.reply.kind, sourceRef }, at);
      } else {
        this.deps.logger.warn({ component: 'sms-inbox', provider: msg.provider }, 'identical reply limit reached; not sending');
      }
    }
    sms.saveInbound(msg.provider, msg.providerId, key, at, result.command);
    return { duplicate: false, outboundId, durable: true };
  }
}
