// A needs-assessment survey the city defines in the deployment (`surveys`), as an XForm: the
// resident's consent, the ward, then each question (text, whole number within bounds, one choice,
// several choices). One element per question, named by its id, so the gateway reads the answers
// back by id and checks them against the same definition (src/engine/field-capture.ts).
import type { Lang, Survey, SurveyQuestion, Ward } from '../src/config/schema.ts';
import { label } from './labels.ts';
import { esc, input, select, text, xformDocument } from './xml.ts';

export const surveyFormId = (surveyId: string): string => `sauti-survey-${surveyId}`;

/** The survey's XML for the given wards. */
export function surveyFormXml(survey: Survey, wards: readonly Ward[], lang: Lang, version: string): string {
  const consented = "/data/consent = 'yes'";
  const binds = [
    `<bind nodeset="/data/consent" type="string" required="true()" constraint=". = 'yes'" jr:constraintMsg="${esc(label(lang, 'surveyConsentMsg'))}"/>`,
    `<bind nodeset="/data/ward" type="string" required="true()" relevant="${esc(consented)}"/>`,
    ...survey.questions.map((q) => questionBind(q, consented, lang)),
  ];
  const body = [
    select('select1', '/data/consent', label(lang, 'surveyConsent'), [
      ['yes', label(lang, 'consentYes')],
      ['no', label(lang, 'consentNo')],
    ]),
    select('select1', '/data/ward', label(lang, 'ward'), wards.map((w) => [w.id, text(w.name, lang)])),
    ...survey.questions.map((q) => questionControl(q, lang)),
  ];
  const fields = `<consent/><ward/>${survey.questions.map((q) => `<${q.id}/>`).join('')}`;
  return xformDocument(text(survey.title, lang), surveyFormId(survey.id), version, { fields, binds, body, autoDelete: true });
}

function questionBind(q: SurveyQuestion, relevant: string, lang: Lang): string {
  const ref = `/data/${q.id}`;
  const required = q.required ? ' required="true()"' : '';
  if (q.type === 'integer') {
    const bounds = [q.min !== undefined ? `. >= ${q.min}` : '', q.max !== undefined ? `. <= ${q.max}` : ''].filter(Boolean);
    const constraint = bounds.length ? ` constraint="${esc(bounds.join(' and '))}" jr:constraintMsg="${esc(label(lang, 'integerMsg', { min: q.min ?? '…', max: q.max ?? '…' }))}"` : '';
    return `<bind nodeset="${ref}" type="int"${required} relevant="${esc(relevant)}"${constraint}/>`;
  }
  if (q.type === 'text') return `<bind nodeset="${ref}" type="string"${required} relevant="${esc(relevant)}" constraint="string-length(.) &lt;= 2000" jr:constraintMsg="${esc(label(lang, 'descriptionMsg'))}"/>`;
  return `<bind nodeset="${ref}" type="string"${required} relevant="${esc(relevant)}"/>`;
}

function questionControl(q: SurveyQuestion, lang: Lang): string {
  const ref = `/data/${q.id}`;
  const title = text(q.label, lang);
  if (q.type === 'select_one' || q.type === 'select_multiple') {
    return select(q.type === 'select_one' ? 'select1' : 'select', ref, title, (q.choices ?? []).map((c) => [c.id, text(c.label, lang)]));
  }
  return input(ref, title, q.type === 'text' ? 'multiline' : undefined);
}
