// The `sauti` command line.
import { Command } from 'commander';
import { ConfigError } from '../config/errors.ts';
import { describeSettings, loadSettings } from '../config/env.ts';
import { loadDeploymentAndLanguages } from '../http/languages.ts';
import { registerLanguageCommands } from './language.ts';
import { createLogger, humanLogs } from '../logging.ts';
import { startGateway } from '../http/gateway.ts';
import { simulateUssd } from './simulate-ussd.ts';
import { simulateVoice } from './simulate-voice.ts';
import { runBroadcast } from './broadcast.ts';
import { printOutbox } from './outbox.ts';
import { simulateSms } from './simulate-sms.ts';
import { printStats } from './stats.ts';
import { addFieldOfficer, printOfficers, revokeOfficer } from './field.ts';
import { addConsoleUser, printConsoleUsers } from './console.ts';
import { printPaper } from './paper.ts';
import { collectMilestone, ledgerImplementation, type ImplementationOptions } from './implementation.ts';
import {
  addGateway,
  exportSurvey,
  importBundleFile,
  writeAttachment,
  printGateways,
  printLedgerIdentity,
  rotateLedgerVoterSecret,
  serveLedger,
  eraseRecordings,
  verifyLedger,
} from './ledger.ts';
import { exportBundleFile, importAckFile, printIdentity, printSyncStatus, resendFrom, syncNow, trustLedgerKey } from './sync.ts';
import { SautiError } from '../domain/errors.ts';
import { simulators, smsSendingProviders, ussdProviders } from '../../adapters/registry.ts';
import { RULES } from '../../tally/rules.ts';
import { resultsFromFile, resultsFromLedger, type ResultsOptions } from './results.ts';
import { allClipTexts } from '../../voice/prompts/catalogue.ts';
import { missingClipLines, registerVoiceCommands, renderInBackground } from './voice.ts';

// `sauti outbox | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

/**
 * Commands whose log is a service's (JSON lines on stdout, for a log collector): the gateway and
 * the ledger service. Every other command logs for the person at the terminal (src/logging.ts, humanLogs).
 */
const serviceLog = (command: Command) => command.name() === 'start' || (command.name() === 'serve' && command.parent?.name() === 'ledger');

const program = new Command('sauti').description('Participatory budgeting by USSD, SMS, voice and field capture, offline-first').addHelpText(
  'after',
  `\nEnvironment:\n${describeSettings()
    .map((l) => `  ${l}`)
    .join('\n')}`,
);

program.hook('preAction', (_program, command) => {
  if (!serviceLog(command)) humanLogs();
});

