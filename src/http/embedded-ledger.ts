// The embedded ledger, seen from the gateway: `sauti start` without SAUTI_LEDGER_URL runs the
// ledger in a worker thread (src/http/ledger-worker.ts), so its ingest, counting and pages never
// hold up a resident's USSD hop or SMS. The gateway forwards /v1, /results and /console to the thread's
// loopback port, naming each client out of band; it restarts a thread that dies, with backoff,
// and answers 503 with Retry-After meanwhile (sync then backs off as for any ledger outage).
// The thread also runs the gateway's WAL checkpoints (src/store/checkpointer.ts), as a thread that
// is there anyway: a thread of their own would cost the process another 10 MB.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { Worker } from 'node:worker_threads';
import express, { type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Settings } from '../config/env.ts';
import { fromGateway, GATEWAY_CLIENT_HEADER, GATEWAY_PROTO_HEADER, GATEWAY_SECRET_HEADER } from './security.ts';
import { workerEntry } from '../worker-entry.ts';
import type { CheckpointTarget } from '../store/checkpoint-loop.ts';
import type { CheckpointThread } from '../store/checkpointer.ts';
import { errorOf, type ThreadRelaySetup, type ThreadSyncFailure, type ThreadSyncResults, type ThreadSyncWork } from '../../sync/thread-relay.ts';
import { SautiError } from '../domain/errors.ts';

/** What the thread is started with (structured-cloned: plain data only). */
export interface LedgerWorkerData {
  settings: Settings;
  /** Shared by the gateway's proxy and the thread only; the thread refuses requests without it. */
  secret: string;
}

/** The gateway the thread registers on its ledger, so the gateway's own batches are accepted. */
export interface EmbeddedGateway {
  gatewayId: string;
  publicKey: string;
}

/** Messages to the thread. */
export type ToLedgerWorker =
  | { type: 'gateway'; gateway: EmbeddedGateway }
  | { type: 'close' }
  | { type: 'hold'; flag: Int32Array }
  | { type: 'checkpoint'; target: CheckpointTarget }
  | { type: 'stop-checkpoints' }
  | { type: 'relay'; setup: ThreadRelaySetup }
  | { type: 'sync'; id: number; work: ThreadSyncWork };
/** Messages from the thread. */
export type FromLedgerWorker =
  | { type: 'ready'; port: number; publicKey: string }
  | { type: 'holding' }
  | { type: 'checkpointing' }
  | { type: 'checkpoint-failed'; message: string }
  | { type: 'checkpoints-stopped' }
  | { type: 'synced'; id: number; result?: unknown; failure?: ThreadSyncFailure };

/**
 * The thread's young generation, in MB. The gateway's start flags give each isolate semi-spaces
 * of up to 4 MB; the thread allocates briskly while it pushes (batches, answers), and the process
 * went past 200 MB under saturated BullMQ load (docs/benchmarks.md). The thread's pace does not
 * hinge on fewer scavenges.
 */
const LEDGER_YOUNG_GENERATION_MB = 2;

/** Longest the gateway waits for the thread to start or stop the checkpoint loop. */
const CHECKPOINT_ANSWER_MS = 2_000;

/** Waits before restarting a thread that died: the nth restart in a row waits the nth delay. */
const RESTART_DELAYS_MS = [250, 1000, 2000, 5000, 10_000, 30_000];
/** A thread that stayed up this long starts the delays over when it dies. */
const STABLE_MS = 60_000;

/** Headers that belong to one connection, never forwarded; and client-address headers the thread must not see. */
const DROPPED_REQUEST = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'forwarded',
  'x-real-ip',
  GATEWAY_SECRET_HEADER,
  GATEWAY_CLIENT_HEADER,
  GATEWAY_PROTO_HEADER,
];
const DROPPED_RESPONSE = ['connection', 'keep-alive', 'transfer-encoding', 'trailer', 'upgrade'];

export interface EmbeddedLedgerOptions {
  /** Test seam: the delays between restarts. */
  restartDelaysMs?: readonly number[];
}

