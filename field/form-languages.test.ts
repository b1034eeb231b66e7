// @vitest-environment jsdom
// Every generated form carries all the deployment's languages as ODK itext: ODK's own form engine
// (@getodk/xforms-engine, the engine of ODK Web Forms, as ODK Collect's JavaRosa reads the same
// itext) lists them, and switching the active language serves each label, choice, hint and
// constraint message in that language, the deployment's texts (wards, projects, categories,
// survey questions) included.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { deploymentSchema, type Deployment } from '../src/config/schema.ts';
import { installLanguages, uninstallLanguages, type LanguagePack } from '../src/i18n/languages.ts';
import { paperForms } from './paper-forms.ts';
import { fieldForms, type FieldForm } from './xforms.ts';

(globalThis as { __dirname?: string }).__dirname ??= '/';
const { createInstance } = await import('@getodk/xforms-engine');

const FIXTURE = resolve(import.meta.dirname, '../test/fixtures/deployment.yaml');
const LUO = resolve(import.meta.dirname, '../test/fixtures/luo/deployment.yaml');
const NOW = new Date('2026-11-22T09:00:00Z');
function deployment(file = FIXTURE, edit: (raw: Record<string, any>) => void = () => {}): Deployment {
  const raw = parse(readFileSync(file, 'utf8')) as Record<string, any>;
  edit(raw);
  return deploymentSchema.parse(raw);
}
const form = (forms: FieldForm[], kind: FieldForm['kind']) => forms.find((f) => f.kind === kind)!;

type Root = Awaited<ReturnType<typeof createInstance>>['root'];
type AnyNode = { currentState: { reference: string; children: AnyNode[] | null } };
function find(root: Root, ref: string): any {
  const walk = (n: AnyNode): AnyNode | undefined => (n.currentState.reference === ref ? n : (n.currentState.children ?? []).map(walk).find(Boolean));
  const node = walk(root as unknown as AnyNode);
  if (!node) throw new Error(`no node ${ref}`);
  return node;
}
const labelOf = (root: Root, ref: string): string => find(root, ref).currentState.label?.asString;
const choices = (root: Root, ref: string): string[] => find(root, ref).currentState.valueOptions.map((o: any) => o.label.asString);
function speak(root: Root, code: string): void {
  const lang = root.languages.find((l) => l.language.endsWith(`(${code})`));
  if (!lang || lang.isSyntheticDefault) throw new Error(`no language ${code}`);
  root.setLanguage(lang);
}

afterAll(() => uninstallLanguages(['luo']));

