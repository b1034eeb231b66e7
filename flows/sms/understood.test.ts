// How forgiving the SMS conversation is: natural joiners, "did you mean" for a slipped keyword
// (never acted on), and an answer in the language an unmatched text is written in.
import { describe, expect, it } from 'vitest';
import { smsCost, toGsmLookalikes } from '../../src/domain/sms-encoding.ts';
import { testDeployment } from '../../test/helpers/deployment.ts';
import { FRESH } from '../../test/helpers/flow.ts';
import { sms, smsCtx } from '../../test/helpers/sms.ts';

const d = testDeployment();
const vote = (picks: number[]) => ({ type: 'vote.cast', cycleId: 'c-open', wardId: 'north', picks, receipt: FRESH.receipt, replaces: null });

describe('natural joiners', () => {
  it.each([
    ['Kura 1 na 3', 'Kura yako ya Wadi ya Kaskazini imehifadhiwa: 1 Kisima sokoni, 3 Wodi ya wazazi.'],
    ['vote 1 and 3', 'Vote recorded in North Ward: 1 Market borehole, 3 Maternity wing.'],
    ['voter 1 et 3', 'Vote enregistré à Quartier Nord : 1 Forage du marché, 3 Maternité.'],
    ['VOTE 1&3', 'Vote recorded in North Ward: 1 Market borehole, 3 Maternity wing.'],
    ['vote 1 & 3', 'Vote recorded in North Ward: 1 Market borehole, 3 Maternity wing.'],
  ])('%s votes for 1 and 3', (body, text) => {
    const r = sms(body, smsCtx(d));
    expect(r.reply?.text).toContain(text);
    expect(r.effects).toEqual([vote([1, 3])]);
  });

  it.each(['1&3', '1, 3', '1 & 3', '1 na 3', '1 and 3', '1 et 3'])('%s answers a pending VOTE question with 1 and 3', (body) => {
    expect(sms(body, smsCtx(d, {}, { kind: 'vote' })).effects).toEqual([vote([1, 3])]);
  });

  it('a sign or a decimal beside a joiner is still refused by name', () => {
    for (const [body, token] of [
      ['VOTE -1 and 3', '-1'],
      ['Kura 2.5 na 3', '2.5'],
      ['VOTE 1&-3', '-3'],
    ]) {
      const r = sms(body!, smsCtx(d));
      expect(r.reply?.text).toContain(`"${token}"`);
      expect(r.effects).toEqual([]);
    }
  });
});

describe('did you mean', () => {
  it.each([
    ['vot 1 2', {}, 'Did you mean "VOTE 1 2"? If so, send your message again starting with VOTE.'],
    ['VOOT 1 2', {}, 'Did you mean "VOTE 1 2"? If so, send your message again starting with VOTE.'],
    ['recipt ABC', {}, 'Did you mean "RECEIPT ABC"? If so, send your message again starting with RECEIPT.'],
    ['kur 1 2', {}, 'Ulimaanisha "KURA 1 2"? Kama ndiyo, tuma tena ujumbe unaoanza na KURA.'],
    ['votr 1 2', {}, 'Did you mean "VOTE 1 2"? If so, send your message again starting with VOTE.'],
    ['Resultat 2', {}, 'Résultats de quel quartier'],
    ['kur 1 2', { lang: 'fr' as const }, 'Vouliez-vous dire "KURA 1 2" ? Si oui, renvoyez votre message en commençant par KURA.'],
  ])('%s → %s', (body, voter, text) => {
    const r = sms(body, smsCtx(d, voter));
    expect(r.reply?.text).toContain(text);
    // Never acted on: no vote, no idea, no opt-out, whatever the keyword it resembles.
    expect(r.effects).toEqual([]);
  });

  it('nothing is recorded for a slipped VOTE, STOP or IDEA, even with a question pending', () => {
    for (const body of ['vot 1 2', 'VOOT 1 2', 'stopp', 'IDAE fix the borehole at the market']) {
      const r = sms(body, smsCtx(d, {}, { kind: 'vote' }));
      expect(r.reply?.text, body).toMatch(/^Did you mean "/);
      expect(r.effects, body).toEqual([]);
    }
  });

  it('a long message is cut in the question so that it fits one segment', () => {
    const r = sms(`ideaa ${'fix the borehole at Kiboko market '.repeat(20)}`, smsCtx(d));
    expect(r.reply?.text).toMatch(/^Did you mean "IDEA fix the borehole at Kiboko market .*\.\.\."\? If so, send your message again starting with IDEA\.$/);
    expect(smsCost(toGsmLookalikes(r.reply!.text))).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });

  it('ordinary words, very short words and far words are not taken for keywords', () => {
    for (const body of ['hello', 'hallo', 'votre projet', 'vo 1 2', 'note 1 2', 'vitamins']) {
      expect(sms(body, smsCtx(d)).reply?.text, body).not.toMatch(/mean|Ulimaanisha|Vouliez/);
    }
  });
});

describe('text that matches nothing', () => {
  it.each([
    ['Bonjour, je ne comprends pas', { lang: 'en' as const }, 'Désolé, message non compris. Envoyez PROJETS pour le bulletin'],
    ['Habari yako, sijui nini cha kufanya', { lang: 'fr' as const }, 'Samahani, hatukuelewa. Tuma MIRADI kuona miradi'],
    ['what is this please', { lang: 'sw' as const }, 'Sorry, we did not understand. Send PROJECTS for the ballot'],
    // Nothing to tell the language by: the number's remembered language, else the default.
    ['xyzzy plugh', { lang: 'fr' as const }, 'Désolé, message non compris.'],
    ['xyzzy plugh', {}, 'Sorry, we did not understand.'],
  ])('%s is answered in its own language', (body, voter, text) => {
    expect(sms(body, smsCtx(d, voter)).reply?.text).toContain(text);
  });

  it('a language the deployment does not offer is not used', () => {
    const noSwahili = testDeployment((r) => {
      r.languages = r.languages.filter((l: { code: string }) => l.code !== 'sw');
    });
    expect(sms('Habari yako, sijui nini', smsCtx(noSwahili)).reply?.text).toContain('Sorry, we did not understand.');
  });

  it('a keyword of a language the deployment does not offer still works, answered in one it does', () => {
    const noFrench = testDeployment((r) => {
      r.languages = r.languages.filter((l: { code: string }) => l.code !== 'fr');
    });
    const projects = sms('PROJETS north', smsCtx(noFrench)).reply!.text;
    expect(projects).toMatch(/^Projects in North Ward /);
    expect(projects).not.toContain('undefined');
    expect(sms('PROJETS', smsCtx(noFrench)).reply!.text).toMatch(/^Projects of which ward\?/);
    expect(sms('AIDE', smsCtx(noFrench)).reply!.text).toMatch(/^PROJECTS for the ballot/);
    // A number whose language the deployment has since dropped is answered in the default.
    expect(sms('AIDE', smsCtx(noFrench, { lang: 'fr' as const })).reply!.text).toMatch(/^PROJECTS for the ballot/);
    // HELP and LANG name the languages offered, not a fixed list.
    expect(sms('HELP', smsCtx(noFrench)).reply!.text).toContain(', LANG sw, STOP');
    expect(sms('LANG fr', smsCtx(noFrench)).reply!.text).toBe('Unknown language. Send LANG en or sw.');
    expect(sms('HELP', smsCtx(d)).reply!.text).toContain(', LANG sw or fr, STOP');
    expect(sms('MSAADA', smsCtx(d)).reply!.text).toContain(', LUGHA en au fr, ACHA');
  });
});
