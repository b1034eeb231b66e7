// `sauti ledger …`: run the city ledger, register gateways, import bundles, verify the chain,
// rotate the voter secret.
import { closeSync, existsSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Settings } from '../config/env.ts';
import { loadDeployment } from '../config/load.ts';
import { createLogger } from '../logging.ts';
import { damaged, openLedger, openLedgerToRead, scrubSqlite } from '../../ledger/connect.ts';
import { rotateVoterSecret } from '../../ledger/rekey.ts';
import { startRecordingRetention, verifyErasures } from '../../ledger/recording-retention.ts';
import { SautiError } from '../domain/errors.ts';
import { SHA256_HEX } from '../domain/protocol.ts';
import { Ledger } from '../../ledger/ledger.ts';
import { importBundle } from '../../ledger/bundle-import.ts';
import { verifyChain } from '../../ledger/verify.ts';
import { verifyConsoleTrail } from '../../console/audit.ts';
import { verifyReportTrail } from '../../console/reports.ts';
import { verifyBallotTrail } from '../../console/ballot.ts';
import { surveyCsv } from '../../ledger/survey-export.ts';
import { createLedgerApp } from '../http/ledger-app.ts';
import { listen } from '../http/listen.ts';
import { progressBar } from './progress.ts';

/** `readOnlyVoters`: for commands that never ingest, which then work on a copy of the ledger without its voter secret. */
async function openFromSettings(settings: Settings, logger = createLogger(settings.logLevel), readOnlyVoters = false): Promise<Ledger> {
  const deployment = loadDeployment(settings.configFile);
  return new Ledger(await openLedger(settings.ledgerStorage, { readOnlyVoters }), () => deployment, undefined, logger);
}

/**
 * For commands that only read the ledger (verify, identity): nothing is created, migrated or
 * written (ledger/connect.ts, openLedgerToRead), and the deployment file is read only if asked for.
 * A ledger that cannot be read is said on stderr, naming it; undefined then (exit 1).
 */
async function openToRead(settings: Settings): Promise<Ledger | undefined> {
  try {
    return new Ledger(await openLedgerToRead(settings.ledgerStorage), () => loadDeployment(settings.configFile));
  } catch (err) {
    if (!(err instanceof SautiError)) throw err;
    console.error(`sauti: ${err.message}.`.replace(/\.\.$/, '.'));
    return undefined;
  }
}

const where = (s: Settings) =>
  s.ledgerStorage.kind === 'sqlite' ? s.ledgerStorage.file : `PostgreSQL${s.ledgerStorage.schema ? ` (schema ${s.ledgerStorage.schema})` : ''}`;

export async function serveLedger(settings: Settings): Promise<{ url: string; close: () => Promise<void> }> {
  const logger = createLogger(settings.logLevel);
  const ledger = await openFromSettings(settings, logger);
  const app = createLedgerApp(ledger, logger, { trustProxy: settings.trustProxy, publicRateLimit: settings.publicRateLimit });
  const server = createServer(app);
  const port = await listen(server, settings.ledgerPort, settings.host, 'LEDGER_PORT');
  const stopRetention = startRecordingRetention(() => ledger.eraseRecordings(), logger);
  const url = `http://${settings.host}:${port}`;
  logger.info({ component: 'ledger', listen: url, storage: settings.ledgerStorage.kind }, 'ledger listening');
  console.log(`Sauti ledger listening on ${url} (storing in ${where(settings)})`);
  return {
    url,
    async close() {
      stopRetention();
      await new Promise<void>((r) => server.close(() => r()));
      await ledger.close();
    },
  };
}

export async function addGateway(settings: Settings, gatewayId: string, publicKey: string, opts: { label?: string; replace?: boolean }): Promise<void> {
  const ledger = await openFromSettings(settings);
  try {
    const outcome = await ledger.addGateway(gatewayId, publicKey, opts);
    console.log(
      outcome === 'unchanged'
        ? `Gateway ${gatewayId} was already registered with this key; nothing changed.`
        : `Gateway ${gatewayId} ${outcome === 'added' ? 'registered' : 'key replaced'}: its batches are now accepted.`,
    );
  } finally {
    await ledger.close();
  }
}

