// Spoken ideas travel to the city and do not linger (issue 14): a recording taken through the
// Africa's Talking voice callback reaches the ledger with its event, over HTTP and in a bundle,
// is kept there once, is refused when altered or too large (named, logged, stored nowhere), and
// leaves the gateway's file once the ledger holds it and its event, after the grace period.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http, { type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import express from 'express';
import nock from 'nock';
import request from 'supertest';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { loadSettings } from '../src/config/env.ts';
import { startGateway } from '../src/http/gateway.ts';
import { createLogger } from '../src/logging.ts';
import { ATTACHMENT_EVENT_HEADER, BUNDLE_LINE_BYTES, QUERY_NONCE_HEADER, signAttachment } from '../src/domain/protocol.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import { importBundle } from '../ledger/bundle-import.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { verifyChain } from '../ledger/verify.ts';
import { DUE_RECORDINGS_SQL } from '../sync/attachments.ts';
import { exportBundle, importAck } from '../sync/bundle.ts';
import { ledgerTrust, trustLedger } from '../sync/ledger-trust.ts';
import { Relay } from '../sync/relay.ts';
import { syncRound } from '../sync/sync-job.ts';
import { FIXTURE, NOW, rawFixture, testDeployment } from './helpers/deployment.ts';
import { logSink, ussdBody, PROVIDER_ENV, PUBLIC_URL, SECRET, testGateway, TOKEN } from './helpers/gateway.ts';
import { waitFor } from './helpers/process.ts';
import { allClips } from './helpers/prompts.ts';
import { ledgerBackends, testLedger, type Backend } from './helpers/ledger.ts';
import { ledgerServer } from './helpers/ledger-server.ts';
import { tempDir } from './helpers/tmp.ts';

const BACKENDS = await ledgerBackends();
const silent = createLogger('silent');
const REC = 'https://voice.africastalking.com';
const MINUTE = 60_000;

const closers: (() => unknown)[] = [];
// No real network (test/setup.ts): nock answers the provider's recording URL, loopback is allowed.
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

type Gw = ReturnType<typeof testGateway>;

/** Telephone audio stand-in: random bytes (never found in a file by chance), 40 KB. */
const newAudio = () => Buffer.concat([Buffer.from('ID3'), randomBytes(40_000)]);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Each call from a number of its own: a number that called before would skip the language menu. */
const callers = new Map<string, string>();
const callerOf = (session: string) => callers.get(session) ?? callers.set(session, `+2547110${String(10000 + callers.size).padStart(5, '0')}`).get(session)!;
const voiceBody = (session: string, fields: Record<string, string> = {}) =>
  new URLSearchParams({
    isActive: '1',
    sessionId: session,
    direction: 'Inbound',
    callerNumber: callerOf(session),
    destinationNumber: '+254711082000',
    ...fields,
  }).toString();
const post = (gw: Gw, body: string, path = `/africastalking/voice/${TOKEN}`) =>
  request(gw.app).post(path).set('Content-Type', 'application/x-www-form-urlencoded').send(body);
const pathOf = (url: string) => url.replace(PUBLIC_URL, '').replace(/&amp;/g, '&');
const attr = (xml: string, el: string, name: string) => xml.match(new RegExp(`<${el}[^>]* ${name}="([^"]*)"`))?.[1];

/**
 * A caller proposes an idea by speaking, as Africa's Talking drives it: English, propose, North
 * Ward, Water, then the Record callback whose recording nock serves. Returns the digest.
 */
async function speakIdea(gw: Gw | string, audio: Buffer, session = `ATVId_${randomUUID()}`): Promise<string> {
  // In process (supertest), or over HTTP to a started gateway's URL.
  const send = async (body: string, path?: string) =>
    typeof gw === 'string'
      ? (
          await fetch(`${gw}${path ?? `/africastalking/voice/${TOKEN}`}`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body,
          })
        ).text()
      : (await post(gw, body, path)).text;
  let answer = await send(voiceBody(session));
  for (const key of ['1', '2', '1', '1']) answer = await send(voiceBody(session, { dtmfDigits: key }), pathOf(attr(answer, 'GetDigits', 'callbackUrl')!));
  const recording = `/recordings/${session}.mp3`;
  nock(REC).get(recording).reply(200, audio, { 'Content-Type': 'audio/mpeg' });
  const done = await send(voiceBody(session, { recordingUrl: `${REC}${recording}` }), pathOf(attr(answer, 'Record', 'callbackUrl')!));
  expect(done).toContain('voice.ideaRecorded');
  return sha(audio);
}

