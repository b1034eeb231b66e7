// The vote form of a cycle, for an assisted vote: the resident's consent first (without it the
// form cannot go on, and the gateway stores nothing); the voter id, checked on the device against
// keyed digests of the roll (field/eligibility.ts) when the deployment has one; the ward; that
// ward's projects under the ballot rule (approval, choose-1, knapsack, ranking, cumulative) as
// constraints; the choices read back with their total cost before the form is finalised; and an
// optional phone number for an SMS receipt when the deployment sends SMS.
import type { BallotRule, Cycle, Deployment, Lang, Project } from '../src/config/schema.ts';
import { maxPerProject } from '../src/domain/ballot.ts';
import { wardBudget, wardProjects } from '../src/domain/cycle.ts';
import { DIGEST_HEX, ELIGIBLE_FILE } from './eligibility.ts';
import { label } from './labels.ts';
import { esc, input, labelWithOutputs, select, text, Translations, xformDocument, xpathString, type Texts } from './xml.ts';

/** Element name of a ward's group in the vote form (ward ids may start with a digit; XML names may not). */
export const wardGroup = (wardId: string): string => `w_${wardId.replace(/-/g, '_')}`;

/** Element of a cumulative ballot's points for one project. */
export const pointsField = (code: number): string => `p_${code}`;

/** Element of a ranking ballot's place (1-based). */
export const placeField = (place: number): string => `r${place}`;

export interface VoteFormOptions {
  /** On a roll deployment: the salt the device puts before a voter id to digest it. */
  eligibilitySalt?: string;
  /** Whether the deployment sends SMS: then the form offers a receipt by SMS. */
  sms: boolean;
}

/** The vote form's XML for the given wards. */
export function voteFormXml(d: Deployment, cycle: Cycle, wardIds: readonly string[], formId: string, version: string, opts: VoteFormOptions): string {
  const tr = Translations.of(d);
  const money = (n: number) => `${d.deployment.currency} ${n.toLocaleString('en')}`;
  const wards = wardIds.map((id) => d.wards.find((w) => w.id === id)!);
  const rule = cycle.ballot;
  const consented = "/data/consent = 'yes'";
  const groups = wards.map(
    (w) =>
      `<${wardGroup(w.id)}>${ruleFields(rule, wardProjects(cycle, w.id))}<total/>${rule.rule === 'cumulative' ? '<points/>' : ''}<readback/></${wardGroup(w.id)}>`,
  );
  const fields = `<consent/><voter_id/>${opts.eligibilitySalt ? '<voter_digest/>' : ''}<ward/>${groups.join('')}${opts.sms ? '<phone/>' : ''}`;
  const onRoll = (also = '') => `count(instance('eligible')/root/item[d = /data/voter_digest${also}]) > 0`;
  const binds = [
    `<bind nodeset="/data/consent" type="string" required="true()" constraint=". = 'yes'"${tr.constraintMsg('/data/consent', (l) => label(l, 'consentMsg'))}/>`,
    `<bind nodeset="/data/voter_id" type="string" required="true()" relevant="${esc(consented)}" constraint="${esc(`string-length(normalize-space(.)) >= 1 and string-length(.) <= 40${opts.eligibilitySalt ? ` and ${onRoll()}` : ''}`)}"${tr.constraintMsg('/data/voter_id', (l) => label(l, opts.eligibilitySalt ? 'voterIdRollMsg' : 'voterIdMsg'))}/>`,
    `<bind nodeset="/data/ward" type="string" required="true()" relevant="${esc(consented)}"${opts.eligibilitySalt ? ` constraint="${esc(onRoll(' and w = /data/ward'))}"${tr.constraintMsg('/data/ward', (l) => label(l, 'voterWardMsg'))}` : ''}/>`,
  ];
  if (opts.eligibilitySalt) {
    // Computed once per voter id typed; the constraints compare it with every row of the attachment.
    const digest = `substring(digest(concat(${xpathString(opts.eligibilitySalt)}, normalize-space(/data/voter_id)), 'SHA-256', 'hex'), 1, ${DIGEST_HEX})`;
    binds.push(`<bind nodeset="/data/voter_digest" type="string" calculate="${esc(digest)}"/>`);
  }
  const body = [
    select(tr, 'select1', '/data/consent', (l) => label(l, 'consent'), [
      ['yes', (l) => label(l, 'consentYes')],
      ['no', (l) => label(l, 'consentNo')],
    ]),
    input(tr, '/data/voter_id', (l) => label(l, 'voterId')),
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
    binds.push(...wardPickBinds(tr, rule, g, projects, budget, money));
    const readbackRule =
      rule.rule === 'cumulative'
        ? ` constraint="${esc(`${distinctPointed(g, projects)} >= ${rule.min}`)}"${tr.constraintMsg(`${g}/readback`, (l) => label(l, 'pointsMinMsg', { min: rule.min }))}`
        : '';
    binds.push(`<bind nodeset="${g}/readback" type="string" required="true()"${readbackRule}/>`);
    const readback: Texts = (l) =>
      labelWithOutputs(label(l, 'readBack', { currency: d.deployment.currency }), { picks: readbackText(rule, g, projects, l), total: `${g}/total` });
    body.push(
      `<group ref="${g}">`,
      tr.label(g, (l) => label(l, 'projectsOf', { ward: text(w.name, l), budget: money(budget) })),
      ...ruleControls(tr, rule, g, projects, budget, money),
      select(tr, 'select1', `${g}/readback`, readback, [['yes', (l) => label(l, 'readBackYes')]], true),
      '</group>',
    );
  }
  if (opts.sms) {
    binds.push(
      `<bind nodeset="/data/phone" type="string" relevant="${esc(consented)}" constraint="${esc("regex(., '^\\+?[0-9][0-9 ]{5,18}$')")}"${tr.constraintMsg('/data/phone', (l) => label(l, 'phoneMsg'))}/>`,
    );
    body.push(
      input(
        tr,
        '/data/phone',
        (l) => label(l, 'phone'),
        'numbers',
        (l) => label(l, 'phoneHint'),
      ),
    );
  }
  const instances = opts.eligibilitySalt ? [`<instance id="eligible" src="jr://file-csv/${ELIGIBLE_FILE}"/>`] : [];
  return xformDocument(label(tr.defaultLang, 'voteTitle', { cycle: text(cycle.name, tr.defaultLang) }), formId, version, {
    tr,
    fields,
    binds,
    body,
    instances,
    autoDelete: true,
  });
}

