// Reading an OpenRosa submission (the filled form's instance XML) into typed values. Pure: which
// form it is, its instanceID, the device's start/end times and the answers. Rules (the ballot,
// the phase window, the roll) are the engine's; this only says what the officer sent.
import { parseInstanceXml } from './instance-xml.ts';
import { z } from 'zod';
import type { BallotRule, Survey } from '../src/config/schema.ts';
import type { SuppliedForm } from '../src/config/survey-xform.ts';
import { ATTACHMENT_NAME } from '../src/domain/photo.ts';
import { placeField, pointsField, wardGroup } from './vote-form.ts';

interface Common {
  formId: string;
  cycleId: string;
  instanceId: string;
  /** The device's clock when the form was opened and finalised (jr:preload timestamp). */
  start: Date | null;
  end: Date | null;
}
export type VoteSubmission = Common & {
  kind: 'vote';
  /** Whether the form records the resident's consent ('yes'); an assisted vote without it is never stored. */
  consent: boolean;
  voterId: string;
  wardId: string;
  /** In place order for ranking; one per point for cumulative (as every channel sends them). */
  picks: number[];
  /** A number for an SMS receipt, as typed (checked by the engine), or null. */
  phone: string | null;
};
/** `photo`: the file name the photo question answered (its bytes are a part of the same request), or null. */
export type ProposalSubmission = Common & {
  kind: 'proposal';
  wardId: string;
  category: string;
  title: string;
  description: string;
  /** The proposer's number as typed (checked by the engine) and the language to text them in, when they asked for the review's news by SMS; else null. */
  news: { phone: string; lang: string } | null;
  photo: string | null;
};
/** A survey's answers as sent: each question's raw text by question id (the engine checks them against the survey). `cycleId` is the survey's id until the engine finds its cycle. */
export type SurveySubmission = Common & { kind: 'survey'; surveyId: string; consent: boolean; wardId: string; answers: Record<string, string> };
export type FieldSubmission = VoteSubmission | ProposalSubmission | SurveySubmission;

/** Elements of a form that are not a survey's answers. */
const FORM_FIELDS = new Set(['start', 'end', 'meta', 'ward', 'consent']);

/** Why a submission cannot be read: 400 (malformed) or 404 (not one of Sauti's forms). */
export type SubmissionProblem = { status: 400 | 404; message: string };

const text = z.string().max(4000);
const instanceId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII');
const instant = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'not a date and time')
  .transform((s) => new Date(s));
const optionalInstant = z
  .union([z.literal(''), instant])
  .optional()
  .transform((v) => (v instanceof Date ? v : null));

/**
 * Reads a submission's XML; an unknown form id is a 404, anything malformed a 400 naming the field.
 * `ruleOf` names the ballot rule of a cycle (the form's fields follow it); approval's shape otherwise.
 */