/** A configuration file with `edit` applied to the test deployment. */
function configWith(edit: (raw: Record<string, any>) => void): string {
  const raw = rawFixture();
  edit(raw);
  const file = join(tempDir(), 'deployment.yaml');
  writeFileSync(file, stringify(raw));
  return file;
}

interface SetupOptions {
  /** The ledger's deployment (e.g. a smaller sync.maxAttachmentBytes). */
  ledgerEdit?: (raw: Record<string, any>) => void;
  gatewayEdit?: (raw: Record<string, any>) => void;
  /** Wraps the ledger's app (an older ledger, a tampering link). */
  wrap?: (ledger: Ledger) => express.Express;
}

async function setup(backend: Backend, opts: SetupOptions = {}) {
  let now = NOW;
  const clock = () => now;
  const gw = testGateway({ clock, configFile: opts.gatewayEdit ? configWith(opts.gatewayEdit) : undefined });
  closers.push(() => gw.db.close());
  const ledgerLogs = logSink();
  const ledger = await testLedger(backend, testDeployment(opts.ledgerEdit), clock, createLogger('info', ledgerLogs.stream));
  closers.push(() => ledger.close());
  await ledger.addGateway(gw.gatewayId, gw.identity.publicKey);
  trustLedger(gw.outbox, (await ledger.identity()).publicKey);
  const server = await ledgerServer(ledger);
  closers.push(server.stop);
  const relay = (url = server.url) => {
    const r = new Relay({
      outbox: gw.outbox,
      identity: gw.identity,
      ledgerUrl: url,
      batchSize: 500,
      logger: silent,
      timeoutMs: 5000,
      trust: () => ledgerTrust(gw.outbox, {}),
      clock,
      maxAttachmentBytes: gw.deployment.sync.maxAttachmentBytes,
    });
    closers.push(() => r.close());
    return r;
  };
  const recording = (sha256: string) =>
    gw.db.prepare('SELECT bytes, ledger_stored_at, refused_reason, refused_detail FROM voice_recordings WHERE sha256 = ?').get(sha256) as
      { bytes: number; ledger_stored_at: string | null; refused_reason: string | null; refused_detail: string | null } | undefined;
  const stored = async () => (await ledger.conn.db.selectFrom('ledger_attachments').select('sha256').execute()).map((r) => r.sha256);
  return { gw, ledger, server, relay, recording, stored, ledgerLogs, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

/** Listens on a free loopback port; stopped after the test. */
async function listen(app: express.Express | http.RequestListener): Promise<string> {
  const server = await new Promise<Server>((resolve) => {
    const s = http.createServer(app).listen(0, '127.0.0.1', () => resolve(s));
  });
  closers.push(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** A link to the ledger that flips one byte in the middle of every attachment upload. */
function tamperingLink(target: string): http.RequestListener {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.method === 'PUT' && body.length > 0) body[body.length >> 1]! ^= 0xff;
      const headers = { ...req.headers, 'content-length': String(body.length) };
      const upstream = http.request(`${target}${req.url}`, { method: req.method, headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.end(body);
    });
  };
}

/** Whether any of ten 32-byte slices of `audio` is in the gateway's database file or its WAL. */
function onDisk(gw: Gw, audio: Buffer): boolean {
  const files = [gw.settings.dbFile, `${gw.settings.dbFile}-wal`].filter(existsSync).map((f) => readFileSync(f));
  for (let i = 0; i < 10; i++) {
    const slice = audio.subarray(100 + i * 3900, 132 + i * 3900);
    if (files.some((f) => f.includes(slice))) return true;
  }
  return false;
}

describe.each(BACKENDS)('spoken ideas travel to the ledger (%s)', (backend) => {
  it('by HTTP sync: the audio reaches the ledger bound to its event, and a resend is kept once', async () => {
    const { gw, ledger, relay, recording, stored } = await setup(backend);
    const audio = newAudio();
    const digest = await speakIdea(gw, audio);
    const round = await syncRound(relay(), gw.ballots, silent);
    expect(round.push).toMatchObject({ accepted: 1, backlog: 0 });
    expect(round.attachments).toEqual({ stored: 1, refused: 0, unsupported: false });
    const eventId = gw.db.prepare("SELECT id FROM events WHERE type = 'proposal.submitted'").pluck().get() as string;
    const held = await ledger.attachment(digest);
    expect(held).toMatchObject({ sha256: digest, bytes: audio.length, contentType: 'audio/mpeg', eventId, gatewayId: gw.gatewayId });
    expect(held!.audio.equals(audio)).toBe(true);
    const event = await ledger.conn.db.selectFrom('ledger_events').select('payload').where('event_id', '=', eventId).executeTakeFirstOrThrow();
    expect(JSON.parse(event.payload).audio).toEqual({ sha256: digest, bytes: audio.length });
    expect(recording(digest)!.ledger_stored_at).toBe(NOW.toISOString());
    // The answer was lost (say): the gateway sends the same recording again; the ledger keeps one.
    gw.db.prepare('UPDATE voice_recordings SET ledger_stored_at = NULL').run();
    expect(await relay().pushAttachments()).toEqual({ stored: 1, refused: 0, unsupported: false });
    expect(await stored()).toEqual([digest]);
    // Nothing is due once the ledger holds it: the next round sends nothing.
    expect((await syncRound(relay(), gw.ballots, silent)).attachments).toEqual({ stored: 0, refused: 0, unsupported: false });
    expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true });
  });

  it('by bundle: the recording rides after its event, imported twice it is kept once, and the ack releases it', async () => {
    const { gw, ledger, relay, recording, stored } = await setup(backend);
    const audio = newAudio();
    const digest = await speakIdea(gw, audio);
    const file = join(tempDir(), 'kiboko.bundle');
    const summary = exportBundle(gw.outbox, gw.identity, file, undefined, NOW, undefined, { maxAttachmentBytes: gw.deployment.sync.maxAttachmentBytes });
    expect(summary).toMatchObject({ count: 1, attachments: 1 });
    const first = await importBundle(ledger, file);
    expect(first.ack).toMatchObject({ accepted: [expect.anything()], attachments: [{ sha256: digest, status: 'stored' }] });
    const again = await importBundle(ledger, file);
    expect(again.alreadyImported).toBe(true);
    expect(again.ack.attachments).toEqual(first.ack.attachments);
    expect(await stored()).toEqual([digest]);
    expect((await ledger.attachment(digest))!.audio.equals(audio)).toBe(true);
    const ackFile = join(tempDir(), 'kiboko.ack');
    writeFileSync(ackFile, first.file);
    const applied = importAck(gw.outbox, gw.gatewayId, ackFile, { trust: ledgerTrust(gw.outbox, {}), now: NOW });
    expect(applied).toMatchObject({ acknowledged: 1, recordings: { stored: 1, refused: 0 } });
    expect(gw.outbox.pendingCount()).toBe(0);
    expect(recording(digest)!.ledger_stored_at).toBe(NOW.toISOString());
    // Pushing afterwards has nothing left to send.
    expect(await relay().pushAttachments()).toEqual({ stored: 0, refused: 0, unsupported: false });
  });

  it('refuses an attachment altered on the way (digest-mismatch, logged, stored nowhere); the event stays acknowledged and the recording is sent again', async () => {
    const { gw, server, relay, recording, stored, ledgerLogs } = await setup(backend);
    const audio = newAudio();
    const digest = await speakIdea(gw, audio);
    const link = await listen(tamperingLink(server.url));
    const round = await syncRound(relay(link), gw.ballots, silent);
    // The event travels in its signed batch and is in the ledger: the outbox lets it go.
    expect(round.push).toMatchObject({ accepted: 1, backlog: 0 });
    expect(gw.outbox.pendingCount()).toBe(0);
    // The recording does not: the ledger names the reason, logs it, stores nothing; the gateway keeps it, flagged.
    expect(round.attachments).toEqual({ stored: 0, refused: 1, unsupported: false });
    expect(await stored()).toEqual([]);
    expect(recording(digest)).toMatchObject({ ledger_stored_at: null, refused_reason: 'digest-mismatch' });
    const refusal = ledgerLogs.lines.map((l) => JSON.parse(l)).find((l) => l.reason === 'digest-mismatch');
    expect(refusal).toMatchObject({ component: 'ledger', gatewayId: gw.gatewayId, sha256: digest, source: 'push' });
    // Not acknowledged, so never erased, however long it waits.
    await gw.privacy.sweep();
    expect(recording(digest)).toBeDefined();
    // A sound link: the same recording goes again and is stored.
    expect(await relay().pushAttachments()).toEqual({ stored: 1, refused: 0, unsupported: false });
    expect(await stored()).toEqual([digest]);
  });

  it('keeps a recording damaged on the gateway’s disk and never sends it', async () => {
    const { gw, relay, recording, stored } = await setup(backend);
    const digest = await speakIdea(gw, newAudio());
    gw.db.prepare('UPDATE voice_recordings SET audio = ? WHERE sha256 = ?').run(newAudio(), digest);
    expect((await syncRound(relay(), gw.ballots, silent)).attachments).toEqual({ stored: 0, refused: 1, unsupported: false });
    expect(recording(digest)).toMatchObject({ refused_reason: 'damaged', ledger_stored_at: null });
    expect((await syncRound(relay(), gw.ballots, silent)).attachments).toEqual({ stored: 0, refused: 0, unsupported: false });
    expect(await stored()).toEqual([]);
  });

  it('refuses a recording over the ledger’s sync.maxAttachmentBytes as too-large, by HTTP and in a bundle; the gateway keeps it and does not retry', async () => {
    const small = (raw: Record<string, any>) => (raw.sync = { ...raw.sync, maxAttachmentBytes: 10_000 });
    const { gw, ledger, relay, recording, stored, ledgerLogs } = await setup(backend, { ledgerEdit: small });
    const digest = await speakIdea(gw, newAudio());
    const file = join(tempDir(), 'big.bundle');
    exportBundle(gw.outbox, gw.identity, file, undefined, NOW);
    const { ack } = await importBundle(ledger, file);
    expect(ack.attachments).toEqual([{ sha256: digest, status: 'refused', reason: 'too-large', detail: expect.stringContaining('10000') }]);
    expect((await syncRound(relay(), gw.ballots, silent)).attachments).toEqual({ stored: 0, refused: 1, unsupported: false });
    expect(recording(digest)).toMatchObject({ refused_reason: 'too-large', refused_detail: expect.stringContaining('at most 10000') });
    expect(ledgerLogs.text()).toContain('"reason":"too-large"');
    expect(await stored()).toEqual([]);
    // Final: the same bytes cannot fit, so it is not sent again.
    expect((await syncRound(relay(), gw.ballots, silent)).attachments).toEqual({ stored: 0, refused: 0, unsupported: false });
  });

  it('keeps a recording over the gateway’s own limit without sending it', async () => {
    const small = (raw: Record<string, any>) => (raw.sync = { ...raw.sync, maxAttachmentBytes: 10_000 });
    const { gw, relay, recording, stored } = await setup(backend, { gatewayEdit: small });
    const digest = await speakIdea(gw, newAudio());
    expect((await syncRound(relay(), gw.ballots, silent)).attachments).toEqual({ stored: 0, refused: 1, unsupported: false });
    expect(recording(digest)).toMatchObject({ refused_reason: 'too-large', refused_detail: expect.stringContaining('this gateway sends at most 10000') });
    expect(await stored()).toEqual([]);
  });
});

