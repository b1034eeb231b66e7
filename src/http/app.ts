// The gateway's HTTP surface: adapters mounted explicitly, plus health and error handling that
// never leaks a stack trace to a provider or a resident.
import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import type { Adapter, AdapterDeps } from '../../adapters/types.ts';
import type { TrustProxy } from '../config/env.ts';
import type { StoreProblem } from '../store/write-probe.ts';
import { requestErrors } from './errors.ts';
import { Lanes } from './lanes.ts';
import { helmetHeaders, securityHeaders, trustProxy } from './security.ts';

/** What the app says about itself: its id, and (for `/healthz`) whether the store can write now. */
export interface AppInfo {
  gatewayId: string;
  storeProblem?: () => Promise<StoreProblem | undefined>;
  /** The reverse proxies whose X-Forwarded-For names the client (SAUTI_TRUST_PROXY); none when unset. */
  trustProxy?: TrustProxy;
}

/** Builds the express app from registered adapters. */
export function createApp(adapters: readonly Adapter[], deps: AdapterDeps, info: AppInfo, mounts: readonly express.Router[] = []) {
  const app = express();
  app.disable('x-powered-by');
  trustProxy(app, info.trustProxy);
  // One list of helmet's headers, for express's routes and the lane's alike.
  const headers = helmetHeaders();
  app.use(securityHeaders(headers));
  const errors = { component: 'http', format: 'text', internal: 'Internal error' } as const;
  const lanes = new Lanes(deps.logger, errors, headers);
  // 503 when a vote could not be stored now (disk full, read-only), so a proxy takes this gateway out.
  app.get('/healthz', async (_req, res) => {
    const problem = await info.storeProblem?.();
    if (problem) {
      deps.logger.error({ component: 'health', reason: problem.reason, err: { message: problem.message } }, 'the store cannot write');
      res.status(503).json({ ok: false, gatewayId: info.gatewayId, ...problem });
      return;
    }
    res.json({ ok: true, gatewayId: info.gatewayId });
  });
  const router = express.Router();
  for (const adapter of adapters) {
    adapter.mount(router, deps);
    for (const route of adapter.lanes?.(deps) ?? []) {
      lanes.add(route);
      // The paths the lane does not take exactly (a trailing slash, other letter case) reach the same handler here.
      router.post([route.path, `${route.path}/:token`], route.body as express.RequestHandler, (req, res, next) => {
        route.handle({ body: req.body as unknown, token: (req.params as { token?: string }).token }, res).catch(next);
      });
    }
  }
  app.use(router);
  for (const m of mounts) app.use(m);
  app.use((_req, res) => {
    res.status(404).type('text/plain; charset=utf-8').send('Not found');
  });
  app.use(requestErrors(deps.logger, errors));
  // The lane answers its routes before express touches the request; everything else is express's.
  // Through `handle`, which the app function, `listen` and supertest all call.
  // (`handle` is express's own entry point; its types leave it out.)
  const entry = app as unknown as { handle: (req: IncomingMessage, res: ServerResponse, next?: () => void) => void };
  const viaExpress = entry.handle.bind(app);
  entry.handle = (req, res, next) => {
    if (!lanes.serve(req, res)) viaExpress(req, res, next);
  };
  return app;
}
