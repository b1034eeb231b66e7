// "Project progress" on USSD (main menu 6): a winning project's latest update in the words STATUS 7
// answers by SMS, Follow by SMS (only when SMS reaches the caller), and a typed report recorded as
// REPORT 7 records it. Every screen of the branch fits 182 characters in every language.
import { describe, expect, it } from 'vitest';
import type { UssdContext } from '../../src/engine/flow-contract.ts';
import type { ImplementationUpdate } from '../../src/domain/implementation.ts';
import { updateText } from '../../src/domain/implementation-text.ts';
import { t } from '../../src/i18n/index.ts';
import { testDeployment } from '../../test/helpers/deployment.ts';
import { ctxFor, drive, FRESH } from '../../test/helpers/flow.ts';
import { ussdFlow } from './index.ts';
import { SCREEN_LIMIT } from './layout.ts';

const d = testDeployment();
type Update = Omit<ImplementationUpdate, 'photo'>;
const UPDATE: Update = {
  seq: 9,
  cycleId: 'c-past',
  recordedAt: '2026-11-20T08:00:00Z',
  code: 31,
  status: 'in-progress',
  progress: 40,
  date: '2026-11-18',
  milestone: { en: 'Roof fitted', sw: 'Paa limewekwa', fr: 'Toit posé' },
  reason: null,
};
const LONG: Update = {
  ...UPDATE,
  milestone: {
    en: 'The contractor fitted the roof and the benches, painted the posts and will lay the paving next week once the rains stop and the drains are cleared',
    sw: 'Mkandarasi ameweka paa na viti, amepaka rangi nguzo na ataweka sakafu wiki ijayo mvua ikikoma na mitaro ikisafishwa vizuri kabisa',
    fr: 'L’entreprise a posé le toit et les bancs, peint les poteaux et posera le pavage la semaine prochaine quand les pluies cesseront',
  },
};

/** A caller on USSD; `update` is the one the gateway holds for project 31; `sms`: SMS reaches them. */
function ctx(lang: 'en' | 'sw' | 'fr', update: Update | null, sms: boolean): UssdContext {
  return { ...ctxFor(d, { lang }), projectUpdate: (code) => (update && code === update.code ? update : null), smsFollow: sms };
}

interface Case {
  name: string;
  inputs: string[];
  lang?: 'en' | 'sw' | 'fr';
  update?: Update | null;
  sms?: boolean;
  end: boolean;
  contains: string[];
  absent?: string[];
}