export function readSubmission(
  xml: string,
  ruleOf: (cycleId: string) => BallotRule | undefined = () => undefined,
  suppliedOf: (formId: string) => Survey | undefined = () => undefined,
): { ok: true; submission: FieldSubmission } | { ok: false; problem: SubmissionProblem } {
  const bad = (message: string) => ({ ok: false as const, problem: { status: 400 as const, message } });
  const parsed = parseInstanceXml(xml);
  if (!parsed.ok) return bad(parsed.message);
  const doc = parsed.doc;
  const rootName = Object.keys(doc).find((k) => k !== '?xml');
  const root = rootName ? doc[rootName] : undefined;
  if (!root || typeof root !== 'object') return bad('xml_submission_file: no instance element');
  const data = root as Record<string, unknown>;
  const formId = typeof data['@id'] === 'string' ? data['@id'] : '';
  const own = suppliedOf(formId);
  if (own?.supplied) return readSupplied(own, own.supplied, rootName!, data);
  const m = /^sauti-(vote|proposal|survey)-([a-z0-9][a-z0-9-]{0,39})$/.exec(formId);
  if (!m) return { ok: false, problem: { status: 404, message: `Unknown form '${formId.slice(0, 60)}': download the forms again` } };
  const kind = m[1] as 'vote' | 'proposal' | 'survey';
  const meta = (data.meta ?? {}) as Record<string, unknown>;
  const common = z.object({ instanceID: instanceId, start: optionalInstant, end: optionalInstant });
  const c = common.safeParse({ instanceID: meta.instanceID, start: data.start, end: data.end }, IN_PLAIN_WORDS);
  if (!c.success) return bad(refusal(c.error));
  const base: Common = { formId, cycleId: m[2]!, instanceId: c.data.instanceID, start: c.data.start, end: c.data.end };
  if (kind === 'survey') {
    const sv = z
      .object({ ward: z.string().min(1).max(40), consent: z.string().max(10).default('') })
      .safeParse({ ward: data.ward, consent: data.consent }, IN_PLAIN_WORDS);
    if (!sv.success) return bad(refusal(sv.error));
    const answers: Record<string, string> = {};
    for (const [name, value] of Object.entries(data)) {
      if (FORM_FIELDS.has(name) || !/^[a-z][a-z0-9_]{0,31}$/.test(name)) continue;
      if (typeof value !== 'string') return bad(`${name}: not a single answer`);
      if (value.length > 2000) return bad(`${name}: longer than 2000 characters`);
      answers[name] = value;
    }
    return { ok: true, submission: { ...base, kind, surveyId: m[2]!, consent: sv.data.consent === 'yes', wardId: sv.data.ward, answers } };
  }
  if (kind === 'proposal') {
    const p = z
      .object({
        ward: z.string().min(1).max(40),
        category: z.string().min(1).max(40),
        title: z.string().min(1).max(200),
        description: z.string().max(2000).default(''),
        news: z.string().max(10).default(''),
        phone: z.string().max(30).default(''),
        sms_lang: z.string().max(10).default(''),
        // The attachment's name (src/domain/photo.ts ATTACHMENT_NAME): matched to a part, never a path.
        photo: z.string().regex(ATTACHMENT_NAME, 'a file name, not a path').optional(),
      })
      .safeParse(
        {
          ward: data.ward,
          category: data.category,
          title: data.title,
          description: data.description === '' ? undefined : data.description,
          news: data.news,
          phone: data.phone,
          sms_lang: data.sms_lang,
          photo: data.photo === '' || data.photo === undefined ? undefined : String(data.photo),
        },
        IN_PLAIN_WORDS,
      );
    if (!p.success) return bad(refusal(p.error));
    // A number is kept only with the proposer's consent (news = yes), which the form asks first.
    const wanted = p.data.news === 'yes';
    const phone = p.data.phone.trim();
    if (wanted && phone === '') return bad('phone: the proposer asked for the news by SMS, but no number is given');
    if (wanted && p.data.sms_lang === '') return bad('sms_lang: the language to text the proposer in is missing');
    const { ward, category, title, description } = p.data;
    const news = wanted ? { phone, lang: p.data.sms_lang } : null;
    return { ok: true, submission: { ...base, kind, wardId: ward, category, title, description, news, photo: p.data.photo ?? null } };
  }
  const v = z
    .object({
      voter_id: z.string().min(1).max(40),
      ward: z.string().min(1).max(40),
      consent: z.string().max(10).default(''),
      phone: z.string().max(30).default(''),
    })
    .safeParse({ voter_id: data.voter_id, ward: data.ward, consent: data.consent, phone: data.phone }, IN_PLAIN_WORDS);
  if (!v.success) return bad(refusal(v.error));
  const group = (data[wardGroup(v.data.ward)] ?? {}) as Record<string, unknown>;
  const picks = readPicks(ruleOf(base.cycleId), group);
  if (typeof picks === 'string') return bad(picks);
  if (picks.length === 0) return bad(`picks: no project is picked for ward '${v.data.ward}'`);
  const phone = v.data.phone.trim();
  return {
    ok: true,
    submission: {
      ...base,
      kind,
      consent: v.data.consent === 'yes',
      voterId: v.data.voter_id.trim(),
      wardId: v.data.ward,
      picks,
      phone: phone === '' ? null : phone,
    },
  };
}