/** The ledger thread of one gateway, and the proxy that reaches it. */
export class EmbeddedLedger implements CheckpointThread {
  private worker: Worker | undefined;
  /** The gateway's WAL the thread checkpoints (sent again to a restarted thread), and who hears it stop. */
  private checkpoints: { target: CheckpointTarget; onFailure: (message: string) => void } | undefined;
  private port: number | undefined;
  private readyAt = 0;
  private failures = 0;
  /** Set once the first thread was ready: only then is a dead thread restarted (a first start that fails fails start-up). */
  private started = false;
  private closing = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly secret = randomBytes(32).toString('base64url');
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  private readonly delays: readonly number[];
  private gateway: EmbeddedGateway | undefined;
  /** The gateway's push, run on the thread (sent again to a restarted thread). */
  private relaySetup: ThreadRelaySetup | undefined;
  private syncIds = 0;
  private readonly firstStart: Promise<string>;
  /** The ledger's public key, as its thread first reported it. */
  publicKey = '';

  private constructor(
    private readonly settings: Settings,
    private readonly logger: Logger,
    options: EmbeddedLedgerOptions,
  ) {
    this.delays = options.restartDelaysMs ?? RESTART_DELAYS_MS;
    this.firstStart = this.spawn();
    this.firstStart.catch(() => undefined); // surfaced by start()
  }

  /**
   * Starts the thread at once, so it loads its code and opens its ledger while the gateway
   * assembles itself on this thread (`sauti start` is ready sooner on two cores). It serves
   * nothing until `start` names the gateway.
   */
  static launch(settings: Settings, logger: Logger, options: EmbeddedLedgerOptions = {}): EmbeddedLedger {
    return new EmbeddedLedger(settings, logger.child({ component: 'ledger' }), options);
  }

  /** Registers the gateway and waits until the ledger serves; a ledger that cannot open fails start-up. */
  async start(gateway: EmbeddedGateway): Promise<this> {
    this.gateway = gateway;
    this.worker?.postMessage({ type: 'gateway', gateway } satisfies ToLedgerWorker);
    this.publicKey = await this.firstStart;
    this.started = true;
    return this;
  }

  /** Whether requests reach a running ledger now. */
  get up(): boolean {
    return this.port !== undefined;
  }

