// The gateway's lane: the provider callbacks residents wait on most (a USSD hop, every few
// seconds of every session) are answered without express. Express's own work on a request —
// giving req and res its prototypes, the router's walk — was about half of a USSD hop's CPU in
// bench:ussd (callgrind: ~570,000 instructions a request in express, ~110,000 in node's http;
// docs/benchmarks.md). A lane route keeps everything else a route has: the same body reader
// (body-parser's, with its limits and refusals), helmet's headers, and the same answers to a
// malformed address or body as the express error handler. Paths the lane does not take exactly
// (a trailing slash, other letter case) still reach the same handler through the router.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { LaneRoute } from '../../adapters/types.ts';
import { answerError, type ErrorAnswer } from './errors.ts';

export class Lanes {
  private readonly routes: LaneRoute[] = [];

  constructor(
    private readonly logger: Logger,
    private readonly errors: ErrorAnswer,
    private readonly headers: readonly (readonly [string, string])[],
  ) {}

  add(route: LaneRoute): void {
    this.routes.push(route);
  }

  /** Answers `req` if it is a POST to a lane route's path (with or without its token); false otherwise. */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'POST' || this.routes.length === 0) return false;
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    for (const route of this.routes) {
      const segment = tokenSegment(path, route.path);
      if (segment === null) continue;
      this.answer(route, segment, req, res);
      return true;
    }
    return false;
  }

  private answer(route: LaneRoute, segment: string | undefined, req: IncomingMessage, res: ServerResponse): void {
    for (const [name, value] of this.headers) res.setHeader(name, value);
    const fail = (err: unknown) => answerError(this.logger, this.errors, err, res);
    let token: string | undefined;
    try {
      // As express decodes a path parameter: a malformed %-sequence is the client's 400.
      token = segment === undefined ? undefined : decodeURIComponent(segment);
    } catch (err) {
      return fail(err);
    }
    route.body(req, res, (err) => {
      if (err) return fail(err);
      route.handle({ body: (req as { body?: unknown }).body, token }, res).catch(fail);
    });
  }
}

/**
 * The token segment of `path` under `base`: undefined for `base` itself, the segment for
 * `base/<segment>`, null when `path` is neither (another route, a trailing slash, a deeper path).
 */
export function tokenSegment(path: string, base: string): string | undefined | null {
  if (!path.startsWith(base)) return null;
  if (path.length === base.length) return undefined;
  if (path.charCodeAt(base.length) !== 47 /* / */ || path.length === base.length + 1) return null;
  return path.indexOf('/', base.length + 1) < 0 ? path.slice(base.length + 1) : null;
}