export async function verifyLedger(settings: Settings): Promise<boolean> {
  // Verifying a file that is not there must not create an empty ledger and call it intact.
  if (settings.ledgerStorage.kind === 'sqlite' && !existsSync(settings.ledgerStorage.file)) {
    console.error(`No ledger at ${settings.ledgerStorage.file}: nothing to verify (set SAUTI_LEDGER_DB, or DATABASE_URL for PostgreSQL).`);
    return false;
  }
  const ledger = await openToRead(settings);
  if (!ledger) return false;
  const bar = progressBar('verifying');
  try {
    const result = await verifyChain(ledger.conn.db, bar.update);
    bar.stop();
    // The console's accounts, reviews, ballot versions and reports must be what their audit entries in the chain say.
    const console_ = result.ok
      ? ((await verifyConsoleTrail(ledger.conn.db)) ??
        (await verifyBallotTrail(ledger.conn.db)) ??
        (await verifyReportTrail(ledger.conn.db)) ??
        (await verifyErasures(ledger.conn.db)))
      : null;
    if (result.ok && console_) {
      console.error(
        `Ledger chain intact (${result.checked} entries), but the console's records do not match it${console_.seq ? ` (audit entry ${console_.seq})` : ''}: ${console_.problem}.`,
      );
      return false;
    }
    if (result.ok) {
      console.log(
        `Ledger intact: ${result.checked} entries (audit entries and the console's accounts, reviews, ballot versions and residents' reports included; erased recordings checked against their entries), head ${result.head}`,
      );
      return true;
    }
    console.error(
      `Ledger BROKEN at entry ${result.seq}${result.eventId ? ` (event ${result.eventId})` : ''}: ${result.problem}. Entries 1–${result.checked} verify.`,
    );
    return false;
  } catch (err) {
    // A file damaged past its first pages fails only when the check reaches them: said naming it.
    const unreadable = settings.ledgerStorage.kind === 'sqlite' ? damaged(settings.ledgerStorage.file, err) : err;
    if (!(unreadable instanceof SautiError)) throw unreadable;
    bar.stop();
    console.error(`sauti: ${unreadable.message}.`);
    return false;
  } finally {
    bar.stop();
    await ledger.close();
  }
}