const cases: Case[] = [
  { name: 'the menu offers Project progress once winners are published', inputs: [], end: false, contains: ['5 Results', '6 Project progress'] },
  { name: 'asks for the number', inputs: ['6'], end: false, contains: ['Type the number of a winning project:', '0 Back'] },
  { name: 'Back returns to the menu', inputs: ['6', '0'], end: false, contains: ['6 Project progress'] },
  {
    name: 'the latest update, as STATUS 31 by SMS says it, then the options',
    inputs: ['6', '31'],
    end: false,
    contains: ['Project 31 Bus shelter: in progress, 40% (18 Nov 2026). Roof fitted.', '1 Follow by SMS', '2 Report a problem', '0 Back'],
  },
  {
    name: 'in Swahili',
    inputs: ['6', '31'],
    lang: 'sw',
    end: false,
    contains: [updateText('sw', 'smsProjectStatus', UPDATE, 'Kibanda cha basi'), '1 Fuatilia kwa SMS', '2 Ripoti tatizo'],
  },
  {
    name: 'in French',
    inputs: ['6', '31'],
    lang: 'fr',
    end: false,
    contains: [updateText('fr', 'smsProjectStatus', UPDATE, 'Abri de bus'), '1 Suivre par SMS', '2 Signaler un problème'],
  },
  {
    name: 'no update yet',
    inputs: ['6', '31'],
    update: null,
    end: false,
    contains: ['Project 31 Bus shelter: no implementation update yet.', '1 Follow by SMS'],
  },
  {
    name: 'no Follow when SMS cannot reach the caller (no provider, or STOP)',
    inputs: ['6', '31'],
    sms: false,
    end: false,
    contains: ['2 Report a problem'],
    absent: ['Follow'],
  },
  { name: 'and 1 is then no choice', inputs: ['6', '31', '1'], sms: false, end: false, contains: ['Invalid choice'] },
  {
    name: 'a project that did not win gets a clear answer, and the question again',
    inputs: ['6', '32'],
    end: false,
    contains: ['No winning project has number 32.', 'Type the number of a winning project:'],
  },
  { name: 'in Swahili too', inputs: ['6', '7'], lang: 'sw', end: false, contains: ['Hakuna mradi ulioshinda wenye nambari 7.'] },
  { name: 'in French too', inputs: ['6', '77'], lang: 'fr', end: false, contains: ['Aucun projet retenu ne porte le numéro 77.'] },
  { name: 'letters are no number', inputs: ['6', 'abc'], end: false, contains: ['Invalid choice', 'Type the number of a winning project:'] },
  { name: 'Back from the status asks another number', inputs: ['6', '31', '0'], end: false, contains: ['Type the number of a winning project:'] },
  {
    name: 'Follow ends with the same words as FOLLOW 31 by SMS',
    inputs: ['6', '31', '1'],
    end: true,
    contains: [t('en', 'smsFollowing', { code: 31, name: 'Bus shelter' })],
  },
  { name: 'Report asks what the caller sees', inputs: ['6', '31', '2'], end: false, contains: ['What do you see at project 31? (max 140 letters)'] },
  { name: 'Back from the report returns to the status', inputs: ['6', '31', '2', '0'], end: false, contains: ['2 Report a problem'] },
  { name: 'a report too short to say anything is asked again', inputs: ['6', '31', '2', ' ?! '], end: false, contains: ['at least 3'] },
  { name: 'a report too long is asked again', inputs: ['6', '31', '2', 'x'.repeat(141)], end: false, contains: ['141', '140'] },
  {
    name: 'a report ends with its reference and the promise of an answer by SMS',
    inputs: ['6', '31', '2', 'The contractor left'],
    end: true,
    contains: [`Report on project 31 Bus shelter recorded. Reference R-${FRESH.reference}. The city team will answer you by SMS.`],
  },
  {
    name: 'no promise of an SMS answer to a caller SMS cannot reach',
    inputs: ['6', '31', '2', 'The contractor left'],
    sms: false,
    end: true,
    contains: [`Report on project 31 Bus shelter recorded. Reference R-${FRESH.reference}. Thank you.`],
  },
];

describe('USSD Project progress', () => {
  it.each(cases)('$name', (c) => {
    const run = drive(c.inputs, ctx(c.lang ?? 'en', c.update === undefined ? UPDATE : c.update, c.sms ?? true));
    expect(run.end).toBe(c.end);
    for (const s of c.contains) expect(run.text).toContain(s);
    for (const s of c.absent ?? []) expect(run.text).not.toContain(s);
    expect(run.text.length).toBeLessThanOrEqual(SCREEN_LIMIT);
  });

  it('Follow asks the runner to keep the number for that project, in the caller language, and records no event', () => {
    const run = drive(['6', '31', '1'], ctx('sw', UPDATE, true));
    expect(run.last.follow).toEqual({ cycleId: 'c-past', codes: [31], lang: 'sw' });
    expect(run.effects).toEqual([]);
  });

  it('a report is the same project.reported effect as REPORT 31 by SMS, a typed number redacted', () => {
    const run = drive(['6', '31', '2', '  The contractor   left, call 0712345678 '], ctx('fr', UPDATE, true));
    expect(run.effects).toEqual([
      {
        type: 'project.reported',
        cycleId: 'c-past',
        wardId: 'north',
        code: 31,
        text: expect.stringMatching(/^The contractor left, call /),
        reference: `R-${FRESH.reference}`,
        lang: 'fr',
      },
    ]);
    expect(JSON.stringify(run.effects)).not.toContain('0712345678');
    expect(run.last.follow).toBeUndefined();
  });

  it('a long milestone is shortened so the status and every option fit one screen, in every language', () => {
    for (const lang of ['en', 'sw', 'fr'] as const) {
      const run = drive(['6', '31'], ctx(lang, LONG, true));
      expect(run.text.length).toBeLessThanOrEqual(SCREEN_LIMIT);
      expect(run.text).toContain('...');
      expect(run.text).toContain(`2 ${t(lang, 'reportOnProject')}`);
      expect(run.text).toContain(`0 ${t(lang, 'navBack')}`);
    }
  });

  it('no project branch is resumable: an abandoned report is not offered again', () => {
    const run = drive(['6', '31', '2'], ctx('en', UPDATE, true));
    expect(ussdFlow.isResumable(run.state)).toBe(false);
  });
});
