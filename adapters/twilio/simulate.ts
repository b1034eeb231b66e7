// What `sauti simulate` posts as Twilio: the fields of its SMS and voice webhooks, each signed
// with X-Twilio-Signature over SAUTI_PUBLIC_URL + path as Twilio signs them.
import { randomUUID } from 'node:crypto';
import type { ProviderSimulator, SimulatedRequest, SimulatorContext } from '../types.ts';

/** The credentials and public URL a signature needs, or the settings to set. */
function signer(ctx: SimulatorContext) {
  const creds = ctx.credentials.twilio;
  const publicUrl = ctx.publicUrl;
  if (!creds || !publicUrl) throw new Error('set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and SAUTI_PUBLIC_URL to sign a Twilio request');
  return {
    accountSid: creds.accountSid,
    async sign(path: string, params: Record<string, string>): Promise<SimulatedRequest> {
      // The twilio package is large; loaded only when a Twilio request is simulated.
      const { default: sdk } = await import('twilio');
      return { path, params, headers: { 'X-Twilio-Signature': sdk.getExpectedTwilioSignature(creds.authToken, `${publicUrl}${path}`, params) } };
    },
  };
}

const sid = (prefix: string) => `${prefix}${randomUUID().replace(/-/g, '')}`;

export const twilioSimulator: ProviderSimulator = {
  async sms(ctx, m) {
    const s = signer(ctx);
    const id = sid('SM');
    const params = { MessageSid: id, AccountSid: s.accountSid, From: m.phone, To: '+15005550006', Body: m.text, NumMedia: '0' };
    return { id, request: await s.sign('/twilio/sms', params) };
  },
  voice(ctx, phone) {
    const s = signer(ctx);
    const fields = { CallSid: sid('CA'), AccountSid: s.accountSid, From: phone, To: '+15005550006', CallStatus: 'in-progress', Direction: 'inbound' };
    return {
      start: () => s.sign('/twilio/voice', fields),
      keys: (path, keys) => s.sign(path, { ...fields, Digits: keys }),
      // Gather's actionOnEmptyResult: silence is an empty Digits posted to the action.
      silence: (next) => s.sign(next, { ...fields, Digits: '' }),
      hangUp: (seconds) => s.sign('/twilio/voice-status', { ...fields, CallStatus: 'completed', CallDuration: String(seconds) }),
    };
  },
};