  private spawn(): Promise<string> {
    const { entry, runner } = workerEntry(import.meta.url, './ledger-worker.ts', 'ledger-worker');
    // Only the young generation is capped (LEDGER_YOUNG_GENERATION_MB): the node flags of `npm start`
    // size the rest (docs/benchmarks.md), and an old-generation cap would end the thread while it
    // counts a large cycle.
    const worker = new Worker(runner, {
      workerData: { settings: this.settings, secret: this.secret, entry: entry.href },
      resourceLimits: { maxYoungGenerationSizeMb: LEDGER_YOUNG_GENERATION_MB },
    });
    this.worker = worker;
    // Known from the second thread on: queued until the thread listens for it.
    if (this.gateway) worker.postMessage({ type: 'gateway', gateway: this.gateway } satisfies ToLedgerWorker);
    if (this.checkpoints) worker.postMessage({ type: 'checkpoint', target: this.checkpoints.target } satisfies ToLedgerWorker);
    if (this.relaySetup) worker.postMessage({ type: 'relay', setup: this.relaySetup } satisfies ToLedgerWorker);
    worker.on('message', (m: FromLedgerWorker) => {
      if (m.type === 'checkpoint-failed' && worker === this.worker) this.checkpoints?.onFailure(m.message);
    });
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: FromLedgerWorker) => {
        if (m.type !== 'ready') return;
        ready = true;
        this.port = m.port;
        this.readyAt = Date.now();
        resolve(m.publicKey);
      });
      worker.on('error', (err) => {
        this.logger.error({ err: { message: err.message } }, ready ? 'the embedded ledger failed' : 'the embedded ledger could not start');
        if (!ready) reject(err);
      });
      worker.on('exit', (code) => {
        if (this.worker === worker) {
          this.worker = undefined;
          this.port = undefined;
        }
        if (!ready) reject(new Error(`the embedded ledger's thread exited (${code}) before it was ready`));
        if (this.closing || !this.started) return;
        if (Date.now() - this.readyAt > STABLE_MS) this.failures = 0;
        const delay = this.delays[Math.min(this.failures, this.delays.length - 1)]!;
        this.failures += 1;
        this.logger.error({ exitCode: code, restartInMs: delay }, 'the embedded ledger stopped; its routes answer 503 until it is back');
        this.restartTimer = setTimeout(() => {
          if (this.closing) return;
          this.spawn().then(
            () => this.logger.info({}, 'embedded ledger restarted'),
            () => undefined, // its exit schedules the next try
          );
        }, delay);
      });
    });
  }

  /**
   * The thread's own address and the headers its proxy would add, for this gateway's sync: its
   * batches then cost this thread no proxying (parsing, routing, piping both ways). Undefined
   * while the thread is down: requests then go through the proxy, which answers 503.
   */
  direct(): { url: string; headers: Record<string, string> } | undefined {
    const port = this.port;
    if (port === undefined) return undefined;
    return {
      url: `http://127.0.0.1:${port}`,
      headers: fromGateway(this.secret, '127.0.0.1', 'http'),
    };
  }

  /** Hands the thread what it needs to run this gateway's push and standing check (sync/thread-relay.ts). */
  pushHere(setup: ThreadRelaySetup): void {
    this.relaySetup = setup;
    this.worker?.postMessage({ type: 'relay', setup } satisfies ToLedgerWorker);
  }

  /**
   * Runs a round's push or standing check on the thread; rejects as the relay would have (a
   * SautiError), and with a retryable one if the thread ends first. Undefined when the thread is
   * not serving or was not handed the push: the caller runs it itself.
   */
  sync<W extends ThreadSyncWork>(work: W): Promise<ThreadSyncResults[W]> | undefined {
    const worker = this.worker;
    if (!worker || this.port === undefined || !this.relaySetup) return undefined;
    const id = ++this.syncIds;
    return new Promise((resolve, reject) => {
      const seen = (m: FromLedgerWorker) => {
        if (m.type !== 'synced' || m.id !== id) return;
        worker.off('message', seen);
        worker.off('exit', gone);
        if (m.failure) reject(errorOf(m.failure));
        else resolve(m.result as ThreadSyncResults[W]);
      };
      const gone = () => {
        worker.off('message', seen);
        reject(new SautiError('sync.unreachable', 'the embedded ledger stopped during the sync round', { retryable: true }));
      };
      worker.on('message', seen);
      worker.once('exit', gone);
      worker.postMessage({ type: 'sync', id, work } satisfies ToLedgerWorker);
    });
  }

  /** Express middleware forwarding /v1, /results and /console to the thread. */
  router(): express.Router {
    const router = express.Router();
    const forward = (req: Request, res: Response) => this.forward(req, res);
    router.use('/v1', forward);
    router.use('/results', forward);
    router.use('/console', forward);
    return router;
  }

  private forward(req: Request, res: Response): void {
    const port = this.port;
    if (port === undefined) return unavailable(req, res);
    const headers: http.OutgoingHttpHeaders = { ...req.headers };
    for (const h of DROPPED_REQUEST) delete headers[h];
    // The client as this gateway resolved it (SAUTI_TRUST_PROXY): the thread's rate limits count per client.
    Object.assign(headers, fromGateway(this.secret, req.ip ?? req.socket.remoteAddress ?? '', req.protocol));
    const upstream = http.request({ host: '127.0.0.1', port, method: req.method, path: req.originalUrl, headers, agent: this.agent });
    let received = false;
    upstream.on('response', (answer) => {
      const out: http.OutgoingHttpHeaders = { ...answer.headers };
      for (const h of DROPPED_RESPONSE) delete out[h];
      // The ledger refused before reading the body (too large, unknown gateway): stop sending it,
      // and close the client's connection after the answer rather than read the rest.
      if (answer.headers.connection === 'close' && !req.complete) {
        out.connection = 'close';
        req.unpipe(upstream);
      }
      answer.on('end', () => (received = true));
      res.writeHead(answer.statusCode ?? 502, out);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) unavailable(req, res);
      else if (!received) res.destroy(); // the thread died mid-answer
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }

  /** Ends the thread as a crash would (it is restarted after the first delay); for tests. */
  async kill(): Promise<void> {
    this.port = undefined;
    await this.worker?.terminate();
  }

  /**
   * Blocks the ledger's thread outright (Atomics.wait) until the returned function is called;
   * resolves once it is blocked. For tests: the gateway must keep answering meanwhile.
   */
  async hold(): Promise<() => void> {
    const worker = this.worker;
    if (!worker) throw new Error('the embedded ledger is not running');
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const holding = new Promise<void>((resolve) => {
      const seen = (m: FromLedgerWorker) => {
        if (m.type !== 'holding') return;
        worker.off('message', seen);
        resolve();
      };
      worker.on('message', seen);
    });
    worker.postMessage({ type: 'hold', flag } satisfies ToLedgerWorker);
    await holding;
    return () => {
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    };
  }

  /** Runs the gateway's checkpoint loop on this thread (CheckpointThread), and again on each restarted thread. */
  async startCheckpoints(target: CheckpointTarget, onFailure: (message: string) => void): Promise<boolean> {
    const worker = this.worker;
    if (!worker) return false;
    this.checkpoints = { target, onFailure };
    const answer = this.answer(worker, ['checkpointing', 'checkpoint-failed']);
    worker.postMessage({ type: 'checkpoint', target } satisfies ToLedgerWorker);
    const m = await answer;
    if (m?.type === 'checkpointing') return true;
    this.checkpoints = undefined;
    return false;
  }

  async stopCheckpoints(): Promise<void> {
    this.checkpoints = undefined;
    const worker = this.worker;
    if (!worker) return;
    const answer = this.answer(worker, ['checkpoints-stopped']);
    worker.postMessage({ type: 'stop-checkpoints' } satisfies ToLedgerWorker);
    await answer;
  }

  /** The thread's next message of one of `types`; undefined if none comes in time or the thread ends. */
  private answer(worker: Worker, types: FromLedgerWorker['type'][]): Promise<FromLedgerWorker | undefined> {
    return new Promise((resolve) => {
      const done = (m: FromLedgerWorker | undefined) => {
        clearTimeout(timer);
        worker.off('message', seen);
        worker.off('exit', gone);
        resolve(m);
      };
      const seen = (m: FromLedgerWorker) => types.includes(m.type) && done(m);
      const gone = () => done(undefined);
      const timer = setTimeout(gone, CHECKPOINT_ANSWER_MS);
      worker.on('message', seen);
      worker.once('exit', gone);
    });
  }

  /** Lets the thread close its ledger (bounded), then ends it; a thread not yet serving is ended at once. */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.restartTimer);
    const serving = this.port !== undefined;
    this.port = undefined;
    this.agent.destroy();
    const worker = this.worker;
    if (!worker) return;
    if (!serving) {
      await worker.terminate();
      return;
    }
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'close' } satisfies ToLedgerWorker);
    const timer = setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
}

/** Longest the thread may take to close its ledger before it is ended. */
const CLOSE_GRACE_MS = 3000;

/** 503 with Retry-After, in the ledger's own error format: `{ error, message }` under /v1, text for pages. */
function unavailable(req: Request, res: Response): void {
  const message = 'the ledger is restarting; try again after the time in Retry-After';
  res.status(503).set('Retry-After', '5');
  if (req.originalUrl.startsWith('/v1')) res.json({ error: 'unavailable', message });
  else res.type('text/plain; charset=utf-8').send('The results are not available just now. Please try again in a few seconds.\n');
}
