// `sauti sync …` on a gateway: its identity, where sync stands, a round now, and bundles.
import { Notices } from '../engine/notices.ts';
import { BroadcastNotices } from '../engine/broadcast-notices.ts';
import { BroadcastAudience } from '../store/broadcast-audience.ts';
import { NoticeStore } from '../store/notice-store.ts';
import { existsSync } from 'node:fs';
import type { Settings } from '../config/env.ts';
import { loadDeployment } from '../config/load.ts';
import { smsProviders } from '../config/schema.ts';
import { SautiError } from '../domain/errors.ts';
import { createLogger } from '../logging.ts';
import { openDatabase, openGatewayToRead } from '../store/db.ts';
import { GatewayStore } from '../store/gateway-store.ts';
import { BallotCache } from '../../sync/ballot.ts';
import { exportBundle, importAck } from '../../sync/bundle.ts';
import { AttachmentBook, type RecordingCounts } from '../../sync/attachments.ts';
import { gatewayIdentity, gatewayIdOf } from '../../sync/identity.ts';
import { ledgerTrust, TRUST_SOURCES, trustLedger } from '../../sync/ledger-trust.ts';
import { Outbox } from '../../sync/outbox.ts';
import { Relay, type LastResend } from '../../sync/relay.ts';
import { phoneSeal } from '../domain/phone-seal.ts';
import { publicKeyOf } from '../domain/protocol.ts';
import { CommitQueue } from '../store/commit-queue.ts';
import { ImplementationStore } from '../store/implementation-store.ts';
import { SmsStore } from '../store/sms-store.ts';
import { ImplementationUpdates } from '../engine/implementation-updates.ts';
import type { OutboundQueue } from '../engine/sms-outbound.ts';
import { syncRound } from '../../sync/sync-job.ts';
import { recordedSyncTarget, withoutCredentials, type SyncTarget } from '../../sync/target.ts';
import { openLedger } from '../../ledger/connect.ts';
import { Ledger } from '../../ledger/ledger.ts';
import { progressBar } from './progress.ts';

/**
 * Opens the gateway's database, migrated as `sauti start` would. `create`: a fresh data folder
 * gets the database (so a gateway can be registered on the ledger before its first start). An
 * existing file must be a gateway database: anything else is refused, naming it, rather than
 * given the gateway's tables.
 */
function openGateway(settings: Settings, { create = false } = {}) {
  const file = settings.dbFile;
  if (!existsSync(file) && !create) throw noDatabase(file);
  if (existsSync(file)) gatewayFile(settings, { older: true }).close();
  const db = openDatabase(file);
  const store = new GatewayStore(db);
  return { db, store, outbox: new Outbox(db), identity: gatewayIdentity(store, gatewayIdOf(store, settings.gatewayId)) };
}

const noDatabase = (file: string) => new SautiError('cli.no_db', `No gateway database at ${file}. Start the gateway once (npm start) or set SAUTI_DB.`);

/** The gateway's database as it is, for commands that only read it: nothing migrated or written. */
function readGateway(settings: Settings) {
  const db = gatewayFile(settings);
  return { db, store: new GatewayStore(db), outbox: new Outbox(db) };
}

/** The file SAUTI_DB names, opened query-only once it is known to be a gateway database (store/db.ts). */
function gatewayFile(settings: Settings, { older = false } = {}) {
  if (!existsSync(settings.dbFile)) throw noDatabase(settings.dbFile);
  try {
    return openGatewayToRead(settings.dbFile, { older });
  } catch (err) {
    if (err instanceof SautiError) throw new SautiError(err.code, `${err.message}. Set SAUTI_DB to the gateway's database (the file \`sauti start\` uses).`);
    throw err;
  }
}

