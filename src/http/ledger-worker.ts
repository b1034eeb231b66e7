// The embedded ledger's thread (`sauti start` without SAUTI_LEDGER_URL): ingest, counting, results
// pages and verification run here, on their own event loop, never on the gateway's. It serves
// the ledger's HTTP routes on a loopback port that only the gateway's proxy may use
// (src/http/embedded-ledger.ts starts it, restarts it, and forwards /v1, /results and /console to it).
import { createServer, type Server } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { loadDeployment } from '../config/load.ts';
import { createLogger } from '../logging.ts';
import { openLedger } from '../../ledger/connect.ts';
import { Ledger } from '../../ledger/ledger.ts';
import { startRecordingRetention } from '../../ledger/recording-retention.ts';
import { startCheckpointLoop } from '../store/checkpoint-loop.ts';
import { failureOf, ThreadRelay, type ThreadRelaySetup, type ThreadSyncWork } from '../../sync/thread-relay.ts';
import { yieldToResidents } from '../worker-entry.ts';
import type { EmbeddedGateway, FromLedgerWorker, LedgerWorkerData, ToLedgerWorker } from './embedded-ledger.ts';
import { createLedgerApp } from './ledger-app.ts';
import { fromGateway } from './security.ts';
import { listen } from './listen.ts';

/**
 * SQLite page cache of the embedded ledger, in MB (a city ledger keeps 64). 2, not 4, since the
 * gateway's push runs on this thread too (docs/benchmarks.md, memory under saturated BullMQ load):
 * a pilot's ingest reads the pages it missed from the OS's cache.
 */
const EMBEDDED_CACHE_MB = 2;

const { settings, secret } = workerData as LedgerWorkerData;
const port = parentPort!;
/** What the thread has opened so far, for a 'close' that may come at any point. */
const opened: {
  server?: Server;
  ledger?: Ledger;
  stopRetention?: () => void;
  stopCheckpoints?: () => void;
  relay?: ThreadRelay;
  /** Set once this thread serves: its port and key, which its gateway's push goes to and trusts. */
  serving?: { port: number; publicKey: string };
} = {};
/** The gateway's push, sent by the gateway (again to a restarted thread); opened on its first round. */
let relaySetup: ThreadRelaySetup | undefined;
const named = new Promise<EmbeddedGateway>((resolve) => {
  port.on('message', (message: ToLedgerWorker) => {
    if (message.type === 'gateway') resolve(message.gateway);
    else if (message.type === 'checkpoint') {
      // The gateway's WAL, checkpointed here rather than on its event loop (src/store/checkpoint-loop.ts).
      opened.stopCheckpoints?.();
      try {
        opened.stopCheckpoints = startCheckpointLoop(message.target, (why) =>
          port.postMessage({ type: 'checkpoint-failed', message: why } satisfies FromLedgerWorker),
        );
        port.postMessage({ type: 'checkpointing' } satisfies FromLedgerWorker);
      } catch (err) {
        opened.stopCheckpoints = undefined;
        port.postMessage({ type: 'checkpoint-failed', message: (err as Error).message } satisfies FromLedgerWorker);
      }
    } else if (message.type === 'stop-checkpoints') {
      opened.stopCheckpoints?.();
      opened.stopCheckpoints = undefined;
      port.postMessage({ type: 'checkpoints-stopped' } satisfies FromLedgerWorker);
    } else if (message.type === 'relay') {
      relaySetup = message.setup;
    } else if (message.type === 'sync') {
      runSync(message.id, message.work);
    } else if (message.type === 'close') {
      opened.relay?.close();
      opened.stopCheckpoints?.();
      opened.stopRetention?.();
      opened.server?.closeAllConnections();
      opened.server?.close();
      void (opened.ledger?.close() ?? Promise.resolve()).finally(() => port.close());
    } else if (message.type === 'hold') {
      // Blocks this thread outright until the gateway sets the flag: tests use it to show that the
      // gateway answers residents while its ledger cannot run at all.
      port.postMessage({ type: 'holding' });
      Atomics.wait(message.flag, 0, 0);
    }
  });
});

const logger = createLogger(settings.logLevel).child({ thread: 'ledger' });

/** Runs a round's push or standing check for the gateway here (sync/thread-relay.ts), and posts back how it went. */
function runSync(id: number, work: ThreadSyncWork): void {
  const done = (m: { result?: unknown; failure?: ReturnType<typeof failureOf> }) => port.postMessage({ type: 'synced', id, ...m } satisfies FromLedgerWorker);
  try {
    const { serving } = opened;
    if (!serving || !relaySetup) throw new Error('the embedded ledger is not serving yet');
    opened.relay ??= new ThreadRelay(relaySetup, serving.publicKey, `http://127.0.0.1:${serving.port}`, fromGateway(secret, '127.0.0.1', 'http'), logger);
    opened.relay.run(work).then(
      (result) => done({ result }),
      (err: unknown) => done({ failure: failureOf(err) }),
    );
  } catch (err) {
    done({ failure: failureOf(err) });
  }
}

// Residents first: this thread ingests what it is sent when the one that answers them is idle
// (docs/benchmarks.md, bench:sms's p99).
const unyielding = yieldToResidents();
if (unyielding) logger.debug({ err: { message: unyielding.message } }, 'the ledger thread keeps the gateway’s priority');
const deployment = loadDeployment(settings.configFile);
// One gateway's pilot, in the gateway's own process: a bounded page cache keeps the process's
// memory from growing with the ledger's size; ingest at a pilot's pace does not need more.
const storage = settings.ledgerStorage.kind === 'sqlite' ? { ...settings.ledgerStorage, cacheMb: EMBEDDED_CACHE_MB } : settings.ledgerStorage;
const ledger = new Ledger(await openLedger(storage), () => deployment, undefined, logger);
opened.ledger = ledger;
// Opened while the gateway assembles itself; served once the gateway has named itself.
const gateway = await named;
await ledger.addGateway(gateway.gatewayId, gateway.publicKey, { replace: true, label: 'embedded' });
const server = createServer(createLedgerApp(ledger, logger, { publicRateLimit: settings.publicRateLimit, gatewaySecret: secret }));
opened.server = server;
server.keepAliveTimeout = 65_000; // the gateway's proxy keeps its connections here open
const bound = await listen(server, 0, '127.0.0.1', 'PORT');
// Recordings of finished proposals are erased on a timer (ledger.recordingRetentionDays).
opened.stopRetention = startRecordingRetention(() => ledger.eraseRecordings(), logger);
logger.info({ component: 'ledger', storage: settings.ledgerStorage.kind }, 'embedded ledger ready');
opened.serving = { port: bound, publicKey: (await ledger.identity()).publicKey };
port.postMessage({ type: 'ready', port: bound, publicKey: opened.serving.publicKey });
