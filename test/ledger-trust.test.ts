// Only the ledger can take an event out of the outbox. Each attack that emptied an outbox on
// the code before the ledger signed its answers — a forged acknowledgement file, a genuine one
// from another ledger, a fake HTTP ledger, an answer naming events outside its batch, an old
// answer replayed — is refused here; the events stay, and later reach the real ledger. Then the
// recovery path: resending from a sequence number puts back what a ledger lost.
import http, { type Server } from 'node:http';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import {
  ANSWER_SIGNATURE_HEADER,
  BUNDLE_LINE_BYTES,
  QUERY_NONCE_HEADER,
  ackLine,
  newKeyPair,
  parsePublicKey,
  signAnswer,
  verifyAnswer,
} from '../src/domain/protocol.ts';
import { createPrivateKey } from 'node:crypto';
import { Relay } from '../sync/relay.ts';
import { importAckFile } from '../src/cli/sync.ts';
import { syncRound } from '../sync/sync-job.ts';
import { EmbeddedSyncScheduler } from '../sync/scheduler.ts';
import { exportBundle, importAck } from '../sync/bundle.ts';
import { ledgerTrust, trustLedger, type TrustInputs } from '../sync/ledger-trust.ts';
import { importBundle, signedAckFile } from '../ledger/bundle-import.ts';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { openLedger } from '../ledger/connect.ts';
import { migrateLedger } from '../ledger/schema.ts';
import { Ledger } from '../ledger/ledger.ts';
import { verifyChain } from '../ledger/verify.ts';
import { ledgerBackends, freshStorage, testLedger } from './helpers/ledger.ts';
import { logSink, testGateway, TOKEN, ussdBody } from './helpers/gateway.ts';
import { tempDir } from './helpers/tmp.ts';
import { testDeployment } from './helpers/deployment.ts';

// PostgreSQL too when it is there (one line says so when it is not; never skipped under CI=true).
const BACKENDS = await ledgerBackends();

const silent = createLogger('silent');
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/** Listens on a free port of 127.0.0.1 until the test ends. */
async function listen(handler: http.RequestListener): Promise<string> {
  const server = await new Promise<Server>((resolve) => {
    const s = http.createServer(handler).listen(0, '127.0.0.1', () => resolve(s));
  });
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const serve = (ledger: Ledger) => listen(createLedgerApp(ledger, silent));

/** The batch a gateway POSTed: its header and its events' ids, read from the gzip NDJSON body. */
async function readBatch(req: http.IncomingMessage): Promise<{ body: Buffer; batchId: string; ids: string[] }> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks);
  const [head, ...lines] = gunzipSync(body).toString('utf8').trim().split('\n');
  return { body, batchId: JSON.parse(head!).batchId, ids: lines.map((l) => JSON.parse(l).id as string) };
}

const answerFor = (batchId: string, accepted: string[]) => ({
  batchId,
  receivedAt: new Date().toISOString(),
  clockSkewMs: 0,
  accepted: accepted.map((id, i) => ({ id, ledgerSeq: i + 1 })),
  duplicates: [],
  rejected: [],
  gaps: [],
});

async function vote(gw: ReturnType<typeof testGateway>, phone: string) {
  const res = await request(gw.app)
    .post(`/africastalking/ussd/${TOKEN}`)
    .type('form')
    .send(ussdBody({ sessionId: `s-${phone}`, phoneNumber: phone, text: '1*1*1*3*99*1' }));
  expect(res.text).toMatch(/^(CON|END) Thank you/);
}

