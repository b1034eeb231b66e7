// XForms (ODK XForms spec, getodk.github.io/xforms-spec) written from the deployment: one vote
// form per open voting cycle and one proposal form per cycle collecting ideas. The ballot rule
// travels as bind constraints, so ODK Collect refuses a broken ballot before it is sent; the
// gateway checks the submission again with src/domain/ballot.ts, the rule every channel shares.
import { createHash } from 'node:crypto';
import type { BallotRule, Cycle, Deployment, Lang, Project } from '../src/config/schema.ts';
import { phaseStatus, wardProjects, wardBudget } from '../src/domain/cycle.ts';
import { defaultLanguage } from '../src/domain/language.ts';
import { label } from './labels.ts';

/** A form as the form list names it and the device downloads it. */
export interface FieldForm {
  formId: string;
  kind: 'vote' | 'proposal' | 'paper-ballot' | 'paper-tally';
  cycleId: string;
  name: string;
  /** Changes whenever the XML changes: a digest of the form with the version left out. */
  version: string;
  /** `md5:` and the MD5 of the XML bytes, as OpenRosa's form list carries it. */
  hash: string;
  xml: string;
}

/** Rules a vote form can carry as constraints. Ranking and cumulative ballots get no form yet. */
export const FORM_RULES: readonly BallotRule['rule'][] = ['approval', 'choose-1', 'knapsack'];

export const voteFormId = (cycleId: string): string => `sauti-vote-${cycleId}`;
export const proposalFormId = (cycleId: string): string => `sauti-proposal-${cycleId}`;

/** Element name of a ward's group in the vote form (ward ids may start with a digit; XML names may not). */
export const wardGroup = (wardId: string): string => `w_${wardId.replace(/-/g, '_')}`;

/**
 * The forms open at `now`: a vote form for the cycle whose voting is open (when its rule has a
 * form) and a proposal form for the cycle collecting ideas. `wards` narrows them to an officer's wards.
 */
export function fieldForms(d: Deployment, now: Date, wards?: readonly string[]): FieldForm[] {
  const forms: FieldForm[] = [];
  const lang = defaultLanguage(d);
  const inScope = d.wards.filter((w) => !wards || wards.includes(w.id));
  const voting = phaseStatus(d, 'voting', now);
  if (voting.kind === 'open' && FORM_RULES.includes(voting.cycle.ballot.rule)) {
    const wardsWithProjects = inScope.filter((w) => wardProjects(voting.cycle, w.id).length > 0);
    if (wardsWithProjects.length > 0) forms.push(finish('vote', voting.cycle, label(lang, 'voteTitle', { cycle: text(voting.cycle.name, lang) }), (v) => voteForm(d, voting.cycle, wardsWithProjects.map((w) => w.id), lang, v)));
  }
  const ideas = phaseStatus(d, 'proposals', now);
  if (ideas.kind === 'open' && inScope.length > 0) {
    forms.push(finish('proposal', ideas.cycle, label(lang, 'proposalTitle', { cycle: text(ideas.cycle.name, lang) }), (v) => proposalForm(d, ideas.cycle, inScope.map((w) => w.id), lang, v)));
  }
  return forms;
}

function finish(kind: FieldForm['kind'], cycle: Cycle, name: string, render: (version: string) => string): FieldForm {
  const version = createHash('sha256').update(render('')).digest('hex').slice(0, 16);
  const xml = render(version);
  const formId = kind === 'vote' ? voteFormId(cycle.id) : proposalFormId(cycle.id);
  return { formId, kind, cycleId: cycle.id, name, version, hash: `md5:${createHash('md5').update(xml, 'utf8').digest('hex')}`, xml };
}

const NS =
  'xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa" ' +
  'xmlns:orx="http://openrosa.org/xforms" xmlns:odk="http://www.opendatakit.org/xforms" xmlns:xsd="http://www.w3.org/2001/XMLSchema"';

