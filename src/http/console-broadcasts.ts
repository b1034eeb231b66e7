// The console's broadcast routes (console/broadcasts.ts), mounted by consoleRouter behind its
// session and CSRF checks: every role reads the list; coordinators and admins preview (GET,
// nothing saved) and send (POST: one audit entry and one notice for gateways).
import type express from 'express';
import type { Request, Response } from 'express';
import { listBroadcasts } from '../../ledger/broadcasts.ts';
import { broadcastPreviewPage, broadcastsPage } from '../../console/broadcast-pages.ts';
import { audienceEstimate, BroadcastError, broadcastCosts, broadcastPrice, parseBroadcast, sendBroadcast } from '../../console/broadcasts.ts';
import { labelsFor } from '../../console/labels.ts';
import type { ConsoleRouteContext } from './console-route-context.ts';

/** The form's fields as typed (strings only), to show them again. */
const typed = (src: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(src).filter(([k, v]) => k !== '_csrf' && typeof v === 'string')) as Record<string, string>;

export function mountBroadcastRoutes(router: express.Router, ctx: ConsoleRouteContext): void {
  const { ledger, log } = ctx;
  const db = ledger.conn.db;

  const refuse = async (req: Request, res: Response, err: BroadcastError, values: Record<string, string>) => {
    const frame = ctx.frame(req, { kind: 'err', text: err.message });
    res
      .status(400)
      .type('html')
      .send(broadcastsPage(frame, await listBroadcasts(db), { values, error: { field: err.field, text: err.message } }));
  };

  router.get('/console/broadcasts', ctx.allowed('read'), async (req, res) => {
    const t = labelsFor(ctx.frame(req).lang);
    const notice = req.query.notice === 'sent' ? t('broadcastSent') : req.query.notice === 'already-sent' ? t('broadcastAlreadySent') : undefined;
    const frame = ctx.frame(req, notice ? { kind: 'ok', text: notice } : undefined);
    res.type('html').send(broadcastsPage(frame, await listBroadcasts(db), { values: typed(req.query as Record<string, unknown>) }));
  });

  router.get('/console/broadcasts/preview', ctx.allowed('broadcast'), async (req, res) => {
    const d = ledger.deployment();
    try {
      const draft = parseBroadcast(d, req.query as Record<string, string | undefined>);
      const costs = broadcastCosts(d, draft.text);
      const estimate = await audienceEstimate(db, draft);
      res.type('html').send(broadcastPreviewPage(ctx.frame(req), draft, costs, estimate, broadcastPrice(d, costs, estimate)));
    } catch (err) {
      if (!(err instanceof BroadcastError)) throw err;
      await refuse(req, res, err, typed(req.query as Record<string, unknown>));
    }
  });

  router.post('/console/broadcasts', ctx.allowed('broadcast'), async (req, res) => {
    const body = req.body as Record<string, string | undefined>;
    try {
      const draft = parseBroadcast(ledger.deployment(), body);
      const send = typeof body.send === 'string' && /^[0-9a-f-]{36}$/.test(body.send) ? body.send : undefined;
      const { seq, duplicate } = await sendBroadcast(ledger.conn, ctx.actor(req), draft, ledger.now(), send);
      const fields = { user: ctx.actor(req).name, entry: seq, audience: draft.audience, cycle: draft.cycleId, ward: draft.wardId };
      log.info(fields, duplicate ? 'broadcast form sent again: nothing more recorded' : 'broadcast recorded');
      res.redirect(303, `/console/broadcasts?notice=${duplicate ? 'already-sent' : 'sent'}`);
    } catch (err) {
      if (!(err instanceof BroadcastError)) throw err;
      await refuse(req, res, err, typed(body));
    }
  });
}
