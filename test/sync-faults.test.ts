// Faults with real processes: the ledger down for the whole capture, a gateway killed with
// SIGKILL in the middle of a push, Redis stopped and restarted under a running gateway.
// Each time, every captured event reaches the ledger exactly once.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/store/db.ts';
import { openLedger } from '../ledger/connect.ts';
import { Ledger } from '../ledger/ledger.ts';
import { rawFixture, testDeployment } from './helpers/deployment.ts';
import { TOKEN, ussdBody } from './helpers/gateway.ts';
import { eventFactory } from './helpers/ledger.ts';
import { freePort, startServer, waitFor } from './helpers/process.ts';
import { requireService } from './helpers/services.ts';
import { tempDir } from './helpers/tmp.ts';

const BIN = resolve(import.meta.dirname, '../bin/sauti.mjs');
// The Redis fault starts and stops a redis-server of its own.
const redisServerProgram = await requireService('redis-server');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** A deployment (the fixture) that syncs every second and retries quickly. */
function setupDir(batchSize: number) {
  const dir = tempDir('sauti-faults-');
  const raw = rawFixture();
  raw.sync = { batchSize, intervalSeconds: 1, maxBackoffSeconds: 2 };
  const config = join(dir, 'deployment.yaml');
  writeFileSync(config, stringify(raw));
  return { dir, config };
}

/** The environment of a gateway syncing with a ledger of its own, whose key it trusts through SAUTI_LEDGER_KEY. */
async function envFor(dir: string, config: string, ledgerPort: number, extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const env = {
    SAUTI_CONFIG: config,
    SAUTI_DB: join(dir, 'gateway.db'),
    SAUTI_LEDGER_DB: join(dir, 'ledger.db'),
    SAUTI_GATEWAY_ID: 'gw-field',
    SAUTI_CALLBACK_TOKEN: TOKEN,
    SAUTI_LEDGER_URL: `http://127.0.0.1:${ledgerPort}`,
    LEDGER_PORT: String(ledgerPort),
    PORT: '0',
    LOG_LEVEL: 'error',
    DATABASE_URL: '',
    REDIS_URL: '',
    ...extra,
  };
  // What `sauti ledger identity` prints, read in this process: a CLI start costs seconds on a busy machine.
  const ledger = new Ledger(await openLedger({ kind: 'sqlite', file: env.SAUTI_LEDGER_DB }), () => testDeployment());
  const { publicKey } = await ledger.identity();
  await ledger.close();
  return { ...env, SAUTI_LEDGER_KEY: publicKey };
}

const cli = (env: Record<string, string>, ...args: string[]) =>
  execFileSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });

async function start(args: string[], env: Record<string, string>) {
  const s = await startServer([BIN, ...args], env);
  children.push(s.child);
  return s;
}

/** Registers the gateway's key with the ledger, as an operator would, from `sauti sync identity`. */
function register(env: Record<string, string>): void {
  const key = cli(env, 'sync', 'identity').match(/public key\s+(\S+)/)![1]!;
  cli(env, 'ledger', 'add-gateway', 'gw-field', key);
}

