// @vitest-environment jsdom
// A survey XForm the city supplies (test/fixtures/surveys/water.xml, shaped as XLSForm writes one)
// in ODK's own form engine (@getodk/xforms-engine): it loads, its constraints hold, and what the
// engine submits is what the gateway reads by the paths the loader found, groups included.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadDeployment } from '../src/config/load.ts';
import { surveyFields } from '../src/config/schema.ts';
import { tempDir } from '../test/helpers/tmp.ts';
import { readSubmission } from './submission.ts';
import { fieldForms } from './xforms.ts';

(globalThis as { __dirname?: string }).__dirname ??= '/';
const { createInstance } = await import('@getodk/xforms-engine');

const WATER = resolve(import.meta.dirname, '../test/fixtures/surveys/water.xml');
const NOW = new Date('2026-11-22T09:00:00Z');

function deployment() {
  const raw = parse(readFileSync(resolve(import.meta.dirname, '../test/fixtures/deployment.yaml'), 'utf8')) as Record<string, any>;
  raw.surveys = [
    {
      id: 'water',
      cycle: 'c-open',
      title: { en: 'Water access', sw: 'Upatikanaji wa maji', fr: 'Accès à l’eau' },
      opens: '2026-11-01T00:00:00+03:00',
      closes: '2026-12-31T00:00:00+03:00',
      xform: WATER,
    },
  ];
  const file = join(tempDir('sauti-xform-'), 'deployment.yaml');
  writeFileSync(file, stringify(raw));
  return loadDeployment(file);
}

type Root = Awaited<ReturnType<typeof createInstance>>['root'];
type AnyNode = { currentState: { reference: string; children: AnyNode[] | null } };
function find(root: Root, ref: string): any {
  const walk = (n: AnyNode): AnyNode | undefined => (n.currentState.reference === ref ? n : (n.currentState.children ?? []).map(walk).find(Boolean));
  const node = walk(root as unknown as AnyNode);
  if (!node) throw new Error(`no node ${ref}`);
  return node;
}
const violations = (root: Root) => root.validationState.violations.map((v) => v.reference);

describe('a city-supplied survey XForm in ODK’s form engine', () => {
  it('is served unchanged, loads in the engine, and its filled instance reads back as the survey’s answers', async () => {
    const d = deployment();
    const survey = d.surveys[0]!;
    const f = fieldForms(d, NOW).find((x) => x.kind === 'survey')!;
    expect(f).toMatchObject({ formId: 'kiboko-water-2026', version: '2026031001', name: 'Water access 2026' });
    expect(f.xml).toBe(readFileSync(WATER, 'utf8'));
    const { root } = await createInstance(f.xml);
    expect(root.languages.map((l) => l.language)).toEqual(['English (en)', 'Kiswahili (sw)']);
    find(root, '/data/consent').selectValue('no');
    expect(violations(root)).toContain('/data/consent');
    find(root, '/data/consent').selectValue('yes');
    find(root, '/data/ward').selectValue('south');
    find(root, '/data/household/water_source').selectValue('borehole');
    find(root, '/data/household/minutes_to_water').setValue('45');
    find(root, '/data/problems').selectValues(['dry', 'queues']);
    find(root, '/data/comment').setValue('The kiosk closes at noon');
    expect(violations(root)).toEqual([]);
    find(root, '/data/household/minutes_to_water').setValue('601');
    expect(violations(root)).toEqual(['/data/household/minutes_to_water']);
    find(root, '/data/household/minutes_to_water').setValue('45');

    const xml = root.instanceState.instanceXML;
    const read = readSubmission(
      xml,
      () => undefined,
      (formId) => d.surveys.find((s) => s.supplied?.formId === formId),
    );
    expect(read).toMatchObject({
      ok: true,
      submission: {
        kind: 'survey',
        formId: 'kiboko-water-2026',
        surveyId: 'water',
        consent: true,
        wardId: 'south',
        answers: { water_source: 'borehole', minutes_to_water: '45', treats_water: '', problems: 'dry queues', comment: 'The kiosk closes at noon' },
      },
    });
    if (!read.ok) throw new Error('unread');
    expect(read.submission.instanceId).toMatch(/^uuid:/);
    expect(read.submission.start).toBeInstanceOf(Date);
    // The note (`intro`), the start/end times and meta are not answers.
    expect(surveyFields(survey).map((q) => q.id)).toEqual(['water_source', 'minutes_to_water', 'treats_water', 'problems', 'comment']);
  });
});
