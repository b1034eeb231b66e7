// The one answer to a request that failed, for every app (gateway, ledger, results): the client's
// fault gets its 4xx and a short reason, ours gets a 500; neither ever shows a stack trace.
import type { ServerResponse } from 'node:http';
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';

/** What a client did wrong, as answered: status, a stable error code and a short reason. */
export interface ClientFault {
  status: number;
  error: 'malformed' | 'too-large' | 'bad-request';
  message: string;
}

/** The answer to a request error that is the client's fault; undefined when the fault is ours. */
export function clientFault(err: unknown): ClientFault | undefined {
  const e = (err ?? {}) as { type?: string; status?: number; statusCode?: number; code?: string; message?: string };
  // The client went away mid-body (a dropped link, a cut upload): its fault, not ours; nobody hears the answer.
  if (e.code === 'ECONNRESET' && e.message === 'aborted') return { status: 400, error: 'malformed', message: 'the request ended before its body was read' };
  if (e.type === 'entity.too.large') return { status: 413, error: 'too-large', message: 'the request body is too large for this address' };
  if (e.type === 'entity.parse.failed') return { status: 400, error: 'malformed', message: 'body: not valid JSON' };
  const status = e.status ?? e.statusCode;
  // Any other refusal of the body parsers (an unsupported charset or encoding: 415).
  if (e.type) return { status: status && status >= 400 && status < 500 ? status : 400, error: 'malformed', message: 'body: could not be read' };
  // express's router decoding a path parameter: `/results/%E0%A4%A` is the client's typo, not our bug.
  if (err instanceof URIError)
    return { status: 400, error: 'malformed', message: 'the address has a malformed percent-encoding (a % not followed by a valid UTF-8 sequence)' };
  if (status && status >= 400 && status < 500) return { status, error: 'bad-request', message: 'the request could not be read' };
  return undefined;
}

/** How an app answers its failed requests: JSON or plain text, and the words for a fault of ours. */
export interface ErrorAnswer {
  component: string;
  format: 'json' | 'text';
  internal: string;
}

/**
 * Express error handler: JSON `{ error, message }` (APIs) or plain text (pages, provider
 * callbacks). A client fault is logged as one line without stack or URL (a callback URL carries
 * the provider token); a fault of ours is logged with its error and answered `internal`.
 */
export function requestErrors(logger: Logger, o: ErrorAnswer): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    answerError(logger, o, err, res);
  };
}

/** The answer to a failed request, with node's own response methods (express routes and the gateway's lane). */
export function answerError(logger: Logger, o: ErrorAnswer, err: unknown, res: ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const fault = clientFault(err);
  if (fault) {
    logger.info({ component: o.component, status: fault.status, reason: fault.error }, `request refused: ${fault.message}`);
    // A refusal sent before the body was read closes the connection: the rest is never read.
    if (!res.req.complete) res.setHeader('Connection', 'close');
    if (o.format === 'json') write(res, fault.status, 'application/json; charset=utf-8', JSON.stringify({ error: fault.error, message: fault.message }));
    else write(res, fault.status, 'text/plain; charset=utf-8', `${fault.status === 413 ? 'Too large' : 'Bad request'}: ${fault.message}\n`);
    return;
  }
  logger.error({ component: o.component, err: { type: (err as Error)?.name, message: (err as Error)?.message } }, 'request failed');
  if (o.format === 'json') write(res, 500, 'application/json; charset=utf-8', JSON.stringify({ error: 'internal', message: o.internal }));
  else write(res, 500, 'text/plain; charset=utf-8', `${o.internal}\n`);
}

function write(res: ServerResponse, status: number, type: string, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.end(body);
}
