// How a vote's standing with the city ledger is told to a resident, on every channel.
import type { Lang } from '../../src/config/schema.ts';
import type { LedgerState, ReceiptStanding } from '../../src/engine/flow-contract.ts';
import { t, type MessageKey } from '../../src/i18n/index.ts';

const CHANNELS: Record<string, MessageKey> = {
  ussd: 'channelUssd',
  sms: 'channelSms',
  voice: 'channelVoice',
  field: 'channelField',
  paper: 'channelPaper',
};

/** The channel a vote was cast on, in words (never a number or a gateway). */
export function channelName(lang: Lang, channel: string | undefined): string {
  return t(lang, (channel && CHANNELS[channel]) || 'channelOther');
}

const NOTES = {
  pending: 'ledgerPending',
  recorded: 'ledgerRecorded',
  counted: 'ledgerCounted',
  replaced: 'ledgerReplaced',
  superseded: 'ledgerSuperseded',
  late: 'ledgerLate',
  refused: 'ledgerRefused',
} as const satisfies Partial<Record<LedgerState, MessageKey>>;

/**
 * The sentence after a vote saying where it stands: counted, replaced by a later vote (on which
 * channel), or not in the city ledger yet. Null when nothing is known (flow tests, no such vote).
 * "In the city ledger" is never said of a vote another one replaced.
 */
export function ledgerNote(lang: Lang, state: LedgerState | undefined, countedChannel?: string): string | null {
  if (!state || state === 'unknown') return null;
  return t(lang, NOTES[state], { channel: channelName(lang, countedChannel) });
}

const CHECK_TEXTS = {
  unknown: 'smsCheckUnknown',
  pending: 'smsCheckPending',
  recorded: 'smsCheckRecorded',
  counted: 'smsCheckCounted',
  replaced: 'smsCheckReplaced',
  superseded: 'smsCheckSuperseded',
  late: 'smsCheckLate',
  refused: 'smsCheckRefused',
  unreachable: 'smsCheckOffline',
} as const satisfies Record<ReceiptStanding['state'], MessageKey>;

/**
 * What CHECK answers for a receipt ("Receipt … no longer counts: a later vote by SMS replaced it."):
 * one SMS segment in every language, so also the short form of "My vote" and RECEIPT when the
 * picks leave no room for the ledger's word.
 */
export function checkText(lang: Lang, receipt: string, standing: ReceiptStanding): string {
  return t(lang, CHECK_TEXTS[standing.state], { receipt, channel: channelName(lang, standing.countedChannel) });
}
