// What `sauti simulate` posts as Africa's Talking: the fields of its USSD, SMS and voice
// callbacks, on the token path (Africa's Talking signs nothing).
import { randomUUID } from 'node:crypto';
import type { ProviderSimulator, SimulatedRequest, SimulatorContext } from '../types.ts';

const form = (path: string, params: Record<string, string>): SimulatedRequest => ({ path, params, headers: {} });
const tokenPath = (ctx: SimulatorContext, channel: string) => `/africastalking/${channel}/${encodeURIComponent(ctx.token)}`;

export const africastalkingSimulator: ProviderSimulator = {
  ussd: {
    sessionId: () => `ATUid_sim_${randomUUID().replace(/-/g, '')}`,
    hop: (ctx, h) =>
      form(tokenPath(ctx, 'ussd'), { sessionId: h.sessionId, serviceCode: h.serviceCode, phoneNumber: h.phone, networkCode: '63902', text: h.text }),
  },
  async sms(ctx, m) {
    const id = randomUUID();
    const params = { from: m.phone, to: '22384', text: m.text, date: new Date().toISOString(), id, linkId: randomUUID(), networkCode: '63902' };
    return { id, request: form(tokenPath(ctx, 'sms'), params) };
  },
  voice(ctx, phone) {
    const sessionId = `ATVId_sim_${randomUUID().replace(/-/g, '')}`;
    const fields = { isActive: '1', sessionId, direction: 'Inbound', callerNumber: phone, destinationNumber: '+254711082000' };
    const first = tokenPath(ctx, 'voice');
    return {
      start: async () => form(first, fields),
      keys: async (path, keys) => form(path, { ...fields, dtmfDigits: keys }),
      // Africa's Talking calls back on silence only through the Redirect Sauti puts after GetDigits.
      silence: (_next, redirect) => (redirect ? Promise.resolve(form(redirect, fields)) : undefined),
      hangUp: async (seconds) => form(first, { ...fields, isActive: '0', durationInSeconds: String(seconds), currencyCode: 'KES', amount: '0' }),
    };
  },
};