describe('the field forms in every language of the deployment', () => {
  it('the vote form lists the languages as "Name (code)", the default first and marked, and serves each one’s labels, choices, hint and messages', async () => {
    const f = form(fieldForms(deployment(), NOW), 'vote');
    const { root } = await createInstance(f.xml);
    expect(root.languages.map((l) => [l.language, l.isDefault, l.locale?.language])).toEqual([
      ['English (en)', true, 'en'],
      ['Kiswahili (sw)', false, 'sw'],
      ['Français (fr)', false, 'fr'],
    ]);
    expect(root.currentState.activeLanguage.language).toBe('English (en)');
    find(root, '/data/consent').selectValue('yes');
    find(root, '/data/voter_id').setValue('V-0001');
    find(root, '/data/ward').selectValue('north');
    find(root, '/data/w_north/picks').selectValues(['1', '2', '3', '4']);
    const seen = (code: string) => {
      speak(root, code);
      return {
        consent: labelOf(root, '/data/consent'),
        wards: choices(root, '/data/ward'),
        group: labelOf(root, '/data/w_north'),
        firstProject: choices(root, '/data/w_north/picks')[0],
        hint: find(root, '/data/phone').currentState.hint?.asString,
        message: root.validationState.violations.find((v) => v.reference === '/data/w_north/picks')?.violation.message?.asString,
      };
    };
    expect(seen('sw')).toEqual({
      consent: 'Je, mkazi anakubali kura yake irekodiwe nawe, kwenye simu hii, kwa kura ya PB?',
      wards: ['Wadi ya Kaskazini', 'Wadi ya Kusini'],
      group: 'Wadi ya Kaskazini: miradi (bajeti KES 10,000,000)',
      firstProject: '1 · Kisima — KES 4,500,000',
      hint: 'Ikiwa tu mkazi anataka risiti kwa SMS. Namba inahifadhiwa hadi SMS itumwe, kamwe si pamoja na kura.',
      message: 'Chagua angalau miradi 1 na isiyozidi 3',
    });
    expect(seen('fr')).toMatchObject({
      wards: ['Quartier Nord', 'Quartier Sud'],
      firstProject: '1 · Forage — KES 4,500,000',
      message: 'Choisissez au moins 1 et au plus 3 projets',
    });
    expect(seen('en')).toMatchObject({
      wards: ['North Ward', 'South Ward'],
      firstProject: '1 · Borehole — KES 4,500,000',
      message: 'Pick at least 1 and at most 3 projects',
    });
    // The read-back holds <output>s: filled in, in the language being spoken.
    find(root, '/data/w_north/picks').selectValues(['1', '3']);
    speak(root, 'sw');
    expect(labelOf(root, '/data/w_north/readback')).toBe('Msomee mkazi: 1 · Kisima; 3 · Wazazi; Gharama yote: KES 7400000. Je, hili ndilo chaguo lake?');
    speak(root, 'fr');
    expect(labelOf(root, '/data/w_north/readback')).toBe('Relisez au résident : 1 · Forage; 3 · Maternité; Coût total : KES 7400000. Est-ce bien son choix ?');
    // The language changes what is shown, never what is submitted.
    expect(root.instanceState.instanceXML).toContain('<picks>1 3</picks>');
  });

  it('a ranking ballot reads its places back with the choice names of the language spoken', async () => {
    const d = deployment(FIXTURE, (r) => (r.cycles[0].ballot = { rule: 'ranking', k: 2 }));
    const { root } = await createInstance(form(fieldForms(d, NOW), 'vote').xml);
    find(root, '/data/consent').selectValue('yes');
    find(root, '/data/ward').selectValue('north');
    find(root, '/data/w_north/r1').selectValue('3');
    find(root, '/data/w_north/r2').selectValue('1');
    speak(root, 'sw');
    expect(labelOf(root, '/data/w_north/r1')).toBe('Chaguo la 1 (kati ya hadi 2)');
    expect(labelOf(root, '/data/w_north/readback')).toContain('1. 3 · Wazazi — KES 2,900,000; 2. 1 · Kisima — KES 4,500,000; ');
  });

  it('the proposal form gives wards and categories in each language', async () => {
    const { root } = await createInstance(form(fieldForms(deployment(), NOW), 'proposal').xml);
    speak(root, 'fr');
    expect(choices(root, '/data/category')).toEqual(['Eau', 'Routes et ponts', 'Santé']);
    expect(labelOf(root, '/data/title')).toBe("Titre de l'idée");
    speak(root, 'sw');
    expect(choices(root, '/data/category')).toEqual(['Maji', 'Barabara na madaraja', 'Afya']);
    expect(labelOf(root, '/data/ward')).toBe('Wadi');
  });

  it('a survey gives its questions and answers in each language, as the deployment writes them', async () => {
    const d = deployment(FIXTURE, (r) => {
      r.surveys = [
        {
          id: 'needs',
          cycle: 'c-open',
          title: { en: 'Needs', sw: 'Mahitaji', fr: 'Besoins' },
          opens: '2026-11-01T00:00:00Z',
          closes: '2026-12-01T00:00:00Z',
          questions: [
            {
              id: 'source',
              type: 'select_one',
              label: { en: 'Water source', sw: 'Chanzo cha maji', fr: "Source d'eau" },
              required: true,
              choices: [
                { id: 'tap', label: { en: 'Tap', sw: 'Bomba', fr: 'Robinet' } },
                { id: 'river', label: { en: 'River', sw: 'Mto', fr: 'Rivière' } },
              ],
            },
            { id: 'people', type: 'integer', label: { en: 'People', sw: 'Watu', fr: 'Personnes' }, min: 1, max: 40 },
          ],
        },
      ];
    });
    const { root } = await createInstance(form(fieldForms(d, NOW), 'survey').xml);
    find(root, '/data/consent').selectValue('yes');
    find(root, '/data/ward').selectValue('south');
    find(root, '/data/source').selectValue('river');
    find(root, '/data/people').setValue('41');
    speak(root, 'sw');
    expect([labelOf(root, '/data/source'), ...choices(root, '/data/source')]).toEqual(['Chanzo cha maji', 'Bomba', 'Mto']);
    expect(root.validationState.violations[0]!.violation.message?.asString).toBe('Namba kamili kutoka 1 hadi 40');
    speak(root, 'fr');
    expect([labelOf(root, '/data/source'), ...choices(root, '/data/source'), labelOf(root, '/data/people')]).toEqual([
      "Source d'eau",
      'Robinet',
      'Rivière',
      'Personnes',
    ]);
  });

  it('the paper ballot and the tally sheet are in each language too', async () => {
    const [ballot, tally] = paperForms(deployment(), NOW);
    const b = (await createInstance(ballot!.xml)).root;
    speak(b, 'sw');
    expect(labelOf(b, '/data/serial')).toBe('Namba ya mfululizo iliyochapishwa kwenye karatasi ya kura');
    expect(labelOf(b, '/data/w_north')).toBe('Wadi ya Kaskazini');
    const t = (await createInstance(tally!.xml)).root;
    find(t, '/data/issued').setValue('10');
    find(t, '/data/valid').setValue('8');
    find(t, '/data/spoiled').setValue('1');
    speak(t, 'fr');
    expect(labelOf(t, '/data/w_north/p1')).toBe('1 · Forage : voix');
    expect(t.validationState.violations.find((v) => v.reference === '/data/spoiled')?.violation.message?.asString).toBe('Remis doit égaler valables + nuls');
  });

  it('a language added by a catalogue: its field labels where the catalogue gives them, English for the rest, the deployment’s names always', async () => {
    installLanguages([{ code: 'luo', field: { ward: 'Gweng' } } as unknown as LanguagePack]);
    const { root } = await createInstance(form(fieldForms(deployment(LUO), NOW), 'vote').xml);
    expect(root.languages.map((l) => l.language)).toEqual(['English (en)', 'Kiswahili (sw)', 'Français (fr)', 'Dholuo (luo)']);
    speak(root, 'luo');
    expect(labelOf(root, '/data/ward')).toBe('Gweng');
    expect(choices(root, '/data/ward')).toEqual(['Wadi mar Nyandwat', 'Wadi mar Milambo']);
    expect(labelOf(root, '/data/voter_id')).toBe('Voter id (from the roll)');
  });

  it('the default language is the deployment’s, first and marked, whatever order the languages are listed in', async () => {
    const { root } = await createInstance(
      form(
        fieldForms(
          deployment(FIXTURE, (r) => (r.defaultLanguage = 'sw')),
          NOW,
        ),
        'proposal',
      ).xml,
    );
    expect(root.languages.map((l) => [l.language, l.isDefault])).toEqual([
      ['Kiswahili (sw)', true],
      ['English (en)', false],
      ['Français (fr)', false],
    ]);
    expect(root.currentState.activeLanguage.language).toBe('Kiswahili (sw)');
    expect(labelOf(root, '/data/category')).toBe('Aina');
  });

  it('version and hash change when a text changes in any language, not only the default', () => {
    const a = fieldForms(deployment(), NOW);
    const b = fieldForms(
      deployment(FIXTURE, (r) => (r.wards[0].name.fr = 'Quartier du Nord')),
      NOW,
    );
    for (const kind of ['vote', 'proposal'] as const) {
      expect(form(b, kind).version).not.toBe(form(a, kind).version);
      expect(form(b, kind).hash).not.toBe(form(a, kind).hash);
    }
    const pa = paperForms(deployment(), NOW);
    const pb = paperForms(
      deployment(FIXTURE, (r) => (r.cycles[0].projects[0].title.sw = 'Kisima kipya')),
      NOW,
    );
    expect(pb.map((f) => f.version)).not.toEqual(pa.map((f) => f.version));
    expect(pb[0]!.version).not.toBe(pa[0]!.version);
    expect(pb[1]!.version).not.toBe(pa[1]!.version);
  });
});
