// XForms (ODK XForms spec, getodk.github.io/xforms-spec) written from the deployment: one vote
// form per open voting cycle, one proposal form per cycle collecting ideas, one per open survey. The ballot rule
// travels as bind constraints, so ODK Collect refuses a broken ballot before it is sent; the
// gateway checks the submission again with src/domain/ballot.ts, the rule every channel shares.
import { createHash } from 'node:crypto';
import { smsProviders, type BallotRule, type Cycle, type Deployment } from '../src/config/schema.ts';
import { phaseStatus, wardProjects } from '../src/domain/cycle.ts';
import { defaultLanguage } from '../src/domain/language.ts';
import type { MediaFile } from './eligibility.ts';
import { label } from './labels.ts';
import { surveyFormId, surveyFormXml } from './survey-form.ts';
import { voteFormXml } from './vote-form.ts';
import { FIELD_PHOTO_MAX_PIXELS } from '../src/domain/photo.ts';
import { esc, input, select, text, Translations, upload, xformDocument } from './xml.ts';

export { esc } from './xml.ts';
export { wardGroup } from './vote-form.ts';

/** A form as the form list names it and the device downloads it. */
export interface FieldForm {
  formId: string;
  kind: 'vote' | 'proposal' | 'survey' | 'paper-ballot' | 'paper-tally';
  cycleId: string;
  name: string;
  /** Changes whenever the XML changes: a digest of the form with the version left out. */
  version: string;
  /** `md5:` and the MD5 of the XML bytes, as OpenRosa's form list carries it. */
  hash: string;
  xml: string;
  /** Attachments the manifest lists (the vote form's eligibility digests); none for most forms. */
  media: MediaFile[];
}

/** What the forms need besides the deployment: the roll's digests, made by the engine from the store. */
export interface FormSources {
  /** On a roll deployment: the salt and the digest file for a cycle and the officer's wards. */
  eligibility?: (cycleId: string, wardIds: readonly string[]) => { salt: string; file: MediaFile };
}

/** Rules a vote form can carry as constraints: all of them. */
export const FORM_RULES: readonly BallotRule['rule'][] = ['approval', 'choose-1', 'knapsack', 'ranking', 'cumulative'];

export const voteFormId = (cycleId: string): string => `sauti-vote-${cycleId}`;
export const proposalFormId = (cycleId: string): string => `sauti-proposal-${cycleId}`;

/**
 * The forms open at `now`: a vote form for the cycle whose voting is open (when its rule has a
 * form) and a proposal form for the cycle collecting ideas. `wards` narrows them to an officer's wards.
 */
export function fieldForms(d: Deployment, now: Date, wards?: readonly string[], sources: FormSources = {}): FieldForm[] {
  const forms: FieldForm[] = [];
  const lang = defaultLanguage(d);
  const inScope = d.wards.filter((w) => !wards || wards.includes(w.id));
  const voting = phaseStatus(d, 'voting', now);
  if (voting.kind === 'open' && FORM_RULES.includes(voting.cycle.ballot.rule)) {
    const wardsWithProjects = inScope.filter((w) => wardProjects(voting.cycle, w.id).length > 0);
    const ids = wardsWithProjects.map((w) => w.id);
    const cycle = voting.cycle;
    const eligibility = d.eligibility.mode === 'roll' ? sources.eligibility?.(cycle.id, ids) : undefined;
    const opts = { eligibilitySalt: eligibility?.salt, sms: smsProviders(d).length > 0 };
    if (ids.length > 0) {
      const name = label(lang, 'voteTitle', { cycle: text(cycle.name, lang) });
      forms.push(finish('vote', cycle, name, eligibility ? [eligibility.file] : [], (v) => voteFormXml(d, cycle, ids, voteFormId(cycle.id), v, opts)));
    }
  }
  const ideas = phaseStatus(d, 'proposals', now);
  if (ideas.kind === 'open' && inScope.length > 0) {
    forms.push(
      finish('proposal', ideas.cycle, label(lang, 'proposalTitle', { cycle: text(ideas.cycle.name, lang) }), [], (v) =>
        proposalForm(
          d,
          ideas.cycle,
          inScope.map((w) => w.id),
          v,
        ),
      ),
    );
  }
  for (const survey of d.surveys) {
    if (now < survey.opens || now >= survey.closes) continue;
    const surveyWards = inScope.filter((w) => !survey.wards || survey.wards.includes(w.id));
    const cycle = d.cycles.find((c) => c.id === survey.cycle);
    if (!cycle || surveyWards.length === 0) continue;
    if (survey.supplied) {
      // The city's own form, served as written: its formID and version are the city's; the gateway
      // refuses a ward the officer does not work in, since the form's ward list is not narrowed.
      const { formId, title, version, xml } = survey.supplied;
      forms.push({ formId, kind: 'survey', cycleId: cycle.id, name: title, version, hash: md5(xml), xml, media: [] });
      continue;
    }
    forms.push(
      finish('survey', cycle, text(survey.title, lang), [], (v) => surveyFormXml(survey, surveyWards, Translations.of(d), v), surveyFormId(survey.id)),
    );
  }
  return forms;
}

