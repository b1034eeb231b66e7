// The gateway's HTTP surface: adapters mounted explicitly, plus health and error handling that
// never leaks a stack trace to a provider or a resident.
import express, { type ErrorRequestHandler } from 'express';
import type { Adapter, AdapterDeps } from '../../adapters/types.ts';

/** Builds the express app from registered adapters. */
export function createApp(adapters: readonly Adapter[], deps: AdapterDeps, info: { gatewayId: string }, mounts: readonly express.Router[] = []) {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
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
