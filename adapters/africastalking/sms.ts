// Africa's Talking SMS callbacks: inbound messages and delivery reports, both form POSTs
// carrying the deployment token in the path.
import express, { type Router } from 'express';
import { z } from 'zod';
import type { OutboundState } from '../../src/domain/outbound-state.ts';
import { badRequest, forbidden, sendPlain } from '../respond.ts';
import type { AdapterDeps } from '../types.ts';
import { tokenMatcher } from './token.ts';

/** Inbound SMS fields. */
export const inboundForm = z.object({
  id: z.string().min(1).max(128),
  from: z.string().min(2).max(32),
  to: z.string().max(32).optional(),
  text: z.string().max(2000).default(''),
  date: z.string().max(64).optional(),
  linkId: z.string().max(128).optional(),
  networkCode: z.string().max(16).optional(),
});

/** Delivery report fields. */
export const reportForm = z.object({
  id: z.string().min(1).max(128),
  status: z.string().min(1).max(32),
  failureReason: z.string().max(64).optional(),
  phoneNumber: z.string().max(32).optional(),
  networkCode: z.string().max(16).optional(),
  retryCount: z.string().max(8).optional(),
});

/** Africa's Talking delivery statuses → Sauti's forward-only states. */
export const AT_STATUS: Record<string, Exclude<OutboundState, 'queued'>> = {
  Sent: 'sent',
  Submitted: 'sent',
  Buffered: 'sent',
  Success: 'delivered',
  Rejected: 'failed',
  Failed: 'failed',
};

/** Mounts inbound SMS and delivery-report routes. */
export function mountSms(router: Router, deps: AdapterDeps): void {
  const log = deps.logger.child({ component: 'adapter', channel: 'sms', provider: 'africastalking' });
  const tokenMatches = tokenMatcher(deps.callbackToken);
  const form = express.urlencoded({ extended: false, limit: '8kb' });
  const guard = (req: express.Request, res: express.Response): boolean => {
    if (tokenMatches((req.params as { token?: string }).token)) return true;
    forbidden(res, log, 'sms callback with a missing or wrong token');
    return false;
  };
  const bad = (res: express.Response, issues: z.core.$ZodIssue[]) => badRequest(res, issues, log, 'sms callback');

  router.post(['/africastalking/sms', '/africastalking/sms/:token'], form, async (req, res) => {
    if (!guard(req, res)) return;
    const parsed = inboundForm.safeParse(req.body ?? {});
    if (!parsed.success) return bad(res, parsed.error.issues);
    if (!deps.sms) {
      res.status(503).type('text/plain').send('SMS is not configured');
      return;
    }
    const m = parsed.data;
    await deps.sms.receive({ provider: 'africastalking', providerId: m.id, from: m.from, text: m.text });
    sendPlain(res, 200, '');
  });

  router.post(['/africastalking/sms-delivery', '/africastalking/sms-delivery/:token'], form, async (req, res) => {
    if (!guard(req, res)) return;
    const parsed = reportForm.safeParse(req.body ?? {});
    if (!parsed.success) return bad(res, parsed.error.issues);
    const state = AT_STATUS[parsed.data.status];
    // An unknown status is acknowledged (a non-2xx would only make the provider retry it).
    if (!state || !deps.sms) {
      log.warn({ status: parsed.data.status }, 'delivery report with an unknown status ignored');
      sendPlain(res, 200, '');
      return;
    }
    await deps.sms.report('africastalking', parsed.data.id, state, parsed.data.failureReason ?? null);
    sendPlain(res, 200, '');
  });
}
