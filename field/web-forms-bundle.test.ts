// @vitest-environment jsdom
// The forms in the engine the field web app actually runs. @getodk/web-forms 0.22.0 compiles in
// its own copy of ODK's engine (0.20.0, a devDependency of its build) and exports only its Vue
// component, so the other tests' engine (@getodk/xforms-engine 0.22.0) is not the app's. Here each
// kind of form is mounted in OdkWebForm, as field-app/app.ts mounts it: it must load (its title
// shown), where a form the bundled engine refuses shows Web Forms' initialisation error instead.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadDeployment } from '../src/config/load.ts';
import { tempDir } from '../test/helpers/tmp.ts';
import { paperForms } from './paper-forms.ts';
import { fieldForms } from './xforms.ts';

(globalThis as { __dirname?: string }).__dirname ??= '/';
// The DOM is jsdom's (this file's environment); the project's types have no DOM library.
const { window, document } = globalThis as unknown as { window: Record<string, unknown>; document: any };
// jsdom has no matchMedia; Web Forms asks it for the layout only.
window.matchMedia ??= (media: string) => ({
  matches: false,
  media,
  onchange: null,
  addEventListener: () => {},
  removeEventListener: () => {},
  addListener: () => {},
  removeListener: () => {},
  dispatchEvent: () => false,
});
const { createApp, h } = await import('vue');
// Web Forms' types are declared for the app (field-app/web-forms.d.ts), not here.
const WEB_FORMS = '@getodk/web-forms';
const { OdkWebForm, webFormsPlugin } = (await import(WEB_FORMS)) as {
  OdkWebForm: Parameters<typeof h>[0];
  webFormsPlugin: Parameters<ReturnType<typeof createApp>['use']>[0];
};

const WATER = resolve(import.meta.dirname, '../test/fixtures/surveys/water.xml');
const NOW = new Date('2026-11-22T09:00:00Z');

/** The fixture deployment with a defined survey and the city's own water survey. */
function deployment() {
  const raw = parse(readFileSync(resolve(import.meta.dirname, '../test/fixtures/deployment.yaml'), 'utf8')) as Record<string, any>;
  const t3 = (en: string) => ({ en, sw: en, fr: en });
  const window = { cycle: 'c-open', opens: '2026-11-01T00:00:00+03:00', closes: '2026-12-31T00:00:00+03:00' };
  raw.surveys = [
    { id: 'needs', title: t3('Household needs'), ...window, questions: [{ id: 'household', type: 'integer', label: t3('People'), min: 1, max: 40 }] },
    { id: 'water', title: t3('Water access'), ...window, xform: WATER },
  ];
  const file = join(tempDir('sauti-webforms-'), 'deployment.yaml');
  writeFileSync(file, stringify(raw));
  return loadDeployment(file);
}

/** Mounts the form in Web Forms and waits until it shows `title` (loaded) or its initialisation error. */
async function render(xml: string, title: string): Promise<'loaded' | 'error'> {
  const el = document.createElement('div');
  document.body.appendChild(el);
  const app = createApp({
    render: () => h(OdkWebForm, { formXml: xml, fetchFormAttachment: async () => new Response('', { status: 404 }), onSubmit: () => {} }),
  });
  app.use(webFormsPlugin).mount(el);
  try {
    for (let i = 0; i < 300; i++) {
      if (el.querySelector('.form-initialization-status.error')) return 'error';
      if (el.textContent?.includes(title)) return 'loaded';
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`neither loaded nor refused: ${el.innerHTML.slice(0, 300)}`);
  } finally {
    app.unmount();
    el.remove();
  }
}

const titleOf = (xml: string) => /<h:title>([^<]*)<\/h:title>/.exec(xml)![1]!.replace(/&amp;/g, '&');

describe('the forms in the engine ODK Web Forms bundles (the field web app’s)', () => {
  it('every kind of form loads: vote, idea, defined survey, the city’s own survey, paper ballot, tally sheet', async () => {
    const d = deployment();
    const forms = [...fieldForms(d, NOW), ...paperForms(d, NOW)];
    expect(forms.map((f) => f.formId)).toEqual([
      'sauti-vote-c-open',
      'sauti-proposal-c-open',
      'sauti-survey-needs',
      'kiboko-water-2026',
      'sauti-paper-c-open',
      'sauti-tally-c-open',
    ]);
    for (const f of forms) expect(await render(f.xml, titleOf(f.xml)), f.formId).toBe('loaded');
  }, 120_000);

  it('a form the bundled engine refuses shows its error (the check can fail)', async () => {
    const broken = readFileSync(WATER, 'utf8').replace('constraint=". = \'yes\'"', 'constraint="nope(((("');
    expect(await render(broken, 'Water access 2026')).toBe('error');
  }, 60_000);
});
