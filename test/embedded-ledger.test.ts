// The embedded ledger (`sauti start` without SAUTI_LEDGER_URL) runs in its own thread behind the
// gateway's port: votes reach it and receipts answer through the gateway; a thread that dies is
// restarted while the outbox keeps every event; a blocked ledger never holds up a USSD hop; and
// the rate limits still count per client, which no X-Forwarded-For can change.
import { request as httpRequest } from 'node:http';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import request from 'supertest';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSettings } from '../src/config/env.ts';
import { startGateway, type Gateway } from '../src/http/gateway.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import { GATEWAY_CLIENT_HEADER, GATEWAY_SECRET_HEADER } from '../src/http/security.ts';
import { createLogger } from '../src/logging.ts';
import { rawFixture } from './helpers/deployment.ts';
import { SECRET, TOKEN, ussdBody } from './helpers/gateway.ts';
import { testLedger } from './helpers/ledger.ts';
import { waitFor } from './helpers/process.ts';
import { fileSize, fillWal } from './helpers/wal.ts';
import { tempDir } from './helpers/tmp.ts';
import { testDeployment } from './helpers/deployment.ts';

const silent = createLogger('silent');
const running: Gateway[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((g) => g.close()));
});

/** A gateway with its embedded ledger in a fresh folder, syncing every second. */
async function gateway(env: Record<string, string> = {}, restartDelaysMs?: number[], intervalSeconds = 1) {
  const dir = tempDir('sauti-embedded-');
  const raw = rawFixture();
  raw.sync = { batchSize: 50, intervalSeconds, maxBackoffSeconds: 1 };
  const config = join(dir, 'deployment.yaml');
  writeFileSync(config, stringify(raw));
  const settings = loadSettings({
    SAUTI_CONFIG: config,
    SAUTI_DB: join(dir, 'gateway.db'),
    SAUTI_CALLBACK_TOKEN: TOKEN,
    SAUTI_VOTER_KEY_SECRET: SECRET,
    SAUTI_GATEWAY_ID: 'gw-embedded',
    PORT: '0',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const gw = await startGateway(settings, silent, { embeddedLedger: { restartDelaysMs } });
  running.push(gw);
  const pending = () => {
    const db = new Database(settings.dbFile, { readonly: true });
    try {
      return db.prepare('SELECT count(*) FROM events WHERE acked_at IS NULL').pluck().get() as number;
    } finally {
      db.close();
    }
  };
  return { gw, pending, dbFile: settings.dbFile };
}

/** A whole USSD vote in one hop (dial-ahead); the reply with its receipt (CON when following is offered). */
async function vote(url: string, i: number): Promise<string> {
  const res = await fetch(`${url}/africastalking/ussd/${TOKEN}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: ussdBody({ sessionId: `embedded-${i}`, phoneNumber: `+2547150${String(i).padStart(5, '0')}`, text: '1*1*1*3*99*1' }),
  });
  return res.text();
}

const receiptOf = (reply: string) => reply.match(/\b([A-Z0-9]{5}-[A-Z0-9]{5})\b/)?.[1];

/** GET through the gateway's port from a given local address (127.0.0.0/8 is all this machine). */
function get(
  url: string,
  path: string,
  opts: { from?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { localAddress: opts.from, headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the embedded ledger in its own thread', { timeout: 60_000 }, () => {
  it('takes the gateway’s votes, and their receipts answer through the gateway’s port', async () => {
    const { gw, pending } = await gateway();
    expect(gw.embeddedLedger?.up).toBe(true);
    const throughProxy: string[] = [];
    gw.server.prependListener('request', (req: { url?: string }) => throughProxy.push(req.url ?? ''));
    const reply = await vote(gw.url, 1);
    const code = receiptOf(reply);
    expect(reply, reply).toMatch(/^(END|CON) Thank you/);
    expect(code).toBeDefined();
    const receipt = await waitFor('the receipt to answer through the gateway', async () => {
      const res = await get(gw.url, `/v1/receipts/${code}`);
      return res.status === 200 ? JSON.parse(res.body) : undefined;
    });
    expect(receipt).toMatchObject({ found: true, status: 'counted' });
    // The ledger commits first and the gateway records its acknowledgement after: the receipt can
    // answer a moment before the outbox is empty.
    await waitFor('the outbox to be acknowledged', () => (pending() === 0 ? true : undefined), 10_000);
    // The gateway's own batches go straight to the thread's port, not through its public proxy.
    expect(throughProxy.filter((u) => u.startsWith('/v1/batches'))).toEqual([]);
    expect(
      throughProxy.some((u) => u.startsWith('/v1/receipts/')),
      throughProxy.join(),
    ).toBe(true);
    const page = await get(gw.url, '/results/c-open');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
  });

  it('pushes the outbox and asks where the votes stand on its own thread, while the residents’ thread cannot run', async () => {
    const { gw, pending, dbFile } = await gateway({}, undefined, 3600);
    const ledger = gw.embeddedLedger!;
    await waitFor('the first round', async () => ((await get(gw.url, '/v1/gateways')).body.includes('"lastSeenAt":"') ? true : undefined));
    const replies = [await vote(gw.url, 4), await vote(gw.url, 5)];
    expect(replies.every((r) => /^(END|CON) Thank you/.test(r))).toBe(true);
    expect(pending()).toBe(2);
    const pushed = ledger.sync('push')!;
    // This thread, the gateway's, is blocked outright: whatever happens meanwhile happens elsewhere.
    const blockedFrom = Date.now();
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
    const blockedUntil = Date.now();
    expect(await pushed).toMatchObject({ batches: 1, accepted: 2, backlog: 0 });
    const db = new Database(dbFile, { readonly: true });
    try {
      const acked = (db.prepare('SELECT acked_at FROM events WHERE acked_at IS NOT NULL ORDER BY seq DESC LIMIT 2').pluck().all() as string[]).map(Date.parse);
      for (const at of acked) expect(at >= blockedFrom && at <= blockedUntil, `acknowledged at ${at}, blocked ${blockedFrom}–${blockedUntil}`).toBe(true);
    } finally {
      db.close();
    }
    expect(await ledger.sync('standings')).toEqual({ asked: 2, changed: 2 });
    const receipt = await get(gw.url, `/v1/receipts/${receiptOf(replies[0]!)}`);
    expect(JSON.parse(receipt.body)).toMatchObject({ found: true, status: 'counted' });
  });

  it.runIf(process.platform === 'linux')('runs at a lower CPU priority than the thread that answers residents', async () => {
    const nice = () => readdirSync('/proc/self/task').map((tid) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]));
    const before = nice();
    await gateway();
    // This process's own threads keep their nice value; one more thread, the ledger's, runs at 10 more.
    expect(Math.min(...nice())).toBe(Math.min(...before));
    expect(nice()).toContain(Math.min(...before) + 10);
  });

  it('a thread that dies: 503 with Retry-After meanwhile, then it is back and the outbox loses nothing', async () => {
    const { gw, pending } = await gateway({}, [1500]);
    const ledger = gw.embeddedLedger!;
    await waitFor('the first sync round', async () => ((await get(gw.url, '/v1/gateways')).body.includes('"lastSeenAt":"') ? true : undefined));
    await ledger.kill();
    expect(ledger.up).toBe(false);
    const down = await get(gw.url, '/v1/ballot');
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBe('5');
    expect(JSON.parse(down.body)).toMatchObject({ error: 'unavailable' });
    expect((await get(gw.url, '/results')).status).toBe(503);
    // Residents still vote; their events wait in the outbox until the ledger is back.
    const replies = [await vote(gw.url, 2), await vote(gw.url, 3)];
    expect(replies.every((r) => /^(END|CON) Thank you/.test(r))).toBe(true);
    expect(pending()).toBeGreaterThanOrEqual(2);
    await waitFor('the restarted ledger to take the outbox', () => (ledger.up && pending() === 0 ? true : undefined));
    for (const r of replies) {
      const res = await get(gw.url, `/v1/receipts/${receiptOf(r)}`);
      expect(res.status, res.body).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ found: true, status: 'counted' });
    }
  });

  it('checkpoints the gateway’s WAL on the ledger’s thread, and again on a restarted thread', async () => {
    const { gw, dbFile } = await gateway({}, [500]);
    expect(gw.checkpointer.running).toBe(true);
    // A second connection writes as the gateway would; it never checkpoints by itself.
    const writer = new Database(dbFile);
    writer.pragma('wal_autocheckpoint = 0');
    try {
      // 16 MiB written: only checkpoints (the loop's: this writer never makes one, the gateway's
      // connection only past 64 MiB) grow the database file, and only those let the WAL start over.
      // The thread also ingests (at nice 10), so it may lag: the WAL must start over at least once
      // (below the 16 MiB it would reach), and the file must take the pages soon after.
      const before = fileSize(dbFile);
      expect(await fillWal(writer, 16, 25)).toBeLessThan(15 * 1024 * 1024);
      await waitFor('the loop to checkpoint', () => (fileSize(dbFile) > before + 12 * 1024 * 1024 ? true : undefined));
      const ledger = gw.embeddedLedger!;
      await ledger.kill();
      await waitFor('the restarted ledger', () => (ledger.up ? true : undefined));
      const grown = fileSize(dbFile);
      expect(await fillWal(writer, 16, 25)).toBeLessThan(15 * 1024 * 1024);
      await waitFor('the restarted thread to checkpoint', () => (fileSize(dbFile) > grown + 12 * 1024 * 1024 ? true : undefined));
    } finally {
      writer.close();
    }
  });

  it('a batch the ledger refuses before reading it is answered through the gateway, and its upload not read', async () => {
    const { gw } = await gateway();
    const answer = await new Promise<{ status: number; connection: unknown; body: string }>((resolve, reject) => {
      const req = httpRequest(`${gw.url}/v1/batches`, {
        method: 'POST',
        headers: { 'content-length': String(17 * 1024 * 1024), 'sauti-gateway': 'gw-embedded', 'sauti-signature': 'x', 'content-encoding': 'gzip' },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }));
      });
      req.on('error', reject);
      req.write(Buffer.alloc(64 * 1024)); // a first part of the 17 MB announced; the rest never comes
    });
    expect(answer.status).toBe(413);
    expect(answer.connection).toBe('close');
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'too-large' });
  });

  it('a USSD hop is answered while the ledger’s thread cannot run at all', async () => {
    const { gw } = await gateway();
    const ledger = gw.embeddedLedger!;
    const release = await ledger.hold();
    // Asked while the thread is blocked: it cannot answer until released.
    let answered = false;
    const gateways = get(gw.url, '/v1/gateways').then((r) => {
      answered = true;
      return r;
    });
    try {
      const reply = await vote(gw.url, 4);
      expect(reply).toMatch(/^(END|CON) Thank you/);
      expect(answered).toBe(false);
    } finally {
      release();
    }
    expect((await gateways).status).toBe(200);
  });

  it('counts each client apart through the proxy, and X-Forwarded-For cannot pick a new bucket', async () => {
    const { gw } = await gateway({ SAUTI_PUBLIC_RATE_LIMIT: '2' });
    const statuses: number[] = [];
    for (let i = 1; i <= 3; i++) statuses.push((await get(gw.url, '/results', { headers: { 'X-Forwarded-For': `203.0.113.${i}` } })).status);
    expect(statuses).toEqual([200, 200, 429]);
    // Another client (another loopback address) has its own bucket: the gateway's hop is not the client.
    expect((await get(gw.url, '/results', { from: '127.0.0.2' })).status).toBe(200);
  });

  it('behind a trusted proxy, the client it names is counted', async () => {
    const { gw } = await gateway({ SAUTI_PUBLIC_RATE_LIMIT: '1', SAUTI_TRUST_PROXY: 'loopback' });
    const from = (ip: string) => get(gw.url, '/results', { headers: { 'X-Forwarded-For': ip } });
    expect((await from('203.0.113.1')).status).toBe(200);
    expect((await from('203.0.113.2')).status).toBe(200);
    expect((await from('203.0.113.1')).status).toBe(429);
    // The console is the thread's too: a visitor is sent to sign in, and a client that reached the
    // proxy over https gets Secure cookies (the gateway passes the protocol it resolved).
    const visitor = await get(gw.url, '/console');
    expect([visitor.status, visitor.headers.location]).toEqual([303, '/console/sign-in']);
    const overTls = await get(gw.url, '/console/sign-in', { headers: { 'X-Forwarded-Proto': 'https' } });
    expect(String(overTls.headers['set-cookie'])).toMatch(/^__Host-sauti-console-signin=.*; Secure$/);
    const plain = await get(gw.url, '/console/sign-in', { headers: { 'X-Forwarded-Proto': 'http' } });
    expect(String(plain.headers['set-cookie'])).toMatch(/^sauti-console-signin=.*SameSite=Strict; Max-Age=1800$/);
  });
});

describe('the ledger thread’s own port', () => {
  it('answers only its gateway, and keys its limits on the client the gateway names', async () => {
    const ledger = await testLedger('sqlite', testDeployment(), () => new Date());
    const app = createLedgerApp(ledger, silent, { gatewaySecret: 'the-gateway-secret', publicRateLimit: 1 });
    const asGateway = (client: string, secret = 'the-gateway-secret') =>
      request(app).get('/results').set(GATEWAY_SECRET_HEADER, secret).set(GATEWAY_CLIENT_HEADER, client);
    expect((await request(app).get('/results')).status).toBe(403);
    expect((await request(app).get('/v1/gateways').set('X-Forwarded-For', '203.0.113.1')).status).toBe(403);
    expect((await asGateway('203.0.113.1', 'the-gateway-secreT')).status).toBe(403);
    expect((await asGateway('not an address')).status).toBe(403);
    expect((await asGateway('203.0.113.1')).status).toBe(200);
    expect((await asGateway('203.0.113.1')).status).toBe(429);
    expect((await asGateway('203.0.113.2')).status).toBe(200);
    await ledger.close();
  });
});
