// Every adapter, registered explicitly. test/adapters-registered.test.ts fails if a folder
// under adapters/ is missing here (courier's scar: handlers written but never registered), or if
// an adapter's settings are not the ones config composes (adapters/settings.ts).
import { africastalking } from './africastalking/index.ts';
import { odk } from './odk/index.ts';
import { twilioAdapter } from './twilio/index.ts';
import type { Adapter, ProviderSimulator } from './types.ts';

export const adapters: readonly Adapter[] = [africastalking, twilioAdapter, odk];

/** What each provider brings to the settings: its environment variables and the fields of its `sms.<provider>` section. */
export function providerSettingsKeys(): { provider: string; env: string[]; sms: string[] }[] {
  return adapters.flatMap((a) =>
    a.settings ? [{ provider: a.folder, env: Object.keys(a.settings.env.shape), sms: a.settings.sms ? Object.keys(a.settings.sms.shape) : [] }] : [],
  );
}

/** The providers `sauti simulate` can act as, for one channel. */
export function simulators(channel: keyof ProviderSimulator): { provider: string; title: string; simulator: ProviderSimulator }[] {
  return adapters.flatMap((a) => (a.simulator?.[channel] ? [{ provider: a.folder, title: a.title, simulator: a.simulator }] : []));
}

/** The providers that serve USSD, with the path each posts its sessions to. */
export function ussdProviders(): { provider: string; path: string }[] {
  return adapters.flatMap((a) => (a.ussdPath ? [{ provider: a.folder, path: a.ussdPath }] : []));
}

/** The providers that can send SMS (`sauti broadcast --provider`). */
export function smsSendingProviders(): string[] {
  return adapters.filter((a) => a.smsSending).map((a) => a.folder);
}
