// The deployment file's shape. Parsed once at start-up; every other module receives typed values.
import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';
import { providerNames, providerSmsShape, type ProviderName } from '../../adapters/settings.ts';

/** Languages that have a complete message catalogue in src/i18n (built in). */
export const SUPPORTED_LANGUAGES = ['en', 'sw', 'fr'] as const;
/** A built-in language. */
export type BuiltInLang = (typeof SUPPORTED_LANGUAGES)[number];
/**
 * A configured language's code: a built-in one, or one a deployment adds with a catalogue file
 * (src/i18n/pack.ts), checked and installed at start-up before any resident is answered.
 */
export type Lang = string;

/** Whether `code` has a built-in catalogue. */
export const isBuiltInLang = (code: string): code is BuiltInLang => (SUPPORTED_LANGUAGES as readonly string[]).includes(code);

/** The largest `sync.batchSize`: the ledger refuses a batch of more events than this (413). */
export const MAX_BATCH_SIZE = 20000;

/** The default of `sync.maxAttachmentBytes` (2 MiB): a minute of telephone audio is well under it. */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 2 * 1024 * 1024;

/** Navigation keys on USSD list screens; project codes must not collide with them. */
export const NAV_KEYS = { back: '0', more: '98', done: '99' } as const;

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'use 1-40 lower-case letters, digits or dashes');
const isoDateTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
// A text per configured language; completeness is checked against `languages` below.
const localized = z.record(z.string(), z.string().min(1).max(160));
const money = z.number().int('use a whole amount').positive();

const window = z
  .object({ opens: isoDateTime, closes: isoDateTime })
  .refine((w) => w.opens < w.closes, { message: 'opens must be before closes', path: ['closes'] });

const ballot = z.discriminatedUnion('rule', [
  z.object({
    rule: z.literal('approval'),
    min: z.number().int().min(1).default(1),
    max: z.number().int().min(1),
  }),
  z.object({ rule: z.literal('choose-1') }),
  z.object({ rule: z.literal('knapsack'), min: z.number().int().min(1).default(1) }),
  z.object({
    rule: z.literal('ranking'),
    k: z.number().int().min(2).max(10),
    min: z.number().int().min(1).default(1),
    // Points for 1st, 2nd, … place when counting; k, k−1, …, 1 when not given.
    points: z.array(z.number().int().min(0)).optional(),
  }),
  z.object({
    rule: z.literal('cumulative'),
    // Points each voter shares out; a project picked again gets another point. A ballot travels
    // as one pick per point and the sync protocol carries at most 97 picks (src/domain/protocol.ts).
    points: z.number().int().min(2).max(97, 'at most 97: a ballot carries one pick per point and at most 97 picks'),
    // Most points one project may get; all of them when not given.
    maxPerProject: z.number().int().min(1).optional(),
    // Fewest projects a ballot must give points to.
    min: z.number().int().min(1).default(1),
  }),
]);

// How winners are chosen within each ward's budget. Names and meanings are Pabulib's
// (tally/rules.ts), so a published result can be recomputed with any Pabulib tool.
const selection = z
  .object({
    rule: z
      .enum(['greedy', 'greedy-no-skip', 'greedy-threshold', 'equalshares', 'equalshares-comparison', 'equalshares/add1', 'equalshares/add1-comparison'])
      .default('greedy'),
    // greedy-threshold: the votes (or points) a project needs to be funded.
    threshold: z.number().int().min(0).optional(),
    // After Equal Shares, spend what is left greedily by votes (not part of Pabulib's rules).
    completion: z.enum(['none', 'greedy']).default('none'),
  })
  .default({ rule: 'greedy', completion: 'none' });

const project = z.object({
  code: z.number().int().min(1).max(97),
  ward: id,
  title: localized,
  // Shown on 182-character USSD screens next to the code and cost, so kept short.
  short: z.record(z.string(), z.string().min(1).max(22)),
  cost: money,
  category: id.optional(),
});