export function printIdentity(settings: Settings): void {
  // Read as stored once the gateway has them; made (as `sauti start` would) on a fresh data folder.
  const read = existsSync(settings.dbFile) ? readGateway(settings) : undefined;
  const pem = read?.store.meta('gateway_private_key');
  const stored = { gatewayId: settings.gatewayId ?? read?.store.meta('gateway_id'), publicKey: pem && publicKeyOf(pem) };
  read?.db.close();
  const identity =
    stored.gatewayId && stored.publicKey
      ? stored
      : (() => {
          const { db, identity: made } = openGateway(settings, { create: true });
          db.close();
          return made;
        })();
  console.log(`gateway id  ${identity.gatewayId}`);
  console.log(`public key  ${identity.publicKey}`);
  console.log(
    `\nRegister it on the ledger (the private key never leaves this gateway):\n  sauti ledger add-gateway ${identity.gatewayId} ${identity.publicKey}`,
  );
  console.log(
    'Then trust the ledger here with the key `sauti ledger identity` prints there:\n  sauti sync trust-ledger <ledger key>   (or set SAUTI_LEDGER_KEY)',
  );
}

export function printSyncStatus(settings: Settings): void {
  const { db, store, outbox } = readGateway(settings);
  try {
    const st = (k: string) => outbox.state(k) || undefined;
    const skew = st('ledger_clock_skew_ms');
    const gaps = JSON.parse(st('ledger_gaps') ?? '[]') as { from: number; to: number }[];
    const target = recordedSyncTarget(outbox);
    const lines: [string, string][] = [
      ['gateway', settings.gatewayId ?? store.meta('gateway_id') ?? 'none yet (made at the first start, or by sauti sync identity)'],
      ['ledger', ledgerLine(settings, target)],
      ['ledger key', trustLine(settings, outbox, target)],
      ['waiting to sync', String(outbox.pendingCount())],
      ['last push', st('last_push_at') ?? 'never'],
      ['last full sync', st('last_success_at') ?? 'never'],
      ['last error', st('last_error') ? `${st('last_error')} (${st('last_error_at')})` : 'none'],
      ...resendLine(st('last_resend')),
      ['clock skew', skew ? skewLine(Number(skew)) : 'not measured yet'],
      ['ballot version', st('ballot_version') ? `${st('ballot_version')} (downloaded ${st('ballot_at')})` : 'from the local deployment file'],
      ['sequence gaps', gaps.length ? gaps.map((g) => `${g.from}-${g.to}`).join(', ') : 'none'],
      ['rejected events', String(outbox.rejectionCount())],
      ['recordings', recordingLine(new AttachmentBook(db).counts())],
    ];
    for (const [k, v] of lines) console.log(`${k.padEnd(16)} ${v}`);
    for (const r of outbox.rejections(20)) console.log(`  seq ${r.seq} ${r.event_id}: ${r.reason}: ${r.detail}`);
    // Answers and acknowledgement files the gateway would not act on: their events stayed in the outbox.
    console.log(`${'refused answers'.padEnd(16)} ${outbox.refusedAnswerCount() || 'none'}`);
    for (const r of outbox.refusedAnswers().slice(0, 10))
      console.log(`  ${r.at} ${r.source === 'push' ? 'answer to batch' : 'ack file for bundle'} ${r.answerFor}: ${r.problem}`);
  } finally {
    db.close();
  }
}

/** The last `sauti sync resend`, apart from the regular sync: it may have gone to another ledger. */
function resendLine(raw: string | undefined): [string, string][] {
  if (!raw) return [];
  const r = JSON.parse(raw) as LastResend;
  const counts = `${r.accepted} taken, ${r.duplicates} already held, ${r.rejected} refused`;
  return [['last resend', `${r.at} to ${r.to} from seq ${r.fromSeq}: ${r.error ? `stopped (${r.error}) after ${counts}` : counts}`]];
}

/** Spoken ideas' recordings kept here: waiting for the ledger, held by it (erased after the grace period), refused. */
function recordingLine(c: RecordingCounts): string {
  return `${c.waiting} waiting, ${c.stored} held by the ledger (erased here after sync.recordingGraceMinutes), ${c.refused} refused (kept here)`;
}

/**
 * What `sauti sync status` says the gateway syncs to: this shell's SAUTI_LEDGER_URL (what
 * `sync now` would use), else what the last `sauti start` recorded, never a guess.
 */