/** A ward group's picks under the rule and their total cost, recomputed on every pick (the vote and paper-ballot forms). */
export function wardPickBinds(
  tr: Translations,
  rule: BallotRule,
  g: string,
  projects: readonly Project[],
  budget: number,
  money: (n: number) => string,
): string[] {
  return [
    ...ruleBinds(tr, rule, g, projects, budget, money),
    `<bind nodeset="${g}/total" type="int" readonly="true()" calculate="${esc(sumOf(projects, (p) => `if(${pickedTest(rule, g, p)}, ${p.cost}, 0)`))}"/>`,
  ];
}

/** The fields a ward's group holds for the rule: one select, a field per place, or a field of points per project. */
function ruleFields(rule: BallotRule, projects: readonly Project[]): string {
  if (rule.rule === 'ranking') return Array.from({ length: rule.k }, (_, i) => `<${placeField(i + 1)}/>`).join('');
  if (rule.rule === 'cumulative') return projects.map((p) => `<${pointsField(p.code)}>0</${pointsField(p.code)}>`).join('');
  return '<picks/>';
}

/** The rule as constraints: count-selected, the knapsack total, distinct places, points within bounds. */
function ruleBinds(tr: Translations, rule: BallotRule, g: string, projects: readonly Project[], budget: number, money: (n: number) => string): string[] {
  const picks = `nodeset="${g}/picks" type="string" required="true()"`;
  switch (rule.rule) {
    case 'approval':
      return [
        `<bind ${picks} constraint="${esc(`count-selected(.) >= ${rule.min} and count-selected(.) <= ${rule.max}`)}"${tr.constraintMsg(`${g}/picks`, (l) => label(l, 'pickApprovalMsg', { min: rule.min, max: rule.max }))}/>`,
      ];
    case 'knapsack':
      return [
        `<bind ${picks} constraint="${esc(`count-selected(.) >= ${rule.min} and ${g}/total <= ${budget}`)}"${tr.constraintMsg(`${g}/picks`, (l) => label(l, 'pickKnapsackMsg', { min: rule.min, budget: money(budget) }))}/>`,
      ];
    case 'choose-1':
      return [`<bind ${picks}/>`];
    case 'ranking':
      return Array.from({ length: rule.k }, (_, i) => {
        const place = i + 1;
        const earlier = Array.from({ length: i }, (_, j) => `. != ${g}/${placeField(j + 1)}`);
        const relevant = place > 1 ? ` relevant="${esc(`${g}/${placeField(place - 1)} != ''`)}"` : '';
        const constraint = earlier.length
          ? ` constraint="${esc(earlier.join(' and '))}"${tr.constraintMsg(`${g}/${placeField(place)}`, (l) => label(l, 'rankTwiceMsg'))}`
          : '';
        return `<bind nodeset="${g}/${placeField(place)}" type="string"${place <= rule.min ? ' required="true()"' : ''}${relevant}${constraint}/>`;
      });
    case 'cumulative': {
      const max = maxPerProject(rule);
      const within = `. >= 0 and . <= ${max} and ${g}/points <= ${rule.points}`;
      return [
        ...projects.map(
          (p) =>
            `<bind nodeset="${g}/${pointsField(p.code)}" type="int" required="true()" constraint="${esc(within)}"${tr.constraintMsg(`${g}/${pointsField(p.code)}`, (l) => label(l, 'pointsMsg', { max, points: rule.points }))}/>`,
        ),
        `<bind nodeset="${g}/points" type="int" readonly="true()" calculate="${esc(sumOf(projects, (p) => pointsOf(g, p)))}"/>`,
      ];
    }
  }
}