/** The version is a digest of the form (version left out) and of its media: a new roll list is a new version, so Collect fetches it. */
function finish(kind: FieldForm['kind'], cycle: Cycle, name: string, media: MediaFile[], render: (version: string) => string, id?: string): FieldForm {
  const h = createHash('sha256').update(render(''));
  for (const m of media) h.update(`\n${m.filename} ${m.hash}`);
  const version = h.digest('hex').slice(0, 16);
  const xml = render(version);
  const formId = id ?? (kind === 'vote' ? voteFormId(cycle.id) : proposalFormId(cycle.id));
  return { formId, kind, cycleId: cycle.id, name, version, hash: md5(xml), xml, media };
}

/** OpenRosa's form hash: `md5:` and the MD5 of the XML bytes. */
const md5 = (xml: string): string => `md5:${createHash('md5').update(xml, 'utf8').digest('hex')}`;

function proposalForm(d: Deployment, cycle: Cycle, wardIds: string[], version: string): string {
  const tr = Translations.of(d);
  const wards = wardIds.map((id) => d.wards.find((w) => w.id === id)!);
  const binds = [
    '<bind nodeset="/data/ward" type="string" required="true()"/>',
    '<bind nodeset="/data/category" type="string" required="true()"/>',
    `<bind nodeset="/data/title" type="string" required="true()" constraint="string-length(.) &lt;= 200"${tr.constraintMsg('/data/title', (l) => label(l, 'ideaTitleMsg'))}/>`,
    `<bind nodeset="/data/description" type="string" constraint="string-length(.) &lt;= 2000"${tr.constraintMsg('/data/description', (l) => label(l, 'descriptionMsg'))}/>`,
    // Collect scales the photo down before it is saved, so it stays well under the size limit.
    `<bind nodeset="/data/photo" type="binary" orx:max-pixels="${FIELD_PHOTO_MAX_PIXELS}"/>`,
  ];
  const body = [
    select(
      tr,
      'select1',
      '/data/ward',
      (l) => label(l, 'ward'),
      wards.map((w) => [w.id, (l) => text(w.name, l)]),
    ),
    select(
      tr,
      'select1',
      '/data/category',
      (l) => label(l, 'category'),
      d.categories.map((c) => [c.id, (l) => text(c.name, l)]),
    ),
    input(tr, '/data/title', (l) => label(l, 'ideaTitle')),
    input(tr, '/data/description', (l) => label(l, 'description'), 'multiline'),
    upload(
      tr,
      '/data/photo',
      'image/*',
      (l) => label(l, 'ideaPhoto'),
      (l) => label(l, 'ideaPhotoHint'),
    ),
  ];
  // When the deployment sends SMS, the proposer may ask to be texted each step of the review: their
  // consent, then their number and the language to text them in (kept sealed on this gateway only).
  const news = smsProviders(d).length > 0;
  if (news) {
    const wanted = esc("/data/news = 'yes'");
    binds.push(
      '<bind nodeset="/data/news" type="string"/>',
      `<bind nodeset="/data/phone" type="string" required="true()" relevant="${wanted}" constraint="${esc("regex(., '^\\+?[0-9][0-9 ]{5,18}$')")}"${tr.constraintMsg('/data/phone', (l) => label(l, 'phoneMsg'))}/>`,
      `<bind nodeset="/data/sms_lang" type="string" required="true()" relevant="${wanted}"/>`,
    );
    body.push(
      select(tr, 'select1', '/data/news', (l) => label(l, 'newsConsent'), [
        ['yes', (l) => label(l, 'newsConsentYes')],
        ['no', (l) => label(l, 'newsConsentNo')],
      ]),
      input(
        tr,
        '/data/phone',
        (l) => label(l, 'proposerPhone'),
        'numbers',
        (l) => label(l, 'proposerPhoneHint'),
      ),
      select(
        tr,
        'select1',
        '/data/sms_lang',
        (l) => label(l, 'proposerLang'),
        d.languages.map((x) => [x.code, () => x.name]),
      ),
    );
  }
  const fields = `<ward/><category/><title/><description/><photo/>${news ? '<news/><phone/><sms_lang/>' : ''}`;
  const title = label(tr.defaultLang, 'proposalTitle', { cycle: text(cycle.name, tr.defaultLang) });
  // A form that may hold a proposer's number is deleted from the device once sent, as the vote form is.
  return xformDocument(title, proposalFormId(cycle.id), version, { tr, fields, binds, body, autoDelete: news });
}
