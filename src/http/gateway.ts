// Composition root of the gateway process: config → store → core services → adapters → HTTP.
import { createServer, type Server } from 'node:http';
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import { ussdFlow, type UssdState } from '../../flows/ussd/index.ts';
import { voiceFlow } from '../../flows/voice/index.ts';
import type { KeypadState } from '../../flows/keypad/state.ts';
import type { VoiceReply } from '../../flows/voice/render.ts';
import { VoiceRunner } from '../engine/voice-runner.ts';
import { VoiceStore } from '../store/voice-store.ts';
import { adapters, ussdProviders } from '../../adapters/registry.ts';
import type { Settings } from '../config/env.ts';
import { loadRoll } from '../config/load.ts';
import { loadDeploymentAndLanguages } from './languages.ts';
import { importRoll } from '../engine/roll.ts';
import { UssdRunner } from '../engine/ussd-runner.ts';
import { EmbeddedSmsQueue } from '../engine/embedded-queue.ts';
import { SmsInbox, type LedgerLink } from '../engine/sms-inbox.ts';
import { SmsDispatcher, type OutboundQueue, type SmsSender } from '../engine/sms-outbound.ts';
import { PrivacySweep } from '../engine/privacy-sweep.ts';
import { phoneSeal } from '../domain/phone-seal.ts';
import { SmsStore } from '../store/sms-store.ts';
import { smsFlow } from '../../flows/sms/index.ts';
import { BullmqSmsQueue } from '../../queue/bullmq-sms.ts';
import type { Deployment } from '../config/schema.ts';
import { CommitQueue } from '../store/commit-queue.ts';
import { FieldStore } from '../store/field-store.ts';
import { FieldCapture } from '../engine/field-capture.ts';
import { PaperCapture, withPaper } from '../engine/paper-capture.ts';
import { PaperStore } from '../store/paper-store.ts';
import { WalCheckpointer } from '../store/checkpointer.ts';
import { limitPageCache, openDatabase } from '../store/db.ts';
import { lockInstance } from '../store/instance-lock.ts';
import { GatewayStore } from '../store/gateway-store.ts';
import { WriteProbe } from '../store/write-probe.ts';
import express from 'express';
import { Outbox } from '../../sync/outbox.ts';
import { BallotCache } from '../../sync/ballot.ts';
import { gatewayIdentity, gatewayIdOf, type GatewayIdentity } from '../../sync/identity.ts';
import { ledgerTrust, TRUST_SOURCES, type TrustInputs } from '../../sync/ledger-trust.ts';
import { recordSyncTarget } from '../../sync/target.ts';
import { Relay } from '../../sync/relay.ts';
import { EmbeddedSyncScheduler } from '../../sync/scheduler.ts';
import { ImplementationStore } from '../store/implementation-store.ts';
import { ImplementationUpdates } from '../engine/implementation-updates.ts';
import { Notices } from '../engine/notices.ts';
import { BroadcastNotices } from '../engine/broadcast-notices.ts';
import { BroadcastAudience } from '../store/broadcast-audience.ts';
import { NoticeStore } from '../store/notice-store.ts';
import { syncRound, type PushSide } from '../../sync/sync-job.ts';
import { BullmqSyncScheduler } from '../../queue/bullmq-sync.ts';
import { settledWithin } from '../../queue/redis-link.ts';
import { createApp } from './app.ts';
import { EmbeddedLedger, type EmbeddedLedgerOptions } from './embedded-ledger.ts';
import { listen } from './listen.ts';
import { simulatorRouter } from './simulator.ts';
import { promptsRouter } from './prompts.ts';
import { PromptLibrary } from '../../voice/prompts/library.ts';
import { allClipTexts } from '../../voice/prompts/catalogue.ts';
import { defaultLanguage } from '../domain/language.ts';
import { builtFieldAppDir, fieldAppRouter } from './field-app.ts';

/** A running gateway. */
export interface Gateway {
  url: string;
  gatewayId: string;
  server: Server;
  /** The ledger thread when this gateway runs its own (no SAUTI_LEDGER_URL). */
  embeddedLedger: EmbeddedLedger | undefined;
  /** The thread that keeps the database's WAL short. */
  checkpointer: WalCheckpointer;
  close(): Promise<void>;
}

