// Twilio: SMS (voice joins this folder).
import type { Adapter } from '../types.ts';
import { mountTwilioSms } from './sms.ts';

export const twilioAdapter: Adapter = {
  folder: 'twilio',
  mount(router, deps) {
    mountTwilioSms(router, deps);
  },
};
