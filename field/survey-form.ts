// A needs-assessment survey the city defines in the deployment (`surveys`), as an XForm: the
// resident's consent, the ward, then each question (text, whole number within bounds, one choice,
// several choices). One element per question, named by its id, so the gateway reads the answers
// back by id and checks them against the same definition (src/engine/field-capture.ts).
import type { Survey, SurveyQuestion, Ward } from '../src/config/schema.ts';
import { label } from './labels.ts';
import { esc, input, select, text, Translations, xformDocument } from './xml.ts';

export const surveyFormId = (surveyId: string): string => `sauti-survey-${surveyId}`;

/** The survey's XML for the given wards, in every language of `tr`. */
export function surveyFormXml(survey: Survey, wards: readonly Ward[], tr: Translations, version: string): string {
  const consented = "/data/consent = 'yes'";
  const binds = [
    `<bind nodeset="/data/consent" type="string" required="true()" constraint=". = 'yes'"${tr.constraintMsg('/data/consent', (l) => label(l, 'surveyConsentMsg'))}/>`,
    `<bind nodeset="/data/ward" type="string" required="true()" relevant="${esc(consented)}"/>`,
    ...survey.questions.map((q) => questionBind(tr, q, consented)),
  ];
  const body = [
    select(tr, 'select1', '/data/consent', (l) => label(l, 'surveyConsent'), [
      ['yes', (l) => label(l, 'consentYes')],
      ['no', (l) => label(l, 'consentNo')],
    ]),
    select(
      tr,
      'select1',
      '/data/ward',
      (l) => label(l, 'ward'),
      wards.map((w) => [w.id, (l) => text(w.name, l)]),
    ),
    ...survey.questions.map((q) => questionControl(tr, q)),
  ];
  const fields = `<consent/><ward/>${survey.questions.map((q) => `<${q.id}/>`).join('')}`;
  return xformDocument(text(survey.title, tr.defaultLang), surveyFormId(survey.id), version, { tr, fields, binds, body, autoDelete: true });
}

function questionBind(tr: Translations, q: SurveyQuestion, relevant: string): string {
  const ref = `/data/${q.id}`;
  const required = q.required ? ' required="true()"' : '';
  if (q.type === 'integer') {
    const bounds = [q.min !== undefined ? `. >= ${q.min}` : '', q.max !== undefined ? `. <= ${q.max}` : ''].filter(Boolean);
    const constraint = bounds.length
      ? ` constraint="${esc(bounds.join(' and '))}"${tr.constraintMsg(ref, (l) => label(l, 'integerMsg', { min: q.min ?? '…', max: q.max ?? '…' }))}`
      : '';
    return `<bind nodeset="${ref}" type="int"${required} relevant="${esc(relevant)}"${constraint}/>`;
  }
  if (q.type === 'text')
    return `<bind nodeset="${ref}" type="string"${required} relevant="${esc(relevant)}" constraint="string-length(.) &lt;= 2000"${tr.constraintMsg(ref, (l) => label(l, 'descriptionMsg'))}/>`;
  return `<bind nodeset="${ref}" type="string"${required} relevant="${esc(relevant)}"/>`;
}

function questionControl(tr: Translations, q: SurveyQuestion): string {
  const ref = `/data/${q.id}`;
  if (q.type === 'select_one' || q.type === 'select_multiple') {
    return select(
      tr,
      q.type === 'select_one' ? 'select1' : 'select',
      ref,
      (l) => text(q.label, l),
      (q.choices ?? []).map((c) => [c.id, (l) => text(c.label, l)]),
    );
  }
  return input(tr, ref, (l) => text(q.label, l), q.type === 'text' ? 'multiline' : undefined);
}
