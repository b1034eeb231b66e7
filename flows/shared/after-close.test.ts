// After a cycle's vote has closed, every channel tells a resident who voted what became of their
// vote (never "you have not voted"), with the ledger's word, that voting closed and when results
// come; and "vote" names the closed cycle and when the next opens. USSD and SMS, en/sw/fr.
import { describe, expect, it } from 'vitest';
import type { LedgerState } from '../../src/engine/flow-contract.ts';
import { smsCost, toGsmLookalikes } from '../../src/domain/sms-encoding.ts';
import { t, type MessageKey } from '../../src/i18n/index.ts';
import { AFTER_CLOSE, afterCloseDeployment } from '../../test/helpers/deployment.ts';
import { ctxFor, drive } from '../../test/helpers/flow.ts';
import { sms, smsCtx } from '../../test/helpers/sms.ts';

const d = afterCloseDeployment();
// Cast in the closed cycle; receipt AAAAA-BBBBB is the one the SMS test context knows as counted.
const ballot = {
  cycleId: 'c-open',
  wardId: 'north',
  picks: [2, 5],
  receipt: 'AAAAA-BBBBB',
  castAt: new Date('2026-11-20T08:00:00Z'),
  eventId: 'e1',
  ledger: 'counted' as const,
};
const myVote = (deployment = d, voter: Parameters<typeof ctxFor>[1] = { lang: 'en', ballot }) => drive(['3'], ctxFor(deployment, voter, AFTER_CLOSE)).text;
const text = (body: string, voter: Parameters<typeof smsCtx>[1] = { lang: 'en', ballot }, deployment = d) =>
  sms(body, smsCtx(deployment, voter, null, AFTER_CLOSE)).reply!.text;
const segments = (s: string) => smsCost(toGsmLookalikes(s)).segments;

describe('USSD after the vote closed', () => {
  it('My vote shows the closed cycle’s vote with its titles, the ledger’s word, that voting closed and that results will be announced', () => {
    expect(myVote()).toBe(
      'Your Open cycle vote: 2 Station Rd lights, 5 Youth market stalls. Receipt AAAAA-BBBBB. It counts in the city ledger. Voting closed on 1 Dec 2026. Results will be announced.',
    );
  });

  it('in Swahili and French too', () => {
    expect(myVote(d, { lang: 'sw', ballot })).toBe(
      'Kura yako ya Mzunguko wazi: 2, 5. Risiti AAAAA-BBBBB. Inahesabiwa kwenye daftari la jiji. Upigaji kura ulifungwa tarehe 1 Des 2026. Matokeo yatatangazwa.',
    );
    expect(myVote(d, { lang: 'fr', ballot })).toBe(
      'Votre vote (Cycle ouvert) : 2, 5. Reçu AAAAA-BBBBB. Il compte dans le registre de la ville. Le vote a fermé le 1 déc. 2026. Les résultats seront annoncés.',
    );
  });

  it('gives the date results are expected when the cycle sets one, and never a date already past', () => {
    const due = afterCloseDeployment((r) => (r.cycles[0].resultsExpected = '2026-12-20T09:00:00+03:00'));
    expect(myVote(due)).toContain('Voting closed on 1 Dec 2026. Results are expected on 20 Dec 2026.');
    const past = afterCloseDeployment((r) => (r.cycles[0].resultsExpected = '2026-12-05T09:00:00+03:00'));
    expect(myVote(past)).toContain('Results will be announced.');
  });

  it('says where the results are once they are published', () => {
    const out = afterCloseDeployment((r) => (r.cycles[0].results = { published: '2026-12-05T09:00:00+03:00', selected: [2] }));
    expect(myVote(out)).toContain('Results are out: see Results in the menu.');
  });

  it('Vote names the closed cycle, when results come and when the next vote opens', () => {
    const vote = (lang: 'en' | 'sw' | 'fr') => drive(['1'], ctxFor(d, { lang, ballot }, AFTER_CLOSE));
    expect(vote('en').text).toBe('Open cycle: voting closed on 1 Dec 2026. Results will be announced. The next vote opens on 1 Oct 2027.');
    expect(vote('sw').text).toBe('Mzunguko wazi: upigaji kura ulifungwa tarehe 1 Des 2026. Matokeo yatatangazwa. Upigaji kura ujao utaanza tarehe 1 Okt 2027.');
    expect(vote('fr').text).toBe('Cycle ouvert : le vote a fermé le 1 déc. 2026. Les résultats seront annoncés. Le prochain vote ouvre le 1 oct. 2027.');
    expect(vote('en').end).toBe(true);
    expect(vote('en').effects).toEqual([]);
  });

  it('the first cycle ever still just says when voting opens', () => {
    expect(drive(['1'], ctxFor(d, { lang: 'en' }, new Date('2019-02-15T00:00:00Z'))).text).toBe('Voting opens on 1 Mar 2019.');
  });
});