export async function importBundleFile(settings: Settings, file: string, ackOut: string | undefined): Promise<void> {
  const out = ackOut ?? `${file.replace(/\.bundle$/, '')}.ack`;
  if (!existsSync(file)) throw new SautiError('sync.unreadable', `${file} cannot be read (no such file): nothing was imported`);
  // The acknowledgement is written under a temporary name beside its place, opened before the
  // import: a place it cannot be written is found before anything is stored.
  const partial = `${out}.partial`;
  let fd: number;
  try {
    fd = openSync(partial, 'w', 0o644);
  } catch (err) {
    throw new SautiError(
      'sync.ack_out',
      `the acknowledgement cannot be written to ${out} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): nothing was imported; choose another place with --ack-out`,
    );
  }
  // What the ledger would log goes into this command's own summary below, not its output as JSON lines.
  const ledger = await openFromSettings(settings, createLogger('silent'));
  const bars = { checking: progressBar('checking'), importing: progressBar('importing') };
  let result: Awaited<ReturnType<typeof importBundle>>;
  try {
    result = await importBundle(ledger, file, (done, total, phase) => {
      if (phase === 'importing') bars.checking.stop();
      bars[phase].update(done, total);
    });
  } catch (err) {
    closeSync(fd);
    rmSync(partial, { force: true });
    throw err;
  } finally {
    bars.checking.stop();
    bars.importing.stop();
    await ledger.close();
  }
  const { ack, file: signed, alreadyImported, gaps, rejectedLines, unlisted } = result;
  try {
    writeSync(fd, signed);
    closeSync(fd);
    renameSync(partial, out);
  } catch (err) {
    rmSync(partial, { force: true });
    throw new SautiError(
      'sync.ack_out',
      `bundle ${ack.bundleId} IS imported (its events are stored), but the acknowledgement could not be written to ${out} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); import the same bundle again with another --ack-out: that changes nothing in the ledger and writes the same acknowledgement`,
    );
  }
  const counts = `${ack.accepted.length} accepted, ${ack.duplicates.length} already in the ledger, ${ack.rejected.length} rejected`;
  console.log(
    alreadyImported
      ? `Already imported on ${ack.importedAt}: nothing changed. Bundle ${ack.bundleId} from ${ack.gatewayId} had ${counts}.`
      : `Bundle ${ack.bundleId} from ${ack.gatewayId}: ${counts}.`,
  );
  ack.rejected.slice(0, 10).forEach((r, i) => {
    const line = rejectedLines[i];
    const what = line != null ? `event line ${line}${r.id ? ` (${r.id})` : ''}` : `${r.id} (seq ${r.seq ?? '?'})`;
    console.log(`  rejected ${what}: ${r.reason}: ${r.detail}`);
  });
  if (ack.rejected.length > 10) console.log(`  … and ${ack.rejected.length - 10} more (all are in the acknowledgement)`);
  const refusedRecordings = (ack.attachments ?? []).filter((a) => a.status === 'refused');
  if (ack.attachments?.length) console.log(`Recordings: ${ack.attachments.length - refusedRecordings.length} stored, ${refusedRecordings.length} refused.`);
  for (const a of refusedRecordings.slice(0, 10)) console.log(`  recording ${a.sha256 || '(no digest)'} refused: ${a.reason}: ${a.detail}`);
  if (gaps.length > 0)
    console.log(
      `Sequence gaps: the ledger has not received ${gaps.map((g) => (g.from === g.to ? `${g.from}` : `${g.from}-${g.to}`)).join(', ')} of ${ack.gatewayId}'s sequence numbers (on the gateway, \`sauti sync export --from-seq ${gaps[0]!.from}\` carries them again if it still has them).`,
    );
  for (const [field, list, n] of [
    ['age band', 'ageBands', unlisted.ageBand],
    ['gender', 'genders', unlisted.gender],
  ] as const)
    if (n > 0)
      console.log(
        `${n} vote(s) counted without their ${field}: the value is not in demographics.${list} of this ledger's deployment file (compare it with the gateway's).`,
      );
  console.log(`Acknowledgement written to ${out}: carry it back and run \`sauti sync import-ack ${out}\` on the gateway.`);
}

/**
 * `sauti ledger erase-recordings`: applies the retention rule now (ledger/recording-retention.ts).
 * Idempotent: run twice, the second erases nothing. False (exit 1) when the rule could not run.
 */
export async function eraseRecordings(settings: Settings): Promise<boolean> {
  const ledger = await openFromSettings(settings);
  try {
    const days = ledger.deployment().ledger.recordingRetentionDays;
    const { erased, entrySeq } = await ledger.eraseRecordings();
    if (entrySeq === null) {
      console.log(`No recording is due: none has a proposal finished (reviewed not feasible, or its cycle's results published) ${days} days ago or more.`);
      return true;
    }
    const by = (why: string) => erased.filter((r) => r.finishedBy === why).length;
    console.log(
      `Erased ${erased.length} recording${erased.length === 1 ? '' : 's'} (${by('not-feasible')} reviewed not feasible, ${by('results-published')} of cycles with published results, ${days} days or more ago); chain entry ${entrySeq} lists their digests.`,
    );
    if (ledger.conn.dialect === 'postgres')
      console.log('PostgreSQL keeps the old row versions until vacuumed: run VACUUM FULL ledger_attachments, and replace backups made before.');
    return true;
  } catch (err) {
    console.error(`The retention rule could not run: ${(err as Error).message}`);
    return false;
  } finally {
    await ledger.close();
  }
}

