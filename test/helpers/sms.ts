// Drives the pure SMS flow with a context built from the test deployment.
import type { Deployment } from '../../src/config/schema.ts';
import type { SmsContext, SmsConversation, VoterSnapshot } from '../../src/engine/flow-contract.ts';
import { smsFlow } from '../../flows/sms/index.ts';
import { NOW } from './deployment.ts';
import { FRESH } from './flow.ts';

/** An SMS context; open eligibility, no language, no ballot, not opted out by default. */
export function smsCtx(
  deployment: Deployment,
  voter: Partial<VoterSnapshot & { optedOut: boolean }> = {},
  conversation: SmsConversation | null = null,
  now = NOW,
): SmsContext {
  return {
    now,
    deployment,
    voter: { lang: null, roll: { eligible: true, wardId: null }, ballot: null, optedOut: false, ...voter },
    conversation,
    fresh: FRESH,
    proposal: (ref) => (ref === 'P-KNWN0-001' ? { status: 'submitted' } : null),
    receiptState: (code) => ({ 'AAAAABBBBB': 'recorded', 'CCCCCDDDDD': 'pending', 'EEEEEFFFFF': 'refused' } as const)[code.replace(/-/g, '')] ?? 'unknown',
  };
}

export const sms = (body: string, ctx: SmsContext) => smsFlow.handle(body, ctx);
