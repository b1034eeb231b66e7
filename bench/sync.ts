// `npm run bench:sync`: 1,000,000 events from a gateway's SQLite outbox into the ledger, once
// into SQLite and once into PostgreSQL. The gateway side (relay: read, gzip, sign, send, record
// acknowledgements) runs here; the ledger runs as its own process (`sauti ledger`), so each
// side's peak RSS is its own. Prints events/s and both peaks.
//   EVENTS=200000 BATCH=10000 TARGETS=sqlite,postgres npm run bench:sync
// A city's ledger as several processes on one PostgreSQL, with several gateways pushing at once
// (the events split between them; gateway k sends to process k mod N, as a proxy would spread them):
//   LEDGER_PROCESSES=2 GATEWAYS=4 TARGETS=postgres npm run bench:sync
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
// Several processes are for PostgreSQL: a SQLite file has one writer at a time, so it always gets one.
const PROCESSES = Number(process.env.LEDGER_PROCESSES ?? 1);
const GATEWAYS = Number(process.env.GATEWAYS ?? PROCESSES);
// A batch may queue behind many others when several gateways push at once: a relay that gave up
// after its usual 30 s would resend it, and the run would count duplicates, not throughput.
const LONG_WAIT = 600_000;

/** A gateway database holding `n` votes (some voters vote twice), as the store writes them. */
function seedGateway(file: string, gatewayId: string, n: number): void {
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
      insert.run(
        uuidv7(),
        voter,
        channels[i % 4],
        gatewayId,
        new Date(t0 + i * 50).toISOString(),
        `bench:${i}`,
        JSON.stringify({ wardId: 'north', picks, receipt, replaces: null }),
      );
    }
  })();
  db.close();
}

/**
 * Samples, every 50 ms until stopped, how many of the ledgers' connections are in a transaction and
 * how many of those wait for a lock (another process holds the chain head or the gateway's row):
 * with N processes, waiting near N − 1 means the lock, not the processes, sets the pace.
 */
async function lockWaits(appName: string): Promise<{ stop: () => Promise<{ inTransaction: number; waiting: number }> }> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  let samples = 0;
  let inTransaction = 0;
  let waiting = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await client.query<{ busy: number; waiting: number }>(
        `SELECT count(*) FILTER (WHERE state <> 'idle')::int AS busy, count(*) FILTER (WHERE wait_event_type = 'Lock')::int AS waiting
         FROM pg_stat_activity WHERE application_name = $1`,
        [appName],
      );
      samples += 1;
      inTransaction += rows[0]!.busy;
      waiting += rows[0]!.waiting;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await client.end();
      return { inTransaction: inTransaction / Math.max(1, samples), waiting: waiting / Math.max(1, samples) };
    },
  };
}

