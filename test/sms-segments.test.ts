// Every SMS confirmation and error reply fits in one GSM-7 segment (160 characters) in every
// shipped language, with the longest values a deployment allows filled in.
import { describe, expect, it } from 'vitest';
import { SUPPORTED_LANGUAGES } from '../src/config/schema.ts';
import { smsCost, toGsmLookalikes } from '../src/domain/sms-encoding.ts';
import { t, type MessageKey } from '../src/i18n/index.ts';
import { testDeployment, withBallot } from './helpers/deployment.ts';
import { sms, smsCtx } from './helpers/sms.ts';

/** Keys the SMS channel sends, and worst-case parameters (30-letter ward, 10 picks, 97 points, …). */
const SMS_KEYS: MessageKey[] = [
  'smsVoteRecorded',
  'smsVoteReplaced',
  'smsVoteHow',
  'smsAskCodes',
  'smsOneWard',
  'smsNotYourWard',
  'smsUnknownCodes',
  'smsTooMany',
  'smsTooFew',
  'smsOverBudget',
  'smsOverPoints',
  'smsProjectPoints',
  'smsIdeaRecorded',
  'smsAskWard',
  'smsAskResultsWard',
  'smsIdeaHow',
  'smsStatus',
  'smsStatusUnknown',
  'smsCheckRecorded',
  'smsCheckCounted',
  'smsCheckReplaced',
  'smsCheckSuperseded',
  'smsCheckOffline',
  'smsCheckPending',
  'smsCheckRefused',
  'smsCheckUnknown',
  'smsCheckHow',
  'smsReceipt',
  'smsResults',
  'smsHelp',
  'smsLangSet',
  'smsLangUnknown',
  'smsStopped',
  'smsStarted',
  'smsUnknown',
  'noVote',
  'votingUpcoming',
  'votingClosed',
  'votingNone',
  'votingClosedIn',
  'votingNextOpens',
  'resultsToCome',
  'resultsDue',
  'resultsOutSms',
  'yourVoteIn',
  'alreadyVotedRefuse',
  'proposalsUpcoming',
  'proposalsClosed',
  'proposalsNone',
  'resultsNotYet',
  'resultsNone',
  'smsProjectsNone',
  'smsAskProjectsWard',
  'smsMoreNothing',
  'smsDidYouMean',
  'smsReported',
  'smsReportShortened',
  'smsReportHow',
  'smsReportNoText',
];
const CHANNEL_KEYS: MessageKey[] = ['channelUssd', 'channelSms', 'channelVoice', 'channelField', 'channelPaper', 'channelOther'];
const WORST = {
  ward: 'W'.repeat(30),
  codes: '12 34 56 78 90 11 22 33 44 55',
  code: 97,
  receipt: 'ABCDE-FGHJK',
  ref: 'P-ABCD-EFGH',
  date: '30 sept. 2026',
  example: '96 97',
  max: 97,
  min: 10,
  points: 97,
  n: 97,
  total: 'KES 999.9M',
  budget: 'KES 999.9M',
  status: '', // filled per language below
  options: '1 Kiboko, 2 Milimani, 3 Pwani',
  // "Did you mean …": the flow cuts the message to fit; here, a slipped longest keyword and a short message.
  keyword: 'PROPOSITION',
  text: 'PROPOSITION fix the borehole at Kiboko',
  // As long as a ward name; a longer cycle name gives way in the replies that carry it.
  cycle: 'C'.repeat(30),
  // A project's short menu title at its longest (the deployment schema's 22 characters).
  name: 'N'.repeat(22),
  // HELP's other languages and LANG's choices, for a deployment of four languages.
  langs: 'en, sw, fr or luo',
  choices: 'en, sw, fr or luo',
};