const cycle = z.object({
  id,
  name: localized,
  phases: z.object({ proposals: window, voting: window }),
  ballot,
  revote: z.enum(['replace', 'refuse']).default('replace'),
  selection,
  // Empty while proposals are still being collected; filled when the ballot is published.
  projects: z.array(project).default([]),
  // Projects that cannot both be funded (the same site, say): each group lists project codes of
  // one ward, of which at most one is funded (tally/exclusive.ts says how each rule honours it).
  exclusive: z.array(z.array(z.number().int()).min(2)).default([]),
  results: z.object({ published: isoDateTime, selected: z.array(z.number().int()).default([]) }).optional(),
  // When the PB team expects to publish results: told to residents once voting has closed
  // ("Results are expected on …"); without it they hear that results will be announced.
  resultsExpected: isoDateTime.optional(),
});

// A demographic value as configured and as it appears in the roll: short, one line, readable.
const demographicValue = z
  .string()
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} +<>._-]{0,23}$/u, 'use 1-24 letters, digits, spaces or + < > . _ - (starting with a letter or digit)');

// Optional turnout breakdowns. Values come only from the voter roll (columns age_band and
// gender); residents are never asked. The ledger counts a vote's value only if it is in these
// lists, and publishes per-cycle totals with every group under `minCell` hidden, because a small
// group in a small ward can point at one person.
const demographics = z
  .object({
    ageBands: z
      .array(demographicValue)
      .min(1)
      .max(20)
      .describe('Age bands the roll column age_band may hold, in the order results show them, e.g. 18-24, 25-34'),
    genders: z.array(demographicValue).min(1).max(10).describe('Genders the roll column gender may hold, in the order results show them'),
    minCell: z
      .number()
      .int()
      .min(3, 'use at least 3: a smaller group can single out a person')
      .max(1000)
      .default(5)
      .describe('Published groups with fewer ballots than this are shown as "<minCell"'),
  })
  .describe('Turnout by age band and gender, from the voter roll; omit to collect none');

// A needs-assessment survey field officers fill in with residents (ODK Collect, field/survey-form.ts).
// Answers are events under the cycle they inform; nothing personal is asked by Sauti itself, and a
// question's answers are published per ward only when the survey is `public`.
const questionId = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,31}$/, 'use 1-32 lower-case letters, digits or _, starting with a letter')
  .refine((q) => !['ward', 'start', 'end', 'meta', 'consent'].includes(q), 'this name is taken by the form itself');
const question = z.object({
  id: questionId,
  type: z.enum(['text', 'integer', 'select_one', 'select_multiple']),
  label: localized,
  required: z.boolean().default(false),
  // integer: the range allowed
  min: z.number().int().optional(),
  max: z.number().int().optional(),
  // select_one, select_multiple: the answers offered
  choices: z
    .array(z.object({ id: questionId, label: localized }))
    .min(2)
    .max(40)
    .optional(),
});
const survey = z.object({
  id,
  // The cycle the survey informs: its answers are events of that cycle.
  cycle: id,
  title: localized,
  // Whether the answers are open data (per ward, as CSV, on the ledger's results pages).
  public: z.boolean().default(false),
  // Wards it is run in; every ward when not given.
  wards: z.array(id).min(1).optional(),
  opens: isoDateTime,
  closes: isoDateTime,
  // Either questions here (Sauti writes the form), or the city's own XForm (a file, relative to
  // the deployment file): checked and read at load (src/config/survey-xform.ts), served unchanged.
  questions: z.array(question).max(60).default([]),
  xform: z.string().min(1).max(300).optional(),
  // Answer names of the XForm that look personal (a `village_name`) but are not about a person.
  notPersonal: z.array(questionId).max(60).default([]),
  // Filled by the loader from `xform`; never written in the file.
  supplied: z
    .object({
      xml: z.string(),
      formId: z.string(),
      version: z.string(),
      title: z.string(),
      fields: z.array(
        z.object({
          id: z.string(),
          path: z.string(),
          type: z.enum(['text', 'integer', 'select_one', 'select_multiple']),
          required: z.literal(false),
          choices: z.array(z.object({ id: z.string() })).optional(),
        }),
      ),
      wardPath: z.string(),
      consentPath: z.string(),
      startPath: z.string().optional(),
      endPath: z.string().optional(),
      instanceIdPath: z.string(),
    })
    .optional(),
});

