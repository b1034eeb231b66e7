// Runs one USSD hop: load the session, step the flow, commit state + effects, then answer.
import type { Logger } from 'pino';
import type { Deployment, Lang } from '../config/schema.ts';
import { SautiError } from '../domain/errors.ts';
import { defaultLanguage } from '../domain/language.ts';
import { phoneSeal, type Seal } from '../domain/phone-seal.ts';
import { t } from '../i18n/index.ts';
import type { CommitQueue } from '../store/commit-queue.ts';
import type { GatewayStore } from '../store/gateway-store.ts';
import type { NoticeStore } from '../store/notice-store.ts';
import type { ImplementationStore } from '../store/implementation-store.ts';
import { TurnRunner, type Turn } from './turn-runner.ts';
import { voterSnapshot } from './voter-snapshot.ts';
import type { Reply, StepResult, UssdContext, UssdFlow } from './flow-contract.ts';

/** One USSD request in provider-neutral form. */
export interface UssdHop {
  sessionId: string;
  /** E.164 phone number; turned into a pseudonym before anything is stored. */
  phone: string;
  serviceCode: string;
  /** Every input of the session so far, joined by '*' (empty on the first request). */
  text: string;
}

/** What the runner needs; the shell provides a flow, the clock and randomness. */
export interface UssdRunnerDeps<S> {
  store: GatewayStore;
  queue: CommitQueue;
  deployment: Deployment;
  /** The deployment as last downloaded from the ledger (cycles, wards, projects); default: `deployment`. */
  ballot?: () => Deployment;
  flow: UssdFlow<S>;
  voterKeySecret: string;
  gatewayId: string;
  logger: Logger;
  clock?: () => Date;
  random?: (bytes: number) => Uint8Array;
  /** Ideas' proposers, kept to be told of each new review status (src/engine/notices.ts). */
  proposers?: NoticeStore;
  /**
   * "Project progress": implementation updates held (the status shown), the numbers that follow a
   * project or reported on one (kept sealed), and the SMS provider that reaches a USSD caller
   * (undefined when none sends SMS: nothing is offered by SMS).
   */
  implementation?: { store: ImplementationStore; smsProvider: string | undefined };
}

/** A session row as stored, with its keypresses and last screen opened. */
type OpenedSession = NonNullable<ReturnType<GatewayStore['session']>>;

/** Open sessions whose last seal this process remembers (a few hundred are under way at once). */
const OPENED_MAX = 4096;

/** What a session's row holds sealed, with its plaintext, as this process last wrote it. */
interface Opened {
  sealedText: string;
  text: string;
  sealedReply: string;
  reply: string;
}

/** Answers USSD hops from stored session state. */
export class UssdRunner<S> {
  private readonly turns: TurnRunner;
  /** The keypresses and last screen of a session are stored sealed: they are the vote, and may hold a typed number. */
  private readonly seal: Seal;

  constructor(private readonly deps: UssdRunnerDeps<S>) {
    this.turns = new TurnRunner(deps);
    this.seal = phoneSeal(deps.voterKeySecret);
  }

  /**
   * What this process sealed last, by session: a hop reads what the last hop of its session
   * wrote, so remembering it spares two AES-GCM opens a hop (a few per cent of its CPU in
   * bench:ussd's profile). One entry a session, dropped when the session ends; memory only,
   * bounded; the disk keeps ciphertext. A row that differs (written by another process, or
   * before a restart) is opened from its ciphertext.
   */
  private readonly opened = new Map<string, Opened>();

  /** Seals the keypresses and screen a hop stores, remembering their plaintext while the session is open. */
  private sealedPair(sessionId: string, text: string, reply: string, ended: boolean) {
    const pair = { sealedText: this.seal.seal(text), text, sealedReply: this.seal.seal(reply), reply };
    this.opened.delete(sessionId); // re-inserted last: the oldest entry is the first one evicted
    if (!ended) {
      this.opened.set(sessionId, pair);
      if (this.opened.size > OPENED_MAX) this.opened.delete(this.opened.keys().next().value!);
    }
    return pair;
  }

