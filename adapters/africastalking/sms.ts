// Africa's Talking SMS callbacks: inbound messages and delivery reports, both form POSTs
// carrying the deployment token in the path.
import type { ServerResponse } from 'node:http';
import express from 'express';
import { z } from 'zod';
import type { OutboundState } from '../../src/domain/outbound-state.ts';
import { badRequest, forbidden, sendPlain } from '../respond.ts';
import type { AdapterDeps, BodyReader, LaneRoute } from '../types.ts';
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

/** Inbound SMS and delivery reports, on the gateway's lane (src/http/lanes.ts): every message and every report comes here. */
export function smsLanes(deps: AdapterDeps): LaneRoute[] {
  const log = deps.logger.child({ component: 'adapter', channel: 'sms', provider: 'africastalking' });
  const tokenMatches = tokenMatcher(deps.callbackToken);
  const body = express.urlencoded({ extended: false, limit: '8kb' }) as BodyReader;
  const guard = (token: string | undefined, res: ServerResponse): boolean => {
    if (tokenMatches(token)) return true;
    forbidden(res, log, 'sms callback with a missing or wrong token');
    return false;
  };
  const bad = (res: ServerResponse, issues: z.core.$ZodIssue[]) => badRequest(res, issues, log, 'sms callback');

  const inbound: LaneRoute = {
    path: '/africastalking/sms',
    body,
    async handle(req, res) {
      if (!guard(req.token, res)) return;
      const parsed = inboundForm.safeParse(req.body ?? {});
      if (!parsed.success) return bad(res, parsed.error.issues);
      if (!deps.sms) return sendPlain(res, 503, 'SMS is not configured');
      const m = parsed.data;
      await deps.sms.receive({ provider: 'africastalking', providerId: m.id, from: m.from, text: m.text });
      sendPlain(res, 200, '');
    },
  };
  const delivery: LaneRoute = {
    path: '/africastalking/sms-delivery',
    body,
    async handle(req, res) {
      if (!guard(req.token, res)) return;
      const parsed = reportForm.safeParse(req.body ?? {});
      if (!parsed.success) return bad(res, parsed.error.issues);
      const state = AT_STATUS[parsed.data.status];
      // An unknown status is acknowledged (a non-2xx would only make the provider retry it).
      if (!state || !deps.sms) {
        log.warn({ status: parsed.data.status }, 'delivery report with an unknown status ignored');
        return sendPlain(res, 200, '');
      }
      await deps.sms.report('africastalking', parsed.data.id, state, parsed.data.failureReason ?? null);
      sendPlain(res, 200, '');
    },
  };
  return [inbound, delivery];
}