/** The wired parts of a gateway, before it listens. */
export interface AssembledGateway {
  app: ReturnType<typeof createApp>;
  db: Database;
  store: GatewayStore;
  queue: CommitQueue;
  gatewayId: string;
  sms: SmsStore;
  /** Not started by assembleGateway: startGateway (or a test) starts it. */
  outbound: OutboundQueue;
  dispatcher: SmsDispatcher;
  deployment: Deployment;
  outbox: Outbox;
  ballots: BallotCache;
  identity: GatewayIdentity;
  /** Empty until startGateway mounts an embedded ledger on it. */
  ledgerMount: express.Router;
  /** Empty until startGateway sets up sync: CHECK of another gateway's receipt asks the ledger through it. */
  ledgerLink: LedgerLink;
  /** Already run once (start-up sealing and purge); startGateway runs it on a timer. */
  privacy: PrivacySweep;
  /** Implementation updates from the ledger, texted to followers: each sync round feeds it. */
  implementation: ImplementationUpdates;
  /** Notices from the ledger (an idea's new review status), texted to proposers: each sync round feeds it. */
  notices: Notices;
}

/** How often the privacy sweep purges expired sessions and truncates the WAL. */
const PRIVACY_SWEEP_MS = 60_000;

/** Loads config, opens the store and wires the core, flows and adapters. No port is opened. */
export function assembleGateway(
  settings: Settings,
  logger: Logger,
  options: { clock?: () => Date; queuePrefix?: string; fieldAppDir?: string } = {},
): AssembledGateway {
  for (const key of settings.devDefaults) {
    logger.warn({ component: 'config', key }, `${key} is not set: using the development default. Set it before going live.`);
  }
  const deployment = loadDeploymentAndLanguages(settings.configFile);
  const db = openDatabase(settings.dbFile);
  limitPageCache(db);
  const store = new GatewayStore(db);
  const gatewayId = gatewayIdOf(store, settings.gatewayId);
  if (deployment.eligibility.mode === 'roll') {
    const rows = loadRoll(settings.configFile, deployment.eligibility.rollFile, {
      wardIds: new Set(deployment.wards.map((w) => w.id)),
      demographics: deployment.demographics,
    });
    const n = importRoll(store, rows, settings.voterKeySecret, deployment.deployment.country, deployment.eligibility.rollFile);
    logger.info({ component: 'roll', voters: n }, 'voter roll loaded');
  }
  const queue = new CommitQueue(db);
  const outbox = new Outbox(db);
  const ballots = new BallotCache(deployment, outbox);
  const identity = gatewayIdentity(store, gatewayId);
  const seal = phoneSeal(settings.voterKeySecret);
  // Ideas' proposers (sealed numbers) and the notices that tell them of each new review status.
  const noticeStore = new NoticeStore(db, seal);
  const sms = new SmsStore(db, seal);
  // Before anything is sent: numbers an older Sauti stored in plaintext are sealed first.
  const privacy = new PrivacySweep({ db, sms, queue, seal, deployment, logger, clock: options.clock });
  privacy.startup();
  const ledgerLink: LedgerLink = {};
  const { senders, perSecond } = smsSenders(settings, deployment);
  for (const provider of Object.keys(perSecond).filter((p) => !senders[p])) {
    logger.warn({ component: 'config', provider }, `SMS through ${provider} is configured but its credentials are not set: replies will fail (see README).`);
  }
  const dispatcher = new SmsDispatcher({
    sms,
    queue,
    senders,
    optedOut: (key) => store.optedOut(key),
    maxAttempts: deployment.sms.maxAttempts,
    logger,
    clock: options.clock,
  });
  const outbound: OutboundQueue = settings.redisUrl
    ? new BullmqSmsQueue({
        redisUrl: settings.redisUrl,
        prefix: options.queuePrefix ?? settings.queuePrefix,
        gatewayId,
        perSecond,
        maxAttempts: deployment.sms.maxAttempts,
        dispatcher,
        sms,
        logger,
      })
    : new EmbeddedSmsQueue({ sms, dispatcher, perSecond, logger, clock: options.clock });
  // A resident is texted through the provider they came by when it sends SMS, else the first that does.
  const smsProviderFor = (provider: string | undefined) => (provider && senders[provider] ? provider : Object.keys(senders)[0]);
  // Followers' and reporters' sealed numbers (implementation updates, USSD and voice follows, reports, report answers).
  const implementationStore = new ImplementationStore(db, seal);
  const voice = new VoiceRunner<KeypadState, VoiceReply>({
    store,
    calls: new VoiceStore(db),
    queue,
    deployment,
    ballot: ballots.current,
    flow: voiceFlow,
    voterKeySecret: settings.voterKeySecret,
    gatewayId,
    logger: logger.child({ component: 'voice' }),
    clock: options.clock,
    // A receipt's SMS copy goes through the call's own provider.
    smsCopy: { sms, outbound, provider: smsProviderFor },
    proposers: noticeStore,
    // "Project progress" and following after a vote, texted through the same provider as the receipt's copy.
    implementation: implementationStore,
  });
  const notices = new Notices({
    store,
    notices: noticeStore,
    implementation: implementationStore,
    sms,
    queue,
    outbound,
    gatewayId,
    broadcasts: new BroadcastNotices({
      store,
      audience: new BroadcastAudience(db, seal),
      sms,
      queue,
      voterKeySecret: settings.voterKeySecret,
      ballot: ballots.current,
      smsProvider: smsProviderFor,
      logger,
      clock: options.clock,
    }),
    ballot: ballots.current,
    smsProvider: smsProviderFor,
    logger,
    clock: options.clock,
  });
  const runner = new UssdRunner<UssdState>({
    store,
    queue,
    deployment,
    ballot: ballots.current,
    flow: ussdFlow,
    voterKeySecret: settings.voterKeySecret,
    gatewayId,
    logger: logger.child({ component: 'ussd' }),
    clock: options.clock,
    proposers: noticeStore,
    // A USSD caller's SMS (followed project updates, the answer to a report) goes through the USSD provider.
    implementation: { store: implementationStore, smsProvider: smsProviderFor(ussdProviders()[0]?.provider) },
  });
  const implementation = new ImplementationUpdates({
    store,
    implementation: implementationStore,
    sms,
    queue,
    outbound,
    ballot: ballots.current,
    smsProvider: smsProviderFor,
    logger,
    clock: options.clock,
  });
  const inbox = new SmsInbox({
    store,
    sms,
    queue,
    outbound,
    deployment,
    ballot: ballots.current,
    flow: smsFlow,
    voterKeySecret: settings.voterKeySecret,
    gatewayId,
    logger,
    clock: options.clock,
    ledger: ledgerLink,
    implementation: implementationStore,
    proposers: noticeStore,
  });
  const fieldStore = new FieldStore(db);
  const captureDeps = {
    store,
    field: fieldStore,
    queue,
    deployment,
    ballot: ballots.current,
    voterKeySecret: settings.voterKeySecret,
    gatewayId,
    logger,
    clock: options.clock,
  };
  // Paper ballot entries and tally sheets come over the same officer URLs as field votes.
  const field = withPaper(
    new FieldCapture({ ...captureDeps, sms: { store: sms, outbound }, proposers: noticeStore }),
    new PaperCapture({ ...captureDeps, paper: new PaperStore(db) }),
  );
  const ledgerMount = express.Router();
  const probe = new WriteProbe(db);
  const app = createApp(
    adapters,
    {
      deployment,
      logger,
      callbackToken: settings.callbackToken,
      replyDeadlineMs: settings.replyDeadlineMs,
      ussd: { hop: (req) => runner.hop(req), languageOf: (id) => runner.languageOf(id) },
      sms: {
        receive: (m) => inbox.receive(m),
        report: async (provider, pid, state, error) => {
          await queue.run(() => sms.report(provider, pid, state, error, new Date().toISOString()));
        },
      },
      voice: {
        callback: (req) => voice.callback(req),
        silence: (provider, id, count) => voice.silence(provider, id, count),
        finish: (provider, id, end) => voice.finish(provider, id, end),
        apology: (provider, id, hop) => voice.apology(provider, id, hop),
      },
      // A clip missing on disk (not rendered yet, a recording removed) is said by the provider, never silence.
      prompts: new PromptLibrary({ dir: settings.promptsDir, defaultLanguage: defaultLanguage(deployment), texts: (lang) => allClipTexts(deployment, lang) }),
      publicUrl: settings.publicUrl,
      credentials: settings.providers,
      field,
    },
    { gatewayId, storeProblem: () => probe.problem((options.clock ?? (() => new Date()))()), trustProxy: settings.trustProxy },
    [
      ledgerMount,
      simulatorRouter({ sms, callbackToken: settings.callbackToken, providers: Object.keys(perSecond), clock: options.clock }),
      promptsRouter({ dir: settings.promptsDir, languages: deployment.languages.map((l) => l.code) }),
      fieldAppRouter({ dir: options.fieldAppDir ?? builtFieldAppDir() }),
    ],
  );
  return {
    app,
    db,
    store,
    queue,
    gatewayId,
    sms,
    outbound,
    dispatcher,
    deployment,
    outbox,
    ballots,
    identity,
    ledgerMount,
    ledgerLink,
    privacy,
    implementation,
    notices,
  };
}

