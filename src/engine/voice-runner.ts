// Runs one voice callback: the call's keypad state, the keys pressed, the dialogue, and a durable
// commit before the caller hears "recorded". Calls are told apart from provider retries by the
// answer number (`hop`) that every callback URL carries.
import type { Logger } from 'pino';
import type { Deployment, Lang } from '../config/schema.ts';
import { SautiError } from '../domain/errors.ts';
import { defaultLanguage } from '../domain/language.ts';
import { toGsmLookalikes } from '../domain/sms-encoding.ts';
import type { CommitQueue } from '../store/commit-queue.ts';
import type { GatewayStore } from '../store/gateway-store.ts';
import type { ImplementationStore } from '../store/implementation-store.ts';
import type { NoticeStore } from '../store/notice-store.ts';
import type { SmsStore } from '../store/sms-store.ts';
import type { VoiceCallRow, VoiceStore } from '../store/voice-store.ts';
import type { StepResult, UssdContext, VoiceFlow } from './flow-contract.ts';
import type { OutboundQueue } from './sms-outbound.ts';
import { TurnRunner, type Turn } from './turn-runner.ts';
import { errorSummary } from './ussd-runner.ts';
import { voterSnapshot } from './voter-snapshot.ts';

/** One voice callback in provider-neutral form. */
export interface VoiceCallback {
  provider: string;
  sessionId: string;
  /** E.164 phone number; turned into a pseudonym before anything is stored. */
  phone: string;
  /** The answer number carried in the callback URL; absent on the call's first request. */
  hop?: number;
  /** Keys pressed (without the finishing key); empty when none. */
  digits: string;
  /** What the caller said, fetched from the provider by the adapter (a spoken idea or report). */
  recording?: Recording;
}

/** A recording fetched from the provider. */
export interface Recording {
  sha256: string;
  bytes: number;
  contentType: string;
  audio: Uint8Array;
}

/** What to play next, with the answer number the next callback URLs must carry. */
export interface VoiceAnswer<R> {
  reply: R;
  hop: number;
  lang: Lang;
}

/** How a call ended, as the provider reports it. */
export interface CallEnd {
  durationSeconds: number | null;
  amount: string | null;
  currency: string | null;
}

/** What the voice runner needs; the shell provides the flow. */
export interface VoiceRunnerDeps<S, R extends { end: boolean; again?: boolean }> {
  store: GatewayStore;
  calls: VoiceStore;
  queue: CommitQueue;
  deployment: Deployment;
  ballot?: () => Deployment;
  flow: VoiceFlow<S, R>;
  voterKeySecret: string;
  gatewayId: string;
  logger: Logger;
  clock?: () => Date;
  random?: (bytes: number) => Uint8Array;
  /** Receipt copies by SMS, through the outbound queue; absent: none are offered. */
  smsCopy?: SmsCopyDeps;
  /** Ideas' proposers, kept to be told of each new review status (src/engine/notices.ts). */
  proposers?: NoticeStore;
  /**
   * "Project progress": implementation updates held (the status read out), the numbers that
   * follow a project and those of spoken reports' callers (kept sealed), texted through the
   * provider `smsCopy` names; absent: no status, nothing is offered to follow, and a report's
   * answer cannot be texted back.
   */
  implementation?: ImplementationStore;
}

/** What sending a receipt's copy by SMS takes. */
export interface SmsCopyDeps {
  sms: SmsStore;
  outbound: OutboundQueue;
  /** The SMS provider a copy goes through for a call on `callProvider`; undefined when none sends SMS. */
  provider(callProvider: string): string | undefined;
}

/** Answers voice callbacks from stored call state. */
export class VoiceRunner<S, R extends { end: boolean; again?: boolean }> {
  private readonly turns: TurnRunner;

  constructor(private readonly deps: VoiceRunnerDeps<S, R>) {
    this.turns = new TurnRunner(deps);
  }

  /** The answer to one callback. Resolves only after everything it says is recorded is committed. */
  async callback(req: VoiceCallback): Promise<VoiceAnswer<R>> {
    const key = this.turns.voterKeyOf(req.phone);
    let copy: { id: number; provider: string } | null = null;
    try {
      const answer = await this.turns.run(
        () => this.retried(req, key),
        (turn) => {
          copy = null;
          return this.callbackInTransaction(req, key, turn, (queued) => (copy = queued));
        },
      );
      // Committed: the queue may send it now.
      const queued = copy as { id: number; provider: string } | null;
      if (queued) this.deps.smsCopy!.outbound.notify([{ id: queued.id, provider: queued.provider, kind: 'confirmation' }]);
      return answer;
    } catch (err) {
      this.deps.logger.error({ session: req.sessionId, err: errorSummary(err) }, 'voice callback failed');
      const lang = this.languageOf(req.provider, req.sessionId, key);
      return { reply: this.deps.flow.apology(lang), hop: (req.hop ?? 0) + 1, lang };
    }
  }

