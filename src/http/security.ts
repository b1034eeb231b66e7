// What every HTTP response of Sauti carries and how the public endpoints are shielded: security
// headers (helmet), the proxy whose client address is believed, and per-address rate limits.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type express from 'express';
import helmet from 'helmet';
import { rateLimit, type Options } from 'express-rate-limit';
import type { Logger } from 'pino';
import type { TrustProxy } from '../config/env.ts';
import { CONSOLE_STYLE_HASH } from '../../console/style.ts';
import { RESULTS_STYLE_HASH } from './results-page.ts';

/**
 * Helmet on every response: `nosniff` everywhere (JSON, CSV, XML, errors, 404s), and for pages a
 * Content-Security-Policy allowing only this origin — no inline script, the results page's one
 * and the console's inline stylesheets by their hashes — that no other site may frame. No `upgrade-insecure-requests`
 * and no HSTS: a pilot serves plain HTTP on a LAN, and TLS (with its HSTS) is the proxy's.
 *
 * Helmet writes the headers once, at start-up, and each request gets that list: with this
 * configuration they never depend on the request, and helmet's chain of a dozen middlewares on
 * every provider callback was measurable in bench:ussd's profile (docs/benchmarks.md).
 */
export function securityHeaders(headers = helmetHeaders()): express.RequestHandler {
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}

/** The headers helmet sets with Sauti's configuration, read by running it once on a recording response. */
export function helmetHeaders(): readonly (readonly [string, string])[] {
  const set = new Map<string, string>();
  const recorder = { setHeader: (name: string, value: unknown) => set.set(name, String(value)), removeHeader: (name: string) => set.delete(name) };
  let done = false;
  helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", `'sha256-${RESULTS_STYLE_HASH}'`, `'sha256-${CONSOLE_STYLE_HASH}'`],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
  })({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
    done = true;
  });
  // Helmet runs synchronously; if a version ever did not, the list above would be incomplete.
  if (!done || !set.has('X-Content-Type-Options')) throw new Error('helmet did not set its headers synchronously');
  return [...set];
}

/**
 * Which connecting addresses may name the client in X-Forwarded-For (express `trust proxy`).
 * Unset: none, so a client cannot pick its own address (and rate-limit bucket) with that header.
 */
export function trustProxy(app: express.Express, setting: TrustProxy | undefined): void {
  app.set('trust proxy', setting ?? false);
}

/** Headers the gateway adds when it forwards a request to its embedded ledger's thread. */
export const GATEWAY_SECRET_HEADER = 'sauti-gateway-proxy';
export const GATEWAY_CLIENT_HEADER = 'sauti-client-address';
/** Whether the client reached the gateway over https, as the gateway resolved it: the console's cookies are Secure then. */
export const GATEWAY_PROTO_HEADER = 'sauti-client-proto';

/**
 * The three headers by which the embedded ledger's thread knows a request came through its gateway
 * (`secret`), and for which client (`client`, over `proto`): on each forwarded request, and on the
 * gateway's own sync requests sent straight to the thread's port (as 127.0.0.1 over http).
 */
export function fromGateway(secret: string, client: string, proto: string): Record<string, string> {
  return { [GATEWAY_SECRET_HEADER]: secret, [GATEWAY_CLIENT_HEADER]: client, [GATEWAY_PROTO_HEADER]: proto };
}

/**
 * For the embedded ledger, reached only through the gateway that runs it (src/http/embedded-ledger.ts):
 * a request is served only if it carries that gateway's secret, and its client address (for the
 * rate limits) is the one the gateway resolved with its own `trust proxy`, sent out of band. Any
 * other caller of the loopback port — a local process, a client's X-Forwarded-For — gets 403.
 */
export function clientFromGateway(secret: string): express.RequestHandler {
  const expected = Buffer.from(secret);
  return (req, res, next) => {
    const given = Buffer.from(req.get(GATEWAY_SECRET_HEADER) ?? '');
    const client = req.get(GATEWAY_CLIENT_HEADER) ?? '';
    if (given.length !== expected.length || !timingSafeEqual(given, expected) || !isIP(client)) {
      res.status(403).type('text/plain; charset=utf-8').send('This ledger answers only through its gateway.\n');
      return;
    }
    // Shadows express's `req.ip` getter for this request: the rate limiter keys on it.
    Object.defineProperty(req, 'ip', { value: client, configurable: true, enumerable: true });
    // And `req.secure`: the console marks its cookies Secure when the client used https.
    Object.defineProperty(req, 'secure', { value: req.get(GATEWAY_PROTO_HEADER) === 'https', configurable: true, enumerable: true });
    next();
  };
}

/** Requests per minute one client address may make to a public endpoint. */
export const DEFAULT_PUBLIC_LIMIT = 120;

/**
 * A per-address limit of `perMinute` requests a minute (the client address as `trust proxy`
 * resolves it); past it, 429 with Retry-After and `answer`'s body. Counted in this process.
 */
export function publicRateLimit(perMinute: number, logger: Logger, answer: (res: express.Response) => void): express.RequestHandler {
  const options: Partial<Options> = {
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, res) => answer(res.status(429)),
    // Its start-up checks (e.g. X-Forwarded-For seen but no proxy trusted) go to our log, one line each.
    logger: {
      warn: (e) => logger.warn({ component: 'http', code: (e as { code?: string }).code }, (e as Error).message),
      error: (e) => logger.warn({ component: 'http', code: (e as { code?: string }).code }, (e as Error).message),
    },
  };
  return rateLimit(options);
}