/** Senders for the providers both configured in the deployment and given credentials; each adapter says which it brings. */
function smsSenders(settings: Settings, d: Deployment) {
  const senders: Partial<Record<string, SmsSender>> = {};
  const perSecond: Record<string, number> = {};
  for (const adapter of adapters) {
    const sending = adapter.smsSending?.(settings, d);
    if (!sending) continue;
    perSecond[adapter.folder] = sending.perSecond;
    if (sending.sender) senders[adapter.folder] = sending.sender;
  }
  return { senders, perSecond };
}

/** Assembles the gateway and listens. Throws ConfigError on a bad config before opening a port. */
export async function startGateway(settings: Settings, logger: Logger, options: { embeddedLedger?: EmbeddedLedgerOptions } = {}): Promise<Gateway> {
  // Before anything else: a second gateway on the same file is refused, not started beside the first.
  const instance = lockInstance(settings.dbFile);
  // No ledger named: this process is the whole deployment, with its own ledger in a thread beside
  // the gateway, launched first so it starts up while the gateway assembles.
  const launched = settings.ledgerUrl ? undefined : EmbeddedLedger.launch(settings, logger, options.embeddedLedger);
  try {
    const gateway = await startWith(launched, settings, logger);
    const close = gateway.close;
    return { ...gateway, close: () => close().finally(() => instance.release()) };
  } catch (err) {
    await launched?.close();
    instance.release();
    throw err;
  }
}