  /** The last prompt again after a timeout with no key; after `maxSilences`, goodbye. Stores nothing. */
  silence(provider: string, sessionId: string, count: number, maxSilences = 2): VoiceAnswer<R> | undefined {
    const row = this.deps.calls.call(provider, sessionId);
    if (!row) return undefined;
    const lang = this.languageOf(provider, sessionId);
    const last = JSON.parse(row.last_reply) as R;
    if (count > maxSilences || last.end) return { reply: this.deps.flow.goodbye(lang), hop: row.hop, lang };
    return { reply: this.deps.flow.silence(last, lang), hop: row.hop, lang };
  }

  /** Stores the call's length and cost from the provider's final callback; false for an unknown call. */
  finish(provider: string, sessionId: string, end: CallEnd): Promise<boolean> {
    return this.deps.queue.run(() =>
      this.deps.calls.finishCall(provider, sessionId, end.durationSeconds, end.amount, end.currency, this.turns.now().toISOString()),
    );
  }

  /** The answer for an apology when the callback could not be run in time. */
  apology(provider: string, sessionId: string, hop: number | undefined): VoiceAnswer<R> {
    const lang = this.languageOf(provider, sessionId);
    return { reply: this.deps.flow.apology(lang), hop: (hop ?? 0) + 1, lang };
  }

  /** Best-known language for a call: its state, else the number's remembered one, else the default. */
  languageOf(provider: string, sessionId: string, key?: string): Lang {
    // Each source is asked on its own: after a failure one of them may be what failed.
    const attempt = <T>(read: () => T): T | null => {
      try {
        return read();
      } catch {
        return null;
      }
    };
    const row = attempt(() => this.deps.calls.call(provider, sessionId));
    const fromState = row ? attempt(() => this.deps.flow.language(JSON.parse(row.state) as S)) : null;
    const remembered = key ? (attempt(() => this.deps.store.voterLang(key)) as Lang | null | undefined) : null;
    return fromState ?? remembered ?? defaultLanguage(this.deps.deployment);
  }

  /**
   * Voice's duplicate rule: a callback whose answer number is not the call's latest (or a repeat
   * of the first request) is a provider retry, and gets the latest answer again.
   */
  private retried(req: VoiceCallback, key: string): VoiceAnswer<R> | undefined {
    const row = this.deps.calls.call(req.provider, req.sessionId);
    if (!row) return undefined;
    if (row.voter_key !== key) throw new SautiError('voice.session_phone_mismatch', 'a call id arrived with a different phone number');
    if (req.hop === row.hop) return undefined;
    return { reply: JSON.parse(row.last_reply) as R, hop: row.hop, lang: this.langOf(row) };
  }

  private langOf(row: VoiceCallRow): Lang {
    return this.deps.flow.language(JSON.parse(row.state) as S) ?? defaultLanguage(this.deps.deployment);
  }