/**
 * `sauti ledger attachment <sha256> --out FILE`: a spoken idea's recording for the PB team, by the
 * digest its proposal carries. False (exit 1) when the ledger does not hold it.
 */
export async function writeAttachment(settings: Settings, sha256: string, out: string): Promise<boolean> {
  if (!SHA256_HEX.test(sha256.toLowerCase())) {
    console.error('A recording is named by its SHA-256: 64 hex digits (the proposal’s audio.sha256).');
    return false;
  }
  const ledger = await openFromSettings(settings, undefined, true);
  try {
    const found = await ledger.attachment(sha256);
    if (!found) {
      console.error(`The ledger holds no recording ${sha256.toLowerCase()} (not synced yet, or refused: see the ledger's log).`);
      return false;
    }
    if (found.erasedAt) {
      console.error(
        `Recording ${found.sha256} of proposal ${found.eventId} was erased on ${found.erasedAt} by the retention rule (ledger.recordingRetentionDays).`,
      );
      return false;
    }
    writeFileSync(out, found.audio, { mode: 0o600 });
    console.log(`Wrote ${out}: ${found.bytes} bytes, ${found.contentType}, proposal ${found.eventId} from ${found.gatewayId}, received ${found.receivedAt}.`);
    return true;
  } finally {
    await ledger.close();
  }
}

/** `sauti ledger identity`: the public key every gateway of this ledger must trust (`sauti sync trust-ledger`). */
export async function printLedgerIdentity(settings: Settings): Promise<boolean> {
  // A mistyped path, or a shell without the gateway's SAUTI_DB, must not make a new ledger and print its key.
  if (settings.ledgerStorage.kind === 'sqlite' && !existsSync(settings.ledgerStorage.file)) {
    console.error(
      `No ledger database at ${settings.ledgerStorage.file}: start the ledger once first (\`sauti ledger serve\`, or \`sauti start\` for its embedded ledger, which is ledger.db beside SAUTI_DB: give this shell the gateway's SAUTI_DB), or set SAUTI_LEDGER_DB to the ledger's file.`,
    );
    return false;
  }
  const ledger = await openToRead(settings);
  if (!ledger) return false;
  try {
    const { publicKey } = await ledger.identity();
    console.log(`ledger key  ${publicKey}`);
    console.log(
      `\nOn each gateway that syncs with this ledger (the private key never leaves it):\n  sauti sync trust-ledger ${publicKey}\nor set SAUTI_LEDGER_KEY=${publicKey}`,
    );
    return true;
  } finally {
    await ledger.close();
  }
}

export async function printGateways(settings: Settings): Promise<void> {
  const ledger = await openFromSettings(settings);
  try {
    const rows = await ledger.gateways();
    if (rows.length === 0) console.log('No gateways registered. Register one with `sauti ledger add-gateway <id> <public key>`.');
    for (const g of rows) {
      console.log(
        `${g.gatewayId.padEnd(20)} last seen ${g.lastSeenAt ?? 'never'} · backlog ${g.backlog ?? '?'} · skew ${g.clockSkewMs === null ? '?' : `${Math.round(g.clockSkewMs / 1000)} s`} · accepted ${g.accepted} · rejected ${g.rejected} · seq ${g.contiguousSeq}/${g.highestSeq}`,
      );
    }
  } finally {
    await ledger.close();
  }
}

/**
 * `sauti ledger rotate-voter-secret`: re-keys every stored voter key to the next secret in one
 * transaction, then says what the operator must do. False (exit 1) when it refused.
 */
