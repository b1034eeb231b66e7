// Africa's Talking: USSD, SMS and voice, its SMS sender, its settings and its simulator.
import type { Adapter } from '../types.ts';
import { africastalkingSettings } from './settings.ts';
import { africastalkingSimulator } from './simulate.ts';
import { africastalkingSender } from './sms-sender.ts';
import { smsLanes } from './sms.ts';
import { USSD_PATH, ussdLane } from './ussd.ts';
import { mountVoice } from './voice.ts';

export const africastalking: Adapter = {
  folder: 'africastalking',
  title: 'Africa’s Talking',
  ussdPath: USSD_PATH,
  settings: africastalkingSettings,
  simulator: africastalkingSimulator,
  mount(router, deps) {
    mountVoice(router, deps);
  },
  lanes: (deps) => [ussdLane(deps), ...smsLanes(deps)],
  smsSending(settings, d) {
    const at = d.sms.africastalking;
    if (!at) return undefined;
    const sender = settings.providers.africastalking && africastalkingSender({ ...settings.providers.africastalking, from: at.senderId ?? at.shortCode });
    return { perSecond: at.perSecond, ...(sender ? { sender } : {}) };
  },
};
