// PROJECTS by SMS: the ward's ballot with costs, one segment a reply, paged on by PROJECTS 2 or MORE.
import { describe, expect, it } from 'vitest';
import { SUPPORTED_LANGUAGES } from '../../src/config/schema.ts';
import { smsCost, toGsmLookalikes } from '../../src/domain/sms-encoding.ts';
import type { SmsConversation } from '../../src/engine/flow-contract.ts';
import { t } from '../../src/i18n/index.ts';
import { testDeployment, withBallot } from '../../test/helpers/deployment.ts';
import { sms, smsCtx } from '../../test/helpers/sms.ts';

const d = testDeployment();
const north = { roll: { eligible: true, wardId: 'north' } };
const oneSegment = (text: string | undefined) => smsCost(toGsmLookalikes(text!)).segments === 1 && smsCost(toGsmLookalikes(text!)).encoding === 'GSM-7';

/** Sends `bodies` one after another, each with the conversation the previous reply left. */
function converse(bodies: string[], voter = {}, deployment = d) {
  let conversation: SmsConversation | null = null;
  return bodies.map((body) => {
    const r = sms(body, smsCtx(deployment, voter, conversation));
    conversation = r.conversation;
    return r;
  });
}

describe('PROJECTS', () => {
  it('pages the ward’s projects with their costs, MORE for the next page, how to vote at the end', () => {
    const [p1, p2, p3] = converse(['PROJECTS', 'MORE', 'MORE'], north);
    expect(p1!.reply?.text).toBe(
      'Projects in North Ward (KES) 1/3: 1 Market borehole 4.5M; 2 Station Rd lights 3.2M; 3 Maternity wing 2.9M. Send MORE for the next page.',
    );
    expect(p2!.reply?.text).toBe(
      'Projects in North Ward (KES) 2/3: 4 River footbridge 2.6M; 5 Youth market stalls 1.9M; 6 Water tank & pipes 3.8M. Send MORE for the next page.',
    );
    expect(p3!.reply?.text).toBe('Projects in North Ward (KES) 3/3: 7 Clinic roof repairs 1.3M; 12 Tree nursery 950K. To vote: VOTE 1 2.');
    for (const r of [p1, p2, p3]) expect(r!.effects).toEqual([]);
    expect(p3!.conversation).toEqual({ kind: 'projects', page: 3, wardId: 'north', lang: 'en' });
  });

  it('MORE after the last page says there is nothing more, not the last page again', () => {
    const [, , last, past, again] = converse(['PROJECTS', 'MORE', 'MORE', 'MORE', 'MORE'], north);
    expect(last!.reply?.text).toContain('3/3');
    expect(past!.reply?.text).toBe('Nothing more to show. Send PROJECTS for the ballot or RESULTS for the winners.');
    expect(again!.reply?.text).toBe(past!.reply?.text);
    // A one-page list: MORE right after it says the same.
    const [only, more] = converse(['PROJECTS', 'MORE'], { roll: { eligible: true, wardId: 'south' } });
    expect(only!.reply?.text).not.toContain('1/');
    expect(more!.reply?.text).toBe('Nothing more to show. Send PROJECTS for the ballot or RESULTS for the winners.');
  });

  it('PROJECTS 2 is the same page as MORE after PROJECTS', () => {
    const [, more] = converse(['PROJECTS', 'MORE'], north);
    expect(sms('PROJECTS 2', smsCtx(d, north)).reply?.text).toBe(more!.reply?.text);
  });

  it.each([
    ['sw', ['MIRADI', 'ZAIDI', 'zaidi'], 'Miradi ya Wadi ya Kaskazini (KES) 1/', 'Tuma ZAIDI kwa ukurasa unaofuata.', 'Kupiga kura: KURA 1 2.'],
    ['fr', ['PROJETS', 'SUITE', 'suite'], 'Projets à Quartier Nord (KES) 1/', 'Envoyez SUITE pour la page suivante.', 'Pour voter : VOTER 1 2.'],
  ] as const)('%s: the same pages in the language of the keyword, every project once, each reply one GSM-7 segment', (_lang, bodies, head, more, vote) => {
    const replies = converse([...bodies], north).map((r) => r.reply!.text);
    expect(replies[0]).toContain(head);
    expect(replies[0]).toMatch(new RegExp(`${more}$`));
    expect(replies.at(-1)).toMatch(new RegExp(`${vote}$`));
    for (const text of replies) expect(oneSegment(text), text).toBe(true);
    const codes = replies.flatMap((text) => [...text.matchAll(/(?:: |; )(\d+) /g)].map((m) => Number(m[1])));
    expect(codes).toEqual([1, 2, 3, 4, 5, 6, 7, 12]);
  });

  it('asks which ward when it cannot be told, then lists the ward answered and pages on without asking again', () => {
    const [ask, answered, more] = converse(['PROJECTS', '2', 'MORE']);
    expect(ask!.reply?.text).toBe('Projects of which ward? Reply with its number: 1 North Ward, 2 South Ward');
    expect(ask!.conversation).toEqual({ kind: 'projects', page: 1, lang: 'en' });
    expect(answered!.reply?.text).toBe('Projects in South Ward (KES): 20 Fish cold room 5.5M; 21 Drainage culverts 2.3M. To vote: VOTE 20 21.');
    // The ward answered is remembered: MORE does not ask again (and this one page is all there is).
    expect(more!.reply?.text).toBe('Nothing more to show. Send PROJECTS for the ballot or RESULTS for the winners.');
    expect(more!.conversation).toMatchObject({ kind: 'projects', wardId: 'south' });
    // A number that is no ward is asked about again; in Swahili and French too.
    expect(converse(['PROJECTS', '9'])[1]!.reply?.text).toBe('Projects of which ward? Reply with its number: 1 North Ward, 2 South Ward');
    expect(sms('MIRADI', smsCtx(d)).reply?.text).toBe('Miradi ya wadi gani? Jibu kwa namba yake: 1 Wadi ya Kaskazini, 2 Wadi ya Kusini');
    expect(sms('PROJETS', smsCtx(d)).reply?.text).toBe('Projets de quel quartier ? Répondez par son numéro : 1 Quartier Nord, 2 Quartier Sud');
  });

  it('takes a ward named after the keyword in any language, and asks when the name is no ward', () => {
    expect(sms('PROJECTS south ward', smsCtx(d)).reply?.text).toContain('Projects in South Ward (KES): 20 Fish cold room');
    expect(sms('MIRADI Wadi ya Kusini', smsCtx(d)).reply?.text).toContain('Miradi ya Wadi ya Kusini (KES): 20 Chumba baridi 5.5M');
    expect(sms('PROJETS Quartier Nord 3', smsCtx(d)).reply?.text).toContain('Projets à Quartier Nord (KES) 3/3 : 7 Toit du dispensaire 1,3M');
    const unknown = sms('PROJECTS Atlantis', smsCtx(d, north));
    expect(unknown.reply?.text).toBe('Projects of which ward? Reply with its number: 1 North Ward, 2 South Ward');
    expect(sms('1', smsCtx(d, north, unknown.conversation)).reply?.text).toContain('Projects in North Ward (KES) 1/3');
  });

  it('a page past the end shows the last; MORE with nothing shown says how to see a list', () => {
    expect(sms('PROJECTS 9', smsCtx(d, north)).reply?.text).toContain('3/3: 7 Clinic roof repairs');
    expect(sms('MORE', smsCtx(d, north)).reply?.text).toBe('Nothing more to show. Send PROJECTS for the ballot or RESULTS for the winners.');
    expect(sms('ZAIDI', smsCtx(d)).reply?.text).toBe('Hakuna zaidi ya kuonyesha. Tuma MIRADI kuona miradi ya kura au MATOKEO kuona iliyochaguliwa.');
  });

  it('MORE pages the winners too, after RESULTS', () => {
    const many = testDeployment((r) => {
      r.cycles[1].projects = Array.from({ length: 12 }, (_, i) => ({
        code: 50 + i,
        ward: 'north',
        cost: 100000,
        title: { en: 'T', sw: 'T', fr: 'T' },
        short: { en: `Youth market stalls ${i}`, sw: `Vibanda vya vijana ${i}`, fr: `Étals pour jeunes ${i}` },
      }));
      r.cycles[1].results.selected = r.cycles[1].projects.map((p: { code: number }) => p.code);
    });
    const [first, next] = converse(['RESULTS', 'MORE'], north, many);
    expect(first!.reply?.text).toMatch(/More: RESULTS 2$/);
    expect(next!.reply?.text).toBe(sms('RESULTS 2', smsCtx(many, north)).reply?.text);
    expect(next!.reply?.text).not.toBe(first!.reply?.text);
  });

  it('before voting opens lists the ballot and says when voting opens; after it closes says so', () => {
    const before = new Date('2019-02-15T00:00:00Z');
    const r = sms('PROJECTS', smsCtx(d, north, null, before));
    expect(r.reply?.text).toBe('Projects in North Ward (KES): 31 Bus shelter 900K; 32 Rubbish bins 800K. Voting opens on 1 Mar 2019.');
    const closed = testDeployment((raw) => {
      raw.cycles = [raw.cycles[1]];
    });
    expect(sms('PROJECTS', smsCtx(closed, north)).reply?.text).toBe(t('en', 'votingClosed', { date: '1 Apr 2019' }));
  });

  it('shows a cumulative ballot’s example with points', () => {
    const text = converse(['PROJECTS', 'MORE', 'MORE'], north, withBallot({ rule: 'cumulative', points: 5, maxPerProject: 3 })).at(-1)!.reply?.text;
    expect(text).toMatch(/To vote: VOTE 1 1 2\.$/);
  });

  it('fits one segment with long titles and a long ward name in every language', () => {
    const long = testDeployment((r) => {
      r.wards[0].name = { en: 'W'.repeat(30), sw: 'W'.repeat(30), fr: 'W'.repeat(30) };
      for (const p of r.cycles[0].projects) p.short = { en: 'x'.repeat(22), sw: 'y'.repeat(22), fr: 'z'.repeat(22) };
      r.cycles[0].projects[0].cost = 999_900_000;
    });
    for (const lang of SUPPORTED_LANGUAGES) {
      const replies = converse(
        Array(9)
          .fill('PROJECTS')
          .map((k, i) => `${k} ${i + 1}`),
        { ...north, lang },
        long,
      ).map((r) => r.reply!.text);
      for (const text of replies) expect(oneSegment(text), `${lang}: ${text}`).toBe(true);
      expect(new Set(replies).size).toBeGreaterThan(3);
    }
  });
});
