// @vitest-environment jsdom
// Every generated form is loaded and filled by ODK's own form engine (@getodk/xforms-engine, the
// engine of ODK Web Forms): a form ODK would refuse, or a constraint that does not hold the
// ballot rule, fails here. The engine runs on Node under jsdom, as its own test suite does.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { deploymentSchema, type Deployment } from '../src/config/schema.ts';
import { eligibilityFile, eligibilitySalt, voterDigest } from './eligibility.ts';
import { readSubmission } from './submission.ts';
import { fieldForms, proposalFormId, voteFormId, type FieldForm } from './xforms.ts';

// The engine's bundled tree-sitter loader reads `__dirname` when it sees Node; in an ES module
// there is none. It is only used to locate a file the engine then receives as bytes instead.
(globalThis as { __dirname?: string }).__dirname ??= '/';
const { createInstance } = await import('@getodk/xforms-engine');

// test/helpers/deployment.ts builds its path with new URL(import.meta.url), which jsdom's URL
// does not turn into a file path: the fixture is read here by path instead.
const FIXTURE = resolve(import.meta.dirname, '../test/fixtures/deployment.yaml');
const NOW = new Date('2026-11-22T09:00:00Z');
function testDeployment(edit: (raw: Record<string, any>) => void = () => {}): Deployment {
  const raw = parse(readFileSync(FIXTURE, 'utf8')) as Record<string, any>;
  edit(raw);
  return deploymentSchema.parse(raw);
}
const withBallot = (ballot: Record<string, unknown>) => testDeployment((r) => (r.cycles[0].ballot = ballot));

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

async function fillVote(f: FieldForm, ward: string, picks: string[]) {
  const { root: instance } = await createInstance(f.xml);
  find(instance, '/data/consent').selectValue('yes');
  find(instance, '/data/voter_id').setValue('V-0001');
  find(instance, '/data/ward').selectValue(ward);
  const node = find(instance, `/data/w_${ward}/picks`);
  if (node.selectType === 'select1') node.selectValue(picks[0] ?? null);
  else node.selectValues(picks);
  find(instance, `/data/w_${ward}/readback`).selectValue('yes');
  return instance;
}

