// The paper forms, written from the deployment: a paper-ballot entry form (meeting id, meeting
// day, the serial printed on the ballot, ward and picks under the ballot rule) that two officers
// fill for every ballot, and a meeting's tally sheet (issued, valid, spoiled and each project's
// votes). Offered from the day a cycle's voting opens until its results are published, so paper
// can be typed in at the office after the meetings. Also reads their submissions.
import { createHash } from 'node:crypto';
import { parseInstanceXml } from './instance-xml.ts';
import { z } from 'zod';
import type { Cycle, Deployment } from '../src/config/schema.ts';
import { wardBudget, wardProjects } from '../src/domain/cycle.ts';
import { defaultLanguage } from '../src/domain/language.ts';
import { PAPER_ID, TALLY_RULES } from '../src/domain/paper.ts';
import { label } from './labels.ts';
import { paperLabel } from './paper-labels.ts';
import { ruleControls, wardGroup, wardPickBinds } from './vote-form.ts';
import { esc, input, select, text, Translations, xformDocument, type Texts } from './xml.ts';
import type { FieldForm } from './xforms.ts';

export const paperBallotFormId = (cycleId: string): string => `sauti-paper-${cycleId}`;
export const paperTallyFormId = (cycleId: string): string => `sauti-tally-${cycleId}`;