async function startWith(launched: EmbeddedLedger | undefined, settings: Settings, logger: Logger): Promise<Gateway> {
  const gw = assembleGateway(settings, logger);
  const { app, db, queue, gatewayId, outbound, identity } = gw;
  const ledger = await launched?.start({ gatewayId, publicKey: identity.publicKey });
  if (ledger) gw.ledgerMount.use(ledger.router());
  // Returns at once even with Redis down: outbound SMS wait in SQLite until it is back.
  await outbound.start();
  let draining = false;
  // Once shutdown begins, a request on a kept-alive socket is refused, not taken: the provider
  // retries elsewhere. The embedded ledger's API stays open so this gateway's last round can finish.
  const server = createServer((req, res) => {
    if (draining && !req.url?.startsWith('/v1/')) {
      res.writeHead(503, { 'content-type': 'text/plain', 'x-content-type-options': 'nosniff', connection: 'close' }).end('Shutting down');
      return;
    }
    app(req, res);
  });
  const port = await listen(server, settings.port, settings.host, 'PORT');
  server.keepAliveTimeout = 65_000; // longer than typical provider and proxy idle timeouts
  const url = `http://${settings.host}:${port}`;
  const embeddedKey = ledger?.publicKey;
  const trustInputs = { embeddedKey, envKey: settings.ledgerKey };
  const sync = syncScheduler(settings, gw, settings.ledgerUrl ?? url, trustInputs, logger, ledger);
  // For `sauti sync status` in a shell without this process's environment.
  const trust = ledgerTrust(gw.outbox, trustInputs);
  recordSyncTarget(gw.outbox, {
    ledger: settings.ledgerUrl ?? 'embedded',
    embeddedUrl: ledger ? `${url}/v1` : undefined,
    trust: trust.ok ? `${trust.text} (${TRUST_SOURCES[trust.source]})` : `NONE: ${trust.problem}`,
    envKey: settings.ledgerKey,
    startedAt: new Date().toISOString(),
  });
  await sync.start();
  // On the embedded ledger's thread when there is one; else on a thread of its own.
  const checkpointer = await WalCheckpointer.start(db, logger, { thread: ledger });
  gw.privacy.start(PRIVACY_SWEEP_MS);
  logger.info({ component: 'gateway', gatewayId, listen: url, ledger: ledger ? 'embedded' : 'remote' }, 'gateway listening');
  return {
    url,
    gatewayId,
    server,
    embeddedLedger: ledger,
    checkpointer,
    /** Stops taking work first, then winds down; every wait is bounded, so Redis or a slow ledger cannot hold it. */
    async close() {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const stopping = Promise.all([settledWithin(sync.stop(), STOP_GRACE_MS), settledWithin(outbound.stop(), STOP_GRACE_MS)]);
      await settledWithin(closed, 2000); // requests already being answered finish
      server.closeAllConnections();
      await stopping;
      // Let queued commits finish before the file closes.
      while (queue.size > 0) await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      await checkpointer.stop();
      // A last sweep: what expired meanwhile goes, and the WAL is left empty on the disk.
      await gw.privacy.stop();
      await settledWithin(gw.privacy.sweep(), STOP_GRACE_MS);
      while (queue.size > 0) await new Promise((r) => setImmediate(r));
      db.close();
      await ledger?.close();
    },
  };
}