  /** The session row with its keypresses and last screen opened. */
  private session(sessionId: string): OpenedSession | undefined {
    const row = this.deps.store.session(sessionId);
    if (row) {
      const known = this.opened.get(sessionId);
      row.last_text = known?.sealedText === row.last_text ? known.text : this.seal.open(row.last_text);
      row.last_reply = known?.sealedReply === row.last_reply ? known.reply : this.seal.open(row.last_reply);
    }
    return row;
  }

  /** The reply for one hop. Resolves only after everything it says is recorded is committed. */
  async hop(req: UssdHop): Promise<Reply> {
    const key = this.turns.voterKeyOf(req.phone);
    // The session row is read (and opened) once a turn: the retry check and the hop share it.
    let existing: OpenedSession | undefined;
    try {
      return await this.turns.run(
        () => this.retried(req, key, (existing = this.session(req.sessionId))),
        (turn) => this.hopInTransaction(req, key, turn, existing),
      );
    } catch (err) {
      this.deps.logger.error({ session: req.sessionId, err: errorSummary(err) }, 'ussd hop failed');
      return { end: true, text: t(this.languageOf(req.sessionId, key), 'internalError') };
    }
  }

  /** Best-known language for a session, for replies written outside the flow. */
  languageOf(sessionId: string, key?: string): Lang {
    try {
      const row = this.deps.store.session(sessionId);
      const fromState = row ? this.deps.flow.language(JSON.parse(row.state) as S) : null;
      const remembered = key ? (this.deps.store.voterLang(key) as Lang | undefined) : undefined;
      return fromState ?? remembered ?? this.defaultLang();
    } catch {
      return this.defaultLang();
    }
  }

  private defaultLang(): Lang {
    return defaultLanguage(this.deps.deployment);
  }

  /**
   * USSD's duplicate rule: a provider retry of the latest hop (same accumulated text) gets the
   * same screen, and a late retry of an earlier hop gets the current one: nothing is applied twice.
   */
  private retried(req: UssdHop, key: string, existing: OpenedSession | undefined): Reply | undefined {
    if (existing && existing.voter_key !== key) {
      throw new SautiError('ussd.session_phone_mismatch', 'a session id arrived with a different phone number');
    }
    if (existing && (existing.last_text === req.text || isEarlierHop(req.text, existing.last_text))) {
      return { end: existing.last_end === 1, text: existing.last_reply };
    }
    return undefined;
  }