describe('recordings on the gateway', () => {
  it('are erased from the database file once the ledger holds them and their event, after the grace period; unacknowledged ones stay', async () => {
    const { gw, server, relay, recording, advance } = await setup('sqlite');
    const sent = newAudio();
    const sentDigest = await speakIdea(gw, sent);
    await syncRound(relay(), gw.ballots, silent);
    expect(recording(sentDigest)!.ledger_stored_at).not.toBeNull();
    await server.stop();
    const kept = newAudio();
    const keptDigest = await speakIdea(gw, kept);
    await syncRound(relay(), gw.ballots, silent).catch(() => undefined); // the ledger is down: nothing acknowledged
    // Within the grace period both stay (and the test can see audio on disk).
    advance(gw.deployment.sync.recordingGraceMinutes * MINUTE - MINUTE);
    expect((await gw.privacy.sweep()).recordings).toBe(0);
    expect(onDisk(gw, sent)).toBe(true);
    advance(2 * MINUTE);
    expect((await gw.privacy.sweep()).recordings).toBe(1);
    expect(recording(sentDigest)).toBeUndefined();
    expect(onDisk(gw, sent)).toBe(false);
    // Never acknowledged: kept, however long.
    advance(30 * 24 * 60 * MINUTE);
    expect((await gw.privacy.sweep()).recordings).toBe(0);
    expect(recording(keptDigest)).toMatchObject({ ledger_stored_at: null });
    expect(onDisk(gw, kept)).toBe(true);
  });

  it('wait for a ledger older than attachments (no endpoint): the events sync, the recordings stay', async () => {
    const { gw, ledger, recording } = await setup('sqlite');
    const older = express()
      .put('/v1/attachments/:sha256', (_req, res) => void res.status(404).type('text/plain').send('Not found\n'))
      .use(createLedgerApp(ledger, silent));
    const url = await listen(older);
    const digest = await speakIdea(gw, newAudio());
    const relay = new Relay({
      outbox: gw.outbox,
      identity: gw.identity,
      ledgerUrl: url,
      batchSize: 500,
      logger: silent,
      trust: () => ledgerTrust(gw.outbox, {}),
      clock: () => NOW,
    });
    closers.push(() => relay.close());
    const round = await syncRound(relay, gw.ballots, silent);
    expect(round.push).toMatchObject({ accepted: 1, backlog: 0 });
    expect(round.attachments).toEqual({ stored: 0, refused: 0, unsupported: true });
    expect(recording(digest)).toMatchObject({ ledger_stored_at: null, refused_reason: null });
  });

  it('leave a bundle without recordings exactly as older ledgers read it (no attachments in its header)', async () => {
    const gw = testGateway({ clock: () => NOW });
    closers.push(() => gw.db.close());
    const res = await request(gw.app)
      .post(`/africastalking/ussd/${TOKEN}`)
      .type('form')
      .send(ussdBody({ sessionId: 'compat-1', phoneNumber: '+254711000901', text: '1*1*1*3*99*1' }));
    expect(res.text).toMatch(/^(END|CON) Thank you/);
    const file = join(tempDir(), 'votes.bundle');
    expect(exportBundle(gw.outbox, gw.identity, file, undefined, NOW)).toMatchObject({ count: 1, attachments: 0 });
    const header = JSON.parse(gunzipSync(readFileSync(file).subarray(BUNDLE_LINE_BYTES)).toString('utf8').split('\n')[0]!);
    expect(Object.keys(header).sort()).toEqual(['backlog', 'batchId', 'count', 'gatewayId', 'protocol', 'sentAt']);
  });

  it('finds the recordings due through the index on the digest of the events that name one (ideas and reports)', async () => {
    const gw = testGateway();
    closers.push(() => gw.db.close());
    const plan = gw.db.prepare(`EXPLAIN QUERY PLAN ${DUE_RECORDINGS_SQL}`).all({ unacked: 0, limit: 50 }) as { detail: string }[];
    // The partial indexes (audio digest of proposals and reports, migration 0026; photo digest of proposals, 0024) keep votes out of the scan.
    expect(plan.map((p) => p.detail).join('\n')).toMatch(/events_attached_audio/);
    expect(plan.map((p) => p.detail).join('\n')).toMatch(/events_photo/);
  });
});

