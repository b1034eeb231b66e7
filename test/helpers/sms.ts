// Drives the pure SMS flow with a context built from the test deployment.
import type { Deployment } from '../../src/config/schema.ts';
import type { ReceiptStanding, SmsContext, SmsConversation, VoterSnapshot } from '../../src/engine/flow-contract.ts';
import { smsFlow } from '../../flows/sms/index.ts';
import { NOW } from './deployment.ts';
import { FRESH } from './flow.ts';

/** Receipts the test context knows, by standing. */
const RECEIPTS: Record<string, ReceiptStanding> = {
  AAAAABBBBB: { state: 'counted' },
  CCCCCDDDDD: { state: 'pending' },
  EEEEEFFFFF: { state: 'refused' },
  GGGGGHHHHH: { state: 'recorded' },
  JJJJJKKKKK: { state: 'replaced', countedChannel: 'sms' },
  WWWWWXXXXX: { state: 'superseded', countedChannel: 'ussd' },
  NNNNNPPPPP: { state: 'unreachable' },
};

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
    receiptState: (code) => RECEIPTS[code.replace(/[- ]/g, '').toUpperCase()] ?? { state: 'unknown' },
  };
}

export const sms = (body: string, ctx: SmsContext) => smsFlow.handle(body, ctx);