  private callbackInTransaction(req: VoiceCallback, key: string, turn: Turn, queued: (copy: { id: number; provider: string }) => void): VoiceAnswer<R> {
    const { store, calls, flow } = this.deps;
    const { now } = turn;
    const row = calls.call(req.provider, req.sessionId);
    const impl = this.deps.implementation;
    const smsProvider = this.deps.smsCopy?.provider(req.provider);
    const smsReachable = smsProvider !== undefined && !store.optedOut(key);
    const ctx: UssdContext = {
      now,
      deployment: turn.deployment,
      serviceCode: 'voice',
      voter: voterSnapshot(store, this.deps.deployment, key),
      fresh: turn.fresh,
      smsCopy: smsReachable,
      projectUpdate: (code) => impl?.latest(code) ?? null,
      smsFollow: smsReachable && impl !== undefined,
    };
    const hop = (row?.hop ?? 0) + 1;
    const who = { voterKey: key, channel: 'voice' as const, sourceRef: `voice:${req.provider}:${req.sessionId}:${hop}` };
    let state: S;
    let reply: R;
    /** Runs the dialogue on one input and applies what it asks, in this transaction. */
    const step = (input: string): R => {
      const result = flow.step(state, input, ctx);
      // A spoken idea's proposer is told of its review by SMS, through the call's provider when it sends SMS.
      turn.apply(result.effects, { ...who, contact: { provider: req.provider, phone: req.phone, lang: flow.language(result.state) ?? '' } });
      if (result.follow && smsReachable && impl && smsProvider) {
        this.keepFollows(result.follow, key, req.phone, smsProvider, now.toISOString());
        turn.commit.durable(); // the caller is told the news will come
      }
      // A spoken report: the number is kept sealed against its reference, so the team's answer is texted back.
      for (const e of result.effects) {
        if (e.type !== 'project.reported' || !smsReachable || !impl || !smsProvider) continue;
        impl.keepReporter({ reference: e.reference, voterKey: key, provider: smsProvider, phone: req.phone, lang: e.lang }, now.toISOString());
        turn.commit.durable();
      }
      state = result.state;
      return result.reply;
    };
    if (!row) {
      const since = new Date(now.getTime() - this.deps.deployment.ussd.resumeMinutes * 60_000).toISOString();
      const previous = calls.resumableCall(key, since, req.provider, req.sessionId);
      const saved = previous ? (JSON.parse(previous.state) as S) : null;
      calls.supersedeCalls(key, req.provider, req.sessionId);
      const started = flow.start(ctx, saved && flow.isResumable(saved) ? saved : null);
      turn.apply(started.effects, who);
      ({ state, reply } = started);
    } else {
      state = JSON.parse(row.state) as S;
      const last = JSON.parse(row.last_reply) as R;
      const lang = this.langOf(row);
      if (row.status === 'superseded') {
        reply = flow.ended(lang);
      } else if (row.status !== 'open') {
        // After the last prompt: 1 hears it again, 2 sends the receipt by SMS, a choice it offered
        // goes to the dialogue (3 follows the projects just voted for), any other key says goodbye.
        const after = flow.afterEnd(last, req.digits, lang);
        if ('input' in after) reply = step(after.input);
        else {
          reply = after.reply;
          if (after.sms) {
            const copy = this.queueSmsCopy(req, key, after.sms, turn);
            if (copy) queued(copy);
          }
        }
      } else {
        // A recording is kept in the same transaction as the idea or report it carries.
        if (req.recording) calls.keepRecording(req.recording, now.toISOString());
        const input = req.recording ? flow.recordingInput(req.recording.sha256, req.recording.bytes) : flow.input(state, req.digits, ctx);
        reply = input === null ? last : step(input);
      }
    }
    const at = now.toISOString();
    calls.saveCall({
      provider: req.provider,
      session_id: req.sessionId,
      voter_key: key,
      state: JSON.stringify(state),
      hop,
      last_reply: JSON.stringify(reply),
      status: row?.status === 'superseded' ? 'superseded' : reply.end ? 'ended' : 'open',
      created_at: row?.created_at ?? at,
      updated_at: at,
    });
    return { reply, hop, lang: flow.language(state) ?? defaultLanguage(this.deps.deployment) };
  }

  /**
   * "Follow by SMS" (a project's status, or the projects just voted for): the caller's number is
   * kept sealed to text each later update, in the call's transaction, as USSD and FOLLOW 7 keep it.
   * Called only for a number SMS reaches (a provider sends SMS, it has not sent STOP).
   */
  private keepFollows(follow: NonNullable<StepResult<S, R>['follow']>, key: string, phone: string, provider: string, at: string): void {
    for (const code of follow.codes) this.deps.implementation!.follow({ voterKey: key, cycleId: follow.cycleId, code, lang: follow.lang, provider, phone }, at);
  }

  /**
   * Queues the SMS copy of a receipt to the caller, in this transaction and durably (the caller is
   * told it is on its way). Once per call, however often the provider retries or the caller
   * presses 2: the call is its source. Null when it was queued before or no provider sends SMS.
   */
  private queueSmsCopy(req: VoiceCallback, key: string, text: string, turn: Turn): { id: number; provider: string } | null {
    const copy = this.deps.smsCopy;
    const provider = copy?.provider(req.provider);
    if (!copy || !provider) return null;
    turn.commit.durable();
    const sourceRef = `voice:${req.provider}:${req.sessionId}:receipt-sms`;
    const id = copy.sms.enqueue(
      { provider, toPhone: req.phone, voterKey: key, body: toGsmLookalikes(text), kind: 'confirmation', sourceRef },
      turn.now.toISOString(),
    );
    return id === null ? null : { id, provider };
  }
}
