// The USSD conversation: the keypad dialogue rendered as 182-character screens, for the shell
// to hand to the core session runner.
import { keypadDialogue } from '../keypad/dialogue.ts';
import { screenRenderer } from './render.ts';

export const ussdFlow = keypadDialogue(screenRenderer);
export type { KeypadState as UssdState } from '../keypad/state.ts';