function ledgerLine(settings: Settings, target: SyncTarget | undefined): string {
  const started = target && (target.ledger === 'embedded' ? `its embedded ledger${target.embeddedUrl ? ` at ${target.embeddedUrl}` : ''}` : target.ledger);
  if (settings.ledgerUrl) {
    const here = withoutCredentials(settings.ledgerUrl);
    return target && target.ledger !== here ? `${here} (SAUTI_LEDGER_URL here; the gateway started ${target.startedAt} syncs to ${started})` : here;
  }
  if (target) return `${started} (as the gateway started ${target.startedAt} recorded; SAUTI_LEDGER_URL is not set in this shell)`;
  return 'unknown: the gateway has not been started on this database; it will sync to its embedded ledger if started without SAUTI_LEDGER_URL';
}

/** What `sauti sync status` says about the trusted ledger key. */
function trustLine(settings: Settings, outbox: Outbox, target: SyncTarget | undefined): string {
  if (!settings.ledgerUrl) {
    if (!target)
      return 'none yet (the embedded ledger is trusted automatically under sauti start; a remote one needs sauti sync trust-ledger or SAUTI_LEDGER_KEY)';
    if (target.ledger === 'embedded') return `${TRUST_SOURCES.embedded} (automatic under sauti start)`;
    // Recorded before the SAUTI_LEDGER_KEY it started with was kept: only what start-up saw is known.
    if (target.envKey === undefined && target.trust.includes(`(${TRUST_SOURCES.environment})`)) return `${target.trust} at start-up`;
    // What the running gateway trusts now: its SAUTI_LEDGER_KEY, or the key stored (`sauti sync trust-ledger` after it started).
    const now = ledgerTrust(outbox, { envKey: target.envKey });
    if (!now.ok) return `NONE: ${now.problem}`;
    return now.source === 'environment' ? `${now.text} (${TRUST_SOURCES.environment}) at start-up` : `${now.text} (${TRUST_SOURCES[now.source]})`;
  }
  const trust = ledgerTrust(outbox, { envKey: settings.ledgerKey });
  if (!trust.ok) return `NONE: ${trust.problem}`;
  return `${trust.text} (${TRUST_SOURCES[trust.source]})`;
}

/** `sauti sync trust-ledger <key>`: the registration step that makes this gateway believe one ledger. */
export function trustLedgerKey(settings: Settings, key: string, opts: { replace: boolean }): void {
  const { db, outbox } = openGateway(settings);
  try {
    const outcome = trustLedger(outbox, key, opts.replace);
    console.log(
      outcome === 'unchanged'
        ? 'This gateway already trusts that ledger key; nothing changed.'
        : `This gateway now ${outcome === 'replaced' ? 'trusts the new' : 'trusts'} ledger key ${key}: only answers signed with it take events out of the outbox.`,
    );
    if (settings.ledgerKey && settings.ledgerKey !== key) console.log('Note: SAUTI_LEDGER_KEY is set to another key; sync stays stopped until they agree.');
    else if (outcome !== 'unchanged') console.log(nextRoundLine(settings));
  } finally {
    db.close();
  }
}

/** When a running gateway acts on a newly trusted key: it reads the key every round (no restart). */
function nextRoundLine(settings: Settings): string {
  const sync = (() => {
    try {
      return loadDeployment(settings.configFile).sync;
    } catch {
      return undefined; // the deployment file is not at hand in this shell: say it without the numbers
    }
  })();
  const every = sync ? ` (${sync.intervalSeconds} s)` : '';
  const most = sync ? ` (${sync.maxBackoffSeconds} s)` : '';
  return `A running gateway uses it from its next sync round, without a restart: within sync.intervalSeconds${every} while it was waiting for a key; if its last rounds failed for another reason (the ledger unreachable, answers signed by another key), after its backoff, at most sync.maxBackoffSeconds${most}. \`sauti sync status\` shows the last push.`;
}

function remoteRelay(settings: Settings, outbox: Outbox, identity: ReturnType<typeof gatewayIdentity>, what: string) {
  if (!settings.ledgerUrl)
    throw new SautiError('cli.no_ledger', `Set SAUTI_LEDGER_URL to the ledger to ${what} (the embedded ledger of \`sauti start\` syncs by itself).`);
  const logger = createLogger(settings.logLevel);
  const deployment = loadDeployment(settings.configFile);
  const trust = () => ledgerTrust(outbox, { envKey: settings.ledgerKey });
  return {
    logger,
    deployment,
    relay: new Relay({
      outbox,
      identity,
      ledgerUrl: settings.ledgerUrl,
      batchSize: deployment.sync.batchSize,
      maxAttachmentBytes: deployment.sync.maxAttachmentBytes,
      logger,
      trust,
    }),
  };
}