/** The form id of a submission, when it is one of the paper forms: read from the instance's root element. */
export function paperFormOf(xml: string): 'paper-ballot' | 'paper-tally' | null {
  const root = /<(?:[A-Za-z_][\w.-]*:)?[A-Za-z_][\w.-]*\s[^>]*?\bid\s*=\s*["']sauti-(paper|tally)-/.exec(xml.slice(0, 4096));
  return root ? (root[1] === 'paper' ? 'paper-ballot' : 'paper-tally') : null;
}

/** The paper forms open at `now`: for each cycle whose voting has opened and whose results are not published. */
export function paperForms(d: Deployment, now: Date, wards?: readonly string[]): FieldForm[] {
  const lang = defaultLanguage(d);
  const inScope = d.wards.filter((w) => !wards || wards.includes(w.id));
  const forms: FieldForm[] = [];
  for (const cycle of d.cycles) {
    if (now < cycle.phases.voting.opens || cycle.results) continue;
    const wardIds = inScope.filter((w) => wardProjects(cycle, w.id).length > 0).map((w) => w.id);
    if (wardIds.length === 0) continue;
    const name = (c: Cycle) => text(c.name, lang);
    // Paper carries picks only: a ranking or cumulative ballot is not entered from paper (yet).
    if (TALLY_RULES.includes(cycle.ballot.rule)) {
      forms.push(
        finish('paper-ballot', paperBallotFormId(cycle.id), cycle, paperLabel(lang, 'ballotTitle', { cycle: name(cycle) }), (v) =>
          ballotForm(d, cycle, wardIds, v),
        ),
      );
    }
    if (TALLY_RULES.includes(cycle.ballot.rule)) {
      forms.push(
        finish('paper-tally', paperTallyFormId(cycle.id), cycle, paperLabel(lang, 'tallyTitle', { cycle: name(cycle) }), (v) =>
          tallyForm(d, cycle, wardIds, v),
        ),
      );
    }
  }
  return forms;
}

function finish(kind: FieldForm['kind'], formId: string, cycle: Cycle, name: string, render: (version: string) => string): FieldForm {
  const version = createHash('sha256').update(render('')).digest('hex').slice(0, 16);
  const xml = render(version);
  return { formId, kind, cycleId: cycle.id, name, version, hash: `md5:${createHash('md5').update(xml, 'utf8').digest('hex')}`, xml, media: [] };
}

/** The meeting id and day, first in both forms: the box label and the day are typed once per batch. */
function meetingFields(d: Deployment, cycle: Cycle, tr: Translations): { binds: string[]; body: string[] } {
  const w = cycle.phases.voting;
  const day = (at: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: d.deployment.timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
  const idRule = (ref: string, msg: Texts) =>
    `<bind nodeset="${ref}" type="string" required="true()" constraint="${esc(`regex(., '${PAPER_ID.source}')`)}"${tr.constraintMsg(ref, msg)}/>`;
  return {
    binds: [
      idRule('/data/meeting', (l) => paperLabel(l, 'meetingMsg')),
      `<bind nodeset="/data/day" type="date" required="true()" constraint="${esc(`. >= date('${day(w.opens)}') and . <= date('${day(new Date(w.closes.getTime() - 1))}') and . <= today()`)}"${tr.constraintMsg('/data/day', (l) => paperLabel(l, 'dayMsg', { opens: day(w.opens), closes: day(w.closes) }))}/>`,
    ],
    body: [input(tr, '/data/meeting', (l) => paperLabel(l, 'meeting')), input(tr, '/data/day', (l) => paperLabel(l, 'day'))],
  };
}

function ballotForm(d: Deployment, cycle: Cycle, wardIds: string[], version: string): string {
  const tr = Translations.of(d);
  const money = (n: number) => `${d.deployment.currency} ${n.toLocaleString('en')}`;
  const wards = wardIds.map((id) => d.wards.find((w) => w.id === id)!);
  const rule = cycle.ballot;
  const meeting = meetingFields(d, cycle, tr);
  const fields = `<meeting/><day/><serial/><ward/>${wards.map((w) => `<${wardGroup(w.id)}><picks/><total/></${wardGroup(w.id)}>`).join('')}`;
  const binds = [
    ...meeting.binds,
    `<bind nodeset="/data/serial" type="string" required="true()" constraint="${esc(`regex(., '${PAPER_ID.source}')`)}"${tr.constraintMsg('/data/serial', (l) => paperLabel(l, 'serialMsg'))}/>`,
    '<bind nodeset="/data/ward" type="string" required="true()"/>',
  ];
  const body = [
    ...meeting.body,
    input(tr, '/data/serial', (l) => paperLabel(l, 'serial')),
    select(
      tr,
      'select1',
      '/data/ward',
      (l) => label(l, 'ward'),
      wards.map((w) => [w.id, (l) => text(w.name, l)]),
    ),
  ];
  for (const w of wards) {
    const g = `/data/${wardGroup(w.id)}`;
    const budget = wardBudget(d, w.id);
    const projects = wardProjects(cycle, w.id);
    binds.push(`<bind nodeset="${g}" relevant="/data/ward = '${w.id}'"/>`);
    // The same rule constraints as the vote form: what is typed from the paper is checked as a vote is.
    binds.push(...wardPickBinds(tr, rule, g, projects, budget, money));
    body.push(
      `<group ref="${g}">`,
      tr.label(g, (l) => text(w.name, l)),
      ...ruleControls(tr, rule, g, projects, budget, money),
      '</group>',
    );
  }
  return xformDocument(paperLabel(tr.defaultLang, 'ballotTitle', { cycle: text(cycle.name, tr.defaultLang) }), paperBallotFormId(cycle.id), version, {
    tr,
    fields,
    binds,
    body,
  });
}

/** Element name of a project's count on the tally sheet. */
export const countField = (code: number): string => `p${code}`;

function tallyForm(d: Deployment, cycle: Cycle, wardIds: string[], version: string): string {
  const tr = Translations.of(d);
  const wards = wardIds.map((id) => d.wards.find((w) => w.id === id)!);
  const rule = cycle.ballot;
  const meeting = meetingFields(d, cycle, tr);
  const fields = `<meeting/><day/><ward/><issued/><valid/><spoiled/>${wards
    .map(
      (w) =>
        `<${wardGroup(w.id)}>${wardProjects(cycle, w.id)
          .map((p) => `<${countField(p.code)}/>`)
          .join('')}</${wardGroup(w.id)}>`,
    )
    .join('')}`;
  const count = (ref: string, extra = '', msg?: Texts) =>
    `<bind nodeset="${ref}" type="int" required="true()" constraint="${esc(`. >= 0${extra}`)}"${msg ? tr.constraintMsg(ref, msg) : ''}/>`;
  const binds = [
    ...meeting.binds,
    '<bind nodeset="/data/ward" type="string" required="true()"/>',
    count('/data/issued'),
    count('/data/valid', ' and . <= /data/issued'),
    count('/data/spoiled', ' and /data/issued = /data/valid + .', (l) => paperLabel(l, 'spoiledMsg')),
  ];
  const body = [
    ...meeting.body,
    select(
      tr,
      'select1',
      '/data/ward',
      (l) => label(l, 'ward'),
      wards.map((w) => [w.id, (l) => text(w.name, l)]),
    ),
    input(tr, '/data/issued', (l) => paperLabel(l, 'issued')),
    input(tr, '/data/valid', (l) => paperLabel(l, 'valid')),
    input(tr, '/data/spoiled', (l) => paperLabel(l, 'spoiled')),
  ];
  for (const w of wards) {
    const g = `/data/${wardGroup(w.id)}`;
    const projects = wardProjects(cycle, w.id);
    const sum = projects.map((p) => `coalesce(${g}/${countField(p.code)}, 0)`).join(' + ');
    // Picks per valid ballot: approval up to max, choose-1 exactly one, knapsack as many as fit (the gateway checks cost).
    const most = rule.rule === 'approval' ? `${rule.max} * /data/valid` : rule.rule === 'choose-1' ? '/data/valid' : `${projects.length} * /data/valid`;
    const least = rule.rule === 'choose-1' ? '/data/valid' : `${rule.rule === 'approval' || rule.rule === 'knapsack' ? rule.min : 1} * /data/valid`;
    binds.push(`<bind nodeset="${g}" relevant="/data/ward = '${w.id}'"/>`);
    projects.forEach((p, i) => {
      const last = i === projects.length - 1;
      // Every count: at most the valid ballots, and the running sum within the rule; the last one also checks the least.
      const extra = ` and . <= /data/valid and (${sum}) <= ${most}${last ? ` and (${sum}) >= ${least}` : ''}`;
      binds.push(
        count(`${g}/${countField(p.code)}`, extra, (l) => paperLabel(l, last ? (rule.rule === 'choose-1' ? 'countTooFew' : 'sumTooFew') : 'overValid')),
      );
    });
    const votes = (p: (typeof projects)[number]) =>
      input(tr, `${g}/${countField(p.code)}`, (l) => paperLabel(l, 'projectVotes', { code: p.code, title: text(p.title, l) }));
    body.push(
      `<group ref="${g}">`,
      tr.label(g, (l) => text(w.name, l)),
      ...projects.map(votes),
      '</group>',
    );
  }
  return xformDocument(paperLabel(tr.defaultLang, 'tallyTitle', { cycle: text(cycle.name, tr.defaultLang) }), paperTallyFormId(cycle.id), version, {
    tr,
    fields,
    binds,
    body,
  });
}

// --- Reading the submissions ------------------------------------------------------------------

interface Common {
  formId: string;
  cycleId: string;
  instanceId: string;
  /** The device's clock when the form was finalised (else opened): checked for skew only. */
  end: Date | null;
  /** Meeting id and day as typed (the serial and meeting id are checked and upper-cased by the engine). */
  meeting: string;
  day: string;
  wardId: string;
}
export type PaperBallotSubmission = Common & { kind: 'paper-ballot'; serial: string; picks: number[] };
export type PaperTallySubmission = Common & { kind: 'paper-tally'; issued: number; valid: number; spoiled: number; counts: { code: number; votes: number }[] };
export type PaperSubmission = PaperBallotSubmission | PaperTallySubmission;

const instant = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'not a date and time')
  .transform((s) => new Date(s));
const optionalInstant = z
  .union([z.literal(''), instant])
  .optional()
  .transform((v) => (v instanceof Date ? v : null));
const common = z.object({
  instanceID: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII'),
  start: optionalInstant,
  end: optionalInstant,
  meeting: z.string().min(1, 'missing: the meeting id from the ballot box label').max(60),
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date (YYYY-MM-DD)'),
  ward: z.string().min(1, 'missing: choose the ward').max(40),
});
const wholeNumber = z
  .string()
  .regex(/^\d{1,8}$/, 'must be a whole number, 0 or more (digits only)')
  .transform(Number);

/** Reads a paper form's instance XML; anything malformed is a 400 naming the field. */
export function readPaperSubmission(xml: string): { ok: true; submission: PaperSubmission } | { ok: false; problem: { status: 400 | 404; message: string } } {
  const bad = (message: string) => ({ ok: false as const, problem: { status: 400 as const, message } });
  const parsed = parseInstanceXml(xml);
  if (!parsed.ok) return bad(parsed.message);
  const doc = parsed.doc;
  const rootName = Object.keys(doc).find((k) => k !== '?xml');
  const data = (rootName ? doc[rootName] : undefined) as Record<string, unknown> | undefined;
  if (!data || typeof data !== 'object') return bad('xml_submission_file: no instance element');
  const formId = typeof data['@id'] === 'string' ? data['@id'] : '';
  const m = /^sauti-(paper|tally)-([a-z0-9][a-z0-9-]{0,39})$/.exec(formId);
  if (!m) return { ok: false, problem: { status: 404, message: `Unknown form '${formId.slice(0, 60)}': download the forms again` } };
  const meta = (data.meta ?? {}) as Record<string, unknown>;
  const c = common.safeParse({ instanceID: meta.instanceID, start: data.start, end: data.end, meeting: data.meeting, day: data.day, ward: data.ward });
  if (!c.success) return bad(issue(c.error.issues[0]!));
  const base: Common = {
    formId,
    cycleId: m[2]!,
    instanceId: c.data.instanceID,
    end: c.data.end ?? c.data.start,
    meeting: c.data.meeting,
    day: c.data.day,
    wardId: c.data.ward,
  };
  const group = (data[wardGroup(base.wardId)] ?? {}) as Record<string, unknown>;
  if (m[1] === 'paper') {
    const serial = z.string().min(1, 'missing: the serial number printed on the ballot').max(60).safeParse(data.serial);
    if (!serial.success) return bad(`serial: ${serial.error.issues[0]!.message}`);
    const raw = typeof group.picks === 'string' ? group.picks : '';
    const tokens = raw.split(/\s+/).filter(Boolean);
    if (tokens.length === 0) return bad(`picks: no project is picked for ward '${base.wardId}'`);
    if (tokens.some((t) => !/^[1-9]\d?$/.test(t))) return bad('picks: project numbers are 1 to 97');
    return { ok: true, submission: { ...base, kind: 'paper-ballot', serial: serial.data, picks: tokens.map(Number) } };
  }
  const totals = z
    .object({ issued: wholeNumber, valid: wholeNumber, spoiled: wholeNumber })
    .safeParse({ issued: data.issued, valid: data.valid, spoiled: data.spoiled });
  if (!totals.success) return bad(issue(totals.error.issues[0]!));
  const counts: { code: number; votes: number }[] = [];
  for (const [name, value] of Object.entries(group)) {
    const code = /^p([1-9]\d?)$/.exec(name);
    if (!code) continue;
    // Every project's count is required on the sheet: an empty one is a count not typed, not a 0.
    if (value === '' || value === undefined) return bad(`${wardGroup(base.wardId)}/${name}: missing: type the project's votes (0 if it had none)`);
    const votes = wholeNumber.safeParse(value);
    if (!votes.success) return bad(`${wardGroup(base.wardId)}/${name}: ${votes.error.issues[0]!.message}`);
    counts.push({ code: Number(code[1]), votes: votes.data });
  }
  return { ok: true, submission: { ...base, kind: 'paper-tally', ...totals.data, counts: counts.sort((a, b) => a.code - b.code) } };
}

function issue(i: z.core.$ZodIssue): string {
  const name = String(i.path[0] ?? 'xml_submission_file');
  return `${name === 'instanceID' ? 'meta/instanceID' : name}: ${i.message}`;
}