/** A ward group's picks under the rule, or a message naming the bad field. */
function readPicks(rule: BallotRule | undefined, group: Record<string, unknown>): number[] | string {
  const code = (t: string) => /^[1-9]\d?$/.test(t);
  if (rule?.rule === 'ranking') {
    const picks: number[] = [];
    for (let place = 1; place <= rule.k; place++) {
      const value = group[placeField(place)];
      const t = typeof value === 'string' ? value.trim() : '';
      if (t === '') break; // places are filled in order: the first empty one ends the ranking
      if (!code(t)) return `${placeField(place)}: project numbers are 1 to 97`;
      picks.push(Number(t));
    }
    return picks;
  }
  if (rule?.rule === 'cumulative') {
    const picks: number[] = [];
    for (const [name, value] of Object.entries(group)) {
      const m = /^p_(\d{1,2})$/.exec(name);
      if (!m || name !== pointsField(Number(m[1]))) continue;
      const t = typeof value === 'string' ? value.trim() : '';
      if (t === '' || t === '0') continue;
      if (!/^\d{1,2}$/.test(t)) return `${name}: points are a whole number from 0 to 97`;
      if (picks.length + Number(t) > 97) return `${name}: at most 97 points in all`;
      for (let i = 0; i < Number(t); i++) picks.push(Number(m[1]));
    }
    return picks;
  }
  const raw = text.safeParse(group.picks ?? '');
  const tokens = raw.success ? raw.data.split(/\s+/).filter(Boolean) : [];
  if (tokens.some((t) => !code(t))) return 'picks: project numbers are 1 to 97';
  return tokens.map(Number);
}

/**
 * Zod's issues in the words a field officer reads in Collect ("title: empty. Not recorded."),
 * not its own ("Too small: expected string to have >=1 characters"). A schema's own message
 * ('a file name', 'not a date and time') is kept.
 */
const IN_PLAIN_WORDS: { error: z.core.$ZodErrorMap } = {
  error: (iss) => {
    if (iss.code === 'invalid_type')
      return iss.input === undefined || iss.input === null ? 'missing' : `not ${iss.expected === 'string' ? 'text' : `a ${iss.expected}`}`;
    if (iss.code === 'too_small' && iss.origin === 'string') return Number(iss.minimum) <= 1 ? 'empty' : `shorter than ${iss.minimum} characters`;
    if (iss.code === 'too_big' && iss.origin === 'string') return `longer than ${iss.maximum} characters`;
    return undefined;
  },
};

/** The refusal of a form by the first rule it broke, naming the field (`field` when the path has none). */
function refusal(error: z.ZodError, field?: string): string {
  const issue = error.issues[0]!;
  return `${field ?? fieldName(issue.path)}: ${issue.message}. Not recorded.`;
}

function fieldName(path: PropertyKey[]): string {
  const name = String(path[0] ?? 'xml_submission_file');
  return name === 'instanceID' ? 'meta/instanceID' : name;
}

/**
 * A city-supplied survey form's instance, read by the paths the loader found in it (groups
 * included): the ward, the consent, the capture times and each answer's text by its name.
 */
function readSupplied(
  survey: Survey,
  form: SuppliedForm,
  rootName: string,
  data: Record<string, unknown>,
): { ok: true; submission: SurveySubmission } | { ok: false; problem: SubmissionProblem } {
  const bad = (message: string) => ({ ok: false as const, problem: { status: 400 as const, message } });
  /** The text at an absolute path, '' when the element is empty or absent, null when it is not a single value. */
  const at = (path: string): string | null => {
    const [first, ...steps] = path.split('/').filter(Boolean);
    if (first !== rootName) return '';
    let node: unknown = data;
    for (const step of steps) {
      if (!node || typeof node !== 'object') return '';
      node = (node as Record<string, unknown>)[step];
    }
    return node === undefined ? '' : typeof node === 'string' ? node : null;
  };
  const common = z.object({ instanceID: instanceId, start: optionalInstant, end: optionalInstant });
  const c = common.safeParse(
    {
      instanceID: at(form.instanceIdPath),
      start: form.startPath ? (at(form.startPath) ?? '') : '',
      end: form.endPath ? (at(form.endPath) ?? '') : '',
    },
    IN_PLAIN_WORDS,
  );
  if (!c.success) return bad(refusal(c.error));
  const ward = z.string().min(1).max(40).safeParse(at(form.wardPath), IN_PLAIN_WORDS);
  if (!ward.success) return bad(refusal(ward.error, 'ward'));
  const answers: Record<string, string> = {};
  for (const f of form.fields) {
    const value = at(f.path);
    if (value === null) return bad(`${f.id}: not a single answer`);
    if (value.length > 2000) return bad(`${f.id}: longer than 2000 characters`);
    answers[f.id] = value;
  }
  return {
    ok: true,
    submission: {
      formId: form.formId,
      cycleId: survey.id,
      instanceId: c.data.instanceID,
      start: c.data.start,
      end: c.data.end,
      kind: 'survey',
      surveyId: survey.id,
      consent: at(form.consentPath) === 'yes',
      wardId: ward.data,
      answers,
    },
  };
}