/** The measured clock skew in words; under 0.05 s it is none (not "-0.0 s, behind"). */
export function skewLine(ms: number): string {
  const seconds = Math.abs(ms / 1000).toFixed(1);
  if (seconds === '0.0') return '0.0 s (the same clock as the ledger)';
  return `${seconds} s (this gateway ${ms > 0 ? 'ahead of' : 'behind'} the ledger)`;
}

/** `sauti sync resend --from-seq N`: sends every event from N again; the ledger takes any it lost. */
export async function resendFrom(settings: Settings, fromSeq: number): Promise<void> {
  const { db, outbox, identity } = openGateway(settings);
  try {
    const { relay } = remoteRelay(settings, outbox, identity, 'resend to');
    const highest = (db.prepare('SELECT max(seq) FROM events').pluck().get() as number | null) ?? 0;
    if (fromSeq > highest) {
      relay.close();
      console.log(
        highest === 0
          ? 'Nothing to resend: this gateway has no events yet.'
          : `Nothing to resend: this gateway's highest sequence number is ${highest} (--from-seq ${fromSeq} is past it; --from-seq 1 sends everything).`,
      );
      return;
    }
    const r = await relay.resendFrom(fromSeq).finally(() => relay.close());
    console.log(
      `Resent ${r.accepted + r.duplicates + r.rejected} events (seq ${fromSeq}–${highest}, this gateway's highest) in ${r.batches} batches: ${r.accepted} taken by the ledger (it did not have them), ${r.duplicates} it already held, ${r.rejected} refused; ${r.backlog} waiting.`,
    );
  } finally {
    db.close();
  }
}

export async function syncNow(settings: Settings): Promise<void> {
  const { db, store, outbox, identity } = openGateway(settings);
  try {
    const { relay, logger, deployment } = remoteRelay(settings, outbox, identity, 'sync with');
    const ballots = new BallotCache(deployment, outbox);
    // Implementation updates and notices are kept and their SMS queued here; the running gateway's queue sends them.
    const seal = phoneSeal(settings.voterKeySecret);
    const idle: OutboundQueue = { notify: () => undefined, start: async () => undefined, stop: async () => undefined };
    const implementationStore = new ImplementationStore(db, seal);
    // A resident is texted through the provider they came by when the deployment has it, else the first it configures.
    const configured = smsProviders(deployment);
    const smsProvider = (p: string) => configured.find((c) => c === p) ?? configured[0];
    const implementation = new ImplementationUpdates({
      store,
      implementation: implementationStore,
      sms: new SmsStore(db, seal),
      queue: new CommitQueue(db),
      outbound: idle,
      ballot: ballots.current,
      smsProvider,
      logger,
    });
    const noticeSms = new SmsStore(db, seal);
    const noticeQueue = new CommitQueue(db);
    const notices = new Notices({
      store,
      notices: new NoticeStore(db, seal),
      implementation: implementationStore,
      sms: noticeSms,
      queue: noticeQueue,
      outbound: idle,
      gatewayId: identity.gatewayId,
      broadcasts: new BroadcastNotices({
        store,
        audience: new BroadcastAudience(db, seal),
        sms: noticeSms,
        queue: noticeQueue,
        voterKeySecret: settings.voterKeySecret,
        ballot: ballots.current,
        smsProvider,
        logger,
      }),
      ballot: ballots.current,
      smsProvider,
      logger,
    });
    const r = await syncRound(relay, ballots, logger, implementation, notices).finally(() => relay.close());
    console.log(
      `Ballot ${r.ballot}. Pushed ${r.push.batches} batches: ${r.push.accepted} accepted, ${r.push.duplicates} duplicates, ${r.push.rejected} rejected; ${r.push.backlog} waiting.`,
    );
    if (r.implementation?.stored)
      console.log(
        `Implementation updates: ${r.implementation.stored} new, ${r.implementation.queued} SMS queued to followers (the running gateway sends them).`,
      );
    if (r.notices?.stored)
      console.log(`Notices: ${r.notices.stored} new, ${r.notices.queued} SMS queued to proposers and reporters (the running gateway sends them).`);
  } finally {
    db.close();
  }
}

