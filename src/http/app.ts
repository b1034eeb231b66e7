// The gateway's HTTP surface: adapters mounted explicitly, plus health and error handling that
// never leaks a stack trace to a provider or a resident.
import express, { type ErrorRequestHandler } from 'express';
import type { Adapter, AdapterDeps } from '../../adapters/types.ts';
import type { StoreProblem } from '../store/write-probe.ts';

/** What the app says about itself: its id, and (for `/healthz`) whether the store can write now. */
export interface AppInfo {
  gatewayId: string;
  storeProblem?: () => Promise<StoreProblem | undefined>;
}

/** Builds the express app from registered adapters. */
export function createApp(adapters: readonly Adapter[], deps: AdapterDeps, info: AppInfo, mounts: readonly express.Router[] = []) {
  const app = express();
  app.disable('x-powered-by');
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
  for (const adapter of adapters) adapter.mount(router, deps);
  app.use(router);
  for (const m of mounts) app.use(m);
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('Not found');
  });
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const e = err as { type?: string; status?: number };
    if (e.type === 'entity.too.large') {
      res.status(413).type('text/plain').send('Request body too large');
      return;
    }
    if (e.status && e.status >= 400 && e.status < 500) {
      res.status(400).type('text/plain').send('Bad request: the body could not be read');
      return;
    }
    deps.logger.error({ component: 'http', err: { type: (err as Error)?.name, message: (err as Error)?.message } }, 'unhandled request error');
    res.status(500).type('text/plain').send('Internal error');
  };
  app.use(onError);
  return app;
}
