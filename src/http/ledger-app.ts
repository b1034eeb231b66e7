// The ledger's HTTP face: gateways push signed batches and download the ballot; anyone can
// check a receipt and see the gateways' sync health; the PB team signs in to /console. Errors
// under /v1 are `{ error, message }` JSON.
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { declaredDay } from '../domain/cycle.ts';
import { SautiError } from '../domain/errors.ts';
import {
  ANSWER_SIGNATURE_HEADER,
  ATTACHMENT_EVENT_HEADER,
  ballotStandingRequestSchema,
  contentTypeSchema,
  QUERY_NONCE_HEADER,
  queryNonce,
  decodeBatch,
  MAX_BODY_BYTES,
  REFUSALS,
  SHA256_HEX,
  verifyAttachment,
  type Refusal,
} from '../domain/protocol.ts';
import { PHOTO_DIGEST } from '../domain/photo.ts';
import type { Ledger } from '../../ledger/ledger.ts';
import { feedCursor } from '../../ledger/feed.ts';
import { fileNameOf, IMPLEMENTATION_FILES, implementationCsv, implementationJson, isOpenDataFile, lateCsv, openDataNames } from '../../ledger/open-data.ts';
import { surveyCsv } from '../../ledger/survey-export.ts';
import type { Lang } from '../config/schema.ts';
import type { TrustProxy } from '../config/env.ts';
import { consoleRouter, type ConsoleOptions } from './console-app.ts';
import { requestErrors } from './errors.ts';
import { renderCycle, renderIndex, tooManyRequests } from './results-page.ts';
import { publicIdeas } from '../../console/public-ideas.ts';
import { clientFromGateway, DEFAULT_PUBLIC_LIMIT, publicRateLimit, securityHeaders, trustProxy } from './security.ts';

/** Off the event loop, in libuv's thread pool: a 64 MB batch must not stall every other request. */
const gunzipAsync = promisify(gunzip);

/** How the public endpoints are shielded; the defaults suit a ledger reached directly. */
export interface PublicOptions {
  /** Requests per minute per client address on /results and on /v1/receipts. */
  publicRateLimit?: number;
}

const CODES: Record<string, Refusal> = {
  'sync.unknown_gateway': 'unknown-gateway',
  'sync.bad_signature': 'bad-signature',
  'sync.replayed': 'replayed',
  'sync.malformed': 'malformed',
  'sync.seq_conflict': 'seq-conflict',
  'sync.too_large': 'too-large',
};

