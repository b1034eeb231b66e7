// @vitest-environment jsdom
// The paper forms in ODK's own form engine (@getodk/xforms-engine), as field/xforms.test.ts does
// for the vote form: they load, their constraints hold the ballot rule and the tally sheet's
// arithmetic, and what the engine submits is what the gateway reads.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { deploymentSchema, type Deployment } from '../src/config/schema.ts';
import { paperBallotFormId, paperFormOf, paperForms, paperTallyFormId, readPaperSubmission } from './paper-forms.ts';
import { paperLabel, tallyProblemLabel } from './paper-labels.ts';
import type { FieldForm } from './xforms.ts';

(globalThis as { __dirname?: string }).__dirname ??= '/';
const { createInstance } = await import('@getodk/xforms-engine');

const FIXTURE = resolve(import.meta.dirname, '../test/fixtures/deployment.yaml');
const NOW = new Date('2026-11-22T09:00:00Z');
function testDeployment(edit: (raw: Record<string, any>) => void = () => {}): Deployment {
  const raw = parse(readFileSync(FIXTURE, 'utf8')) as Record<string, any>;
  edit(raw);
  return deploymentSchema.parse(raw);
}

type Root = Awaited<ReturnType<typeof createInstance>>['root'];
type AnyNode = { nodeType: string; currentState: { reference: string; children: AnyNode[] | null; value: unknown } };
function find(root: Root, ref: string): any {
  const walk = (n: AnyNode): AnyNode | undefined => (n.currentState.reference === ref ? n : (n.currentState.children ?? []).map(walk).find(Boolean));
  const node = walk(root as unknown as AnyNode);
  if (!node) throw new Error(`no node ${ref}`);
  return node;
}
const violations = (root: Root) => root.validationState.violations.map((v) => v.reference);
const form = (forms: FieldForm[], kind: FieldForm['kind']) => forms.find((f) => f.kind === kind)!;

async function fillBallot(f: FieldForm, v: { serial?: string; day?: string; picks: string[] }) {
  const { root } = await createInstance(f.xml);
  find(root, '/data/meeting').setValue('KIB-07');
  find(root, '/data/day').setValue(v.day ?? '2026-11-21');
  find(root, '/data/serial').setValue(v.serial ?? 'A-000123');
  find(root, '/data/ward').selectValue('north');
  find(root, '/data/w_north/picks').selectValues(v.picks);
  return root;
}

async function fillTally(f: FieldForm, t: { issued: number; valid: number; spoiled: number; votes: Record<number, number> }) {
  const { root } = await createInstance(f.xml);
  find(root, '/data/meeting').setValue('KIB-07');
  find(root, '/data/day').setValue('2026-11-21');
  find(root, '/data/ward').selectValue('north');
  find(root, '/data/issued').setValue(String(t.issued));
  find(root, '/data/valid').setValue(String(t.valid));
  find(root, '/data/spoiled').setValue(String(t.spoiled));
  for (const code of [1, 2, 3, 4, 5, 6, 7, 12]) find(root, `/data/w_north/p${code}`).setValue(String(t.votes[code] ?? 0));
  return root;
}

