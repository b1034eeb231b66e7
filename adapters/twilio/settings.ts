// Twilio's settings: its credentials in the environment and its section of the deployment's
// `sms:`. A provider settings file belongs to the config layer (it imports zod only): src/config
// composes every provider's schema through adapters/settings.ts, so config stays the only reader
// of the environment and one check names every bad field.
import { z } from 'zod';

const env = z.object({
  TWILIO_ACCOUNT_SID: z.string().optional().describe('Twilio account SID'),
  TWILIO_AUTH_TOKEN: z.string().optional().describe('Twilio auth token: signs callbacks and authenticates sends'),
});

export const twilioSettings = {
  env,
  /** Both set, or callbacks are refused and messages wait. */
  credentials: (e: z.infer<typeof env>) =>
    e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN ? { accountSid: e.TWILIO_ACCOUNT_SID, authToken: e.TWILIO_AUTH_TOKEN } : undefined,
  // `sms.twilio`: the number residents text, and the pace Twilio accepts from one long code.
  sms: z.object({ from: z.string().regex(/^\+\d{6,15}$/, 'use an E.164 number'), perSecond: z.number().positive().default(1) }),
};