describe.each(BACKENDS)('the attachment endpoint (%s)', (backend) => {
  it('names every refusal and stores nothing for any of them', async () => {
    const { gw, ledger, relay } = await setup(backend, { ledgerEdit: (raw) => (raw.sync = { ...raw.sync, maxAttachmentBytes: 50_000 }) });
    const audio = newAudio();
    const digest = await speakIdea(gw, audio);
    await relay().pushAll(); // the event, not the recording
    const eventId = gw.db.prepare("SELECT id FROM events WHERE type = 'proposal.submitted'").pluck().get() as string;
    const app = createLedgerApp(ledger, silent);
    const put = (body: Buffer, o: { digest?: string; eventId?: string; signature?: string; headers?: Record<string, string> } = {}) =>
      request(app)
        .put(`/v1/attachments/${o.digest ?? digest}`)
        .set({
          'content-type': 'audio/mpeg',
          'sauti-gateway': gw.gatewayId,
          'sauti-signature': o.signature ?? signAttachment(gw.identity.privateKey, gw.gatewayId, o.eventId ?? eventId, body),
          [ATTACHMENT_EVENT_HEADER]: o.eventId ?? eventId,
          [QUERY_NONCE_HEADER]: randomUUID(),
          ...o.headers,
        })
        .send(body);
    // A proposal (from this gateway) that names a recording with the wrong length.
    const short = newAudio();
    const lying = randomUUID();
    const header = { protocol: 1 as const, gatewayId: gw.gatewayId, batchId: randomUUID(), sentAt: NOW.toISOString(), backlog: 0, count: 1 };
    const payload = { wardId: 'north', category: 'water', title: 'A tank', description: '', reference: 'ABCD-EFGH', audio: { sha256: sha(short), bytes: 5 } };
    const line = {
      id: lying,
      seq: 2,
      type: 'proposal.submitted',
      cycleId: 'c-open',
      voterKey: 'k'.repeat(43),
      channel: 'voice',
      capturedAt: NOW.toISOString(),
      payload,
    };
    expect((await ledger.ingest(header, [line], 'push')).accepted).toHaveLength(1);
    const altered = Buffer.from(audio);
    altered[500]! ^= 1;
    const other = randomUUID();
    const cases: [string, request.Test, number, string][] = [
      ['unsigned', request(app).put(`/v1/attachments/${digest}`).set('content-type', 'audio/mpeg').send(audio), 401, 'unsigned'],
      ['a signature over another event', put(audio, { signature: signAttachment(gw.identity.privateKey, gw.gatewayId, other, audio) }), 403, 'bad-signature'],
      // Signed for the digest it claims, but the bytes are not those: refused by the digest.
      [
        'bytes altered after signing',
        put(altered, { signature: signAttachment(gw.identity.privateKey, gw.gatewayId, eventId, audio) }),
        422,
        'digest-mismatch',
      ],
      ['an event the ledger does not hold', put(audio, { eventId: other }), 409, 'unknown-event'],
      ['a digest no event names', put(altered, { digest: sha(altered) }), 409, 'unknown-event'],
      ['a length other than the event names', put(short, { digest: sha(short), eventId: lying }), 422, 'length-mismatch'],
      ['no nonce', put(audio, { headers: { [QUERY_NONCE_HEADER]: 'x' } }), 400, 'malformed'],
      ['over the limit', put(Buffer.concat([audio, audio]), { digest: sha(Buffer.concat([audio, audio])) }), 413, 'too-large'],
    ];
    for (const [what, req, status, error] of cases) {
      const res = await req;
      expect({ what, status: res.status, error: res.body.error }).toEqual({ what, status, error });
    }
    expect(await ledger.conn.db.selectFrom('ledger_attachments').selectAll().execute()).toEqual([]);
    // And the real upload, as the relay sends it, is taken.
    const ok = await put(audio);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ sha256: digest, status: 'stored', duplicate: false });
  });
});

