// Africa's Talking: USSD, SMS and voice, and its SMS sender.
import type { Adapter } from '../types.ts';
import { africastalkingSender } from './sms-sender.ts';
import { mountSms } from './sms.ts';
import { mountUssd } from './ussd.ts';
import { mountVoice } from './voice.ts';

export const africastalking: Adapter = {
  folder: 'africastalking',
  mount(router, deps) {
    mountUssd(router, deps);
    mountSms(router, deps);
    mountVoice(router, deps);
  },
  smsSending(settings, d) {
    const at = d.sms.africastalking;
    if (!at) return undefined;
    const sender = settings.africastalking && africastalkingSender({ ...settings.africastalking, from: at.senderId ?? at.shortCode });
    return { perSecond: at.perSecond, ...(sender ? { sender } : {}) };
  },
};
