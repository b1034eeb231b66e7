// Every adapter, registered explicitly. test/adapters-registered.test.ts fails if a folder
// under adapters/ is missing here (courier's scar: handlers written but never registered).
import { africastalking } from './africastalking/index.ts';
import { odk } from './odk/index.ts';
import { twilioAdapter } from './twilio/index.ts';
import type { Adapter } from './types.ts';

export const adapters: readonly Adapter[] = [africastalking, twilioAdapter, odk];
