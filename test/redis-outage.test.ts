// Redis is never a single point of failure at the edge (issue 13 §5). A real redis-server on a
// spare port, started and stopped inside each test: with it down at start-up the gateway opens its
// port and takes votes by USSD and SMS, while outbound SMS and sync wait in SQLite and drain once
// Redis is up; `sauti sync status` names the outage; SIGTERM during an outage stops taking work at
// once and ends the process within 10 s.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import request from 'supertest';
import { stringify } from 'yaml';
import { afterEach, expect, it } from 'vitest';
import { rawFixture } from './helpers/deployment.ts';
import { TOKEN, testGateway, ussdBody } from './helpers/gateway.ts';
import { freePort, startServer, waitFor } from './helpers/process.ts';
import { atSendReply } from './helpers/providers.ts';
import { requireService } from './helpers/services.ts';
import { tempDir } from './helpers/tmp.ts';

const BIN = resolve(import.meta.dirname, '../bin/sauti.mjs');
// A redis-server of the test's own is started and stopped: the programs must be installed.
const redisServerProgram = await requireService('redis-server');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** A redis-server of this test's own, on `port`, with nothing persisted. */
async function redisServer(port: number): Promise<ChildProcess> {
  const r = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  children.push(r);
  await waitFor('redis', () =>
    execFileSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes('PONG') ? true : undefined,
  );
  return r;
}

async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGKILL');
  await exited;
}

/** A gateway with its embedded ledger, syncing every second, with REDIS_URL on `redisPort`. */
function gatewayEnv(redisPort: number): { dir: string; env: Record<string, string> } {
  const dir = tempDir('sauti-redis-');
  const raw = rawFixture();
  raw.sync = { batchSize: 20, intervalSeconds: 1, maxBackoffSeconds: 2 };
  const config = join(dir, 'deployment.yaml');
  writeFileSync(config, stringify(raw));
  const env = {
    SAUTI_CONFIG: config,
    SAUTI_DB: join(dir, 'gateway.db'),
    SAUTI_LEDGER_DB: join(dir, 'ledger.db'),
    SAUTI_GATEWAY_ID: 'gw-redis',
    SAUTI_CALLBACK_TOKEN: TOKEN,
    SAUTI_LEDGER_URL: '',
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    SAUTI_QUEUE_PREFIX: `outage-${randomUUID().slice(0, 8)}`,
    PORT: '0',
    LOG_LEVEL: 'error',
    DATABASE_URL: '',
    // No provider credentials: a reply that leaves the queue ends `failed` with sms.no_sender.
    AT_USERNAME: '',
    AT_API_KEY: '',
  };
  return { dir, env };
}

const cli = (env: Record<string, string>, ...args: string[]) =>
  execFileSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });

const phone = (i: number) => `+2547140${String(i).padStart(5, '0')}`;

async function ussdVote(url: string, i: number): Promise<string> {
  const res = await fetch(`${url}/africastalking/ussd/${TOKEN}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: ussdBody({ sessionId: `outage-${i}`, phoneNumber: phone(i), text: '1*1*1*3*99*1' }),
  });
  return res.text();
}

async function smsVote(url: string, i: number): Promise<number> {
  const res = await fetch(`${url}/africastalking/sms/${TOKEN}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ id: `outage-sms-${i}`, from: phone(i), to: '22384', text: 'VOTE 1 3', date: '2026-11-22 09:00:00', linkId: '' }).toString(),
  });
  return res.status;
}

