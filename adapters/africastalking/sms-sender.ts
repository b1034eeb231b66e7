// Sends SMS through the africastalking SDK and maps its answers to one outcome table.
import { SautiError } from '../../src/domain/errors.ts';
import { providerHttpError } from '../../src/domain/http-errors.ts';
import type { SmsSender } from '../../src/engine/sms-outbound.ts';

/** Recipient status codes: accepted, retry later, or never (Africa's Talking SMS API). */
const ACCEPTED = new Set([100, 101, 102]); // Processed, Sent, Queued
const RETRYABLE = new Set([405, 500, 501, 502]); // InsufficientBalance (top-up), server/gateway errors
// Anything else (401 RiskHold, 402 InvalidSenderId, 403 InvalidPhoneNumber, 404 UnsupportedNumberType,
// 406 UserInBlacklist, 407 CouldNotRoute, 409 DoNotDisturbRejection) will fail again.

/** An Africa's Talking sender; `from` is the short code or sender id residents see. */
export function africastalkingSender(opts: { username: string; apiKey: string; from?: string }): SmsSender {
  // Loaded on first send: the SDK and its dependencies cost ~20 MB a gateway without SMS never needs.
  let sms: Promise<{ send: (p: { to: string[]; message: string; from?: string }) => Promise<import('africastalking').SmsResponse> }> | undefined;
  const client = () =>
    (sms ??= import('africastalking').then((m) => m.default({ username: opts.username, apiKey: opts.apiKey }).SMS));
  return {
    async send({ to, body }) {
      let response;
      const sdk = await client();
      try {
        response = await sdk.send({ to: [to], message: body, ...(opts.from ? { from: opts.from } : {}) });
      } catch (err) {
        const e = err as { response?: { status?: number }; message?: string; SMSMessageData?: unknown };
        if (e.response) throw providerHttpError('africastalking', e.response.status, `HTTP ${e.response.status}`);
        if (e instanceof Error && /phone|must/.test(e.message) && !('code' in e)) {
          throw new SautiError('africastalking.invalid_request', `africastalking: ${e.message}`, { retryable: false });
        }
        throw providerHttpError('africastalking', undefined, (e as Error).message ?? 'no response');
      }
      const r = response?.SMSMessageData?.Recipients?.[0];
      if (!r) throw new SautiError('africastalking.no_recipient', 'africastalking: answer without a recipient', { retryable: true });
      if (ACCEPTED.has(Number(r.statusCode))) return { providerMessageId: r.messageId };
      throw new SautiError(`africastalking.status_${r.statusCode}`, `africastalking: ${r.status}`, {
        retryable: RETRYABLE.has(Number(r.statusCode)),
      });
    },
  };
}
