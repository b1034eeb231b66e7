// Africa's Talking: USSD and SMS (voice joins this folder).
import type { Adapter } from '../types.ts';
import { mountSms } from './sms.ts';
import { mountUssd } from './ussd.ts';

export const africastalking: Adapter = {
  folder: 'africastalking',
  mount(router, deps) {
    mountUssd(router, deps);
    mountSms(router, deps);
  },
};