describe('SMS after the vote closed', () => {
  it('RECEIPT shows the closed cycle’s vote, the ledger’s word, that voting closed and that results will be announced, in one segment', () => {
    expect(text('RECEIPT')).toBe(
      'Your Open cycle vote: 2 5. Receipt AAAAA-BBBBB. It counts in the city ledger. Voting closed on 1 Dec 2026. Results will be announced.',
    );
    expect(text('RISITI', { lang: 'sw', ballot })).toBe(
      'Kura yako ya Mzunguko wazi: 2 5. Risiti AAAAA-BBBBB. Inahesabiwa kwenye daftari la jiji. Upigaji kura ulifungwa tarehe 1 Des 2026. Matokeo yatatangazwa.',
    );
    expect(text('RECU', { lang: 'fr', ballot })).toBe(
      'Votre vote (Cycle ouvert) : 2 5. Reçu AAAAA-BBBBB. Il compte dans le registre de la ville. Le vote a fermé le 1 déc. 2026. Les résultats seront annoncés.',
    );
  });

  it('RECEIPT points to RESULTS once results are published', () => {
    const out = afterCloseDeployment((r) => (r.cycles[0].results = { published: '2026-12-05T09:00:00+03:00', selected: [2] }));
    expect(text('RECEIPT', { lang: 'en', ballot }, out)).toContain('Results are out: send RESULTS.');
    expect(text('MATOKEO', { lang: 'sw', ballot }, out)).not.toContain('Bado');
  });

  it('VOTE names the closed cycle and when the next vote opens, and records nothing', () => {
    const r = sms('VOTE 3', smsCtx(d, { lang: 'en', ballot }, null, AFTER_CLOSE));
    expect(r.reply!.text).toBe('Open cycle: voting closed on 1 Dec 2026. Results will be announced. The next vote opens on 1 Oct 2027.');
    expect(r.effects).toEqual([]);
    expect(text('KURA 3', { lang: 'sw' })).toBe(
      'Mzunguko wazi: upigaji kura ulifungwa tarehe 1 Des 2026. Matokeo yatatangazwa. Upigaji kura ujao utaanza tarehe 1 Okt 2027.',
    );
    expect(text('VOTER 3', { lang: 'fr' })).toBe(
      'Cycle ouvert : le vote a fermé le 1 déc. 2026. Les résultats seront annoncés. Le prochain vote ouvre le 1 oct. 2027.',
    );
  });

  it('CHECK alone checks the vote of the closed cycle', () => {
    expect(text('CHECK')).toBe('Receipt AAAAA-BBBBB counts in the city ledger.');
  });
});

