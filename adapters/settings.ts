// Every provider's settings, listed once. This file and adapters/<provider>/settings.ts belong to
// the config layer (zod only, no other import): src/config/env.ts and src/config/schema.ts
// compose them, so a provider brings its environment variables and its `sms:` section without
// config naming it, and config stays the only reader of the environment. adapters/registry.ts checks
// each adapter is listed here under its folder's name.
import type { z } from 'zod';
import { africastalkingSettings } from './africastalking/settings.ts';
import { twilioSettings } from './twilio/settings.ts';

/** By provider name (its folder, its key under `sms:`). Order matters: the first configured SMS provider is the field forms' default. */
export const providerSettings = { africastalking: africastalkingSettings, twilio: twilioSettings } as const;

type Providers = typeof providerSettings;
export type ProviderName = keyof Providers;
export const providerNames = Object.keys(providerSettings) as ProviderName[];

/** Each provider's credentials from the environment; undefined while they are not all set. */
export type ProviderCredentials = { [K in ProviderName]: ReturnType<Providers[K]['credentials']> };

/** Every provider's environment variables (each described), for the one environment schema. */
export const providerEnvShape = { ...africastalkingSettings.env.shape, ...twilioSettings.env.shape };

/** Reads every provider's credentials from the parsed environment. */
export function providerCredentials(env: Record<string, unknown>): ProviderCredentials {
  const read = <K extends ProviderName>(p: K) => {
    const s = providerSettings[p];
    return (s.credentials as (e: z.infer<typeof s.env>) => unknown)(s.env.parse(env));
  };
  return Object.fromEntries(providerNames.map((p) => [p, read(p)])) as ProviderCredentials;
}

/** Every provider's optional section of the deployment's `sms:`. */
export const providerSmsShape = Object.fromEntries(providerNames.map((p) => [p, providerSettings[p].sms.optional()])) as {
  [K in ProviderName]: z.ZodOptional<Providers[K]['sms']>;
};
