// The USSD conversation flow, for the shell to hand to the core session runner.
export { ussdFlow } from './step.ts';
export type { UssdState } from './state.ts';
