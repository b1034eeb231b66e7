// The SMS conversation flow and its grammar.
export { smsFlow } from './step.ts';
export { parseSms } from './grammar.ts';
