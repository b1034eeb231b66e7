// Answers every adapter gives the same way: a malformed body names its bad fields (for the
// operator reading the provider's logs), and never echoes values or a stack trace. Written with
// node's own response methods, so they serve express routes and the gateway's lane alike.
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { z } from 'zod';

/** 400 naming the invalid or missing fields; logs the field names only. */
export function badRequest(res: ServerResponse, issues: z.core.$ZodIssue[], log: Logger, what: string): void {
  const fields = [...new Set(issues.map((i) => String(i.path[0] ?? 'body')))];
  log.warn({ fields }, `malformed ${what}`);
  sendPlain(res, 400, `Bad request: invalid or missing ${fields.join(', ')}`);
}

/** 403 for a request that is not from the provider (token or signature). */
export function forbidden(res: ServerResponse, log: Logger, why: string): void {
  log.warn(why);
  sendPlain(res, 403, 'Forbidden');
}

/**
 * A provider callback's plain-text answer (a USSD screen, an empty 200). Written directly, not
 * with `res.send`: a provider never revalidates a POST's answer, so the ETag `send` computes (a
 * SHA-1 of every body) and its freshness check were work for nothing on the busiest route.
 */
export function sendPlain(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(body);
}