/** The whole document around a form's instance, binds and body (the paper forms use it too). */
export function document(title: string, formId: string, version: string, fields: string, binds: string[], body: string[]): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<h:html ${NS}>`,
    '<h:head>',
    `<h:title>${esc(title)}</h:title>`,
    '<model odk:xforms-version="1.0.0">',
    `<instance><data id="${esc(formId)}" version="${esc(version)}"><start/><end/>${fields}<orx:meta><orx:instanceID/></orx:meta></data></instance>`,
    // Capture time is the device's: the gateway checks it against arrival for clock skew.
    '<bind nodeset="/data/start" type="dateTime" jr:preload="timestamp" jr:preloadParams="start"/>',
    '<bind nodeset="/data/end" type="dateTime" jr:preload="timestamp" jr:preloadParams="end"/>',
    ...binds,
    '<bind nodeset="/data/orx:meta/orx:instanceID" type="string" readonly="true()" jr:preload="uid"/>',
    '</model>',
    '</h:head>',
    '<h:body>',
    ...body,
    '</h:body>',
    '</h:html>',
    '',
  ].join('\n');
}

function voteForm(d: Deployment, cycle: Cycle, wardIds: string[], lang: Lang, version: string): string {
  const money = (n: number) => `${d.deployment.currency} ${n.toLocaleString('en')}`;
  const wards = wardIds.map((id) => d.wards.find((w) => w.id === id)!);
  const rule = cycle.ballot;
  const fields = `<voter_id/><ward/>${wards.map((w) => `<${wardGroup(w.id)}><picks/>${rule.rule === 'knapsack' ? '<total/>' : ''}</${wardGroup(w.id)}>`).join('')}`;
  const binds = [
    `<bind nodeset="/data/voter_id" type="string" required="true()" constraint="string-length(normalize-space(.)) &gt;= 1 and string-length(.) &lt;= 40" jr:constraintMsg="${esc(label(lang, 'voterIdMsg'))}"/>`,
    '<bind nodeset="/data/ward" type="string" required="true()"/>',
  ];
  const body = [input('/data/voter_id', label(lang, 'voterId')), select('select1', '/data/ward', label(lang, 'ward'), wards.map((w) => [w.id, text(w.name, lang)]))];
  for (const w of wards) {
    const g = `/data/${wardGroup(w.id)}`;
    const budget = wardBudget(d, w.id);
    const projects = wardProjects(cycle, w.id);
    binds.push(`<bind nodeset="${g}" relevant="/data/ward = '${w.id}'"/>`);
    binds.push(pickBind(rule, `${g}/picks`, `${g}/total`, budget, lang, money));
    if (rule.rule === 'knapsack') binds.push(`<bind nodeset="${g}/total" type="decimal" readonly="true()" calculate="${esc(costSum(`${g}/picks`, projects))}"/>`);
    body.push(
      `<group ref="${g}">`,
      `<label>${esc(label(lang, 'projectsOf', { ward: text(w.name, lang), budget: money(budget) }))}</label>`,
      select(rule.rule === 'choose-1' ? 'select1' : 'select', `${g}/picks`, pickLabel(rule, budget, lang, money), projects.map((p) => [String(p.code), `${p.code} · ${text(p.title, lang)} — ${money(p.cost)}`])),
      '</group>',
    );
  }
  return document(label(lang, 'voteTitle', { cycle: text(cycle.name, lang) }), voteFormId(cycle.id), version, fields, binds, body);
}

/** The picks' bind: the ballot rule as a constraint (count-selected, and the knapsack total). */
export function pickBind(rule: BallotRule, picks: string, total: string, budget: number, lang: Lang, money: (n: number) => string): string {
  const base = `nodeset="${picks}" type="string" required="true()"`;
  switch (rule.rule) {
    case 'approval':
      return `<bind ${base} constraint="${esc(`count-selected(.) >= ${rule.min} and count-selected(.) <= ${rule.max}`)}" jr:constraintMsg="${esc(label(lang, 'pickApprovalMsg', { min: rule.min, max: rule.max }))}"/>`;
    case 'knapsack':
      return `<bind ${base} constraint="${esc(`count-selected(.) >= ${rule.min} and ${total} <= ${budget}`)}" jr:constraintMsg="${esc(label(lang, 'pickKnapsackMsg', { min: rule.min, budget: money(budget) }))}"/>`;
    default:
      return `<bind ${base}/>`;
  }
}

export function pickLabel(rule: BallotRule, budget: number, lang: Lang, money: (n: number) => string): string {
  if (rule.rule === 'approval') return label(lang, 'pickApproval', { min: rule.min, max: rule.max });
  if (rule.rule === 'knapsack') return label(lang, 'pickKnapsack', { budget: money(budget) });
  return label(lang, 'pickChooseOne');
}

/** The total cost of the picked projects, as an XPath sum the device recomputes on every pick. */
export function costSum(picks: string, projects: readonly Project[]): string {
  return projects.map((p) => `if(selected(${picks}, '${p.code}'), ${p.cost}, 0)`).join(' + ');
}

function proposalForm(d: Deployment, cycle: Cycle, wardIds: string[], lang: Lang, version: string): string {
  const wards = wardIds.map((id) => d.wards.find((w) => w.id === id)!);
  const binds = [
    '<bind nodeset="/data/ward" type="string" required="true()"/>',
    '<bind nodeset="/data/category" type="string" required="true()"/>',
    `<bind nodeset="/data/title" type="string" required="true()" constraint="string-length(.) &lt;= 200" jr:constraintMsg="${esc(label(lang, 'ideaTitleMsg'))}"/>`,
    `<bind nodeset="/data/description" type="string" constraint="string-length(.) &lt;= 2000" jr:constraintMsg="${esc(label(lang, 'descriptionMsg'))}"/>`,
  ];
  const body = [
    select('select1', '/data/ward', label(lang, 'ward'), wards.map((w) => [w.id, text(w.name, lang)])),
    select('select1', '/data/category', label(lang, 'category'), d.categories.map((c) => [c.id, text(c.name, lang)])),
    input('/data/title', label(lang, 'ideaTitle')),
    `<input ref="/data/description" appearance="multiline"><label>${esc(label(lang, 'description'))}</label></input>`,
  ];
  return document(label(lang, 'proposalTitle', { cycle: text(cycle.name, lang) }), proposalFormId(cycle.id), version, '<ward/><category/><title/><description/>', binds, body);
}

export function input(ref: string, text: string): string {
  return `<input ref="${ref}"><label>${esc(text)}</label></input>`;
}

export function select(kind: 'select' | 'select1', ref: string, text: string, items: [value: string, label: string][]): string {
  return `<${kind} ref="${ref}"><label>${esc(text)}</label>${items.map(([v, l]) => `<item><label>${esc(l)}</label><value>${esc(v)}</value></item>`).join('')}</${kind}>`;
}

export function text(texts: Record<string, string>, lang: Lang): string {
  return texts[lang] ?? Object.values(texts)[0] ?? '';
}

/** XML text and attribute escaping. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