describe('sauti start with its embedded ledger', () => {
  it('sends the recording through the gateway’s port to the ledger’s thread, and erases it from the gateway after the grace period', async () => {
    const dir = tempDir('sauti-voice-embedded-');
    const config = configWith((raw) => (raw.sync = { intervalSeconds: 1, maxBackoffSeconds: 1, recordingGraceMinutes: 0 }));
    const settings = loadSettings({
      SAUTI_CONFIG: config,
      SAUTI_DB: join(dir, 'gateway.db'),
      SAUTI_CALLBACK_TOKEN: TOKEN,
      SAUTI_VOTER_KEY_SECRET: SECRET,
      SAUTI_GATEWAY_ID: 'gw-embedded',
      PORT: '0',
      LOG_LEVEL: 'silent',
      SAUTI_PROMPTS_DIR: allClips(config),
      ...PROVIDER_ENV,
    });
    const gw = await startGateway(settings, silent);
    let open = true;
    closers.push(() => open && gw.close());
    const audio = newAudio();
    const digest = await speakIdea(gw.url, audio);
    const read = <T>(file: string, query: string) => {
      const db = new Database(file, { readonly: true });
      try {
        return db.prepare(query).get(digest) as T;
      } finally {
        db.close();
      }
    };
    await waitFor(
      'the ledger to hold the recording',
      async () =>
        read<{ n: number }>(settings.dbFile, 'SELECT count(*) AS n FROM voice_recordings WHERE sha256 = ? AND ledger_stored_at IS NOT NULL').n || undefined,
    );
    const ledgerFile = (settings.ledgerStorage as { file: string }).file;
    expect(read<{ n: number }>(ledgerFile, 'SELECT length(audio) AS n FROM ledger_attachments WHERE sha256 = ?').n).toBe(audio.length);
    open = false;
    await gw.close(); // its last privacy sweep erases what the ledger holds (grace 0)
    expect(read<{ n: number }>(settings.dbFile, 'SELECT count(*) AS n FROM voice_recordings WHERE sha256 = ?').n).toBe(0);
    expect(onDisk({ settings } as Gw, audio)).toBe(false);
  }, 60_000);
});