async function run(target: string, dir: string): Promise<string> {
  const processes = target === 'postgres' ? PROCESSES : 1;
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const env: Record<string, string> = {
    SAUTI_CONFIG: FIXTURE,
    SAUTI_DB: join(dir, 'unused.db'),
    LEDGER_PORT: '0',
    LOG_LEVEL: 'warn',
    // PGAPPNAME names the ledgers' connections, so `lockWaits` finds them among others on the server.
    // A ledger on PostgreSQL needs its voter secret from the environment (SQLite keeps its own).
    ...(target === 'postgres'
      ? { DATABASE_URL, SAUTI_LEDGER_SCHEMA: schema, PGAPPNAME: schema, SAUTI_LEDGER_VOTER_SECRET: 'bench-ledger-voter-secret-0123456789abcdef' }
      : { SAUTI_LEDGER_DB: join(dir, `ledger-${target}.db`), DATABASE_URL: '' }),
  };
  const gateways = Array.from({ length: GATEWAYS }, (_, k) => {
    const gatewayId = GATEWAYS === 1 ? 'gw-bench' : `gw-bench-${k}`;
    const file = join(dir, `gateway-${target}-${k}.db`);
    seedGateway(file, gatewayId, Math.floor(EVENTS / GATEWAYS) + (k < EVENTS % GATEWAYS ? 1 : 0));
    const db = openDatabase(file);
    const identity = gatewayIdentity(new GatewayStore(db), gatewayId);
    execFileSync(process.execPath, [BIN, 'ledger', 'add-gateway', gatewayId, identity.publicKey], { env: { ...process.env, ...env }, stdio: 'ignore' });
    return { db, outbox: new Outbox(db), identity };
  });
  // The gateways act only on answers signed by this ledger: trust its key, as an operator would.
  const ledgerKey = execFileSync(process.execPath, [BIN, 'ledger', 'identity'], { env: { ...process.env, ...env }, encoding: 'utf8' }).match(
    /ledger key\s+(\S+)/,
  )![1]!;
  // PROFILE=dir writes a CPU profile of the ledger process there.
  const profile = process.env.PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE}`] : [];
  // One after the other: the first migrates the new schema.
  const ledgers: Awaited<ReturnType<typeof startServer>>[] = [];
  try {
    for (let p = 0; p < processes; p++) ledgers.push(await startServer([...profile, BIN, 'ledger'], env));
    const relays = gateways.map(
      (g, k) =>
        new Relay({
          outbox: g.outbox,
          identity: g.identity,
          ledgerUrl: ledgers[k % processes]!.url,
          batchSize: BATCH,
          logger: createLogger('warn'),
          gzipLevel: 1,
          timeoutMs: LONG_WAIT,
          trust: () => ledgerTrust(g.outbox, { envKey: ledgerKey }),
        }),
    );
    const ledgerCpu = () => ledgers.reduce((sum, l) => sum + cpuSeconds(l.child.pid!), 0);
    const ledgerCpu0 = ledgerCpu();
    const gatewayCpu0 = process.cpuUsage();
    const waits = target === 'postgres' ? await lockWaits(schema) : undefined;
    const started = process.hrtime.bigint();
    const summaries = await Promise.all(relays.map((r) => r.pushAll()));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const sampled = await waits?.stop();
    // CPU per event on each side (all ledger processes together): steadier than wall time on a shared machine, and it shows which side limits.
    const ledgerUs = ((ledgerCpu() - ledgerCpu0) / EVENTS) * 1e6;
    const gatewayCpu = process.cpuUsage(gatewayCpu0);
    const gatewayUs = (gatewayCpu.user + gatewayCpu.system) / EVENTS;
    const accepted = summaries.reduce((sum, s) => sum + s.accepted, 0);
    if (accepted !== EVENTS || summaries.some((s) => s.backlog !== 0)) throw new Error(`expected ${EVENTS} accepted, got ${JSON.stringify(summaries)}`);
    const ledgerRss = Math.max(...ledgers.map((l) => peakRssMb(l.child.pid!)));
    const gatewayRss = process.resourceUsage().maxRSS / 1024;
    const busy = sampled ? `${sampled.inTransaction.toFixed(2)} | ${sampled.waiting.toFixed(2)}` : '– | –';
    return `| ${target.padEnd(8)} | ${processes} | ${GATEWAYS} | ${busy} | ${EVENTS.toLocaleString('en')} | ${BATCH} | ${seconds.toFixed(1)} | ${Math.round(EVENTS / seconds).toLocaleString('en')} | ${ledgerUs.toFixed(1)} | ${gatewayUs.toFixed(1)} | ${ledgerRss.toFixed(0)} | ${gatewayRss.toFixed(0)} |`;
  } finally {
    await Promise.all(ledgers.map((l) => stop(l.child)));
    for (const g of gateways) g.db.close();
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
  console.log(
    `bench:sync — ${EVENTS.toLocaleString('en')} events from ${GATEWAYS} gateway(s), batches of ${BATCH}, gzip level 1, ledger in its own process(es)`,
  );
  console.log(
    '| ledger   | processes | gateways | in a transaction | waiting for a lock | events | batch | seconds | events/s | ledger CPU µs/event | gateway CPU µs/event | ledger peak RSS MB | gateway peak RSS MB |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const target of TARGETS) console.log(await run(target, dir));
  console.log('Targets: ≥ 20,000 events/s into SQLite, ≥ 10,000 into PostgreSQL.');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
