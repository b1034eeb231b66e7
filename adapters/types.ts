// What every channel adapter is given and must provide. Adapters convert provider payloads to
// core inputs and core replies back to the provider's format; they hold no business rules.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Router } from 'express';
import type { z } from 'zod';
import type { ProviderCredentials } from './settings.ts';
import type { Logger } from 'pino';
import type { Settings } from '../src/config/env.ts';
import type { Deployment, Lang } from '../src/config/schema.ts';
import type { SmsSender } from '../src/engine/sms-outbound.ts';
import type { Reply } from '../src/engine/flow-contract.ts';
import type { InboundSms, InboxOutcome } from '../src/engine/sms-inbox.ts';
import type { UssdHop } from '../src/engine/ussd-runner.ts';
import type { CallEnd, VoiceAnswer, VoiceCallback } from '../src/engine/voice-runner.ts';
import type { PromptPart } from '../voice/prompt-part.ts';
import type { ClipResolver } from './voice-clips.ts';
import type { FieldService } from '../src/engine/field-capture.ts';
import type { OutboundState } from '../src/domain/outbound-state.ts';

/** The core services adapters may call. */
export interface AdapterDeps {
  deployment: Deployment;
  logger: Logger;
  callbackToken: string;
  replyDeadlineMs: number;
  ussd: {
    hop(req: UssdHop): Promise<Reply>;
    languageOf(sessionId: string): Lang;
  };
  /** Absent when the deployment has no SMS provider configured. */
  sms?: {
    receive(msg: InboundSms): Promise<InboxOutcome>;
    report(provider: string, providerMessageId: string, state: Exclude<OutboundState, 'queued'>, error: string | null): Promise<void>;
  };
  /** Voice calls (both providers). */
  voice?: {
    callback(req: VoiceCallback): Promise<VoiceAnswer<VoiceReplyView>>;
    silence(provider: string, sessionId: string, count: number): VoiceAnswer<VoiceReplyView> | undefined;
    finish(provider: string, sessionId: string, end: CallEnd): Promise<boolean>;
    apology(provider: string, sessionId: string, hop: number | undefined): VoiceAnswer<VoiceReplyView>;
  };
  /** The voice clips on disk: what to say when one is missing. Absent: every clip is assumed present. */
  prompts?: ClipResolver;
  /** Public base URL providers call; a provider that signs its callbacks signs over it. */
  publicUrl?: string;
  /** Each provider's credentials (config's `Settings.providers`); an adapter reads its own, and refuses signed callbacks without them. */
  credentials?: Partial<ProviderCredentials>;
  /** Field officers over OpenRosa (ODK Collect); absent in apps that do not take field capture. */
  field?: FieldService;
}

/** A provider adapter: its folder name under adapters/, the routes it mounts and what it sends. */
export interface Adapter {
  /** Must equal the adapter's folder name (and the provider's name in stored rows); a test checks every folder is registered. */
  folder: string;
  /** The provider's name as people write it, for help text ("Africa’s Talking"). */
  title: string;
  /** The path its USSD sessions are posted to (`:token` where SAUTI_CALLBACK_TOKEN goes); only a provider that serves USSD has one. */
  ussdPath?: string;
  mount(router: Router, deps: AdapterDeps): void;
  /**
   * Its busiest callbacks, answered on the gateway's lane before express sees the request (the
   * same handler is also mounted on the router for the paths the lane does not take): src/http/lanes.ts.
   */
  lanes?(deps: AdapterDeps): LaneRoute[];
  /**
   * Its outbound SMS, when the deployment sends SMS through this provider: the pace the queue keeps
   * to, and the sender (absent while the provider's credentials are not set: messages then wait).
   */
  smsSending?(settings: Settings, deployment: Deployment): { perSecond: number; sender?: SmsSender } | undefined;
  /** Its environment variables and its section of the deployment's `sms:` (adapters/<folder>/settings.ts; config composes them through adapters/settings.ts). */
  settings?: { env: z.ZodObject; sms?: z.ZodObject };
  /** How `sauti simulate` shapes and signs this provider's requests. */
  simulator?: ProviderSimulator;
}

/** A node middleware that reads a request's body into `req.body` (body-parser's, e.g. `express.urlencoded`). */
export type BodyReader = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** A provider callback answered without express: a POST to `path` or `path/<token>`. */
export interface LaneRoute {
  /** The callback's path without its token segment, e.g. `/africastalking/ussd`. */
  path: string;
  body: BodyReader;
  /** Answers with node's own response methods; a rejection is answered like express's error handler would. */
  handle(req: { body: unknown; token: string | undefined }, res: ServerResponse): Promise<void>;
}

/** A voice reply as adapters render it (flows/voice builds it; adapters never import flows). */
export interface VoiceReplyView {
  end: boolean;
  parts: PromptPart[];
  /** Most keys one answer takes. */
  digits: number;
  /** An ending the caller may hear again by pressing 1. */
  again?: boolean;
  /** After an ending: what the call offers while it waits for one key (hear it again, an SMS copy). */
  offer?: PromptPart[];
  /** Record what the caller says after the prompt. */
  record?: boolean;
}

/** A request as the provider would make it to the gateway: its path, form fields and headers (signed where the provider signs). */
export interface SimulatedRequest {
  path: string;
  params: Record<string, string>;
  headers: Record<string, string>;
}

/** What a simulator hook may use: the gateway's callback token, its public URL and each provider's credentials. */
export interface SimulatorContext {
  token: string;
  publicUrl?: string;
  credentials: Partial<ProviderCredentials>;
}

/** One simulated call: the requests its provider would make, from the first to the hang-up. */
export interface VoiceSimulation {
  /** The call's first request. */
  start(): Promise<SimulatedRequest>;
  /** Keys pressed after the prompt that asked for them at `path` (a callback URL's path and query). */
  keys(path: string, keys: string): Promise<SimulatedRequest>;
  /** The caller stays silent: where the provider goes next (`redirect`: Africa's Talking's re-prompt), or undefined when it hangs up. */
  silence(next: string, redirect: string | undefined): Promise<SimulatedRequest> | undefined;
  /** The provider's last word on the call: its length (and cost, where the provider says it). */
  hangUp(seconds: number): Promise<SimulatedRequest>;
}

/** How `sauti simulate` shapes a provider's requests (tests use the same shapes). */
export interface ProviderSimulator {
  ussd?: { sessionId(): string; hop(ctx: SimulatorContext, h: { sessionId: string; serviceCode: string; phone: string; text: string }): SimulatedRequest };
  /** One inbound SMS and the message id the provider gave it. */
  sms?(ctx: SimulatorContext, m: { phone: string; text: string }): Promise<{ id: string; request: SimulatedRequest }>;
  voice?(ctx: SimulatorContext, phone: string): VoiceSimulation;
}