async function vote(url: string, i: number): Promise<string> {
  const res = await fetch(`${url}/africastalking/ussd/${TOKEN}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: ussdBody({ sessionId: `fault-${i}`, phoneNumber: `+2547120${String(i).padStart(5, '0')}`, text: '1*1*1*3*99*1' }),
  });
  return res.text();
}

const accepted = async (ledgerUrl: string) => {
  const { gateways } = (await (await fetch(`${ledgerUrl}/v1/gateways`)).json()) as { gateways: { accepted: number; duplicates: number }[] };
  return gateways[0];
};

/** What the ledger holds: rows, distinct event ids, distinct gateway sequence numbers. */
function counts(dir: string): { events: number; distinct: number; seqs: number } {
  const db = new Database(join(dir, 'ledger.db'), { readonly: true });
  try {
    return db
      .prepare('SELECT count(*) AS events, count(DISTINCT event_id) AS "distinct", count(DISTINCT gateway_seq) AS seqs FROM ledger_events')
      .get() as never;
  } finally {
    db.close();
  }
}

const pendingOnGateway = (dir: string) => {
  const db = new Database(join(dir, 'gateway.db'), { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM events WHERE acked_at IS NULL').pluck().get() as number;
  } finally {
    db.close();
  }
};

// Real processes start slowly on a busy 2-core machine: a minute each, not the default 20 s.
describe('sync under faults (real processes)', { timeout: 60_000 }, () => {
  it('the ledger down for the whole capture: everything arrives once it is back', async () => {
    const { dir, config } = setupDir(7);
    const port = await freePort();
    const env = await envFor(dir, config, port);
    const gw = await start(['start'], env);
    register(env);
    for (let i = 0; i < 30; i++) expect(await vote(gw.url, i)).toMatch(/^(CON|END) Thank you/);
    await new Promise((r) => setTimeout(r, 1500)); // a few failed rounds
    expect(cli(env, 'sync', 'status')).toMatch(/waiting to sync\s+30[\s\S]*last error\s+the ledger at .* is unreachable/);

    const ledger = await start(['ledger'], env);
    const seen = await waitFor('all 30 events in the ledger', async () => ((await accepted(ledger.url))?.accepted === 30 ? true : undefined));
    expect(seen).toBe(true);
    await waitFor('the gateway outbox to empty', () => (pendingOnGateway(dir) === 0 ? true : undefined));
    expect(counts(dir)).toEqual({ events: 30, distinct: 30, seqs: 30 });
    expect(cli(env, 'ledger', 'verify')).toMatch(/Ledger intact: 30 entries/);
  });

  it('a gateway killed with SIGKILL mid-push loses nothing and duplicates nothing', async () => {
    const { dir, config } = setupDir(50);
    const port = await freePort();
    const env = await envFor(dir, config, port);
    // 3,000 votes captured while offline, already in the gateway's outbox.
    const db = openDatabase(env.SAUTI_DB!);
    const f = eventFactory('gw-field');
    const insert = db.prepare(`INSERT INTO events (id, type, cycle_id, voter_key, channel, gateway_id, captured_at, source_ref, payload)
      VALUES (@id, @type, @cycle_id, @voter_key, @channel, @gateway_id, @captured_at, @source_ref, @payload)`);
    db.transaction(() => {
      for (let i = 0; i < 3000; i++) insert.run(f.vote(`+2547130${String(i).padStart(5, '0')}`, [1, 3], new Date(Date.now() - 3_600_000 + i).toISOString()));
    })();
    db.close();
    const ledger = await start(['ledger'], env);
    const first = await start(['start'], env);
    register(env);
    await waitFor('the push to be under way', async () => {
      const n = (await accepted(ledger.url))?.accepted ?? 0;
      return n >= 200 && n < 3000 ? n : undefined;
    });
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const before = counts(dir).events;
    expect(before).toBeLessThan(3000);

    await start(['start'], env);
    await waitFor('all 3,000 events in the ledger', async () => ((await accepted(ledger.url))?.accepted === 3000 ? true : undefined));
    await waitFor('the gateway outbox to empty', () => (pendingOnGateway(dir) === 0 ? true : undefined));
    expect(counts(dir)).toEqual({ events: 3000, distinct: 3000, seqs: 3000 });
  });

  redisServerProgram.it('Redis stopped and restarted: capture goes on, and sync resumes', async () => {
    const { dir, config } = setupDir(20);
    const [port, redisPort] = [await freePort(), await freePort()];
    const redis = () => {
      const r = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      children.push(r);
      return r;
    };
    let server = redis();
    const env = await envFor(dir, config, port, { REDIS_URL: `redis://127.0.0.1:${redisPort}`, SAUTI_QUEUE_PREFIX: 'faults' });
    const redisUp = () => (execFileSync('redis-cli', ['-p', String(redisPort), 'ping'], { encoding: 'utf8' }).includes('PONG') ? true : undefined);
    await waitFor('redis', redisUp);
    const ledger = await start(['ledger'], env);
    const gw = await start(['start'], env);
    register(env);
    for (let i = 0; i < 5; i++) expect(await vote(gw.url, i)).toMatch(/^(CON|END) Thank you/);
    await waitFor('5 events synced through BullMQ', async () => ((await accepted(ledger.url))?.accepted === 5 ? true : undefined));

    server.kill('SIGKILL');
    await new Promise((r) => server.once('exit', r));
    for (let i = 5; i < 12; i++) expect(await vote(gw.url, i)).toMatch(/^(CON|END) Thank you/);
    expect(pendingOnGateway(dir)).toBe(7);

    server = redis();
    await waitFor('redis again', redisUp);
    await waitFor('all 12 events after Redis came back', async () => ((await accepted(ledger.url))?.accepted === 12 ? true : undefined));
    expect(counts(dir)).toEqual({ events: 12, distinct: 12, seqs: 12 });
  });
});
