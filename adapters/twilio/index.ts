// Twilio: SMS and voice, its SMS sender, its settings and its simulator.
import type { Adapter } from '../types.ts';
import { twilioSettings } from './settings.ts';
import { twilioSimulator } from './simulate.ts';
import { twilioSender } from './sms-sender.ts';
import { mountTwilioSms } from './sms.ts';
import { mountTwilioVoice } from './voice.ts';

export const twilioAdapter: Adapter = {
  folder: 'twilio',
  title: 'Twilio',
  settings: twilioSettings,
  simulator: twilioSimulator,
  mount(router, deps) {
    mountTwilioSms(router, deps);
    mountTwilioVoice(router, deps);
  },
  smsSending(settings, d) {
    const tw = d.sms.twilio;
    if (!tw) return undefined;
    // Delivery reports come back to the status route this adapter mounts.
    const statusCallback = settings.publicUrl ? `${settings.publicUrl}/twilio/sms-status` : undefined;
    const sender = settings.providers.twilio && twilioSender({ ...settings.providers.twilio, from: tw.from, statusCallback });
    return { perSecond: tw.perSecond, ...(sender ? { sender } : {}) };
  },
};