export async function rotateLedgerVoterSecret(settings: Settings): Promise<boolean> {
  if (settings.ledgerStorage.kind === 'sqlite' && !existsSync(settings.ledgerStorage.file)) {
    console.error(`No ledger at ${settings.ledgerStorage.file}: nothing to re-key (set SAUTI_LEDGER_DB, or DATABASE_URL for PostgreSQL).`);
    return false;
  }
  const ledger = await openFromSettings(settings);
  try {
    const r = await rotateVoterSecret(ledger.conn, ledger.now(), settings.ledgerStorage.nextVoterSecret);
    console.log(
      `Re-keyed ${r.entries} entries and ${r.ballots} counted ballots; the chain is re-sealed and entry ${r.entrySeq} (ledger.rekeyed) records it, after head ${r.previousHead}.`,
    );
    if (ledger.conn.dialect === 'sqlite') {
      // Old keys must not stay in free pages or the log; another process reading the file can hold the log back.
      const scrubbed = await scrubSqlite(ledger.conn.db).catch(() => false);
      console.log(
        scrubbed
          ? 'The file is vacuumed and its write-ahead log emptied: the old keys are gone from disk.'
          : `Could not vacuum it fully now (another process has the file open): stop it, then run \`sqlite3 ${where(settings)} VACUUM\` so the old keys leave the disk.`,
      );
    } else {
      console.log(
        'PostgreSQL keeps the old rows until vacuumed: run VACUUM FULL ledger_events, ledger_ballots, ledger_published_ballots; and replace backups and WAL archives made before.',
      );
    }
    if (r.kept) {
      console.log(
        `The ledger keeps its own secret: the new one is in ${ledger.conn.keptSecretFile}. Back it up in place of the old one; a running ledger process on this file picks it up at its next batch.`,
      );
    } else {
      console.log('Now, on every ledger process (and only there):');
      console.log('  1. set SAUTI_LEDGER_VOTER_SECRET to the value of SAUTI_LEDGER_NEXT_VOTER_SECRET;');
      console.log('  2. unset SAUTI_LEDGER_NEXT_VOTER_SECRET;');
      console.log(
        '  3. restart it. A process started with the old secret alone refuses batches until then (gateways retry); one started with both keeps working.',
      );
      console.log('Keep no copy of the old secret: the ledger keeps it sealed under the new one, and needs nothing else.');
      if (ledger.conn.keptSecretFile) console.log(`Then delete ${ledger.conn.keptSecretFile}: the ledger is keyed from the environment now.`);
    }
    return true;
  } catch (err) {
    if (!(err instanceof SautiError)) throw err;
    console.error(`Not re-keyed: ${err.message}`);
    return false;
  } finally {
    await ledger.close();
  }
}

/**
 * `sauti ledger survey-export <survey>`: the survey's answers the ledger accepted, as CSV (one row
 * per form, a column per question; no person, officer, time or gateway), for one ward with --ward.
 * Written to --out, else to stdout. For the PB team; open data only when the survey is public.
 */
export async function exportSurvey(settings: Settings, surveyId: string, opts: { ward?: string; out?: string }): Promise<boolean> {
  const deployment = loadDeployment(settings.configFile);
  const survey = deployment.surveys.find((s) => s.id === surveyId);
  if (!survey) {
    console.error(`No survey '${surveyId}' in the deployment; there are: ${deployment.surveys.map((s) => s.id).join(', ') || 'none'}.`);
    return false;
  }
  if (opts.ward && !deployment.wards.some((w) => w.id === opts.ward)) {
    console.error(`No ward '${opts.ward}': one of ${deployment.wards.map((w) => w.id).join(', ')}.`);
    return false;
  }
  const ledger = await openFromSettings(settings, undefined, true);
  try {
    const { csv, rows } = await surveyCsv(ledger.conn.db, survey, opts.ward);
    if (opts.out) {
      writeFileSync(opts.out, csv);
      console.error(
        `${rows} answered form${rows === 1 ? '' : 's'} of survey ${survey.id}${opts.ward ? ` in ward ${opts.ward}` : ''} written to ${opts.out}${survey.public ? '' : ' (not public: keep it inside the PB team)'}.`,
      );
    } else process.stdout.write(csv);
    return true;
  } finally {
    await ledger.close();
  }
}