function gatewayDb<T>(dir: string, read: (db: Database.Database) => T): T {
  const db = new Database(join(dir, 'gateway.db'), { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}
const pending = (dir: string) => gatewayDb(dir, (db) => db.prepare('SELECT count(*) FROM events WHERE acked_at IS NULL').pluck().get() as number);
const votes = (dir: string) => gatewayDb(dir, (db) => db.prepare("SELECT count(*) FROM events WHERE type = 'vote.cast'").pluck().get() as number);
const outboundStates = (dir: string) =>
  gatewayDb(
    dir,
    (db) => db.prepare('SELECT state, attempts, error FROM sms_outbound ORDER BY id').all() as { state: string; attempts: number; error: string | null }[],
  );

// Real processes start slowly on a busy 2-core machine: a minute each.
redisServerProgram.describe('Redis down at the edge (real processes, a redis-server of our own)', { timeout: 90_000 }, () => {
  it('Redis down at start-up: the gateway opens its port and takes votes; SMS and sync wait, then drain when Redis is up', async () => {
    const redisPort = await freePort(); // nothing listens there yet
    const { dir, env } = gatewayEnv(redisPort);
    const gw = await startServer([BIN, 'start'], env);
    children.push(gw.child);

    for (let i = 0; i < 3; i++) expect(await ussdVote(gw.url, i)).toMatch(/^(CON|END) Thank you/);
    for (let i = 3; i < 6; i++) expect(await smsVote(gw.url, i)).toBe(200);
    expect(votes(dir)).toBe(6);
    await new Promise((r) => setTimeout(r, 2500)); // several sync intervals and SMS polls: nothing may move without Redis
    expect(pending(dir)).toBe(6);
    expect(outboundStates(dir)).toEqual(Array.from({ length: 3 }, () => ({ state: 'queued', attempts: 0, error: null })));
    expect(cli(env, 'sync', 'status')).toMatch(
      /waiting to sync\s+6[\s\S]*last error\s+Redis is unreachable \(connect ECONNREFUSED 127\.0\.0\.1:\d+\): sync waits/,
    );

    await redisServer(redisPort);
    await waitFor('the outbox to drain into the embedded ledger', () => (pending(dir) === 0 ? true : undefined));
    // Each confirmation left the queue once: without credentials the dispatcher fails it for good.
    await waitFor('the SMS replies to be dispatched', () => (outboundStates(dir).every((m) => m.state !== 'queued') ? true : undefined));
    expect(outboundStates(dir)).toEqual(Array.from({ length: 3 }, () => ({ state: 'failed', attempts: 1, error: 'sms.no_sender' })));
    const { gateways } = (await (await fetch(`${gw.url}/v1/gateways`)).json()) as { gateways: { gatewayId: string; accepted: number }[] };
    expect(gateways.find((g) => g.gatewayId === 'gw-redis')?.accepted).toBe(6);
    expect(cli(env, 'sync', 'status')).toMatch(/last error\s+none/);
  });

  it('Redis lost under a running gateway: the votes wait, sync status names the outage, and they drain when Redis is back', async () => {
    const redisPort = await freePort();
    const { dir, env } = gatewayEnv(redisPort);
    let redis = await redisServer(redisPort);
    const gw = await startServer([BIN, 'start'], env);
    children.push(gw.child);
    for (let i = 0; i < 2; i++) expect(await ussdVote(gw.url, i)).toMatch(/^(CON|END) Thank you/);
    await waitFor('2 events synced through BullMQ', () => (pending(dir) === 0 ? true : undefined));

    await stopProcess(redis);
    for (let i = 2; i < 11; i++) expect(await ussdVote(gw.url, i)).toMatch(/^(CON|END) Thank you/);
    // The report that started this: "last error none" with 9 events waiting and Redis down.
    const status = await waitFor('the outage in sync status', () => {
      const s = cli(env, 'sync', 'status');
      return /last error\s+Redis is unreachable/.test(s) ? s : undefined;
    });
    expect(status).toMatch(/waiting to sync\s+9\b/);

    redis = await redisServer(redisPort);
    await waitFor('the 9 waiting events to drain', () => (pending(dir) === 0 ? true : undefined));
    expect(cli(env, 'sync', 'status')).toMatch(/last error\s+none/);
  });

  it('SIGTERM during a Redis outage stops taking work at once and ends the process within 10 s', async () => {
    const redisPort = await freePort();
    const { dir, env } = gatewayEnv(redisPort);
    const redis = await redisServer(redisPort);
    const gw = await startServer([BIN, 'start'], env);
    children.push(gw.child);
    expect(await ussdVote(gw.url, 0)).toMatch(/^(CON|END) Thank you/);
    await waitFor('the vote synced through BullMQ', () => (pending(dir) === 0 ? true : undefined));
    await stopProcess(redis);
    for (let i = 1; i < 4; i++) expect(await ussdVote(gw.url, i)).toMatch(/^(CON|END) Thank you/);

    let out = '';
    gw.child.stdout!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => gw.child.once('exit', (code) => r(code)));
    const signalled = Date.now();
    gw.child.kill('SIGTERM');
    await waitFor('shutdown to begin', () => (out.includes('Stopping') ? true : undefined), 10_000);
    // From here no new vote may be taken: a new connection is refused, or the request is turned away.
    const late = await ussdVote(gw.url, 99).catch((err: Error) => `refused: ${err.message}`);
    expect(late).not.toMatch(/^(CON|END) Thank you/);
    const limit = new Promise<'still running'>((r) => setTimeout(() => r('still running'), 10_000 - (Date.now() - signalled)).unref());
    expect(await Promise.race([exited, limit])).not.toBe('still running');
    expect(votes(dir)).toBe(4);
    expect(pending(dir)).toBe(3); // kept for the next start
  });
});

redisServerProgram.describe('BullMQ outbound SMS with Redis down (in process, provider answered by nock)', { timeout: 60_000 }, () => {
  it('starts without Redis, keeps the confirmation queued, sends it once when Redis is up, and stops at once when Redis is gone again', async () => {
    const redisPort = await freePort();
    const prefix = `outage-${randomUUID().slice(0, 8)}`;
    const gw = testGateway({ env: { REDIS_URL: `redis://127.0.0.1:${redisPort}` }, queuePrefix: prefix });
    const scope = atSendReply(101, 'ATXid_after_outage');
    await gw.outbound.start(); // today: rejects with "Connection is closed"
    try {
      const res = await request(gw.app)
        .post(`/africastalking/sms/${TOKEN}`)
        .type('form')
        .send({ id: 'outage-in-1', from: '+254711000001', to: '22384', text: 'VOTE 1 3' });
      expect(res.status).toBe(200);
      await new Promise((r) => setTimeout(r, 500));
      expect(gw.sms.list(1)[0]).toMatchObject({ state: 'queued', attempts: 0 });

      const redis = await redisServer(redisPort);
      await waitFor('the confirmation to be sent', () => (gw.sms.list(1)[0]?.state === 'sent' ? true : undefined), 20_000);
      expect(scope.isDone()).toBe(true);
      expect(gw.sms.list(1)[0]).toMatchObject({ provider_message_id: 'ATXid_after_outage', attempts: 1 });
      await stopProcess(redis);
    } finally {
      await gw.outbound.stop(); // Redis is gone: this must not wait for it
    }
  });
});