describe('SMS replies fit in one segment', () => {
  for (const lang of SUPPORTED_LANGUAGES) {
    it.each(SMS_KEYS)(`${lang}: %s`, (key) => {
      // The longest channel name a "replaced by a later vote by …" reply can hold.
      const channel = CHANNEL_KEYS.map((k) => t(lang, k)).reduce((a, b) => (b.length > a.length ? b : a));
      const text = toGsmLookalikes(t(lang, key, { ...WORST, status: t(lang, 'statusSubmitted'), channel }));
      const cost = smsCost(text);
      expect(cost.encoding, text).toBe('GSM-7');
      expect(cost.segments, `${text} (${cost.units})`).toBe(1);
    });
  }

  it('every reply the flow writes for a range of messages is one GSM-7 segment', () => {
    const d = testDeployment();
    const bodies = [
      'VOTE 1 2',
      'VOTE 1 2 3 4',
      'VOTE 1 20',
      'VOTE 99',
      'VOTE',
      'VOTE x',
      'IDEA a new bridge for the river',
      'STATUS P-AAAAA-BBB',
      'RECEIPT',
      'RESULTS',
      'HELP',
      'LANG fr',
      'LANG xx',
      'STOP',
      'START',
      'what is this',
      '',
      'PROJECTS',
      'PROJECTS 2',
      'PROJECTS South Ward 9',
      'MORE',
      'vot 1 2',
      'Kura 1 na 3',
      'Bonjour, je ne sais pas',
      'REPORT 7 the contractor left',
      'REPORT 7',
      'REPORT',
      'REPORT 50 broken',
    ];
    for (const lang of SUPPORTED_LANGUAGES) {
      for (const body of bodies) {
        const r = sms(body, smsCtx(d, { lang }));
        const text = toGsmLookalikes(r.reply!.text);
        expect(smsCost(text), `${lang} ${body}: ${text}`).toMatchObject({ encoding: 'GSM-7', segments: 1 });
      }
    }
  });

  it('so does every reply under a cumulative rule, up to ten points over eight projects', () => {
    const d = withBallot({ rule: 'cumulative', points: 10, maxPerProject: 4 });
    const bodies = ['VOTE 1 1 2', 'VOTE 1 2 3 4 5 6 7 12 12 12', 'VOTE 1x4 2x4 3x2', 'VOTE 1x5', 'VOTE 1x4 2x4 3x3', 'VOTE', '1 1 2', 'RESULTS', '2'];
    for (const lang of SUPPORTED_LANGUAGES) {
      for (const body of bodies) {
        const r = sms(body, smsCtx(d, { lang }));
        const text = toGsmLookalikes(r.reply!.text);
        expect(smsCost(text), `${lang} ${body}: ${text}`).toMatchObject({ encoding: 'GSM-7', segments: 1 });
      }
      const receipt = sms(
        'RECEIPT',
        smsCtx(d, {
          lang,
          ballot: {
            cycleId: 'c-open',
            wardId: 'north',
            picks: [1, 2, 3, 4, 5, 6, 7, 12, 12, 12],
            receipt: 'ABCDE-FGHJK',
            castAt: new Date('2026-11-20T08:00:00Z'),
            eventId: 'e1',
          },
        }),
      );
      expect(smsCost(toGsmLookalikes(receipt.reply!.text)).segments, receipt.reply!.text).toBe(1);
    }
  });

  it("RECEIPT with the ledger's word on the vote is one segment, and keeps that word rather than every pick", () => {
    const d = withBallot({ rule: 'cumulative', points: 10, maxPerProject: 4 });
    const picks = [1, 2, 3, 4, 5, 6, 7, 12, 12, 12];
    for (const lang of SUPPORTED_LANGUAGES) {
      for (const ledger of ['pending', 'recorded', 'counted', 'replaced', 'superseded', 'late', 'refused'] as const) {
        const ballot = {
          cycleId: 'c-open',
          wardId: 'north',
          picks,
          receipt: 'ABCDE-FGHJK',
          castAt: new Date('2026-11-20T08:00:00Z'),
          eventId: 'e1',
          ledger,
          countedChannel: 'field',
        };
        const text = sms('RECEIPT', smsCtx(d, { lang, ballot })).reply!.text;
        expect(smsCost(toGsmLookalikes(text)), text).toMatchObject({ encoding: 'GSM-7', segments: 1 });
        const channel = t(lang, 'channelField');
        const cap = ledger[0]!.toUpperCase() + ledger.slice(1);
        const note = t(lang, `ledger${cap}` as MessageKey, { channel });
        // With the picks when they leave room, else CHECK's answer for the receipt: never without it.
        const check = t(lang, `smsCheck${cap}` as MessageKey, { receipt: 'ABCDE-FGHJK', channel });
        expect(text.includes(note) || text === check, `${lang} ${ledger}: ${text}`).toBe(true);
      }
    }
  });
});

