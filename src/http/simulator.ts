// What `sauti simulate sms` reads back: the reply the gateway queued for the message it was just
// sent. The simulator may run beside a gateway whose database it cannot see (another SAUTI_DB,
// another instance), so it asks the gateway it texted. Residents' replies must not leak through
// it: the route answers only a caller on this machine (no proxy in between) holding the callback
// token, only for a configured SMS provider, and only about one message id, which only the one
// who posted that message knows, for a few minutes after the reply was written. It gives the
// reply's text and cost, never a phone number.
import express from 'express';
import { tokenMatcher } from '../domain/token.ts';
import type { SmsStore } from '../store/sms-store.ts';

/** How long after the reply was written the simulator may still read it. */
export const SIMULATOR_WINDOW_MS = 10 * 60_000;

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function simulatorRouter(o: { sms: SmsStore; callbackToken: string; providers: readonly string[]; clock?: () => Date }): express.Router {
  const router = express.Router();
  const tokenOk = tokenMatcher(o.callbackToken);
  router.get('/simulator/sms/:provider/:id/reply', (req, res) => {
    const direct = LOOPBACK.has(req.socket.remoteAddress ?? '') && !req.headers['x-forwarded-for'] && !req.headers.forwarded;
    const bearer = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    // Not found, rather than forbidden, to anyone it is not for: the route does not exist for them.
    if (!direct || !tokenOk(bearer) || !o.providers.includes(req.params.provider)) {
      res.status(404).type('text/plain').send('Not found');
      return;
    }
    const { provider, id } = req.params;
    if (o.sms.inbound(provider, id) === undefined) {
      res.status(404).json({ received: false });
      return;
    }
    const row = o.sms.bySource(`sms:${provider}:${id}`);
    const now = (o.clock ?? (() => new Date()))().getTime();
    if (row && now - Date.parse(row.created_at) > SIMULATOR_WINDOW_MS) {
      res.status(404).json({ received: false });
      return;
    }
    res.json({ received: true, reply: row ? { body: row.body, encoding: row.encoding, segments: row.segments, state: row.state } : null });
  });
  return router;
}
