// Africa's Talking: USSD, SMS and voice.
import type { Adapter } from '../types.ts';
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
};
