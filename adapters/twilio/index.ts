// Twilio: SMS and voice.
import type { Adapter } from '../types.ts';
import { mountTwilioSms } from './sms.ts';
import { mountTwilioVoice } from './voice.ts';

export const twilioAdapter: Adapter = {
  folder: 'twilio',
  mount(router, deps) {
    mountTwilioSms(router, deps);
    mountTwilioVoice(router, deps);
  },
};