const ledgerCount = async (ledger: Ledger) =>
  Number(
    (
      await ledger.conn.db
        .selectFrom('ledger_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

/** A ledger in a SQLite file of a fresh directory, and where its backup goes. */
function ledgerFiles(prefix: string) {
  const dir = tempDir(prefix);
  const deployment = testDeployment();
  const open = async (f: string) => new Ledger(await openLedger({ kind: 'sqlite', file: f }), () => deployment);
  return { file: join(dir, 'ledger.db'), backup: join(dir, 'backup.db'), open };
}

/**
 * Copies a closed ledger file (and its WAL, if one was left) as a backup would, with the voter
 * secret the ledger keeps beside it (a backup without it cannot key new votes as the old ones).
 */
function backupLedger(file: string, to: string): void {
  copyFileSync(file, to);
  if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${to}-wal`);
  copyFileSync(`${file}.voter-secret`, `${to}.voter-secret`);
}

/** A gateway with `votes` votes waiting, registered with a real ledger whose key it trusts. */
async function setup(votes = 3, batchSize = 500, ledger?: Ledger) {
  const gw = testGateway();
  closers.push(() => {
    gw.db.close();
  });
  const real = ledger ?? (await testLedger('sqlite', gw.deployment));
  if (!ledger) closers.push(() => real.close());
  await real.addGateway(gw.gatewayId, gw.identity.publicKey);
  trustLedger(gw.outbox, (await real.identity()).publicKey);
  const trust =
    (inputs: TrustInputs = {}) =>
    () =>
      ledgerTrust(gw.outbox, inputs);
  const logs = logSink();
  const logger = createLogger('debug', logs.stream);
  const relay = (url: string, size = batchSize) => {
    const r = new Relay({ outbox: gw.outbox, identity: gw.identity, ledgerUrl: url, batchSize: size, logger, timeoutMs: 5000, trust: trust() });
    closers.push(() => r.close());
    return r;
  };
  for (let i = 0; i < votes; i++) await vote(gw, `+2547110090${String(i).padStart(2, '0')}`);
  const pendingIds = () => gw.outbox.pending(1000).map((r) => r.id);
  return { gw, ledger: real, relay, trust, logs, pendingIds };
}

describe('acknowledgement files: only the trusted ledger’s signature takes events out', () => {
  it('a forged file built from the bundle’s own ids changes nothing; the votes later reach the ledger', async () => {
    const { gw, ledger, pendingIds } = await setup();
    const dir = tempDir('sauti-forge-');
    const bundle = join(dir, 'gw.bundle');
    const { bundleId } = exportBundle(gw.outbox, gw.identity, bundle);
    const before = pendingIds();
    // What anyone holding the bundle can read: its ids.
    const [, ...lines] = gunzipSync(readFileSync(bundle).subarray(BUNDLE_LINE_BYTES)).toString('utf8').trim().split('\n');
    const ids = lines.map((l) => JSON.parse(l).id as string);
    expect(ids).toEqual(before);
    const ack = {
      sauti: 'ack',
      protocol: 1,
      gatewayId: gw.gatewayId,
      bundleId,
      importedAt: new Date().toISOString(),
      accepted: ids.map((id, i) => ({ id, ledgerSeq: i + 1 })),
      duplicates: [],
      rejected: [],
    };
    const trust = ledgerTrust(gw.outbox, {});

    // The format before ledgers signed: a bare gzip JSON.
    const bare = join(dir, 'bare.ack');
    writeFileSync(bare, gzipSync(JSON.stringify(ack)));
    expect(() => importAck(gw.outbox, gw.gatewayId, bare, { trust })).toThrow(/not signed by a ledger/);
    // The signed format, signed with a key the forger made.
    const body = gzipSync(JSON.stringify(ack));
    const forger = createPrivateKey(newKeyPair().privatePem);
    const forged = join(dir, 'forged.ack');
    writeFileSync(forged, Buffer.concat([Buffer.from(ackLine(gw.gatewayId, bundleId, signAnswer(forger, gw.gatewayId, bundleId, body))), body]));
    expect(() => importAck(gw.outbox, gw.gatewayId, forged, { trust })).toThrow(/not signed by the ledger this gateway trusts/);

    expect(pendingIds()).toEqual(before);
    expect(gw.outbox.refusedAnswers()).toMatchObject([{ source: 'ack-file', answerFor: bundleId }, { source: 'ack-file' }]);

    // The real ledger's acknowledgement of the same bundle is taken.
    const genuine = join(dir, 'genuine.ack');
    writeFileSync(genuine, (await importBundle(ledger, bundle)).file);
    expect(importAck(gw.outbox, gw.gatewayId, genuine, { trust })).toMatchObject({ acknowledged: 3 });
    expect(pendingIds()).toEqual([]);
    expect(await ledgerCount(ledger)).toBe(3);
  });

  it('a genuine file from another ledger changes nothing', async () => {
    const { gw, ledger, pendingIds } = await setup();
    const dir = tempDir('sauti-other-');
    const bundle = join(dir, 'gw.bundle');
    exportBundle(gw.outbox, gw.identity, bundle);
    const before = pendingIds();
    // Another city's ledger (or a test one) that also registered this gateway imports the bundle honestly.
    const other = await testLedger('sqlite', gw.deployment);
    closers.push(() => other.close());
    await other.addGateway(gw.gatewayId, gw.identity.publicKey);
    const foreign = join(dir, 'other.ack');
    writeFileSync(foreign, (await importBundle(other, bundle)).file);
    const trust = ledgerTrust(gw.outbox, {});
    expect(() => importAck(gw.outbox, gw.gatewayId, foreign, { trust })).toThrow(/not signed by the ledger this gateway trusts/);
    expect(pendingIds()).toEqual(before);

    const genuine = join(dir, 'genuine.ack');
    writeFileSync(genuine, (await importBundle(ledger, bundle)).file);
    expect(importAck(gw.outbox, gw.gatewayId, genuine, { trust })).toMatchObject({ acknowledged: 3 });
    expect(await ledgerCount(ledger)).toBe(3);
  });

  it('a file naming events outside its bundle is refused whole, even signed by the trusted ledger', async () => {
    const { gw, ledger, pendingIds } = await setup();
    const dir = tempDir('sauti-outside-');
    const bundle = join(dir, 'gw.bundle');
    exportBundle(gw.outbox, gw.identity, bundle);
    await vote(gw, '+254711009099'); // cast after the export: not in the bundle
    const later = pendingIds().at(-1)!;
    const before = pendingIds();
    const { ack } = await importBundle(ledger, bundle);
    const widened = join(dir, 'widened.ack');
    writeFileSync(widened, await signedAckFile(ledger, { ...ack, duplicates: [later] }));
    const trust = ledgerTrust(gw.outbox, {});
    expect(() => importAck(gw.outbox, gw.gatewayId, widened, { trust })).toThrow(/names 1 event\(s\) that were not in the bundle/);
    expect(pendingIds()).toEqual(before);
    expect(gw.outbox.refusedAnswerCount()).toBe(1);
  });

  it('an acknowledgement imported again, or a file for a bundle never exported, changes nothing', async () => {
    const { gw, ledger, pendingIds } = await setup();
    const dir = tempDir('sauti-again-');
    const bundle = join(dir, 'gw.bundle');
    exportBundle(gw.outbox, gw.identity, bundle);
    const file = join(dir, 'gw.ack');
    writeFileSync(file, (await importBundle(ledger, bundle)).file);
    const trust = ledgerTrust(gw.outbox, {});
    expect(importAck(gw.outbox, gw.gatewayId, file, { trust })).toMatchObject({ acknowledged: 3 });
    await vote(gw, '+254711009098');
    const snapshot = () =>
      gw.db
        .prepare(
          'SELECT (SELECT json_group_array(acked_at) FROM events), (SELECT count(*) FROM sync_rejections), (SELECT json_group_array(acked_at) FROM sync_bundles)',
        )
        .raw()
        .get();
    const before = snapshot();
    expect(importAck(gw.outbox, gw.gatewayId, file, { trust })).toMatchObject({ acknowledged: 0 });
    expect(snapshot()).toEqual(before);
    expect(pendingIds()).toHaveLength(1);
  });
});

describe('HTTP answers: only the trusted ledger’s signature over the exact answer counts', () => {
  it('a fake ledger on the path answering "accepted" for everything changes nothing; the votes later reach the ledger', async () => {
    const { gw, ledger, relay, pendingIds, logs } = await setup();
    const before = pendingIds();
    // Twenty lines anyone on a plain-HTTP link can run: everything "accepted".
    const fake = await listen(async (req, res) => {
      const { batchId, ids } = await readBatch(req);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answerFor(batchId, ids)));
    });
    await expect(relay(fake).pushAll()).rejects.toMatchObject({ code: 'sync.unsigned_answer' });
    expect(pendingIds()).toEqual(before);
    // The same with a signature of the fake's own key.
    const forger = createPrivateKey(newKeyPair().privatePem);
    const signedFake = await listen(async (req, res) => {
      const { batchId, ids } = await readBatch(req);
      const body = Buffer.from(JSON.stringify(answerFor(batchId, ids)));
      res.setHeader(ANSWER_SIGNATURE_HEADER, signAnswer(forger, gw.gatewayId, batchId, body));
      res.end(body);
    });
    await expect(relay(signedFake).pushAll()).rejects.toMatchObject({ code: 'sync.forged_answer' });
    expect(pendingIds()).toEqual(before);

    // Refused, logged (batch and reason, nothing personal) and shown to the operator.
    expect(gw.outbox.refusedAnswers()).toMatchObject([
      { source: 'push', problem: expect.stringContaining('not signed by the trusted ledger key') },
      { source: 'push', problem: expect.stringContaining('no ledger signature') },
    ]);
    expect(gw.outbox.state('last_error')).toMatch(/not signed by the trusted ledger key/);
    expect(logs.text()).toMatch(/"code":"sync.unsigned_answer"/);
    expect(logs.text()).not.toMatch(/2547110090|PRIVATE KEY/);

    expect(await relay(await serve(ledger)).pushAll()).toMatchObject({ accepted: 3, backlog: 0 });
    expect(await ledgerCount(ledger)).toBe(3);
  });

  it('a ballot from a fake ledger on the path, unsigned or signed with another key, is not believed; the real one is', async () => {
    const { ledger, relay } = await setup(0);
    // Someone on the link serves other projects and costs under a fresh version.
    const forged = { version: 'forged-1', ballot: { cycles: [{ id: 'c-open', projects: [{ code: 1, cost: 1 }] }] } };
    const fake = await listen((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(forged));
    });
    await expect(relay(fake).pullBallot(undefined)).rejects.toMatchObject({ code: 'sync.forged_answer' });
    const forger = createPrivateKey(newKeyPair().privatePem);
    const signedFake = await listen((req, res) => {
      const body = Buffer.from(JSON.stringify(forged));
      res.setHeader(ANSWER_SIGNATURE_HEADER, signAnswer(forger, String(req.headers['sauti-gateway']), String(req.headers[QUERY_NONCE_HEADER]), body, 'query'));
      res.end(body);
    });
    await expect(relay(signedFake).pullBallot(undefined)).rejects.toMatchObject({ code: 'sync.forged_answer' });
    // The trusted ledger's ballot is believed, and so is its signed "not modified".
    const real = relay(await serve(ledger));
    const pulled = await real.pullBallot(undefined);
    expect(pulled?.version).toBe((await ledger.publishedBallot()).version);
    expect(await real.pullBallot(pulled!.version)).toBeNull();
  });

  it('an answer naming events outside its batch is refused whole, even signed by the trusted ledger', async () => {
    const { gw, ledger, relay, pendingIds } = await setup(3, 2);
    const before = pendingIds();
    // A ledger (bug or break-in) that signs an answer to the first batch (seq 1–2) naming seq 3 too.
    const wide = await listen(async (req, res) => {
      const { batchId, ids } = await readBatch(req);
      const body = Buffer.from(JSON.stringify(answerFor(batchId, [...ids, before[2]!])));
      res.setHeader(ANSWER_SIGNATURE_HEADER, await ledger.signAnswer(gw.gatewayId, batchId, body));
      res.end(body);
    });
    await expect(relay(wide).pushAll()).rejects.toThrow(/names 1 event\(s\) that were not in it/);
    expect(pendingIds()).toEqual(before);
    expect(await relay(await serve(ledger)).pushAll()).toMatchObject({ accepted: 3, backlog: 0 });
  });

  it('an old signed answer replayed for a new batch changes nothing, even after the ledger lost those events', async () => {
    const { file, backup, open } = ledgerFiles('sauti-replay-');
    const first = await open(file);
    const { gw, relay, pendingIds } = await setup(0, 500, first);
    await first.close();
    backupLedger(file, backup); // last night's backup: the gateway is registered, no votes yet
    const ledger = await open(file);
    for (let i = 0; i < 3; i++) await vote(gw, `+2547110091${i}`);
    const before = pendingIds();

    // On the path: the ledger's answer is captured and the gateway gets a 502 instead.
    const real = await serve(ledger);
    let captured: { signature: string; body: Buffer } | undefined;
    const thief = await listen(async (req, res) => {
      const { body } = await readBatch(req);
      const answer = await fetch(`${real}/v1/batches`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-ndjson',
          'content-encoding': 'gzip',
          'sauti-gateway': req.headers['sauti-gateway'] as string,
          'sauti-signature': req.headers['sauti-signature'] as string,
        },
        body,
      });
      captured = { signature: answer.headers.get(ANSWER_SIGNATURE_HEADER)!, body: Buffer.from(await answer.arrayBuffer()) };
      res.statusCode = 502;
      res.end('Bad Gateway');
    });
    await expect(relay(thief).pushAll()).rejects.toMatchObject({ code: 'sync.refused' });
    expect(pendingIds()).toEqual(before);
    expect(await ledgerCount(ledger)).toBe(3);
    await ledger.close();

    // The ledger is restored from the backup (same key, without those votes); the thief replays the captured answer.
    const restored = await open(backup);
    closers.push(() => restored.close());
    expect(await ledgerCount(restored)).toBe(0);
    const replay = await listen(async (req, res) => {
      await readBatch(req);
      res.setHeader(ANSWER_SIGNATURE_HEADER, captured!.signature);
      res.end(captured!.body);
    });
    await expect(relay(replay).pushAll()).rejects.toMatchObject({ code: 'sync.forged_answer' });
    expect(pendingIds()).toEqual(before);

    expect(await relay(await serve(restored)).pushAll()).toMatchObject({ accepted: 3, backlog: 0 });
    expect(await ledgerCount(restored)).toBe(3);
  });
});

describe('which ledger a gateway trusts', () => {
  it('a gateway with a remote ledger and no trusted key does not sync, and says why in its state and its log', async () => {
    const gw = testGateway();
    closers.push(() => {
      gw.db.close();
    });
    const ledger = await testLedger('sqlite', gw.deployment);
    closers.push(() => ledger.close());
    await ledger.addGateway(gw.gatewayId, gw.identity.publicKey);
    await vote(gw, '+254711009201');
    const logs = logSink();
    const logger = createLogger('debug', logs.stream);
    const relay = new Relay({
      outbox: gw.outbox,
      identity: gw.identity,
      ledgerUrl: await serve(ledger),
      batchSize: 500,
      logger,
      trust: () => ledgerTrust(gw.outbox, {}),
    });
    closers.push(() => relay.close());
    await expect(syncRound(relay, gw.ballots, logger)).rejects.toMatchObject({ code: 'sync.no_ledger_key' });
    expect(gw.outbox.state('last_error')).toMatch(/no ledger key is trusted.*sauti sync trust-ledger/);
    expect((await ledger.gateways())[0]!.lastSeenAt).toBeNull(); // nothing was sent at all
    // The scheduler's log says why, round after round.
    const scheduler = new EmbeddedSyncScheduler(() => syncRound(relay, gw.ballots, logger), 20, 40, logger);
    scheduler.start();
    for (let i = 0; i < 100 && !logs.text().includes('no ledger key is trusted'); i++) await new Promise((r) => setTimeout(r, 20));
    await scheduler.stop();
    expect(logs.text()).toContain('no ledger key is trusted');
    expect(gw.outbox.pendingCount()).toBe(1);

    // The environment and the stored key must agree: a gateway trusts exactly one ledger.
    trustLedger(gw.outbox, (await ledger.identity()).publicKey);
    expect(ledgerTrust(gw.outbox, { envKey: newKeyPair().publicKey })).toMatchObject({ ok: false, problem: expect.stringContaining('differ') });
    expect(() => trustLedger(gw.outbox, newKeyPair().publicKey)).toThrow(/--replace/);
    expect(await relay.pushAll()).toMatchObject({ accepted: 1 });
  });

  it('the embedded ledger is trusted automatically, whatever key was stored', async () => {
    const gw = testGateway();
    closers.push(() => {
      gw.db.close();
    });
    const ledger = await testLedger('sqlite', gw.deployment);
    closers.push(() => ledger.close());
    trustLedger(gw.outbox, newKeyPair().publicKey); // a stale key from some other set-up
    const trust = ledgerTrust(gw.outbox, { embeddedKey: (await ledger.identity()).publicKey });
    expect(trust).toMatchObject({ ok: true, source: 'embedded', text: (await ledger.identity()).publicKey });
  });

  it('`sync import-ack` on a gateway without SAUTI_LEDGER_URL trusts its embedded ledger’s key, and nothing else', async () => {
    const dir = tempDir('sauti-embedded-ack-');
    const gw = testGateway({ env: { SAUTI_LEDGER_DB: join(dir, 'ledger.db') } });
    closers.push(() => {
      gw.db.close();
    });
    const embedded = new Ledger(await openLedger(gw.settings.ledgerStorage), () => gw.deployment);
    closers.push(() => embedded.close());
    await embedded.addGateway(gw.gatewayId, gw.identity.publicKey);
    await vote(gw, '+254711009401');
    const bundle = join(dir, 'gw.bundle');
    exportBundle(gw.outbox, gw.identity, bundle);
    const other = await testLedger('sqlite', gw.deployment);
    closers.push(() => other.close());
    await other.addGateway(gw.gatewayId, gw.identity.publicKey);
    const foreign = join(dir, 'other.ack');
    writeFileSync(foreign, (await importBundle(other, bundle)).file);
    const genuine = join(dir, 'gw.ack');
    writeFileSync(genuine, (await importBundle(embedded, bundle)).file);
    const quiet = { ...gw.settings, logLevel: 'silent' as const };
    await expect(importAckFile(quiet, foreign)).rejects.toThrow(/not signed by the ledger this gateway trusts/);
    expect(gw.outbox.pendingCount()).toBe(1);
    await importAckFile(quiet, genuine);
    expect(gw.outbox.pendingCount()).toBe(0);
  });

  it('a ledger made before ledgers had an identity gets one when this version opens it (migration 0005)', async () => {
    const file = join(tempDir('sauti-old-ledger-'), 'ledger.db');
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(file) }) });
    await migrateLedger(old, 'sqlite', undefined, '0004-demographics');
    expect(await sql`SELECT key FROM ledger_meta`.execute(old)).toMatchObject({ rows: [{ key: 'export_key' }] });
    await old.destroy();
    const ledger = new Ledger(await openLedger({ kind: 'sqlite', file }), () => testDeployment());
    closers.push(() => ledger.close());
    expect((await ledger.identity()).publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it.each(BACKENDS)('the ledger’s identity is made once and kept with the ledger (%s)', async (backend) => {
    const storage = freshStorage(backend);
    const deployment = testDeployment();
    const a = new Ledger(await openLedger(storage), () => deployment);
    const { publicKey } = await a.identity();
    const body = Buffer.from('{"batchId":"x"}');
    const signature = await a.signAnswer('gw-a', 'b-1', body);
    await a.close();
    const b = new Ledger(await openLedger(storage), () => deployment);
    closers.push(() => b.close());
    expect((await b.identity()).publicKey).toBe(publicKey);
    expect(verifyAnswer(parsePublicKey(publicKey), 'gw-a', 'b-1', body, signature)).toBe(true);
    // Bound to the gateway, the batch and the exact bytes.
    expect(verifyAnswer(parsePublicKey(publicKey), 'gw-b', 'b-1', body, signature)).toBe(false);
    expect(verifyAnswer(parsePublicKey(publicKey), 'gw-a', 'b-2', body, signature)).toBe(false);
    expect(verifyAnswer(parsePublicKey(publicKey), 'gw-a', 'b-1', Buffer.from('{"batchId": "x"}'), signature)).toBe(false);
  });
});

describe('resending for an operator who fears a loss', () => {
  it('events a restored ledger lost reach it again after `resend --from-seq`; those it kept answer as duplicates', async () => {
    const { file, backup, open } = ledgerFiles('sauti-resend-');
    const first = await open(file);
    const { gw, relay, pendingIds } = await setup(0, 2, first);
    await first.close();
    backupLedger(file, backup);
    const ledger = await open(file);
    for (let i = 0; i < 3; i++) await vote(gw, `+2547110092${i}`);
    expect(await relay(await serve(ledger)).pushAll()).toMatchObject({ accepted: 3 });
    expect(pendingIds()).toEqual([]);
    await ledger.close();

    // Restored from the backup: the three votes are gone, and the gateway has them acknowledged.
    const restored = await open(backup);
    closers.push(() => restored.close());
    const url = await serve(restored);
    await vote(gw, '+254711009301');
    expect(await relay(url).pushAll()).toMatchObject({ accepted: 1 });
    expect((await restored.gateways())[0]).toMatchObject({ highestSeq: 4, contiguousSeq: 0 });

    const resent = await relay(url).resendFrom(1);
    expect(resent).toMatchObject({ batches: 2, accepted: 3, duplicates: 1, rejected: 0, backlog: 0 });
    expect(await ledgerCount(restored)).toBe(4);
    expect((await restored.gateways())[0]).toMatchObject({ highestSeq: 4, contiguousSeq: 4 });
    expect(await verifyChain(restored.conn.db)).toMatchObject({ ok: true, checked: 4 });
    // Resending again changes nothing in the ledger.
    expect(await relay(url).resendFrom(2)).toMatchObject({ accepted: 0, duplicates: 3 });
    expect(await ledgerCount(restored)).toBe(4);
  });

  it('by file: `export --from-seq` carries acknowledged events too, and a ledger that lost them takes them', async () => {
    const { gw, ledger, relay } = await setup(3);
    expect(await relay(await serve(ledger)).pushAll()).toMatchObject({ accepted: 3 });
    const fresh = await testLedger('sqlite', gw.deployment); // the city's replacement ledger
    closers.push(() => fresh.close());
    await fresh.addGateway(gw.gatewayId, gw.identity.publicKey);
    const dir = tempDir('sauti-resend-file-');
    expect(exportBundle(gw.outbox, gw.identity, join(dir, 'none.bundle')).count).toBe(0);
    const summary = exportBundle(gw.outbox, gw.identity, join(dir, 'all.bundle'), undefined, new Date(), 2);
    expect(summary).toMatchObject({ count: 2, firstSeq: 2, lastSeq: 3 });
    const { ack } = await importBundle(fresh, join(dir, 'all.bundle'));
    expect(ack.accepted).toHaveLength(2);
  });
});