program
  .command('start')
  .description('run the gateway (SQLite store, example config unless SAUTI_CONFIG is set)')
  .action(async () => {
    const settings = loadSettings();
    const logger = createLogger(settings.logLevel);
    const gateway = await startGateway(settings, logger);
    const missing = missingClipLines(settings, loadDeploymentAndLanguages(settings.configFile), { renderingNow: settings.renderPrompts });
    for (const line of missing) logger.warn({ component: 'voice' }, line);
    const rendering = missing.length > 0 ? renderInBackground(settings, logger) : undefined;
    console.log(`Sauti gateway ${gateway.gatewayId} is listening on ${gateway.url}`);
    for (const { path } of ussdProviders()) console.log(`USSD callback: ${gateway.url}${path.replace(':token', '<SAUTI_CALLBACK_TOKEN>')}`);
    console.log(
      settings.ledgerUrl
        ? `Syncing with the ledger at ${settings.ledgerUrl}`
        : `Embedded ledger: ${gateway.url}/v1 (${settings.ledgerStorage.kind === 'sqlite' ? settings.ledgerStorage.file : 'PostgreSQL'}); the gateway syncs to it every round`,
    );
    // The simulator dials 127.0.0.1:8080 (or PORT) by default: name this gateway when it is elsewhere.
    const at = gateway.url === 'http://127.0.0.1:8080' ? '' : ` --url ${gateway.url}`;
    console.log(`Try it: npm run sauti -- simulate ussd${at} --phone +254711000001`);
    const stop = async () => {
      // Whatever Redis or the ledger does, the process ends within 10 s: what is unfinished stays
      // in SQLite (outbox, sms_outbound) for the next start.
      setTimeout(() => {
        console.error('sauti: shutdown took too long; exiting (unsent work stays queued in the database)');
        process.exit(1);
      }, SHUTDOWN_LIMIT_MS).unref();
      rendering?.kill();
      const closing = gateway.close();
      console.log('Stopping: no new requests are taken; finishing the ones under way');
      await closing;
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

/** Longest `sauti start` takes to exit after SIGTERM or SIGINT (a supervisor's kill usually follows at 10 s). */
const SHUTDOWN_LIMIT_MS = 9000;

// Help names the providers each command can act as, from the registry: "a or b", the first the default.
const either = (names: string[]) => names.join(' or ');
const providerOption = (names: string[]) => ['--provider <name>', either(names), names[0]] as const;

const simulate = program.command('simulate').description('talk to a running gateway as a provider would');
simulate
  .command('ussd')
  .description(`dial the USSD menu from the terminal, as ${either(simulators('ussd').map((s) => s.title))} would forward it`)
  .requiredOption('--phone <number>', 'caller phone number, e.g. +254711000001')
  .option('--url <url>', 'gateway base URL (default: http://127.0.0.1:$PORT)')
  .option('--service-code <code>', 'USSD code dialled', '*384*123#')
  .option('--inputs <list>', 'answer the screens non-interactively, e.g. "1*1*3*99*1"')
  .option('--session <id>', 'session id (default: a new random one)')
  .action(async (opts: { phone: string; url?: string; serviceCode: string; inputs?: string; session?: string }) => {
    const settings = loadSettings();
    const url = opts.url ?? `http://127.0.0.1:${settings.port}`;
    await simulateUssd({ ...opts, url, token: settings.callbackToken });
  });

simulate
  .command('voice')
  .description(`call the voice menu from the terminal, as ${either(simulators('voice').map((s) => s.title))} would forward the call`)
  .requiredOption('--phone <number>', 'caller phone number, e.g. +254711000001')
  .option(...providerOption(simulators('voice').map((s) => s.provider)))
  .option('--url <url>', 'gateway base URL (default: http://127.0.0.1:$PORT)')
  .option('--inputs <list>', 'keys for each prompt, non-interactively, e.g. "1,1,1,1,9,1" (an empty item is silence)')
  .action(async (opts: { phone: string; provider: string; url?: string; inputs?: string }) => {
    const s = loadSettings();
    await simulateVoice({
      phone: opts.phone,
      provider: opts.provider,
      url: opts.url ?? `http://127.0.0.1:${s.port}`,
      token: s.callbackToken,
      inputs: opts.inputs,
      publicUrl: s.publicUrl,
      ...s.providers,
      texts: (lang) => allClipTexts(loadDeploymentAndLanguages(s.configFile), lang),
    });
  });

simulate
  .command('sms <text>')
  .description('text the running gateway as a provider would deliver it, and show the reply')
  .requiredOption('--phone <number>', 'sender phone number, e.g. +254711000001')
  .option(...providerOption(simulators('sms').map((s) => s.provider)))
  .option('--url <url>', 'gateway base URL (default: http://127.0.0.1:$PORT)')
  .action(async (text: string, opts: { phone: string; provider: string; url?: string }) => {
    const s = loadSettings();
    await simulateSms({
      phone: opts.phone,
      text,
      provider: opts.provider,
      url: opts.url ?? `http://127.0.0.1:${s.port}`,
      token: s.callbackToken,
      publicUrl: s.publicUrl,
      ...s.providers,
    });
  });

program
  .command('outbox')
  .description('outbound SMS with their states, cost and errors')
  .option('--limit <n>', 'how many, newest first', '20')
  .action((opts: { limit: string }) => printOutbox(loadSettings().dbFile, Number(opts.limit) || 20));

program
  .command('broadcast <text>')
  .description('queue one SMS to a list of numbers (numbers that sent STOP are skipped)')
  .requiredOption('--to <file>', 'numbers, one per line, or a CSV with a phone column')
  .requiredOption('--id <name>', 'broadcast id: sending the same id again queues nothing new')
  .option(...providerOption(smsSendingProviders()))
  .option('--dry-run', 'count and price, queue nothing', false)
  .action(async (text: string, opts: { to: string; id: string; provider: string; dryRun: boolean }) => {
    await runBroadcast(loadSettings(), { ...opts, text });
  });

program
  .command('stats')
  .description('counts of votes, proposals, sessions and the pending sync outbox')
  .action(() => printStats(loadSettings().dbFile));

const field = program.command('field').description('field officers with ODK Collect / KoboCollect (OpenRosa)');
field
  .command('add-officer <name>')
  .description('add an officer: prints their server URL and the ODK Collect settings QR code')
  .option('--ward <id>', 'the ward they work in (forms and submissions for that ward only); default: every ward')
  .option('--url <base>', 'the address phones reach this gateway at (default: SAUTI_PUBLIC_URL, else HOST:PORT)')
  .action(async (name: string, opts: { ward?: string; url?: string }) => addFieldOfficer(loadSettings(), name, opts));
field
  .command('officers')
  .description('officers with their ward, last contact and status')
  .action(() => printOfficers(loadSettings()));
field
  .command('paper')
  .description('paper ballots not stored yet: waiting for a second officer, or entries that disagree; ballots and tally sheets stored')
  .action(() => printPaper(loadSettings()));
field
  .command('revoke <id>')
  .description('end an officer’s server URL at once')
  .action((id: string) => revokeOfficer(loadSettings(), id));

const ledger = program.command('ledger').description('the city ledger: SQLite by default, PostgreSQL when DATABASE_URL is set');
ledger
  .command('serve', { isDefault: true })
  .description('run the ledger HTTP service (LEDGER_PORT)')
  .action(async () => {
    const running = await serveLedger(loadSettings());
    const stop = async () => {
      await running.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
ledger
  .command('add-gateway <gatewayId> <publicKey>')
  .description('accept batches signed by this gateway key (`sauti sync identity` on the gateway prints both)')
  .option('--label <text>', 'a name for operators, e.g. the ward office')
  .option('--replace', 'replace the key of an already registered gateway (re-installed)', false)
  // One key in 64 starts with '-' (base64url): it must be read as the key, not refused as an
  // unknown option. Anything else option-like in its place fails the key check with a clear error.
  .allowUnknownOption()
  .action(async (id: string, key: string, opts: { label?: string; replace: boolean }) => addGateway(loadSettings(), id, key, opts));
ledger
  .command('erase-recordings')
  .description(
    'erase spoken ideas’ and reports’ recordings whose proposal or report finished ledger.recordingRetentionDays ago (the ledger also does it hourly)',
  )
  .action(async () => {
    if (!(await eraseRecordings(loadSettings()))) process.exitCode = 1;
  });
ledger
  .command('verify')
  .description('recompute the hash chain and name the first broken link')
  .action(async () => {
    if (!(await verifyLedger(loadSettings()))) process.exitCode = 1;
  });
ledger
  .command('import <bundle>')
  .description('ingest a bundle carried from a gateway, and write its acknowledgement file')
  .option('--ack-out <file>', 'where to write the acknowledgement (default: <bundle>.ack)')
  .action(async (file: string, opts: { ackOut?: string }) => importBundleFile(loadSettings(), file, opts.ackOut));
ledger
  .command('attachment <sha256>')
  .description('write a spoken idea’s or report’s recording, named by the SHA-256 its event carries, to a file')
  .requiredOption('--out <file>', 'file to write (mode 0600: a voice is personal data)')
  .action(async (sha256: string, opts: { out: string }) => {
    if (!(await writeAttachment(loadSettings(), sha256, opts.out))) process.exitCode = 1;
  });
ledger
  .command('identity')
  .description('print this ledger’s public key, which every gateway syncing with it must trust')
  .action(async () => {
    if (!(await printLedgerIdentity(loadSettings()))) process.exitCode = 1;
  });
ledger
  .command('rotate-voter-secret')
  .description(
    're-key every voter key from SAUTI_LEDGER_VOTER_SECRET to SAUTI_LEDGER_NEXT_VOTER_SECRET in one transaction (a SQLite ledger that keeps its own secret makes a new one)',
  )
  .action(async () => {
    if (!(await rotateLedgerVoterSecret(loadSettings()))) process.exitCode = 1;
  });
ledger
  .command('survey-export <survey>')
  .description('a survey’s answers as CSV: one row per form, a column per question, no personal fields')
  .option('--ward <ward>', 'only this ward')
  .option('--out <file>', 'write to this file (default: stdout)')
  .action(async (survey: string, opts: { ward?: string; out?: string }) => {
    if (!(await exportSurvey(loadSettings(), survey, opts))) process.exitCode = 2;
  });
ledger
  .command('implementation <cycle> [code]')
  .description(
    'record an implementation update of a winning project (status, progress, a dated milestone in every language), chained in the ledger; without a code, list the cycle’s updates',
  )
  .option('--status <status>', 'studying, procurement, in-progress, completed or cancelled (default: as last recorded)')
  .option('--progress <percent>', 'whole percentage 0-100 (default: as last recorded; 100 when completed)')
  .option(
    '--milestone <lang=text>',
    'the milestone in one language, e.g. "sw=Uchimbaji umeanza"; repeat for every language of the deployment',
    collectMilestone,
  )
  .option('--date <YYYY-MM-DD>', 'the milestone’s date, not after today (default: today in the deployment’s time zone)')
  .option(
    '--reason <lang=text>',
    'with --status cancelled: why (published), in one language, e.g. "sw=Eneo lilifurika"; repeat for every language of the deployment',
    collectMilestone,
  )
  .action(async (cycle: string, code: string | undefined, opts: ImplementationOptions) => {
    if (!(await ledgerImplementation(loadSettings(), cycle, code, opts))) process.exitCode = 1;
  });
ledger
  .command('gateways')
  .description('registered gateways: last seen, backlog, clock skew, rejected')
  .action(async () => printGateways(loadSettings()));

const consoleCmd = program.command('console').description('accounts of the PB team’s console (served by the ledger at /console)');
consoleCmd
  .command('add-user <name>')
  .description('add a console account (the first admin comes from here); prints a one-time password unless --password-stdin')
  .requiredOption('--role <role>', 'admin, reviewer, coordinator or auditor')
  .option('--password-stdin', 'read the password from standard input (one line, at least 12 characters) instead of making a one-time one', false)
  .action(async (name: string, opts: { role: string; passwordStdin: boolean }) => {
    if (!(await addConsoleUser(loadSettings(), name, opts))) process.exitCode = 1;
  });
consoleCmd
  .command('users')
  .description('console accounts with their roles')
  .action(() => printConsoleUsers(loadSettings()));

const sync = program.command('sync').description('this gateway’s sync with the ledger');
sync
  .command('identity')
  .description('print this gateway’s id and public key')
  .action(() => printIdentity(loadSettings()));
sync
  .command('status')
  .description('backlog, last sync, errors, clock skew, rejected events')
  .action(() => printSyncStatus(loadSettings()));
sync
  .command('now')
  .description('download the ballot and push the outbox once (SAUTI_LEDGER_URL)')
  .action(async () => syncNow(loadSettings()));
sync
  .command('trust-ledger <publicKey>')
  .description('trust the ledger with this key (`sauti ledger identity` prints it): only its signed answers take events out of the outbox')
  .option('--replace', 'trust another key than the one already trusted (the city moved to a new ledger)', false)
  // A key may start with '-' (base64url): read it as the key, as `ledger add-gateway` does.
  .allowUnknownOption()
  .action((key: string, opts: { replace: boolean }) => trustLedgerKey(loadSettings(), key, opts));
sync
  .command('resend')
  .description('send every event from a sequence number again, acknowledged or not; the ledger takes any it lost (SAUTI_LEDGER_URL)')
  .requiredOption('--from-seq <n>', 'first sequence number to send again (1: everything)', seqNumber)
  .action(async (opts: { fromSeq: number }) => resendFrom(loadSettings(), opts.fromSeq));
sync
  .command('export')
  .description('write a signed bundle of every event not yet acknowledged, to carry to the ledger')
  .requiredOption('--out <file>', 'bundle file to write')
  .option('--from-seq <n>', 'also carry every acknowledged event from this sequence number (a resend by file)', seqNumber)
  .option('--without-recordings', 'leave spoken ideas’ recordings out (for a ledger older than attachments, which refuses a bundle carrying them)')
  .action((opts: { out: string; fromSeq?: number; withoutRecordings?: boolean }) =>
    exportBundleFile(loadSettings(), opts.out, opts.fromSeq, { recordings: !opts.withoutRecordings }),
  );
sync
  .command('import-ack <file>')
  .description('apply the acknowledgement file the ledger wrote for a bundle (only if the trusted ledger signed it)')
  .action(async (file: string) => importAckFile(loadSettings(), file));

/** A --from-seq value: a positive whole number, or a clear error naming the option. */
function seqNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
    throw new SautiError('cli.bad_seq', `--from-seq must be a whole number from 1 (got '${value}')`);
  return n;
}

program
  .command('results [cycle]')
  .description('count a cycle from the ledger (provisional until published), or a Pabulib file with --from')
  .option('--from <file.pb>', 'count a Pabulib file with its META rule and compare with its published selection')
  .option('--rule <name>', `count with another rule: ${RULES.join(', ')}`)
  .option('--json', 'machine-readable output', false)
  .option('--publish', 'freeze and publish the cycle’s results (after voting has closed, once every gateway has synced since; once)', false)
  .option('--force', 'with --publish: publish although a gateway has not synced since voting closed or reports a backlog (needs --reason)', false)
  .option('--reason <text>', 'with --force: why, recorded in the ledger chain and shown with the results')
  .option('--export <dir>', 'write results.csv/json, anonymised ballots.csv/json, one .pb per ward and late.csv')
  .option('--lang <code>', 'language of titles in tables and files')
  .action(async (cycle: string | undefined, opts: ResultsOptions) => {
    if (opts.from) {
      if (!resultsFromFile(opts.from, opts)) process.exitCode = 1;
      return;
    }
    await resultsFromLedger(loadSettings(), cycle, opts);
  });

registerVoiceCommands(program, loadSettings);
registerLanguageCommands(program);

program
  .command('check-config [file]')
  .description('validate a deployment file without starting anything')
  .action((file?: string) => {
    const path = file ?? loadSettings().configFile;
    const d = loadDeploymentAndLanguages(path);
    console.log(`${path} is valid: ${d.wards.length} wards, ${d.cycles.length} cycles, ${d.cycles.reduce((n, c) => n + c.projects.length, 0)} projects`);
    for (const l of d.languages) if (l.catalogue) console.log(`language ${l.code} (${l.name}): catalogue ${l.catalogue} is complete and fits`);
    for (const line of missingClipLines(loadSettings(), d)) console.log(line);
  });

try {
  await program.parseAsync();
} catch (err) {
  if (err instanceof SautiError) {
    console.error(`sauti: ${err.message}`);
    process.exit(2);
  }
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error(`sauti: ${(err as Error).message}`);
  process.exit(1);
}
