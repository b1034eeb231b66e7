// Twilio: SMS and voice, and its SMS sender.
import type { Adapter } from '../types.ts';
import { twilioSender } from './sms-sender.ts';
import { mountTwilioSms } from './sms.ts';
import { mountTwilioVoice } from './voice.ts';

export const twilioAdapter: Adapter = {
  folder: 'twilio',
  mount(router, deps) {
    mountTwilioSms(router, deps);
    mountTwilioVoice(router, deps);
  },
  smsSending(settings, d) {
    const tw = d.sms.twilio;
    if (!tw) return undefined;
    // Delivery reports come back to the status route this adapter mounts.
    const statusCallback = settings.publicUrl ? `${settings.publicUrl}/twilio/sms-status` : undefined;
    const sender = settings.twilio && twilioSender({ ...settings.twilio, from: tw.from, statusCallback });
    return { perSecond: tw.perSecond, ...(sender ? { sender } : {}) };
  },
};
