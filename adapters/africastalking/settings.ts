// Africa's Talking's settings: its credentials in the environment and its section of the
// deployment's `sms:`. A provider settings file belongs to the config layer (it imports zod only):
// src/config composes every provider's schema through adapters/settings.ts, so config stays the
// only reader of the environment and one check names every bad field.
import { z } from 'zod';

const env = z.object({
  AT_USERNAME: z.string().optional().describe("Africa's Talking username (sandbox for testing)"),
  AT_API_KEY: z.string().optional().describe("Africa's Talking API key"),
});

export const africastalkingSettings = {
  env,
  /** Both set, or the provider sends nothing (messages wait). */
  credentials: (e: z.infer<typeof env>) => (e.AT_USERNAME && e.AT_API_KEY ? { username: e.AT_USERNAME, apiKey: e.AT_API_KEY } : undefined),
  // `sms.africastalking`: the short code residents text, and the pace Africa's Talking accepts.
  sms: z.object({ shortCode: z.string().min(3).max(20), senderId: z.string().max(11).optional(), perSecond: z.number().positive().default(10) }),
};