describe('paper forms in ODK’s form engine', () => {
  it('the ballot entry form takes meeting, day, serial, ward and picks under the rule', async () => {
    const f = form(paperForms(testDeployment(), NOW), 'paper-ballot');
    expect(f.formId).toBe(paperBallotFormId('c-open'));
    const ok = await fillBallot(f, { picks: ['1', '3'] });
    expect(violations(ok)).toEqual([]);
    const tooMany = await fillBallot(f, { picks: ['1', '2', '3', '4'] });
    expect(violations(tooMany)).toEqual(['/data/w_north/picks']);
    const badSerial = await fillBallot(f, { serial: 'A 12', picks: ['1'] });
    expect(violations(badSerial)).toEqual(['/data/serial']);
    const read = readPaperSubmission(ok.instanceState.instanceXML);
    expect(paperFormOf(ok.instanceState.instanceXML)).toBe('paper-ballot');
    expect(read).toMatchObject({
      ok: true,
      submission: { kind: 'paper-ballot', cycleId: 'c-open', meeting: 'KIB-07', day: '2026-11-21', serial: 'A-000123', wardId: 'north', picks: [1, 3] },
    });
  });

  it('the meeting day must be inside voting', async () => {
    const d = testDeployment((r) => (r.cycles[0].phases.voting = { opens: '2026-11-01T08:00:00+03:00', closes: '2026-11-30T18:00:00+03:00' }));
    const f = form(paperForms(d, NOW), 'paper-ballot');
    expect(violations(await fillBallot(f, { day: '2026-11-30', picks: ['1'] }))).toEqual([]);
    expect(violations(await fillBallot(f, { day: '2026-12-01', picks: ['1'] }))).toEqual(['/data/day']);
  });

  it('the meeting day cannot be after today, on the device', async () => {
    const f = form(paperForms(testDeployment(), NOW), 'paper-ballot'); // voting runs to 2099
    const day = (t: Date) => t.toISOString().slice(0, 10);
    expect(violations(await fillBallot(f, { day: day(new Date(Date.now() - 86_400_000)), picks: ['1'] }))).toEqual([]);
    expect(violations(await fillBallot(f, { day: day(new Date(Date.now() + 3 * 86_400_000)), picks: ['1'] }))).toEqual(['/data/day']);
  });

  it('the tally sheet checks issued = valid + spoiled and the votes against the valid ballots', async () => {
    const f = form(paperForms(testDeployment(), NOW), 'paper-tally');
    expect(f.formId).toBe(paperTallyFormId('c-open'));
    const ok = await fillTally(f, { issued: 50, valid: 48, spoiled: 2, votes: { 1: 30, 3: 20, 12: 10 } });
    expect(violations(ok)).toEqual([]);
    expect(violations(await fillTally(f, { issued: 50, valid: 47, spoiled: 2, votes: { 1: 30 } }))).toContain('/data/spoiled');
    expect(violations(await fillTally(f, { issued: 50, valid: 48, spoiled: 2, votes: { 1: 49 } }))).toEqual(['/data/w_north/p1']);
    // Approval, at most 3 picks: 48 valid ballots hold at most 144 votes.
    expect(violations(await fillTally(f, { issued: 50, valid: 48, spoiled: 2, votes: { 1: 48, 2: 48, 3: 48, 4: 1 } }))).toContain('/data/w_north/p4');
    // At least 1 pick: 48 valid ballots hold at least 48 votes.
    expect(violations(await fillTally(f, { issued: 50, valid: 48, spoiled: 2, votes: { 1: 10 } }))).toEqual(['/data/w_north/p12']);
    const read = readPaperSubmission(ok.instanceState.instanceXML);
    expect(read).toMatchObject({ ok: true, submission: { kind: 'paper-tally', meeting: 'KIB-07', issued: 50, valid: 48, spoiled: 2 } });
    if (read.ok && read.submission.kind === 'paper-tally')
      expect(read.submission.counts.filter((c) => c.votes > 0)).toEqual([
        { code: 1, votes: 30 },
        { code: 3, votes: 20 },
        { code: 12, votes: 10 },
      ]);
  });

  it('are offered until the cycle is published, and not for rules they cannot carry', () => {
    expect(paperForms(testDeployment(), NOW).map((f) => f.formId)).toEqual(['sauti-paper-c-open', 'sauti-tally-c-open']);
    // Voting closed, results not published yet: paper is still typed in at the office.
    expect(paperForms(testDeployment(), new Date('2100-01-01T00:00:00Z')).map((f) => f.kind)).toEqual(['paper-ballot', 'paper-tally']);
    expect(
      paperForms(
        testDeployment((r) => (r.cycles[0].ballot = { rule: 'ranking', k: 3 })),
        NOW,
      ),
    ).toEqual([]);
    expect(paperForms(testDeployment(), NOW, ['south'])[0]!.xml).not.toContain('w_north');
  });

  it('a refused tally sheet is explained in the officer’s language', () => {
    const issued = { kind: 'issued', issued: 50, valid: 47, spoiled: 2 } as const;
    expect(paperLabel('sw', 'tallyBad', { reason: tallyProblemLabel('sw', issued) })).toBe(
      'Fomu ya jumla haiwiani: karatasi zilizotolewa (50) lazima ziwe sawa na halali (47) + zilizoharibika (2) = 49. Haijahifadhiwa.',
    );
    expect(tallyProblemLabel('fr', { kind: 'over-valid', code: 3, votes: 11, valid: 10 })).toBe('le projet 3 a 11 voix, plus que les 10 bulletins valables');
  });
});

describe('a paper form instance the parser refuses', () => {
  it('is a 400 naming the file, never a thrown error', () => {
    for (const xml of [`<data id="sauti-paper-c-open">${'<a>'.repeat(101)}${'</a>'.repeat(101)}</data>`, '<data id="sauti-tally-c-open"><__proto__/></data>']) {
      expect(readPaperSubmission(xml)).toEqual({
        ok: false,
        problem: { status: 400, message: expect.stringMatching(/^xml_submission_file: not a form instance/) },
      });
    }
  });
});