describe('smsCost', () => {
  it.each([
    ['a'.repeat(160), 'GSM-7', 160, 1],
    ['a'.repeat(161), 'GSM-7', 161, 2],
    ['a'.repeat(306), 'GSM-7', 306, 2],
    ['a'.repeat(307), 'GSM-7', 307, 3],
    ['€'.repeat(80), 'GSM-7', 160, 1], // extension table: two septets each
    ['[x]'.repeat(40), 'GSM-7', 200, 2],
    ['é à ù ñ Ç É', 'GSM-7', 11, 1],
    ['ê'.repeat(70), 'UCS-2', 70, 1],
    ['ê'.repeat(71), 'UCS-2', 71, 2],
    ['💧'.repeat(35), 'UCS-2', 70, 1], // an emoji is two UTF-16 units
    ['💧'.repeat(68), 'UCS-2', 136, 3],
    // A two-unit character is never split across segments: at a boundary it moves whole to the next.
    ['a'.repeat(152) + '€' + 'a'.repeat(152), 'GSM-7', 306, 3], // € would straddle septets 153/154
    ['a'.repeat(151) + '€' + 'a'.repeat(153), 'GSM-7', 306, 2], // € fills septets 152-153 exactly
    ['a'.repeat(152) + '€' + 'a'.repeat(151), 'GSM-7', 305, 2], // 152, then € + 151 = 153
    ['€'.repeat(76) + 'a', 'GSM-7', 153, 1], // 153 septets fit in one single segment
    ['€'.repeat(81), 'GSM-7', 162, 2], // 76 escapes per part (152 septets), 5 left
    ['€'.repeat(153), 'GSM-7', 306, 3], // 76 + 76 + 1
    ['a'.repeat(66) + '💧' + 'a'.repeat(66), 'UCS-2', 134, 3], // the pair would straddle units 67/68
    ['a'.repeat(65) + '💧' + 'a'.repeat(67), 'UCS-2', 134, 2], // the pair fills units 66-67 exactly
    ['a'.repeat(66) + '💧' + 'a'.repeat(67), 'UCS-2', 135, 3],
    ['a'.repeat(68) + '💧', 'UCS-2', 70, 1], // a single segment holds 70 units, pair included
    ['💧'.repeat(34), 'UCS-2', 68, 1],
    ['💧'.repeat(36), 'UCS-2', 72, 2], // 33 pairs per part (66 units), then 3
    ['💧'.repeat(67), 'UCS-2', 134, 3], // 33 + 33 + 1: 134 units would fit in two parts if split
  ] as const)('%#: %s', (text, encoding, units, segments) => {
    expect(smsCost(text)).toEqual({ encoding, units, segments });
  });

  it('look-alikes keep our own French in GSM-7', () => {
    expect(toGsmLookalikes('n’est «reçu» — être')).toBe('n\'est "recu" - etre');
    expect(smsCost(toGsmLookalikes('Désolé, n’avons pas pu traiter. Reçu : être')).encoding).toBe('GSM-7');
  });
});