/** The whole deployment file. */
export const deploymentSchema = z
  .object({
    deployment: z.object({
      name: z.string().min(1).max(60),
      // A code libphonenumber-js does not know (UK for GB) would make every number typed without + fail.
      country: z
        .string()
        .regex(/^[A-Z]{2}$/, 'use an ISO 3166 country code such as KE')
        .refine(isSupportedCountry, 'not a country libphonenumber-js knows: use its ISO 3166 code (GB, not UK)'),
      timezone: z.string().refine(validTimeZone, 'unknown IANA time zone'),
      currency: z.string().regex(/^[A-Z]{3}$/, 'use an ISO 4217 code such as KES'),
      helpline: z.string().max(20).optional(),
    }),
    languages: z
      .array(
        z.object({
          // ISO 639 code; the clip folder and the `LANG` reply use it.
          code: z.string().regex(/^[a-z]{2,3}$/, 'use an ISO 639 code of 2 or 3 lower-case letters, such as luo'),
          name: z.string().min(1).max(20),
          // A language without a built-in catalogue brings its own: a YAML file, relative to this one.
          catalogue: z.string().min(1).optional(),
        }),
      )
      .min(1)
      .max(8),
    defaultLanguage: z.string().optional(),
    ussd: z
      .object({
        serviceCode: z.string().default('*384*123#'),
        resumeMinutes: z.number().int().min(1).max(1440).default(15),
      })
      .default({ serviceCode: '*384*123#', resumeMinutes: 15 }),
    sms: z
      .object({
        // Which provider answers an SMS: the one it arrived through. Each provider declares its
        // section (the numbers residents text) in adapters/<provider>/settings.ts; credentials
        // come from the environment.
        ...providerSmsShape,
        conversationMinutes: z.number().int().min(1).max(1440).default(30),
        // Loop protection: no automatic reply to these senders (regular expressions), nor to
        // short codes and alphanumeric senders; in 30 minutes, one reply at most `maxIdentical`
        // times to one number in answer to the same text, and 3 × `maxIdentical` times in all.
        denySenders: z.array(z.string().refine(validRegex, 'not a valid regular expression')).default([]),
        maxIdentical: z.number().int().min(1).max(20).default(3),
        maxAttempts: z.number().int().min(1).max(50).default(8),
        // What one SMS segment costs with the provider: the console shows a broadcast's estimated cost before it is sent.
        pricePerSegment: z
          .object({
            amount: z
              .number()
              .positive()
              .max(1000)
              .refine((n) => Math.abs(n * 1e4 - Math.round(n * 1e4)) < 1e-6, 'at most 4 decimals')
              .describe('Price of one segment (160 GSM-7 or 70 UCS-2 characters), e.g. 0.8'),
            currency: z
              .string()
              .regex(/^[A-Z]{3}$/, 'use an ISO 4217 code such as KES')
              .describe('Currency of the price (the provider bills in it)'),
          })
          .optional()
          .describe("Price per SMS segment, for the console's broadcast cost estimate; omit to show segments only"),
      })
      .default({ conversationMinutes: 30, denySenders: [], maxIdentical: 3, maxAttempts: 8 }),
    // Relay of the outbox to the ledger. The ledger's own copy decides the allowed clock skew.
    sync: z
      .object({
        // Events per pushed batch: small on a slow or costly link, 5,000–10,000 to drain a large backlog fast.
        batchSize: z.number().int().min(1).max(MAX_BATCH_SIZE).default(500),
        intervalSeconds: z.number().min(1).max(86400).default(10),
        // How far a gateway's (corrected) capture time may fall outside a phase window.
        maxClockSkewSeconds: z.number().int().min(0).max(86400).default(300),
        // While the ledger cannot be reached, rounds back off exponentially up to this.
        maxBackoffSeconds: z.number().min(1).max(86400).default(300),
        // Largest recording (a spoken idea) sent to the ledger, in bytes: the gateway keeps a larger
        // one and says so; the ledger refuses one over its own value as `too-large`.
        maxAttachmentBytes: z.number().int().min(1024).max(50_000_000).default(DEFAULT_MAX_ATTACHMENT_BYTES),
        // How long a recording stays on the gateway after the ledger has acknowledged it and its
        // event: the privacy sweep then erases it (never one the ledger has not acknowledged).
        recordingGraceMinutes: z.number().int().min(0).max(10080).default(10),
      })
      .default({
        batchSize: 500,
        intervalSeconds: 10,
        maxClockSkewSeconds: 300,
        maxBackoffSeconds: 300,
        maxAttachmentBytes: DEFAULT_MAX_ATTACHMENT_BYTES,
        recordingGraceMinutes: 10,
      }),
    // The city ledger's own rules.
    ledger: z
      .object({
        // Days after a spoken idea's proposal is finished (reviewed not feasible, or its cycle's
        // results published) that the ledger erases its recording (ledger/recording-retention.ts).
        recordingRetentionDays: z.number().int().min(0).max(3650).default(90),
      })
      .default({ recordingRetentionDays: 90 }),
    eligibility: z.discriminatedUnion('mode', [
      z.object({ mode: z.literal('open') }),
      z.object({ mode: z.literal('roll'), rollFile: z.string().min(1), registerHelp: localized }),
    ]),
    categories: z
      .array(z.object({ id, name: localized }))
      .min(1)
      .max(9),
    wards: z
      .array(
        z.object({
          id,
          name: z.record(z.string(), z.string().min(1).max(30)),
          budget: money,
          // Residents, for the console's per-1,000 figures and budgets by formula (never used in counting).
          population: z.number().int('use a whole number of residents').positive().max(100_000_000).optional(),
          // A need index the city publishes (higher = more need), for budgets by formula; any scale.
          need: z.number().min(0).max(1_000_000).optional(),
        }),
      )
      .min(1)
      .max(97),
    cycles: z.array(cycle).min(1),
    demographics: demographics.optional(),
    surveys: z.array(survey).max(20).default([]).describe('Needs-assessment surveys field officers fill in with residents'),
  })
  .superRefine(checkReferences);

