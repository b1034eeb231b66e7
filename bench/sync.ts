// `npm run bench:sync`: 1,000,000 events from a gateway's SQLite outbox into the ledger, once
// into SQLite and once into PostgreSQL. The gateway side (relay: read, gzip, sign, send, record
// acknowledgements) runs here; the ledger runs as its own process (`sauti ledger`), so each
// side's peak RSS is its own. Prints events/s and both peaks.
//   EVENTS=200000 BATCH=10000 TARGETS=sqlite,postgres npm run bench:sync
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { bytesFor, RECEIPT_LENGTH, shortCode } from '../src/domain/codes.ts';
import { createLogger } from '../src/logging.ts';
import { openDatabase } from '../src/store/db.ts';
import { GatewayStore } from '../src/store/gateway-store.ts';
import { gatewayIdentity } from '../sync/identity.ts';
import { ledgerTrust } from '../sync/ledger-trust.ts';
import { Outbox } from '../sync/outbox.ts';
import { Relay } from '../sync/relay.ts';
import { FIXTURE } from '../test/helpers/deployment.ts';
import { cpuSeconds, peakRssMb, startServer, stop } from './lib.ts';

const EVENTS = Number(process.env.EVENTS ?? 1_000_000);
// A gateway catching up on a million events sends the largest batches its configuration allows
// (sync.batchSize ≤ 20,000; the default of 500 is for slow links): fewer commits, each writing
// the random-key index pages once for more events. BATCH=10000 gives the earlier figures.
const BATCH = Number(process.env.BATCH ?? 20000);
const TARGETS = (process.env.TARGETS ?? 'sqlite,postgres').split(',');
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const BIN = new URL('../bin/sauti.mjs', import.meta.url).pathname;
const GATEWAY = 'gw-bench';

/** A gateway database holding `n` votes (some voters vote twice), as the store writes them. */
function seedGateway(file: string, n: number): void {
  const db = openDatabase(file);
  const insert = db.prepare(`INSERT INTO events (id, type, cycle_id, voter_key, channel, gateway_id, captured_at, source_ref, payload)
    VALUES (?, 'vote.cast', 'c-open', ?, ?, ?, ?, ?, ?)`);
  const north = [1, 2, 3, 4, 5, 6, 7, 12];
  const channels = ['ussd', 'sms', 'ussd', 'field'];
  const t0 = Date.parse('2026-11-01T06:00:00Z');
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const voter = randomBytes(32).toString('base64url').slice(0, 43);
      const picks = [north[i % 8]!, north[(i + 3) % 8]!];
      const receipt = shortCode(randomBytes(bytesFor(RECEIPT_LENGTH)), RECEIPT_LENGTH); // as residents get them
      insert.run(uuidv7(), voter, channels[i % 4], GATEWAY, new Date(t0 + i * 50).toISOString(), `bench:${i}`, JSON.stringify({ wardId: 'north', picks, receipt, replaces: null }));
    }
  })();
  db.close();
}

async function run(target: string, dir: string): Promise<string> {
  const gwFile = join(dir, `gateway-${target}.db`);
  seedGateway(gwFile, EVENTS);
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const env: Record<string, string> = {
    SAUTI_CONFIG: FIXTURE,
    SAUTI_DB: join(dir, 'unused.db'),
    LEDGER_PORT: '0',
    LOG_LEVEL: 'warn',
    ...(target === 'postgres' ? { DATABASE_URL, SAUTI_LEDGER_SCHEMA: schema } : { SAUTI_LEDGER_DB: join(dir, `ledger-${target}.db`), DATABASE_URL: '' }),
  };
  const db = openDatabase(gwFile);
  const outbox = new Outbox(db);
  const identity = gatewayIdentity(new GatewayStore(db), GATEWAY);
  execFileSync(process.execPath, [BIN, 'ledger', 'add-gateway', GATEWAY, identity.publicKey], { env: { ...process.env, ...env }, stdio: 'ignore' });
  // The gateway acts only on answers signed by this ledger: trust its key, as an operator would.
  const ledgerKey = execFileSync(process.execPath, [BIN, 'ledger', 'identity'], { env: { ...process.env, ...env }, encoding: 'utf8' }).match(/ledger key\s+(\S+)/)![1]!;
  // PROFILE=dir writes a CPU profile of the ledger process there.
  const profile = process.env.PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE}`] : [];
  const { child, url } = await startServer([...profile, BIN, 'ledger'], env);
  try {
    const relay = new Relay({ outbox, identity, ledgerUrl: url, batchSize: BATCH, logger: createLogger('warn'), gzipLevel: 1, trust: () => ledgerTrust(outbox, { envKey: ledgerKey }) });
    const ledgerCpu0 = cpuSeconds(child.pid!);
    const gatewayCpu0 = process.cpuUsage();
    const started = process.hrtime.bigint();
    const summary = await relay.pushAll();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // CPU per event on each side: steadier than wall time on a shared machine, and it shows which side limits.
    const ledgerUs = ((cpuSeconds(child.pid!) - ledgerCpu0) / EVENTS) * 1e6;
    const gatewayCpu = process.cpuUsage(gatewayCpu0);
    const gatewayUs = (gatewayCpu.user + gatewayCpu.system) / EVENTS;
    if (summary.accepted !== EVENTS || summary.backlog !== 0) throw new Error(`expected ${EVENTS} accepted, got ${JSON.stringify(summary)}`);
    const ledgerRss = peakRssMb(child.pid!);
    const gatewayRss = process.resourceUsage().maxRSS / 1024;
    return `| ${target.padEnd(8)} | ${EVENTS.toLocaleString('en')} | ${BATCH} | ${seconds.toFixed(1)} | ${Math.round(EVENTS / seconds).toLocaleString('en')} | ${ledgerUs.toFixed(1)} | ${gatewayUs.toFixed(1)} | ${ledgerRss.toFixed(0)} | ${gatewayRss.toFixed(0)} |`;
  } finally {
    await stop(child);
    db.close();
    if (target === 'postgres') {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), 'sauti-bench-sync-'));
try {
  console.log(`bench:sync — ${EVENTS.toLocaleString('en')} events, batches of ${BATCH}, gzip level 1, ledger in its own process`);
  console.log('| ledger   | events | batch | seconds | events/s | ledger CPU µs/event | gateway CPU µs/event | ledger peak RSS MB | gateway peak RSS MB |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const target of TARGETS) console.log(await run(target, dir));
  console.log('Targets: ≥ 20,000 events/s into SQLite, ≥ 10,000 into PostgreSQL.');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
