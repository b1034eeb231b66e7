// Sends SMS through the twilio SDK; its errors map through the shared HTTP outcome table.
import { providerHttpError } from '../../src/domain/http-errors.ts';
import type { SmsSender } from '../../src/engine/sms-outbound.ts';

/** A Twilio sender from `from`, with status callbacks to `statusCallback` when given. */
export function twilioSender(opts: { accountSid: string; authToken: string; from: string; statusCallback?: string }): SmsSender {
  // Loaded on first send (the SDK is large). keepAlive off: the SDK's keep-alive agent never
  // completes under nock's interceptor, so tests could not exercise it; one TLS handshake per
  // message is cheap at SMS rates.
  let client: Promise<import('twilio').Twilio> | undefined;
  const sdk = () => (client ??= import('twilio').then((m) => m.default(opts.accountSid, opts.authToken, { keepAlive: false })));
  return {
    async send({ to, body }) {
      const c = await sdk();
      try {
        const m = await c.messages.create({
          to,
          from: opts.from,
          body,
          ...(opts.statusCallback ? { statusCallback: opts.statusCallback } : {}),
        });
        return { providerMessageId: m.sid };
      } catch (err) {
        const e = err as { status?: number; code?: number; message?: string };
        throw providerHttpError('twilio', e.status, e.code ? `error ${e.code}` : (e.message ?? 'no response'));
      }
    },
  };
}
