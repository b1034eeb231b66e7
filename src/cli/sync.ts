// `sauti sync …` on a gateway: its identity, where sync stands, a round now, and bundles.
import { existsSync } from 'node:fs';
import type { Settings } from '../config/env.ts';
import { loadDeployment } from '../config/load.ts';
import { SautiError } from '../domain/errors.ts';
import { createLogger } from '../logging.ts';
import { openDatabase } from '../store/db.ts';
import { GatewayStore } from '../store/gateway-store.ts';
import { BallotCache } from '../../sync/ballot.ts';
import { exportBundle, importAck } from '../../sync/bundle.ts';
import { gatewayIdentity } from '../../sync/identity.ts';
import { Outbox } from '../../sync/outbox.ts';
import { Relay } from '../../sync/relay.ts';
import { syncRound } from '../../sync/sync-job.ts';
import { progressBar } from './progress.ts';

function openGateway(settings: Settings) {
  if (!existsSync(settings.dbFile)) {
    throw new SautiError('cli.no_db', `No gateway database at ${settings.dbFile}. Start the gateway once (npm start) or set SAUTI_DB.`);
  }
  const db = openDatabase(settings.dbFile);
  const store = new GatewayStore(db);
  const gatewayId = settings.gatewayId ?? store.meta('gateway_id');
  if (!gatewayId) throw new SautiError('cli.no_id', 'This gateway has no id yet: start it once, or set SAUTI_GATEWAY_ID.');
  return { db, store, outbox: new Outbox(db), identity: gatewayIdentity(store, gatewayId) };
}

export function printIdentity(settings: Settings): void {
  const { db, identity } = openGateway(settings);
  db.close();
  console.log(`gateway id  ${identity.gatewayId}`);
  console.log(`public key  ${identity.publicKey}`);
  console.log(`\nRegister it on the ledger (the private key never leaves this gateway):\n  sauti ledger add-gateway ${identity.gatewayId} ${identity.publicKey}`);
}

export function printSyncStatus(settings: Settings): void {
  const { db, outbox, identity } = openGateway(settings);
  try {
    const st = (k: string) => outbox.state(k) || undefined;
    const skew = st('ledger_clock_skew_ms');
    const gaps = JSON.parse(st('ledger_gaps') ?? '[]') as { from: number; to: number }[];
    const lines: [string, string][] = [
      ['gateway', identity.gatewayId],
      ['ledger', settings.ledgerUrl ?? 'embedded (sauti start)'],
      ['waiting to sync', String(outbox.pendingCount())],
      ['last push', st('last_push_at') ?? 'never'],
      ['last full sync', st('last_success_at') ?? 'never'],
      ['last error', st('last_error') ? `${st('last_error')} (${st('last_error_at')})` : 'none'],
      ['clock skew', skew ? `${(Number(skew) / 1000).toFixed(1)} s (this gateway ${Number(skew) >= 0 ? 'ahead of' : 'behind'} the ledger)` : 'not measured yet'],
      ['ballot version', st('ballot_version') ? `${st('ballot_version')} (downloaded ${st('ballot_at')})` : 'from the local deployment file'],
      ['sequence gaps', gaps.length ? gaps.map((g) => `${g.from}-${g.to}`).join(', ') : 'none'],
      ['rejected events', String(outbox.rejectionCount())],
    ];
    for (const [k, v] of lines) console.log(`${k.padEnd(16)} ${v}`);
    for (const r of outbox.rejections(20)) console.log(`  seq ${r.seq} ${r.event_id}: ${r.reason}: ${r.detail}`);
  } finally {
    db.close();
  }
}

export async function syncNow(settings: Settings): Promise<void> {
  if (!settings.ledgerUrl) throw new SautiError('cli.no_ledger', 'Set SAUTI_LEDGER_URL to the ledger to sync with (the embedded ledger of `sauti start` syncs by itself).');
  const { db, outbox, identity } = openGateway(settings);
  const logger = createLogger(settings.logLevel);
  try {
    const deployment = loadDeployment(settings.configFile);
    const relay = new Relay({ outbox, identity, ledgerUrl: settings.ledgerUrl, batchSize: deployment.sync.batchSize, logger });
    const r = await syncRound(relay, new BallotCache(deployment, outbox), logger).finally(() => relay.close());
    console.log(`Ballot ${r.ballot}. Pushed ${r.push.batches} batches: ${r.push.accepted} accepted, ${r.push.duplicates} duplicates, ${r.push.rejected} rejected; ${r.push.backlog} waiting.`);
  } finally {
    db.close();
  }
}

export function exportBundleFile(settings: Settings, out: string): void {
  const { db, outbox, identity } = openGateway(settings);
  const bar = progressBar('exporting');
  try {
    const s = exportBundle(outbox, identity, out, bar.update);
    bar.stop();
    console.log(`Wrote ${out}: ${s.count} event${s.count === 1 ? '' : 's'} (seq ${s.firstSeq}–${s.lastSeq}), ${(s.bytes / 1024).toFixed(0)} KiB, signed by ${identity.gatewayId}.`);
    console.log('They stay in the outbox until the acknowledgement file comes back (sauti sync import-ack).');
  } finally {
    bar.stop();
    db.close();
  }
}

export function importAckFile(settings: Settings, file: string): void {
  const { db, outbox, identity } = openGateway(settings);
  try {
    const r = importAck(outbox, identity.gatewayId, file);
    console.log(`Acknowledgement for bundle ${r.bundleId}: ${r.acknowledged} events left the outbox, ${r.rejected} newly recorded as rejected; ${outbox.pendingCount()} still waiting.`);
  } finally {
    db.close();
  }
}