describe('generated XForms in ODK’s form engine', () => {
  it('the approval vote form loads, counts picks with count-selected() and says why a ballot is refused', async () => {
    const f = form(fieldForms(testDeployment(), NOW), 'vote');
    expect(f.formId).toBe(voteFormId('c-open'));
    expect(f.hash).toMatch(/^md5:[0-9a-f]{32}$/);
    const ok = await fillVote(f, 'north', ['1', '3']);
    expect(violations(ok)).toEqual([]);
    const xml = ok.instanceState.instanceXML;
    expect(xml).toContain('<picks>1 3</picks>');
    expect(xml).toMatch(/<orx:instanceID>uuid:[0-9a-f-]{36}<\/orx:instanceID>/);
    expect(xml).toMatch(/<start>\d{4}-\d{2}-\d{2}T/);
    const tooMany = await fillVote(f, 'north', ['1', '2', '3', '4']);
    expect(violations(tooMany)).toEqual(['/data/w_north/picks']);
    expect(tooMany.validationState.violations[0]!.violation.message?.asString).toBe('Pick at least 1 and at most 3 projects');
    // Another ward's group is not relevant: its required picks do not block the form.
    expect(violations(await fillVote(f, 'south', ['20']))).toEqual([]);
  });

  it('the knapsack form sums the picked costs in a calculate and refuses a total over the ward budget', async () => {
    const f = form(fieldForms(withBallot({ rule: 'knapsack' }), NOW), 'vote');
    const within = await fillVote(f, 'north', ['1', '3']); // 4.5M + 2.9M of 10M
    expect(Number(find(within, '/data/w_north/total').currentState.value)).toBe(7400000);
    expect(violations(within)).toEqual([]);
    const over = await fillVote(f, 'north', ['1', '2', '3']); // 10.6M
    expect(violations(over)).toEqual(['/data/w_north/picks']);
  });

  it('the choose-1 form is a single choice and needs it', async () => {
    const f = form(fieldForms(withBallot({ rule: 'choose-1' }), NOW), 'vote');
    expect(f.xml).toContain('<select1 ref="/data/w_north/picks">');
    expect(violations(await fillVote(f, 'north', ['3']))).toEqual([]);
    expect(violations(await fillVote(f, 'north', []))).toEqual(['/data/w_north/picks']);
  });

  it('the proposal form asks ward, category, title and description and bounds the title', async () => {
    const f = form(fieldForms(testDeployment(), NOW), 'proposal');
    expect(f.formId).toBe(proposalFormId('c-open'));
    const { root: instance } = await createInstance(f.xml);
    find(instance, '/data/ward').selectValue('south');
    find(instance, '/data/category').selectValue('water');
    find(instance, '/data/title').setValue('x'.repeat(201));
    expect(violations(instance)).toEqual(['/data/title']);
    find(instance, '/data/title').setValue('Borehole at the market');
    expect(violations(instance)).toEqual([]);
  });

  it('the proposal form asks, only with the proposer’s consent, their number and the language to text them the review’s news in', async () => {
    const f = form(fieldForms(testDeployment(), NOW), 'proposal');
    const { root: instance } = await createInstance(f.xml);
    find(instance, '/data/ward').selectValue('north');
    find(instance, '/data/category').selectValue('water');
    find(instance, '/data/title').setValue('Borehole at the market');
    // Optional: no answer, no number asked.
    expect(violations(instance)).toEqual([]);
    find(instance, '/data/news').selectValue('yes');
    expect(violations(instance).sort()).toEqual(['/data/phone', '/data/sms_lang']);
    find(instance, '/data/phone').setValue('07 11 abc');
    find(instance, '/data/sms_lang').selectValue('sw');
    expect(violations(instance)).toEqual(['/data/phone']);
    find(instance, '/data/phone').setValue('0711 000 777');
    expect(violations(instance)).toEqual([]);
    const read = readSubmission(instance.instanceState.instanceXML);
    expect(read).toMatchObject({ ok: true, submission: { kind: 'proposal', news: { phone: '0711 000 777', lang: 'sw' } } });
    // Changing their mind blanks the number: it is not sent.
    find(instance, '/data/news').selectValue('no');
    const declined = readSubmission(instance.instanceState.instanceXML);
    expect(declined).toMatchObject({ ok: true, submission: { news: null } });
    expect(instance.instanceState.instanceXML).not.toContain('0711');
    // A deployment that sends no SMS asks nothing of the kind.
    const quiet = form(
      fieldForms(
        testDeployment((r) => delete r.sms),
        NOW,
      ),
      'proposal',
    );
    expect(quiet.xml).not.toContain('/data/phone');
    // A filled idea form that may hold a number leaves the device once sent.
    expect(f.xml).toContain('orx:auto-delete="true"');
    expect(quiet.xml).not.toContain('auto-delete');
  });

  it('version and hash change whenever the content does, and only then', () => {
    const a = form(fieldForms(testDeployment(), NOW), 'vote');
    expect(form(fieldForms(testDeployment(), NOW), 'vote')).toEqual(a);
    const b = form(
      fieldForms(
        testDeployment((r) => (r.cycles[0].projects[0].cost = 4600000)),
        NOW,
      ),
      'vote',
    );
    expect(b.version).not.toBe(a.version);
    expect(b.hash).not.toBe(a.hash);
    expect(a.xml).toContain(`version="${a.version}"`);
  });

  it('a deployment that sends no SMS asks for no phone number', () => {
    const quiet = form(
      fieldForms(
        testDeployment((r) => (delete r.sms.africastalking, delete r.sms.twilio)),
        NOW,
      ),
      'vote',
    );
    expect(quiet.xml).not.toContain('<phone/>');
    expect(form(fieldForms(testDeployment(), NOW), 'vote').xml).toContain('<phone/>');
  });

  it('an officer of one ward gets forms for that ward only; a closed cycle gets no vote form', () => {
    const one = form(fieldForms(testDeployment(), NOW, ['south']), 'vote');
    expect(one.xml).not.toContain('w_north');
    expect(fieldForms(testDeployment(), new Date('2100-01-01T00:00:00Z'))).toEqual([]);
  });

  it('what the engine submits is what the gateway reads: form id, instanceID, start/end, voter, ward and picks', async () => {
    const f = form(fieldForms(withBallot({ rule: 'knapsack' }), NOW), 'vote');
    const filled = await fillVote(f, 'north', ['3', '7']);
    const read = readSubmission(filled.instanceState.instanceXML);
    expect(read).toMatchObject({
      ok: true,
      submission: { kind: 'vote', formId: 'sauti-vote-c-open', cycleId: 'c-open', voterId: 'V-0001', wardId: 'north', picks: [3, 7] },
    });
    if (!read.ok) return;
    expect(read.submission.instanceId).toMatch(/^uuid:[0-9a-f-]{36}$/);
    expect(read.submission.start).toBeInstanceOf(Date);
  });

  it('asks consent first: without it nothing else is asked and the form cannot be finalised', async () => {
    const f = form(fieldForms(testDeployment(), NOW), 'vote');
    const { root: instance } = await createInstance(f.xml);
    expect(violations(instance)).toContain('/data/consent');
    expect(find(instance, '/data/voter_id').currentState.relevant).toBe(false);
    find(instance, '/data/consent').selectValue('no');
    expect(violations(instance)).toEqual(['/data/consent']);
    expect(instance.validationState.violations[0]!.violation.message?.asString).toMatch(/Without the resident's consent nothing is recorded/);
    expect(find(instance, '/data/voter_id').currentState.relevant).toBe(false);
    find(instance, '/data/consent').selectValue('yes');
    expect(find(instance, '/data/voter_id').currentState.relevant).toBe(true);
  });

  it('reads the picked titles and their total cost back before the ballot can be finalised', async () => {
    const f = form(fieldForms(testDeployment(), NOW), 'vote');
    const { root: instance } = await createInstance(f.xml);
    find(instance, '/data/consent').selectValue('yes');
    find(instance, '/data/voter_id').setValue('V-0001');
    find(instance, '/data/ward').selectValue('north');
    find(instance, '/data/w_north/picks').selectValues(['3', '7']);
    const readback = find(instance, '/data/w_north/readback');
    expect(readback.currentState.label.asString).toBe(
      'Read back to the resident: 3 · Maternity; 7 · Clinic roof; Total cost: KES 4150000. Is this their choice?',
    );
    expect(violations(instance)).toEqual(['/data/w_north/readback']); // not confirmed yet
    readback.selectValue('yes');
    expect(violations(instance)).toEqual([]);
    // The deployment sends SMS: an optional number for the receipt, checked for its shape.
    find(instance, '/data/phone').setValue('12');
    expect(violations(instance)).toEqual(['/data/phone']);
    find(instance, '/data/phone').setValue('+254 712 345 678');
    expect(violations(instance)).toEqual([]);
    expect(instance.instanceState.instanceXML).toContain('<phone>+254 712 345 678</phone>');
  });

  it('a ranking ballot is k places, each a project not ranked above, read back in order', async () => {
    const f = form(fieldForms(withBallot({ rule: 'ranking', k: 3, min: 2 }), NOW), 'vote');
    const { root: instance } = await createInstance(f.xml);
    find(instance, '/data/consent').selectValue('yes');
    find(instance, '/data/voter_id').setValue('V-0001');
    find(instance, '/data/ward').selectValue('north');
    find(instance, '/data/w_north/readback').selectValue('yes');
    find(instance, '/data/w_north/r1').selectValue('7');
    expect(violations(instance)).toEqual(['/data/w_north/r2']); // min 2: the second place is required
    expect(find(instance, '/data/w_north/r3').currentState.relevant).toBe(false);
    find(instance, '/data/w_north/r2').selectValue('7');
    expect(violations(instance)).toEqual(['/data/w_north/r2']);
    expect(instance.validationState.violations[0]!.violation.message?.asString).toBe('This project is already ranked above');
    find(instance, '/data/w_north/r2').selectValue('1');
    expect(violations(instance)).toEqual([]);
    expect(find(instance, '/data/w_north/readback').currentState.label.asString).toMatch(
      /^Read back to the resident: 1\. 7 · Clinic roof — KES 1,250,000; 2\. 1 · Borehole — KES 4,500,000; Total cost: KES 5750000\./,
    );
    const read = readSubmission(instance.instanceState.instanceXML, () => ({ rule: 'ranking', k: 3, min: 2 }));
    expect(read).toMatchObject({ ok: true, submission: { picks: [7, 1], consent: true } });
  });

  it('a cumulative ballot shares its points among projects within the per-project cap, and gives points to at least min projects', async () => {
    const rule = { rule: 'cumulative', points: 5, maxPerProject: 3, min: 2 } as const;
    const f = form(fieldForms(withBallot(rule), NOW), 'vote');
    const { root: instance } = await createInstance(f.xml);
    find(instance, '/data/consent').selectValue('yes');
    find(instance, '/data/voter_id').setValue('V-0001');
    find(instance, '/data/ward').selectValue('north');
    find(instance, '/data/w_north/readback').selectValue('yes');
    find(instance, '/data/w_north/p_1').setValue('4');
    expect(violations(instance)).toContain('/data/w_north/p_1'); // over the cap of 3
    find(instance, '/data/w_north/p_1').setValue('3');
    expect(violations(instance)).toEqual(['/data/w_north/readback']); // one project only
    find(instance, '/data/w_north/p_3').setValue('3');
    expect(violations(instance)).toContain('/data/w_north/p_3'); // 6 of 5 points
    find(instance, '/data/w_north/p_3').setValue('2');
    expect(violations(instance)).toEqual([]);
    expect(Number(find(instance, '/data/w_north/points').currentState.value)).toBe(5);
    expect(find(instance, '/data/w_north/readback').currentState.label.asString).toBe(
      'Read back to the resident: 1 · Borehole: 3; 3 · Maternity: 2; Total cost: KES 7400000. Is this their choice?',
    );
    const read = readSubmission(instance.instanceState.instanceXML, () => rule);
    expect(read).toMatchObject({ ok: true, submission: { picks: [1, 1, 1, 3, 3] } });
  });

  it('on a roll, the device checks the voter id against keyed digests in the CSV attachment: no id, name or number is in it', async () => {
    const d = testDeployment(
      (r) => (r.eligibility = { mode: 'roll', rollFile: 'roll.csv', registerHelp: { en: 'Register', sw: 'Jisajili', fr: 'Inscrivez-vous' } }),
    );
    const roll = [
      { voterId: 'V-0001', wardId: 'north' },
      { voterId: 'V-0002', wardId: 'south' },
    ];
    const salt = eligibilitySalt('secret', 'c-open');
    const sources = { eligibility: (_cycle: string, wards: readonly string[]) => ({ salt, file: eligibilityFile(salt, roll, wards) }) };
    const f = form(fieldForms(d, NOW, undefined, sources), 'vote');
    expect(f.media.map((m) => m.filename)).toEqual(['eligible.csv']);
    const csv = f.media[0]!.body;
    expect(csv).toBe(`d,w\n${[`${voterDigest(salt, 'V-0001')},north`, `${voterDigest(salt, 'V-0002')},south`].sort().join('\n')}\n`);
    expect(csv).not.toMatch(/V-000/);
    const fetched: string[] = [];
    const open = async () =>
      (
        await createInstance(f.xml, {
          form: {
            fetchFormAttachment: async (url) => {
              fetched.push(url.href);
              return new Response(csv, { headers: { 'Content-Type': 'text/csv' } });
            },
          },
        })
      ).root;
    const fill = async (voterId: string, ward: string) => {
      const instance = await open();
      find(instance, '/data/consent').selectValue('yes');
      find(instance, '/data/voter_id').setValue(voterId);
      find(instance, '/data/ward').selectValue(ward);
      find(instance, `/data/w_${ward}/picks`).selectValues(ward === 'north' ? ['1'] : ['20']);
      find(instance, `/data/w_${ward}/readback`).selectValue('yes');
      return instance;
    };
    const ok = await fill(' V-0001 ', 'north');
    expect(fetched[0]).toBe('jr://file-csv/eligible.csv');
    expect(find(ok, '/data/voter_digest').currentState.value).toBe(voterDigest(salt, 'V-0001'));
    expect(violations(ok)).toEqual([]);
    expect(violations(await fill('V-0009', 'north'))).toEqual(['/data/voter_id', '/data/ward']);
    const elsewhere = await fill('V-0002', 'north');
    expect(violations(elsewhere)).toEqual(['/data/ward']);
    expect(elsewhere.validationState.violations[0]!.violation.message?.asString).toBe("This voter id is on another ward's roll");
    // A new roll is a new attachment, so a new form version Collect fetches.
    const changed = form(
      fieldForms(d, NOW, undefined, {
        eligibility: (_c: string, wards: readonly string[]) => ({ salt, file: eligibilityFile(salt, roll.slice(0, 1), wards) }),
      }),
      'vote',
    );
    expect(changed.version).not.toBe(f.version);
  });

  it('a survey form loads in ODK’s engine: consent, ward, a required choice, a bounded number, several choices, and reads back as sent', async () => {
    const t3 = (en: string) => ({ en, sw: en, fr: en });
    const d = testDeployment((r) => {
      r.surveys = [
        {
          id: 'needs',
          cycle: 'c-open',
          title: t3('Needs'),
          opens: '2026-11-01T00:00:00Z',
          closes: '2026-12-01T00:00:00Z',
          questions: [
            {
              id: 'source',
              type: 'select_one',
              label: t3('Water source'),
              required: true,
              choices: [
                { id: 'tap', label: t3('Tap') },
                { id: 'river', label: t3('River') },
              ],
            },
            { id: 'people', type: 'integer', label: t3('People'), min: 1, max: 40 },
            {
              id: 'needs',
              type: 'select_multiple',
              label: t3('Needs'),
              choices: [
                { id: 'water', label: t3('Water') },
                { id: 'roads', label: t3('Roads') },
              ],
            },
            { id: 'note', type: 'text', label: t3("Anything else? (the resident's words)") },
          ],
        },
      ];
    });
    const f = fieldForms(d, NOW).find((x) => x.kind === 'survey')!;
    expect(f.formId).toBe('sauti-survey-needs');
    const { root: instance } = await createInstance(f.xml);
    find(instance, '/data/consent').selectValue('yes');
    find(instance, '/data/ward').selectValue('south');
    expect(violations(instance)).toEqual(['/data/source']);
    find(instance, '/data/source').selectValue('river');
    find(instance, '/data/people').setValue('41');
    expect(violations(instance)).toEqual(['/data/people']);
    expect(instance.validationState.violations[0]!.violation.message?.asString).toBe('A whole number from 1 to 40');
    find(instance, '/data/people').setValue('5');
    find(instance, '/data/needs').selectValues(['water', 'roads']);
    expect(violations(instance)).toEqual([]);
    const read = readSubmission(instance.instanceState.instanceXML);
    expect(read).toMatchObject({
      ok: true,
      submission: {
        kind: 'survey',
        surveyId: 'needs',
        consent: true,
        wardId: 'south',
        answers: { source: 'river', people: '5', needs: 'water roads', note: '' },
      },
    });
  });
});