  private hopInTransaction(req: UssdHop, key: string, turn: Turn, existing: OpenedSession | undefined): Reply {
    const { store, flow } = this.deps;
    const { now } = turn;
    const impl = this.deps.implementation;
    // Read only on the screens that need it (most hops do not): one query.
    let reachable: boolean | undefined;
    const smsReachable = () => (reachable ??= impl?.smsProvider !== undefined && !store.optedOut(key));
    const ctx = (): UssdContext => ({
      now,
      deployment: turn.deployment,
      serviceCode: req.serviceCode,
      voter: voterSnapshot(store, this.deps.deployment, key),
      fresh: turn.fresh,
      projectUpdate: (code) => impl?.store.latest(code) ?? null,
      get smsFollow() {
        return smsReachable();
      },
    });
    // The keypresses are the vote (and may hold a typed number): events keep a keyed digest of
    // them, unique per hop all the same, so a retry after the session row is purged still collides.
    // Computed only when an effect is stored (the getter): most hops store none.
    const seal = this.seal;
    const who = {
      voterKey: key,
      channel: 'ussd' as const,
      get sourceRef() {
        return `ussd:${req.sessionId}:${seal.digest(req.text)}`;
      },
    };

    let state: S;
    let inputs: string[];
    let reply: Reply;
    if (existing) {
      if (existing.status !== 'open') {
        const lang = flow.language(JSON.parse(existing.state) as S) ?? this.defaultLang();
        return { end: true, text: t(lang, 'sessionEnded') };
      }
      state = JSON.parse(existing.state) as S;
      inputs = [newInput(existing.last_text, req.text)];
      reply = { end: false, text: '' };
    } else {
      const since = new Date(now.getTime() - this.deps.deployment.ussd.resumeMinutes * 60_000).toISOString();
      // Offered only on a plain dial: dial-ahead keys are meant for the menu, not for the
      // "continue?" question (they would land on the old pick screen and vote for the wrong projects).
      const previous = req.text === '' ? store.resumableSession(key, since, req.sessionId) : undefined;
      const saved = previous ? (JSON.parse(previous.state) as S) : null;
      store.supersedeSessions(key, req.sessionId);
      const started = flow.start(ctx(), saved && flow.isResumable(saved) ? saved : null);
      turn.apply(started.effects, who);
      ({ state, reply } = started);
      // Dial-ahead (*384*123*1*2#) arrives as text on the first request: play it through.
      inputs = req.text === '' ? [] : req.text.split('*');
    }
    const at = now.toISOString();
    for (const input of inputs) {
      if (reply.end) break;
      const result = flow.step(state, input, ctx());
      turn.apply(result.effects, { ...who, contact: { provider: '', phone: req.phone, lang: flow.language(result.state) ?? '' } });
      if (this.keepNumber(result, key, req.phone, at, smsReachable)) turn.commit.durable(); // the caller is told it is kept
      ({ state, reply } = result);
    }
    const sealed = this.sealedPair(req.sessionId, req.text, reply.text, reply.end);
    store.saveSession(
      {
        session_id: req.sessionId,
        voter_key: key,
        state: JSON.stringify(state),
        last_text: sealed.sealedText,
        last_reply: sealed.sealedReply,
        last_end: reply.end ? 1 : 0,
        status: reply.end ? 'ended' : 'open',
        created_at: existing?.created_at ?? at,
        updated_at: at,
      },
      existing !== undefined,
    );
    return reply;
  }

  /**
   * "Follow by SMS" keeps the caller's number (sealed) to text each later update; a report keeps it
   * against the report's reference, for the team's answer. In the hop's transaction, never for a
   * number SMS cannot reach (no provider, opted out). True when a number was kept.
   */
  private keepNumber(result: StepResult<S>, key: string, phone: string, at: string, smsReachable: () => boolean): boolean {
    const impl = this.deps.implementation;
    if (!impl?.smsProvider || !(result.follow || result.effects.some((e) => e.type === 'project.reported')) || !smsReachable()) return false;
    const provider = impl.smsProvider;
    for (const code of result.follow?.codes ?? [])
      impl.store.follow({ voterKey: key, cycleId: result.follow!.cycleId, code, lang: result.follow!.lang, provider, phone }, at);
    for (const e of result.effects) {
      if (e.type === 'project.reported') impl.store.keepReporter({ reference: e.reference, voterKey: key, provider, phone, lang: e.lang }, at);
    }
    return true;
  }
}

/** Whether `text` is the accumulated text of a hop before the one that produced `last`. */
function isEarlierHop(text: string, last: string): boolean {
  return text === '' ? last !== '' : last.startsWith(`${text}*`);
}

/** The input typed since the last hop: AT's text accumulates every input joined by '*'. */
export function newInput(lastText: string, text: string): string {
  if (lastText === '') return text;
  if (text.startsWith(`${lastText}*`)) return text.slice(lastText.length + 1);
  // Out of step (should not happen with Africa's Talking): take the last segment typed.
  return text.slice(text.lastIndexOf('*') + 1);
}

/** Error fields safe to log: no request data, which could hold a phone number. */
export function errorSummary(err: unknown): { type: string; code?: string; message: string; stack?: string } {
  const e = err as Error & { code?: string };
  return { type: e?.name ?? typeof err, code: e?.code, message: String(e?.message ?? err), stack: e?.stack };
}
