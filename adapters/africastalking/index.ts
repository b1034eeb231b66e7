// Africa's Talking: USSD today; SMS and voice join this folder.
import type { Adapter } from '../types.ts';
import { mountUssd } from './ussd.ts';

export const africastalking: Adapter = {
  folder: 'africastalking',
  mount(router, deps) {
    mountUssd(router, deps);
  },
};
