// Twilio SMS webhooks: inbound messages (answered with empty TwiML; the reply goes through the
// outbound queue) and message status callbacks. Every request must carry a valid signature.
import express, { type Router } from 'express';
import { z } from 'zod';
import type { OutboundState } from '../../src/domain/outbound-state.ts';
import { badRequest, forbidden } from '../respond.ts';
import type { AdapterDeps } from '../types.ts';
import { twilioGuard } from './signature.ts';

export const inboundForm = z.object({
  MessageSid: z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/, 'not a message SID'),
  AccountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'not an account SID'),
  From: z.string().min(2).max(32),
  To: z.string().max(32).optional(),
  Body: z.string().max(2000).default(''),
});

export const statusForm = z.object({
  MessageSid: z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/, 'not a message SID'),
  MessageStatus: z.string().min(1).max(32),
  ErrorCode: z.string().max(16).optional(),
});

/** Twilio message statuses → Sauti's forward-only states (receiving/received are inbound). */
export const TWILIO_STATUS: Record<string, Exclude<OutboundState, 'queued'>> = {
  accepted: 'sent',
  queued: 'sent',
  sending: 'sent',
  sent: 'sent',
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'failed',
  failed: 'failed',
};

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

/** Mounts the inbound and status webhooks. */
export function mountTwilioSms(router: Router, deps: AdapterDeps): void {
  const log = deps.logger.child({ component: 'adapter', channel: 'sms', provider: 'twilio' });
  const form = express.urlencoded({ extended: false, limit: '16kb' });
  const guard = twilioGuard(deps, log);
  const bad = (res: express.Response, issues: z.core.$ZodIssue[]) => badRequest(res, issues, log, 'twilio callback');

  router.post('/twilio/sms', form, async (req, res) => {
    const creds = await guard(req, res);
    if (!creds) return;
    const parsed = inboundForm.safeParse(req.body ?? {});
    if (!parsed.success) return bad(res, parsed.error.issues);
    if (parsed.data.AccountSid !== creds.accountSid) return forbidden(res, log, 'twilio callback for another account');
    if (!deps.sms) {
      res.status(503).type('text/plain').send('SMS is not configured');
      return;
    }
    const m = parsed.data;
    await deps.sms.receive({ provider: 'twilio', providerId: m.MessageSid, from: m.From, text: m.Body });
    res.status(200).type('text/xml').send(EMPTY_TWIML);
  });

  router.post('/twilio/sms-status', form, async (req, res) => {
    if (!(await guard(req, res))) return;
    const parsed = statusForm.safeParse(req.body ?? {});
    if (!parsed.success) return bad(res, parsed.error.issues);
    const state = TWILIO_STATUS[parsed.data.MessageStatus];
    if (!state || !deps.sms) {
      log.warn({ status: parsed.data.MessageStatus }, 'status callback with an unknown status ignored');
      res.status(200).type('text/plain').send('');
      return;
    }
    await deps.sms.report('twilio', parsed.data.MessageSid, state, parsed.data.ErrorCode ? `twilio_${parsed.data.ErrorCode}` : null);
    res.status(200).type('text/plain').send('');
  });
}