/** Routes under /v1; mounted on its own server (`sauti ledger`) or beside a gateway (`sauti start`). */
export function ledgerRouter(ledger: Ledger, logger: Logger, options: PublicOptions = {}): express.Router {
  const router = express.Router();
  // A refusal sent before the body was read closes the connection: the rest of the upload is never read.
  const refuse = (res: Response, error: Refusal, message: string) =>
    (res.req.complete ? res : res.set('Connection', 'close')).status(REFUSALS[error]).json({ error, message });
  // Gateways with a batch being received or ingested here: one at a time each, so a gateway (or
  // someone using its id) holds at most one body in memory.
  const uploading = new Set<string>();

  router.post('/v1/batches', async (req, res) => {
    const arrivedAt = ledger.now();
    const gatewayId = req.get('sauti-gateway');
    const signature = req.get('sauti-signature');
    if (!gatewayId || !signature) return refuse(res, 'unsigned', 'a batch needs the Sauti-Gateway and Sauti-Signature headers');
    const tooLarge = `a batch body may be at most ${MAX_COMPRESSED_BYTES / 1024 / 1024} MB compressed`;
    if (Number(req.get('content-length') ?? 0) > MAX_COMPRESSED_BYTES) return refuse(res, 'too-large', tooLarge);
    if (uploading.has(gatewayId)) {
      res.set('Retry-After', '1');
      return refuse(res, 'busy', `a batch from ${gatewayId} is still being received or ingested; send the next one after its answer`);
    }
    // Taken before the first await, released once the answer is handed to the OS (before the
    // gateway can send its next batch) or the connection drops.
    uploading.add(gatewayId);
    const release = () => uploading.delete(gatewayId);
    res.on('finish', release).on('close', release);
    // Registration before the body: a stranger's upload is refused before a byte of it is held.
    const key = await ledger.gatewayKey(gatewayId);
    // The signature covers the bytes as sent (compressed), so the body is read raw, not inflated.
    const body = await readBody(req, MAX_COMPRESSED_BYTES);
    if (!body) return refuse(res, 'too-large', tooLarge);
    ledger.verify(gatewayId, key, body, signature);
    let text: string;
    const encoding = (req.get('content-encoding') ?? 'identity').trim().toLowerCase();
    // Gateways send gzip (or nothing): another coding would be read as text and refused line by line.
    if (encoding !== 'gzip' && encoding !== 'identity')
      return refuse(res, 'malformed', `Content-Encoding '${encoding.slice(0, 20)}' is not read here: send gzip or none`);
    try {
      text = (encoding === 'gzip' ? await gunzipAsync(body, { maxOutputLength: MAX_BODY_BYTES }) : body).toString('utf8');
    } catch {
      return refuse(res, 'malformed', 'the body is not valid gzip (or decompresses past 64 MB)');
    }
    const { header, lines } = decodeBatch(text);
    if (header.gatewayId !== gatewayId) return refuse(res, 'malformed', `header.gatewayId is ${header.gatewayId} but the batch is signed as ${gatewayId}`);
    const answer = await ledger.ingest(header, lines, 'push', arrivedAt);
    logger.info(
      {
        component: 'ledger',
        gatewayId,
        batchId: header.batchId,
        accepted: answer.accepted.length,
        duplicates: answer.duplicates.length,
        rejected: answer.rejected.length,
        gaps: answer.gaps.length,
      },
      'batch ingested',
    );
    // Signed over the exact bytes sent: the gateway verifies these bytes, never a re-encoding.
    const bytes = Buffer.from(JSON.stringify(answer), 'utf8');
    res.set(ANSWER_SIGNATURE_HEADER, await ledger.signAnswer(gatewayId, header.batchId, bytes));
    res.type('application/json').send(bytes);
  });

  // A spoken idea's recording, after the event that names it: the raw bytes, under the digest the
  // event carries. The gateway signs its claim (gateway, event, digest); the bytes must hash to
  // that digest. The answer is signed for the upload's nonce: only it lets the gateway erase the recording.
  router.put('/v1/attachments/:sha256', async (req, res) => {
    const gatewayId = req.get('sauti-gateway');
    const signature = req.get('sauti-signature');
    if (!gatewayId || !signature) return refuse(res, 'unsigned', 'an attachment needs the Sauti-Gateway and Sauti-Signature headers');
    const sha256 = String(req.params.sha256);
    const eventId = (req.get(ATTACHMENT_EVENT_HEADER) ?? '').toLowerCase();
    const asked = queryNonce(gatewayId, req.get(QUERY_NONCE_HEADER));
    const type = contentTypeSchema.safeParse((req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase());
    if (!SHA256_HEX.test(sha256)) return refuse(res, 'malformed', 'the path names the recording by its SHA-256: 64 lower-case hex digits');
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(eventId))
      return refuse(res, 'malformed', 'Sauti-Event must be the id (UUID) of the proposal or report that names the recording');
    if (!asked) return refuse(res, 'malformed', 'Sauti-Nonce must be a fresh UUID: the answer is signed for it');
    if (!type.success) return refuse(res, 'malformed', 'Content-Type must be the recording’s media type, e.g. audio/mpeg');
    const max = ledger.deployment().sync.maxAttachmentBytes;
    const tooLarge = (bytes: string) => {
      const detail = `the recording is ${bytes} bytes; this ledger takes at most ${max} (sync.maxAttachmentBytes)`;
      ledger.logAttachmentRefusal({ gatewayId, eventId, sha256, reason: 'too-large', source: 'push' }, detail);
      return refuse(res, 'too-large', detail);
    };
    // The claim is signed, not the bytes: it is checked before a byte of the body is read.
    const key = await ledger.gatewayKey(gatewayId);
    if (!verifyAttachment(key, gatewayId, eventId, sha256, signature))
      return refuse(res, 'bad-signature', `the signature is not gateway ${gatewayId}'s over this event and digest`);
    if (Number(req.get('content-length') ?? 0) > max) return tooLarge(String(req.get('content-length')));
    const audio = await readBody(req, max);
    if (!audio) return tooLarge(`more than ${max}`);
    const outcome = await ledger.storeAttachment({ gatewayId, eventId, sha256, contentType: type.data, audio }, 'push');
    if (outcome.status === 'refused') return refuse(res, outcome.reason, outcome.detail);
    const bytes = Buffer.from(JSON.stringify({ sha256, status: 'stored', duplicate: outcome.duplicate }), 'utf8');
    res.set(ANSWER_SIGNATURE_HEADER, await ledger.signAnswer(gatewayId, asked.nonce, bytes, 'attachment'));
    res.type('application/json').send(bytes);
  });

  // A gateway's question (it names itself and a fresh nonce) gets an answer signed for it, as a
  // batch answer is: what it then tells a resident is the ledger's word. Anyone else gets it plain.
  const sendAnswer = async (req: Request, res: Response, status: number, value: unknown) => {
    const bytes = Buffer.from(JSON.stringify(value), 'utf8');
    const asked = queryNonce(req.get('sauti-gateway'), req.get(QUERY_NONCE_HEADER));
    if (asked) res.set(ANSWER_SIGNATURE_HEADER, await ledger.signAnswer(asked.gatewayId, asked.nonce, bytes, 'query'));
    res.status(status).type('application/json').send(bytes);
  };

  // The ballot a gateway shows residents and checks votes against: signed for the gateway that
  // asks (a "not modified" too), so nobody on the link can hand it other projects or costs.
  router.get('/v1/ballot', async (req, res) => {
    const published = await ledger.publishedBallot();
    const etag = `"${published.version}"`;
    res.set('ETag', etag);
    if (req.get('if-none-match') !== etag) return sendAnswer(req, res, 200, published);
    const asked = queryNonce(req.get('sauti-gateway'), req.get(QUERY_NONCE_HEADER));
    if (asked) res.set(ANSWER_SIGNATURE_HEADER, await ledger.signAnswer(asked.gatewayId, asked.nonce, Buffer.alloc(0), 'query'));
    res.status(304).end();
  });

  // Winning projects' implementation updates after a chain entry, oldest first: gateways ask with
  // a nonce and believe only the signed answer, since they text residents what it says.
  // Notices (a proposal's new status) likewise: the gateway holding the proposer texts what it says.
  const feed = (path: string, read: (after: number) => Promise<unknown>) =>
    router.get(path, async (req, res) => {
      const after = feedCursor(req.query.after);
      if (after === null) return refuse(res, 'malformed', 'after must be a chain entry number (0: from the start)');
      await sendAnswer(req, res, 200, await read(after));
    });
  feed('/v1/implementation', (after) => ledger.implementationFeed(after));
  feed('/v1/notices', (after) => ledger.noticesFeed(after));

  router.get('/v1/gateways', async (_req, res) => {
    res.json({ gateways: await ledger.gateways() });
  });

  // Anyone may look a receipt up: each address a bounded number of times a minute.
  const receiptLimit = publicRateLimit(options.publicRateLimit ?? DEFAULT_PUBLIC_LIMIT, logger, (res) =>
    res.json({ error: 'rate-limited', message: 'too many receipt lookups from this address; try again after the time in Retry-After' }),
  );
  router.get('/v1/receipts/:code', receiptLimit, async (req, res) => {
    const code = String(req.params.code);
    if (!/^[A-Za-z0-9 -]{4,24}$/.test(code))
      return res.status(400).json({ error: 'malformed', message: 'a receipt code is letters and digits, e.g. P3HTS-QEME4' });
    const view = await ledger.receipt(code);
    await sendAnswer(req, res, view.found ? 200 : 404, view);
  });

  // Where a gateway's votes stand now (counted, replaced, superseded): what it tells residents follows it.
  router.post('/v1/ballots/standing', express.json({ limit: '64kb' }), async (req, res) => {
    const parsed = ballotStandingRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return refuse(res, 'malformed', `${issue.path.map(String).join('.') || 'body'}: ${issue.message}`);
    }
    await sendAnswer(req, res, 200, { ballots: await ledger.ballotStanding(parsed.data.ids) });
  });

  router.use('/v1', (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (err instanceof SautiError && CODES[err.code]) return refuse(res, CODES[err.code]!, err.message);
    next(err);
  });
  router.use(
    '/v1',
    requestErrors(logger, { component: 'ledger', format: 'json', internal: 'the ledger could not process this request; it is safe to resend' }),
  );
  return router;
}

