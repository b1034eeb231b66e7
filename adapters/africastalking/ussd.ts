// Africa's Talking USSD callback: form POST → UssdHop → "CON …" / "END …" text/plain.
import express from 'express';
import { z } from 'zod';
import { memoize } from '../../src/domain/memo.ts';
import { toE164 } from '../../src/domain/voter.ts';
import { t } from '../../src/i18n/index.ts';
import type { Reply } from '../../src/engine/flow-contract.ts';
import { badRequest, forbidden, sendPlain } from '../respond.ts';
import type { AdapterDeps, BodyReader, LaneRoute } from '../types.ts';
import { tokenMatcher } from './token.ts';

/** Fields Africa's Talking posts on every USSD hop. */
export const ussdForm = z.object({
  sessionId: z.string().min(1).max(128),
  serviceCode: z.string().max(64).default(''),
  phoneNumber: z.string().min(3).max(32),
  networkCode: z.string().max(16).optional(),
  // Absent or empty on the first hop; bounded so a hostile body cannot grow a session forever.
  text: z.string().max(2000).default(''),
});

/** Path of the USSD callback; the token segment is the deployment's SAUTI_CALLBACK_TOKEN. */
export const USSD_PATH = '/africastalking/ussd/:token';

const SCREEN_LIMIT = 182;

/**
 * The USSD callback, on the gateway's lane (src/http/lanes.ts): every hop of every session comes
 * here. Without a token the request is still answered, with 403, rather than a misleading 404.
 */
export function ussdLane(deps: AdapterDeps): LaneRoute {
  const log = deps.logger.child({ component: 'adapter', channel: 'ussd', provider: 'africastalking' });
  const tokenMatches = tokenMatcher(deps.callbackToken);
  const e164 = memoize((raw) => toE164(raw, deps.deployment.deployment.country));
  return {
    path: '/africastalking/ussd',
    body: express.urlencoded({ extended: false, limit: '8kb' }) as BodyReader,
    async handle(req, res) {
      if (!tokenMatches(req.token)) return forbidden(res, log, 'ussd callback with a missing or wrong token');
      const parsed = ussdForm.safeParse(req.body ?? {});
      if (!parsed.success) return badRequest(res, parsed.error.issues, log, 'ussd callback');
      const form = parsed.data;
      const phone = e164(form.phoneNumber);
      if (!phone) {
        log.warn({ session: form.sessionId }, 'ussd callback with an invalid phone number');
        return sendPlain(res, 400, 'Bad request: invalid phoneNumber');
      }
      const reply = await withDeadline(
        deps.ussd.hop({ sessionId: form.sessionId, phone, serviceCode: form.serviceCode, text: form.text }),
        deps.replyDeadlineMs,
        () => {
          log.error({ session: form.sessionId }, 'ussd hop missed its deadline');
          return { end: true, text: t(deps.ussd.languageOf(form.sessionId), 'internalError') };
        },
      );
      sendPlain(res, 200, toUssdText(reply, log));
    },
  };
}

/** "CON " or "END " plus the screen, cut to the provider's limit as a last resort. */
export function toUssdText(reply: Reply, log?: { warn: (o: object, m: string) => void }): string {
  let text = reply.text;
  if (text.length > SCREEN_LIMIT) {
    log?.warn({ length: text.length }, 'ussd screen over 182 characters was cut');
    text = `${text.slice(0, SCREEN_LIMIT - 3)}...`;
  }
  return `${reply.end ? 'END' : 'CON'} ${text}`;
}

/** Resolves with `fallback()` if `work` has not settled within `ms`. */
function withDeadline<T>(work: Promise<T>, ms: number, fallback: () => T): Promise<T> {
  let timer: NodeJS.Timeout;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback()), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