describe('the commands an operator types', () => {
  const CLI = resolve(import.meta.dirname, '../src/cli/main.ts');
  const sauti = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
      encoding: 'utf8',
      env: { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: '', ...env },
    });

  it('carry a spoken idea by bundle and hand its recording to the PB team: sync export, ledger import, ledger attachment, sync import-ack, sync status', async () => {
    const gw = testGateway({ clock: () => NOW });
    closers.push(() => gw.db.close());
    const audio = newAudio();
    const digest = await speakIdea(gw, audio);
    const dir = tempDir('sauti-voice-cli-');
    const gwEnv = { SAUTI_CONFIG: FIXTURE, SAUTI_DB: gw.settings.dbFile, SAUTI_GATEWAY_ID: gw.gatewayId, SAUTI_LEDGER_URL: 'http://127.0.0.1:9' };
    const ledgerEnv = { SAUTI_CONFIG: FIXTURE, SAUTI_LEDGER_DB: join(dir, 'ledger.db') };
    const bundle = join(dir, 'kiboko.bundle');
    expect(sauti(['sync', 'export', '--out', bundle], gwEnv).stdout).toContain('1 event (seq 1–1) and 1 recording');
    expect(sauti(['ledger', 'add-gateway', gw.gatewayId, gw.identity.publicKey], ledgerEnv).status).toBe(0);
    expect(sauti(['ledger', 'import', bundle, '--ack-out', join(dir, 'kiboko.ack')], ledgerEnv).stdout).toContain('1 accepted');
    const out = join(dir, 'idea.mp3');
    const written = sauti(['ledger', 'attachment', digest, '--out', out], ledgerEnv);
    expect(written.stdout).toContain(`${audio.length} bytes, audio/mpeg`);
    expect(readFileSync(out).equals(audio)).toBe(true);
    expect(sauti(['ledger', 'attachment', 'f'.repeat(64), '--out', join(dir, 'none.mp3')], ledgerEnv)).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('holds no recording'),
    });
    const key = sauti(['ledger', 'identity'], ledgerEnv).stdout.match(/ledger key\s+(\S+)/)![1]!;
    expect(sauti(['sync', 'trust-ledger', key], gwEnv).status).toBe(0);
    expect(sauti(['sync', 'import-ack', join(dir, 'kiboko.ack')], gwEnv).stdout).toContain('Recordings: 1 held by the ledger');
    expect(sauti(['sync', 'status'], gwEnv).stdout).toMatch(/recordings\s+0 waiting, 1 held by the ledger/);
  }, 180_000);
});