/**
 * The push and the standing check of each round on the embedded ledger's thread, which opens the
 * gateway's file itself (sync/thread-relay.ts): they cost the residents' thread nothing. While the
 * thread is down, the relay here runs them and meets the proxy's 503.
 */
function pushOnThread(ledger: EmbeddedLedger, relay: Relay): PushSide {
  return {
    pushAll: () => ledger.sync('push') ?? relay.pushAll(),
    refreshStandings: () => ledger.sync('standings') ?? relay.refreshStandings(),
  };
}

/** Longest the sync scheduler or the outbound queue may take to stop. */
const STOP_GRACE_MS = 4000;

/** The sync round on BullMQ when Redis is configured, otherwise on the embedded timer. */
function syncScheduler(
  settings: Settings,
  gw: AssembledGateway,
  ledgerUrl: string,
  trustInputs: TrustInputs,
  logger: Logger,
  ledger: EmbeddedLedger | undefined,
) {
  const trust = () => ledgerTrust(gw.outbox, trustInputs);
  const now = trust();
  if (!now.ok) logger.warn({ component: 'sync', ledger: ledgerUrl }, now.problem);
  const relay = new Relay({
    outbox: gw.outbox,
    identity: gw.identity,
    ledgerUrl,
    batchSize: gw.deployment.sync.batchSize,
    maxAttachmentBytes: gw.deployment.sync.maxAttachmentBytes,
    logger,
    trust,
    direct: ledger && (() => ledger.direct()),
  });
  gw.ledgerLink.receipt = (code) => relay.receipt(code);
  ledger?.pushHere({
    dbFile: settings.dbFile,
    gatewayId: gw.identity.gatewayId,
    publicKey: gw.identity.publicKey,
    privateKey: gw.identity.privateKey,
    batchSize: gw.deployment.sync.batchSize,
    maxAttachmentBytes: gw.deployment.sync.maxAttachmentBytes,
  });
  const round = () => syncRound(relay, gw.ballots, logger, gw.implementation, gw.notices, ledger ? pushOnThread(ledger, relay) : relay);
  const intervalMs = gw.deployment.sync.intervalSeconds * 1000;
  return settings.redisUrl
    ? new BullmqSyncScheduler({
        redisUrl: settings.redisUrl,
        prefix: settings.queuePrefix,
        gatewayId: gw.gatewayId,
        intervalMs,
        maxBackoffMs: gw.deployment.sync.maxBackoffSeconds * 1000,
        round,
        reportError: (message) => {
          try {
            gw.outbox.setState({ last_error: message, last_error_at: new Date().toISOString() });
          } catch (err) {
            // Called from a Redis event: a store that cannot write (see /healthz) must not crash the gateway.
            logger.error({ component: 'sync', err: { message: (err as Error).message } }, 'could not record the sync error');
          }
        },
        logger,
      })
    : new EmbeddedSyncScheduler(round, intervalMs, gw.deployment.sync.maxBackoffSeconds * 1000, logger);
}