const MAX_COMPRESSED_BYTES = 16 * 1024 * 1024;

/** The request body as sent, or null past `limit` bytes. */
async function readBody(req: Request, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The public results: an HTML page per cycle and, once published, the open data files. */
export function resultsRouter(ledger: Ledger, logger: Logger, options: PublicOptions = {}): express.Router {
  const router = express.Router();
  const langOf = (req: Request): Lang => {
    const d = ledger.deployment();
    const asked = String(req.query.lang ?? '');
    return d.languages.some((l) => l.code === asked) ? (asked as Lang) : (d.defaultLanguage ?? d.languages[0]!.code);
  };
  const cycleOf = (id: string) => ledger.deployment().cycles.find((c) => c.id === id);
  const notFound = (res: Response, message: string) => res.status(404).type('text/plain; charset=utf-8').send(`${message}\n`);

  // Pages and files alike: each address a bounded number of times a minute.
  router.use(
    '/results',
    publicRateLimit(options.publicRateLimit ?? DEFAULT_PUBLIC_LIMIT, logger, (res) =>
      res.type('text/plain; charset=utf-8').send(`${tooManyRequests(langOf(res.req))}\n`),
    ),
  );

  router.get('/results', async (req, res) => {
    const published = new Set((await ledger.publishedCycles()).map((c) => c.cycleId));
    res.type('html').send(renderIndex(ledger.deployment(), langOf(req), published, ledger.now()));
  });

  router.get('/results/:cycle', async (req, res) => {
    const cycle = cycleOf(String(req.params.cycle));
    if (!cycle) return notFound(res, `No cycle '${req.params.cycle}'. See /results for the list.`);
    const published = (await ledger.publishedCycles()).some((c) => c.cycleId === cycle.id);
    const view = published
      ? await ledger.results(cycle.id)
      : {
          cycleId: cycle.id,
          name: cycle.name,
          votingClosed: cycle.phases.voting.closes.toISOString(),
          turnout: await ledger.turnout(cycle.id),
          publishedAt: null,
        };
    const now = ledger.now();
    // Before the vote opens, the ideas received and their review (counts; approved titles only).
    const ideas =
      !published && !cycle.results && now < cycle.phases.voting.opens
        ? await publicIdeas(
            ledger.conn.db,
            cycle.id,
            ledger.deployment().wards.map((w) => w.id),
          )
        : undefined;
    res.type('html').send(
      renderCycle(ledger.deployment(), view, langOf(req), published ? await ledger.lateBallots(cycle.id) : undefined, await ledger.implementation(cycle.id), {
        now,
        ...(ideas ? { ideas } : {}),
      }),
    );
  });

  // A public survey's answers, per ward (`<ward>.csv`) or all (`all.csv`), once the survey has
  // closed: a file that grew while officers went door to door would tie each new row to a visit.
  router.get('/results/surveys/:survey/:file', async (req, res) => {
    const d = ledger.deployment();
    const survey = d.surveys.find((s) => s.id === String(req.params.survey) && s.public);
    if (!survey) return notFound(res, `No public survey '${req.params.survey}'.`);
    const ward = /^([a-z0-9][a-z0-9-]{0,39})\.csv$/.exec(String(req.params.file))?.[1];
    if (!ward || (ward !== 'all' && !d.wards.some((w) => w.id === ward))) return notFound(res, `No file '${req.params.file}': all.csv or <ward>.csv.`);
    if (Date.now() < survey.closes.getTime())
      return notFound(res, `The answers of ${survey.id} are published once it closes (${survey.closes.toISOString()}).`);
    const { csv } = await surveyCsv(ledger.conn.db, survey, ward === 'all' ? undefined : ward);
    return res.type('text/csv; charset=utf-8').attachment(`survey-${survey.id}-${ward}.csv`).send(csv);
  });

  // A milestone photo by its SHA-256: the digest is the update's chained `photo`, so the bytes never
  // change under an address and any cache may keep them for good. Its type is the one its bytes
  // were checked to be (nosniff on every response, securityHeaders).
  router.get('/results/photos/:sha256', async (req, res) => {
    const sha = String(req.params.sha256);
    const photo = PHOTO_DIGEST.test(sha) ? await ledger.photo(sha) : undefined;
    if (!photo) return notFound(res, 'No such photo.');
    const etag = `"${photo.sha256}"`;
    res.set({ 'Cache-Control': 'public, max-age=31536000, immutable', ETag: etag });
    if (req.get('if-none-match') === etag) return res.status(304).end();
    return res.type(photo.contentType).set('Content-Disposition', 'inline').send(photo.data);
  });

  router.get('/results/:cycle/:file', async (req, res) => {
    const d = ledger.deployment();
    const cycle = cycleOf(String(req.params.cycle));
    const file = String(req.params.file);
    // Names are checked against the deployment before the ledger is asked anything.
    if (!cycle) return notFound(res, `No cycle '${req.params.cycle}'.`);
    if ((IMPLEMENTATION_FILES as readonly string[]).includes(file)) {
      // Open from publication on, and growing with every update: made from the ledger each time.
      const updates = await ledger.implementation(cycle.id);
      if (file === 'implementation.json')
        return res.type('application/json').send(
          JSON.stringify(
            implementationJson(
              cycle.id,
              updates,
              d.languages.map((l) => l.code),
            ),
          ),
        );
      return res.type('text/csv; charset=utf-8').attachment(`${cycle.id}-implementation.csv`).send(implementationCsv(d, updates));
    }
    if (!isOpenDataFile(d, file)) return notFound(res, `No file '${file}'. There are ${[...openDataNames(d), ...IMPLEMENTATION_FILES].join(', ')}.`);
    // A cycle whose results the deployment file gives (published before this ledger) has no ballots here to export.
    const notYet = () =>
      notFound(
        res,
        cycle.results
          ? `The results of ${cycle.id} were published on ${declaredDay(d, cycle.results.published)}, before this ledger: they come from the deployment file, and its ballots and open data are not held here.`
          : `The results of ${cycle.id} are not published yet; open data follows publication.`,
      );
    if (file === 'late.csv') {
      if (!(await ledger.publishedCycles()).some((c) => c.cycleId === cycle.id)) return notYet();
      return res
        .type('text/csv; charset=utf-8')
        .attachment(`${cycle.id}-late.csv`)
        .send(lateCsv(cycle.id, await ledger.lateBallots(cycle.id)));
    }
    // The bytes frozen at publication: nothing is counted or exported again.
    const frozen = await ledger.publishedFile(cycle.id, file, langOf(req));
    if (!frozen.published) return notYet();
    if (!frozen.file) return notFound(res, `No file '${file}' in ${cycle.id}: no project of that ward was on its ballot.`);
    if (!file.endsWith('.json')) res.attachment(fileNameOf(cycle.id, file, true));
    return res.type(frozen.file.type).send(frozen.file.body);
  });

  router.use(
    '/results',
    requestErrors(logger, { component: 'ledger', format: 'text', internal: 'The results could not be shown just now. Please try again.' }),
  );
  return router;
}

/** How a standalone ledger is reached: the proxy trusted for client addresses, and the public limits. */
export interface LedgerAppOptions extends PublicOptions {
  trustProxy?: TrustProxy;
  /** The embedded ledger's thread: served only to its gateway, which names each client (see clientFromGateway). */
  gatewaySecret?: string;
  /** The PB team's console at /console (src/http/console-app.ts). */
  console?: ConsoleOptions;
}

/** A standalone ledger server. */
export function createLedgerApp(ledger: Ledger, logger: Logger, options: LedgerAppOptions = {}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  trustProxy(app, options.trustProxy);
  if (options.gatewaySecret) app.use(clientFromGateway(options.gatewaySecret));
  app.use(securityHeaders());
  app.get('/health', (_req, res) => res.json({ ok: true, service: 'ledger' }));
  app.use(ledgerRouter(ledger, logger, options));
  app.use(resultsRouter(ledger, logger, options));
  app.use(consoleRouter(ledger, logger, options.console));
  app.use((_req, res) => {
    res.status(404).type('text/plain; charset=utf-8').send('Not found\n');
  });
  app.use(requestErrors(logger, { component: 'ledger', format: 'text', internal: 'Internal error' }));
  return app;
}