describe('after close, the reply never claims more than the ledger said, and always fits', () => {
  const STATES = ['pending', 'recorded', 'counted', 'replaced', 'superseded', 'late', 'refused'] as const;
  const cap = (s: LedgerState) => s[0]!.toUpperCase() + s.slice(1);
  const words = (lang: 'en' | 'sw' | 'fr', state: LedgerState, receipt: string) => {
    const channel = t(lang, 'channelField');
    return [t(lang, `ledger${cap(state)}` as MessageKey, { channel }), t(lang, `smsCheck${cap(state)}` as MessageKey, { receipt, channel })];
  };
  // A long ward, eight picks, and a cycle name as long as the deployment file allows.
  const crowded = afterCloseDeployment((r) => {
    r.wards[0].name = { en: 'W'.repeat(30), sw: 'W'.repeat(30), fr: 'W'.repeat(30) };
  });
  const longName = afterCloseDeployment((r) => {
    r.cycles[0].name = { en: 'N'.repeat(160), sw: 'N'.repeat(160), fr: 'N'.repeat(160) };
  });

  for (const lang of ['en', 'sw', 'fr'] as const) {
    for (const [name, deployment] of [
      ['plain', d],
      ['crowded', crowded],
      ['a 160-character cycle name', longName],
    ] as const) {
      it(`${lang}, ${name}: every ledger state`, () => {
        for (const state of STATES) {
          const b = { ...ballot, picks: name === 'plain' ? [2, 5] : [1, 2, 3, 4, 5, 6, 7, 12], ledger: state, countedChannel: 'field' };
          const closed = t(lang, 'votingClosed', { date: lang === 'en' ? '1 Dec 2026' : lang === 'sw' ? '1 Des 2026' : '1 déc. 2026' })
            .toLowerCase()
            .slice(0, -1);
          for (const [channel, reply] of [
            ['USSD', myVote(deployment, { lang, ballot: b })],
            ['SMS', text('RECEIPT', { lang, ballot: b }, deployment)],
          ] as const) {
            const at = `${channel} ${lang} ${state}: ${reply}`;
            if (channel === 'USSD') expect(reply.length, at).toBeLessThanOrEqual(182);
            else expect(segments(reply), at).toBe(1);
            expect(reply, at).toContain('AAAAA-BBBBB');
            // Its own standing, in the note or in CHECK's words...
            const [note, check] = words(lang, state, 'AAAAA-BBBBB');
            expect(reply.includes(note!) || reply.includes(check!), at).toBe(true);
            // ...and no other standing's.
            for (const other of STATES.filter((s) => s !== state)) {
              for (const w of words(lang, other, 'AAAAA-BBBBB')) expect(reply.includes(w), `${at} claims ${other}`).toBe(false);
            }
            expect(reply.toLowerCase(), at).toContain(closed);
          }
        }
      });
    }
  }
});

describe('a resident who did not vote, after the vote closed', () => {
  it('My vote (USSD) and RECEIPT (SMS) say they did not vote in the closed cycle, when it closed, when results come and when the next vote opens', () => {
    const none = { lang: 'en' as const };
    expect(myVote(d, none)).toBe('You did not vote in Open cycle. Voting closed on 1 Dec 2026. Results will be announced. The next vote opens on 1 Oct 2027.');
    expect(text('RECEIPT', none)).toBe(
      'You did not vote in Open cycle. Voting closed on 1 Dec 2026. Results will be announced. The next vote opens on 1 Oct 2027.',
    );
    expect(text('RISITI', { lang: 'sw' })).toBe(
      'Hukupiga kura katika Mzunguko wazi. Upigaji kura ulifungwa tarehe 1 Des 2026. Matokeo yatatangazwa. Upigaji kura ujao utaanza tarehe 1 Okt 2027.',
    );
    expect(text('RECU', { lang: 'fr' })).toBe(
      'Vous n’avez pas voté pour Cycle ouvert. Le vote a fermé le 1 déc. 2026. Les résultats seront annoncés. Le prochain vote ouvre le 1 oct. 2027.',
    );
  });

  it('before the first vote ever, it is still "not voted yet"', () => {
    expect(drive(['3'], ctxFor(d, { lang: 'en' }, new Date('2019-02-15T00:00:00Z'))).text).toContain('You have not voted yet.');
  });
});

describe('SMS RESULTS names its cycle', () => {
  it('says which cycle the winners are from and when they were published', () => {
    const out = afterCloseDeployment((r) => (r.cycles[0].results = { published: '2026-12-05T09:00:00+03:00', selected: [2] }));
    expect(text('RESULTS', { lang: 'en', ballot }, out)).toBe('Open cycle results (5 Dec 2026). Selected in North Ward: 2 Station Rd lights.');
    expect(text('MATOKEO', { lang: 'sw', ballot }, out)).toMatch(/^Matokeo ya Mzunguko wazi \(5 Des 2026\)\. Iliyochaguliwa /);
  });
});
