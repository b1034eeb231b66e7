// Drives the pure USSD flow without a store: start, then one step per input.
import type { Deployment } from '../../src/config/schema.ts';
import type { Effect, StepResult, UssdContext, VoterSnapshot } from '../../src/engine/flow-contract.ts';
import { ussdFlow, type UssdState } from '../../flows/ussd/index.ts';
import { NOW } from './deployment.ts';

export const FRESH = { receipt: 'AB12C-DE34F', reference: 'XY12-ZW34' };

/** A context for a caller; by default open eligibility, no language, no ballot. */
export function ctxFor(deployment: Deployment, voter: Partial<VoterSnapshot> = {}, now = NOW): UssdContext {
  return {
    now,
    deployment,
    serviceCode: '*384*99#',
    voter: { lang: null, roll: { eligible: true, wardId: null }, ballot: null, ...voter },
    fresh: FRESH,
  };
}

/** Runs a whole session; returns every result, the last one and all effects in order. */
export function drive(inputs: string[], ctx: UssdContext, resumable: UssdState | null = null) {
  const results: StepResult<UssdState>[] = [ussdFlow.start(ctx, resumable)];
  for (const input of inputs) {
    const prev = results.at(-1)!;
    if (prev.reply.end) throw new Error(`input '${input}' after END: ${prev.reply.text}`);
    results.push(ussdFlow.step(prev.state, input, ctx));
  }
  const last = results.at(-1)!;
  const effects: Effect[] = results.flatMap((r) => r.effects);
  return { results, last, text: last.reply.text, end: last.reply.end, state: last.state, effects };
}