export type Deployment = z.infer<typeof deploymentSchema>;

/** The SMS providers the deployment has a section for (`sms.<provider>`), in the providers' order. */
export const smsProviders = (d: Pick<Deployment, 'sms'>): ProviderName[] => providerNames.filter((p) => d.sms[p] !== undefined);
export type Cycle = Deployment['cycles'][number];
export type Project = Cycle['projects'][number];
export type Ward = Deployment['wards'][number];
export type BallotRule = Cycle['ballot'];
export type Category = Deployment['categories'][number];
export type SmsSettings = Deployment['sms'];
export type Demographics = NonNullable<Deployment['demographics']>;
export type Survey = Deployment['surveys'][number];
export type SurveyQuestion = Survey['questions'][number];
/** What the gateway checks an answer against and the export's columns: a defined question or a supplied form's field. */
export type SurveyField = Pick<SurveyQuestion, 'id' | 'type' | 'required' | 'min' | 'max'> & { choices?: { id: string }[] };

/** A survey's answers, in order: its questions, or the fields of its supplied XForm. */
export function surveyFields(s: Survey): SurveyField[] {
  return s.supplied ? s.supplied.fields : s.questions;
}

/** Surveys: ids once, a cycle and wards that exist, texts in every language, choices where (and only where) a select needs them. */
function checkSurveys(
  d: z.output<typeof deploymentSchema>,
  issue: (path: (string | number)[], message: string) => void,
  needAll: (texts: Record<string, string>, path: (string | number)[]) => void,
): void {
  const seen = new Set<string>();
  d.surveys.forEach((s, si) => {
    const at = ['surveys', si];
    if (seen.has(s.id)) issue([...at, 'id'], `survey '${s.id}' is listed twice`);
    seen.add(s.id);
    if (!d.cycles.some((c) => c.id === s.cycle)) issue([...at, 'cycle'], `unknown cycle '${s.cycle}'`);
    s.wards?.forEach((w, wi) => {
      if (!d.wards.some((x) => x.id === w)) issue([...at, 'wards', wi], `unknown ward '${w}'`);
    });
    if (s.opens >= s.closes) issue([...at, 'closes'], 'must be after opens');
    if (s.xform && s.questions.length > 0) issue([...at, 'xform'], 'give questions or an xform file, not both');
    if (!s.xform && s.questions.length === 0) issue([...at, 'questions'], "give the questions, or an xform file of the city's own form");
    if (s.supplied && !s.xform) issue([...at, 'supplied'], 'filled by Sauti from xform: remove it');
    if (!s.xform && s.notPersonal.length > 0) issue([...at, 'notPersonal'], 'only for a survey given as an xform file');
    needAll(s.title, [...at, 'title']);
    const ids = new Set<string>();
    s.questions.forEach((q, qi) => {
      const qa = [...at, 'questions', qi];
      if (ids.has(q.id)) issue([...qa, 'id'], `question '${q.id}' is listed twice`);
      ids.add(q.id);
      needAll(q.label, [...qa, 'label']);
      const select = q.type === 'select_one' || q.type === 'select_multiple';
      if (select && !q.choices) issue([...qa, 'choices'], `a ${q.type} question needs choices`);
      if (!select && q.choices) issue([...qa, 'choices'], `only select_one and select_multiple questions have choices`);
      if (q.type !== 'integer' && (q.min !== undefined || q.max !== undefined)) issue([...qa, 'min'], 'only integer questions have min and max');
      if (q.min !== undefined && q.max !== undefined && q.min > q.max) issue([...qa, 'min'], 'min is above max');
      const choiceIds = new Set<string>();
      q.choices?.forEach((c, ci) => {
        if (choiceIds.has(c.id)) issue([...qa, 'choices', ci, 'id'], `choice '${c.id}' is listed twice`);
        choiceIds.add(c.id);
        needAll(c.label, [...qa, 'choices', ci, 'label']);
      });
    });
  });
}

function validRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

// Cross-field rules zod cannot express per field: every text in every language, ids that
// resolve, codes unique within a cycle. Each issue carries the exact path of the bad key.
function checkReferences(d: z.output<typeof deploymentSchema>, ctx: z.RefinementCtx): void {
  const langs = d.languages.map((l) => l.code);
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const needAll = (texts: Record<string, string>, path: (string | number)[]) => {
    for (const l of langs) if (!texts[l]) issue([...path, l], `missing text for language '${l}'`);
  };
  if (new Set(langs).size !== langs.length) issue(['languages'], 'a language is listed twice');
  d.languages.forEach((l, i) => {
    if (isBuiltInLang(l.code) && l.catalogue) issue(['languages', i, 'catalogue'], `'${l.code}' has a built-in catalogue: remove this key`);
    if (!isBuiltInLang(l.code) && !l.catalogue) {
      issue(['languages', i, 'code'], `no built-in catalogue for '${l.code}' (built in: ${SUPPORTED_LANGUAGES.join(', ')}): add catalogue: <file>.yaml`);
    }
  });
  if (d.defaultLanguage && !langs.includes(d.defaultLanguage)) issue(['defaultLanguage'], 'must be one of the configured languages');
  d.categories.forEach((c, i) => needAll(c.name, ['categories', i, 'name']));
  const wardIds = new Set<string>();
  d.wards.forEach((w, i) => {
    if (wardIds.has(w.id)) issue(['wards', i, 'id'], `ward '${w.id}' is listed twice`);
    wardIds.add(w.id);
    needAll(w.name, ['wards', i, 'name']);
  });
  if (d.eligibility.mode === 'roll') needAll(d.eligibility.registerHelp, ['eligibility', 'registerHelp']);
  for (const key of ['ageBands', 'genders'] as const) {
    const seen = new Set<string>();
    d.demographics?.[key].forEach((v, i) => {
      if (seen.has(v)) issue(['demographics', key, i], `'${v}' is listed twice`);
      seen.add(v);
    });
  }
  // One open window per phase at a time: a caller must never wonder which ballot they are on.
  for (const phase of ['voting', 'proposals'] as const) {
    d.cycles.forEach((a, ai) =>
      d.cycles.slice(ai + 1).forEach((b, j) => {
        const [x, y] = [a.phases[phase], b.phases[phase]];
        if (x.opens < y.closes && y.opens < x.closes) {
          issue(['cycles', ai + 1 + j, 'phases', phase], `overlaps the ${phase} window of cycle '${a.id}'`);
        }
      }),
    );
  }
  checkSurveys(d, issue, needAll);
  const cycleIds = new Set<string>();
  const categoryIds = new Set(d.categories.map((c) => c.id));
  d.cycles.forEach((c, ci) => {
    if (cycleIds.has(c.id)) issue(['cycles', ci, 'id'], `cycle '${c.id}' is listed twice`);
    cycleIds.add(c.id);
    needAll(c.name, ['cycles', ci, 'name']);
    const b = c.ballot;
    if (b.rule === 'approval' && b.min > b.max) issue(['cycles', ci, 'ballot', 'min'], 'min is above max');
    if (b.rule === 'ranking' && b.min > b.k) issue(['cycles', ci, 'ballot', 'min'], 'min is above k');
    if (b.rule === 'ranking' && b.points && b.points.length !== b.k) issue(['cycles', ci, 'ballot', 'points'], `give ${b.k} values, one per place`);
    if (b.rule === 'cumulative' && b.maxPerProject !== undefined && b.maxPerProject > b.points)
      issue(['cycles', ci, 'ballot', 'maxPerProject'], `maxPerProject is above points (${b.points})`);
    // Every project on a cumulative ballot holds at least one point.
    if (b.rule === 'cumulative' && b.min > b.points)
      issue(['cycles', ci, 'ballot', 'min'], `min is above points (${b.points}): each project needs at least one point`);
    if (c.selection.rule === 'greedy-threshold' && c.selection.threshold === undefined)
      issue(['cycles', ci, 'selection', 'threshold'], 'greedy-threshold needs a threshold');
    c.exclusive.forEach((group, gi) => {
      const wards = new Set<string>();
      group.forEach((code, k) => {
        const p = c.projects.find((x) => x.code === code);
        if (!p) issue(['cycles', ci, 'exclusive', gi, k], `no project ${code} in cycle '${c.id}'`);
        else wards.add(p.ward);
      });
      if (new Set(group).size !== group.length) issue(['cycles', ci, 'exclusive', gi], 'a project is listed twice in this group');
      if (wards.size > 1)
        issue(
          ['cycles', ci, 'exclusive', gi],
          `projects of different wards (${[...wards].join(', ')}): each ward has its own budget, so exclusive projects must share a ward`,
        );
    });
    const codes = new Set<number>();
    c.projects.forEach((p, pi) => {
      const at = ['cycles', ci, 'projects', pi];
      if (codes.has(p.code)) issue([...at, 'code'], `code ${p.code} is used twice in cycle '${c.id}'`);
      codes.add(p.code);
      if (!wardIds.has(p.ward)) issue([...at, 'ward'], `unknown ward '${p.ward}'`);
      if (p.category && !categoryIds.has(p.category)) issue([...at, 'category'], `unknown category '${p.category}'`);
      needAll(p.title, [...at, 'title']);
      needAll(p.short, [...at, 'short']);
    });
    if (c.resultsExpected && c.resultsExpected < c.phases.voting.closes) issue(['cycles', ci, 'resultsExpected'], 'must not be before voting closes');
    c.results?.selected.forEach((code, si) => {
      if (!codes.has(code)) issue(['cycles', ci, 'results', 'selected', si], `no project with code ${code}`);
    });
  });
}
