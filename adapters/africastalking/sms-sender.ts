// Sends SMS through Africa's Talking's messaging REST endpoint and maps its answers to one
// outcome table. The endpoint is called directly (fetch) rather than through the africastalking
// SDK: the one call Sauti makes did not justify the SDK's own pinned axios, joi, lodash and a
// second phone library (8.6 MB, docs/architecture.md "Africa's Talking without its SDK"), and
// errors are read from the HTTP status and body Africa's Talking documents, not axios internals.
// The wire request is the one the SDK (0.8.3) sends for SMS.send.
import { SautiError } from '../../src/domain/errors.ts';
import { providerHttpError } from '../../src/domain/http-errors.ts';
import type { SmsSender } from '../../src/engine/sms-outbound.ts';

/** Recipient status codes: accepted, retry later, or never (Africa's Talking SMS API). */
const ACCEPTED = new Set([100, 101, 102]); // Processed, Sent, Queued
const RETRYABLE = new Set([405, 500, 501, 502]); // InsufficientBalance (top-up), server/gateway errors
// Anything else (401 RiskHold, 402 InvalidSenderId, 403 InvalidPhoneNumber, 404 UnsupportedNumberType,
// 406 UserInBlacklist, 407 CouldNotRoute, 409 DoNotDisturbRejection) will fail again.

/** The live endpoint, and the sandbox one for the `sandbox` username. */
export const AT_MESSAGING_URL = 'https://api.africastalking.com/version1/messaging';
export const AT_SANDBOX_MESSAGING_URL = 'https://api.sandbox.africastalking.com/version1/messaging';

/** Longer than the dispatcher's own deadline: the socket is abandoned, not left open. */
const REQUEST_TIMEOUT_MS = 25_000;

/** The answer's part Sauti reads. */
interface MessagingAnswer {
  SMSMessageData?: { Recipients?: { statusCode: number | string; status: string; messageId: string }[] };
}

/** An Africa's Talking sender; `from` is the short code or sender id residents see. */
export function africastalkingSender(opts: { username: string; apiKey: string; from?: string }): SmsSender {
  const url = opts.username.toLowerCase() === 'sandbox' ? AT_SANDBOX_MESSAGING_URL : AT_MESSAGING_URL;
  return {
    async send({ to, body }) {
      const form = new URLSearchParams({ username: opts.username, to, message: body, ...(opts.from ? { from: opts.from } : {}), bulkSMSMode: '1' });
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { apiKey: opts.apiKey, Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
          body: form,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (err) {
        // No answer at all (refused, reset, DNS, timeout): never the API key or the number in the message.
        const cause = (err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
        throw providerHttpError('africastalking', undefined, `no response (${cause})`);
      }
      // Africa's Talking answers a send with 201 Created; anything else is an HTTP-level refusal.
      if (res.status !== 201 && res.status !== 200) {
        await res.body?.cancel();
        throw providerHttpError('africastalking', res.status, `HTTP ${res.status}`);
      }
      const answer = (await res.json().catch(() => undefined)) as MessagingAnswer | undefined;
      const r = answer?.SMSMessageData?.Recipients?.[0];
      if (!r) throw new SautiError('africastalking.no_recipient', 'africastalking: answer without a recipient', { retryable: true });
      if (ACCEPTED.has(Number(r.statusCode))) return { providerMessageId: r.messageId };
      throw new SautiError(`africastalking.status_${r.statusCode}`, `africastalking: ${r.status}`, {
        retryable: RETRYABLE.has(Number(r.statusCode)),
      });
    },
  };
}