export function ruleControls(
  tr: Translations,
  rule: BallotRule,
  g: string,
  projects: readonly Project[],
  budget: number,
  money: (n: number) => string,
): string[] {
  const items = projects.map((p): [string, Texts] => [String(p.code), (l) => `${p.code} · ${text(p.title, l)} — ${money(p.cost)}`]);
  switch (rule.rule) {
    case 'approval':
      return [select(tr, 'select', `${g}/picks`, (l) => label(l, 'pickApproval', { min: rule.min, max: rule.max }), items)];
    case 'knapsack':
      return [select(tr, 'select', `${g}/picks`, (l) => label(l, 'pickKnapsack', { budget: money(budget) }), items)];
    case 'choose-1':
      return [select(tr, 'select1', `${g}/picks`, (l) => label(l, 'pickChooseOne'), items)];
    case 'ranking':
      return Array.from({ length: rule.k }, (_, i) =>
        select(tr, 'select1', `${g}/${placeField(i + 1)}`, (l) => label(l, i === 0 ? 'rankFirst' : 'rankPlace', { place: i + 1, k: rule.k }), items),
      );
    case 'cumulative':
      return [
        input(tr, `${g}/points`, (l) => label(l, 'pointsTotal', { points: rule.points })),
        ...projects.map((p, i) => input(tr, `${g}/${pointsField(p.code)}`, items[i]![1])),
      ];
  }
}

/** An XPath test that project `p` is on the ballot being filled. */
function pickedTest(rule: BallotRule, g: string, p: Project): string {
  if (rule.rule === 'ranking') return Array.from({ length: rule.k }, (_, i) => `${g}/${placeField(i + 1)} = '${p.code}'`).join(' or ');
  if (rule.rule === 'cumulative') return `${pointsOf(g, p)} > 0`;
  return `selected(${g}/picks, '${p.code}')`;
}

/** A project's points, 0 when the field was cleared. */
function pointsOf(g: string, p: Project): string {
  const f = `${g}/${pointsField(p.code)}`;
  return `if(string-length(${f}) = 0, 0, ${f})`;
}

function distinctPointed(g: string, projects: readonly Project[]): string {
  return sumOf(projects, (p) => `if(${pointsOf(g, p)} > 0, 1, 0)`);
}

function sumOf(projects: readonly Project[], term: (p: Project) => string): string {
  return projects.length ? projects.map(term).join(' + ') : '0';
}

/** The choices as the officer reads them back: code and title, in place order for ranking, with points for cumulative. */
function readbackText(rule: BallotRule, g: string, projects: readonly Project[], lang: Lang): string {
  const title = (p: Project) => `${p.code} · ${text(p.title, lang)}`;
  let parts: string[];
  if (rule.rule === 'ranking') {
    parts = Array.from({ length: rule.k }, (_, i) => {
      const f = `${g}/${placeField(i + 1)}`;
      return `if(${f} != '', concat('${i + 1}. ', jr:choice-name(${f}, '${f}'), '; '), '')`;
    });
  } else if (rule.rule === 'cumulative') {
    parts = projects.map((p) => `if(${pointsOf(g, p)} > 0, concat(${xpathString(`${title(p)}: `)}, ${pointsOf(g, p)}, '; '), '')`);
  } else {
    parts = projects.map((p) => `if(${pickedTest(rule, g, p)}, ${xpathString(`${title(p)}; `)}, '')`);
  }
  return `concat(${[...parts, "''"].join(', ')})`;
}