export function exportBundleFile(settings: Settings, out: string, fromSeq?: number, opts: { recordings?: boolean } = {}): void {
  const { db, outbox, identity } = openGateway(settings);
  const bar = progressBar('exporting');
  try {
    const { maxAttachmentBytes } = loadDeployment(settings.configFile).sync;
    // Nothing to carry: say so, and write no file (nor replace one already at --out).
    const events = db
      .prepare('SELECT count(*) FROM events WHERE acked_at IS NULL OR seq >= ?')
      .pluck()
      .get(fromSeq ?? Number.MAX_SAFE_INTEGER) as number;
    const dueRecordings =
      opts.recordings === false ? 0 : new AttachmentBook(db).due(Number.MAX_SAFE_INTEGER, true).filter((r) => r.bytes <= maxAttachmentBytes).length;
    if (events === 0 && dueRecordings === 0) {
      const highest = (db.prepare('SELECT max(seq) FROM events').pluck().get() as number | null) ?? 0;
      console.log(
        fromSeq === undefined
          ? `Nothing to export: no event is waiting for the ledger${highest ? ` (all ${highest} are acknowledged)` : ''} and no recording is due; no file written.${highest ? ' To carry acknowledged events again: sauti sync export --from-seq 1 --out <file>.' : ''}`
          : `Nothing to export: this gateway's highest sequence number is ${highest}, none from ${fromSeq}, and nothing is waiting; no file written.`,
      );
      return;
    }
    const s = exportBundle(outbox, identity, out, bar.update, new Date(), fromSeq, { maxAttachmentBytes, attachments: opts.recordings !== false });
    bar.stop();
    const recordings = s.attachments ? ` and ${s.attachments} recording${s.attachments === 1 ? '' : 's'}` : '';
    console.log(
      `Wrote ${out}: ${s.count} event${s.count === 1 ? '' : 's'} (seq ${s.firstSeq}–${s.lastSeq})${recordings}, ${(s.bytes / 1024).toFixed(0)} KiB, signed by ${identity.gatewayId}.`,
    );
    console.log('They stay in the outbox until the acknowledgement file comes back (sauti sync import-ack).');
  } finally {
    bar.stop();
    db.close();
  }
}

export async function importAckFile(settings: Settings, file: string): Promise<void> {
  const { db, outbox, identity } = openGateway(settings);
  try {
    const embeddedKey = settings.ledgerUrl ? undefined : await embeddedLedgerKey(settings);
    const trust = ledgerTrust(outbox, { envKey: settings.ledgerKey, embeddedKey });
    // No logger: a refused file is the error this command ends with, and recorded for `sauti sync status`.
    const r = importAck(outbox, identity.gatewayId, file, { trust });
    console.log(
      `Acknowledgement for bundle ${r.bundleId}: ${r.acknowledged} events left the outbox, ${r.rejected} newly recorded as rejected; ${outbox.pendingCount()} still waiting.`,
    );
    if (r.recordings.stored + r.recordings.refused > 0)
      console.log(`Recordings: ${r.recordings.stored} held by the ledger, ${r.recordings.refused} refused (kept here; see sauti sync status).`);
  } finally {
    db.close();
  }
}

/** The key of the ledger `sauti start` embeds (no SAUTI_LEDGER_URL), if that ledger exists yet. */
async function embeddedLedgerKey(settings: Settings): Promise<string | undefined> {
  if (settings.ledgerStorage.kind === 'sqlite' && !existsSync(settings.ledgerStorage.file)) return undefined;
  const ledger = new Ledger(await openLedger(settings.ledgerStorage), () => loadDeployment(settings.configFile));
  try {
    return (await ledger.identity()).publicKey;
  } finally {
    await ledger.close();
  }
}
