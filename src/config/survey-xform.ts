// A needs-assessment survey the city supplies as its own XForm (`surveys: - xform: <file>`), read
// and checked when the deployment loads, so a form ODK would fill but Sauti could not store (or
// should not: a question that collects a name or a phone number) stops start-up and
// `check-config` with the file and the problem named. Sauti serves the file unchanged; what it
// keeps from it is which element holds each answer, so a submission is read by the form's own
// paths (field/submission.ts) and checked like a defined survey's (src/engine/field-capture.ts).
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** One answer the supplied form collects: its element's name (the answer's id) and where it is. */
export interface SuppliedField {
  id: string;
  /** Absolute path of its element in the primary instance, e.g. `/data/household/water_source`. */
  path: string;
  type: 'text' | 'integer' | 'select_one' | 'select_multiple';
  /** Not checked by the gateway: the form decides, with relevance the gateway does not evaluate. */
  required: false;
  choices?: { id: string }[];
}

/** What the loader keeps of a supplied XForm. */
export interface SuppliedForm {
  xml: string;
  formId: string;
  version: string;
  /** The form's `<h:title>`: its name in Collect's list. */
  title: string;
  fields: SuppliedField[];
  wardPath: string;
  consentPath: string;
  /** Elements the device fills with its clock (jr:preload timestamp start / end): the capture time. */
  startPath?: string;
  endPath?: string;
  instanceIdPath: string;
}

/** Answer names as the ledger stores them (src/domain/protocol.ts, survey.answered). */
const ANSWER_NAME = /^[a-z][a-z0-9_]{0,31}$/;
const FORM_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_BYTES = 1_000_000;
const MAX_ANSWERS = 60;

/**
 * Name parts that say a question collects personal data: a name, a phone number or e-mail, an
 * identity number, a birth date, an address or a location, a picture or a signature. Answers are
 * events the ledger keeps and, for a public survey, open data; a question named so is refused
 * unless the deployment lists it in the survey's `notPersonal` (a village's name is not a person's).
 */
const PERSONAL_PARTS = new Set([
  'name',
  'names',
  'firstname',
  'surname',
  'lastname',
  'fullname',
  'phone',
  'phonenumber',
  'tel',
  'telephone',
  'mobile',
  'msisdn',
  'cell',
  'cellphone',
  'email',
  'passport',
  'idno',
  'nid',
  'dob',
  'birth',
  'birthdate',
  'birthday',
  'address',
  'gps',
  'latitude',
  'longitude',
  'coordinates',
  'photo',
  'picture',
  'signature',
]);
const PERSONAL_PAIRS = /(^|_)(national_id|id_number|id_no|date_of_birth|e_mail|plot_number|house_number)(_|$)/;

/** Whether an answer's name looks like it collects personal data. */
export function looksPersonal(name: string): boolean {
  return PERSONAL_PAIRS.test(name) || name.split('_').some((part) => PERSONAL_PARTS.has(part));
}

/** Data types whose answers are stored as text; int and integer are whole numbers. */
const TEXT_TYPES = new Set(['string', 'decimal', 'date', 'time', 'dateTime', 'boolean']);
/** Types refused, and why. */
const REFUSED_TYPES: Record<string, string> = {
  geopoint: 'a location points at a household',
  geotrace: 'a location points at a household',
  geoshape: 'a location points at a household',
  binary: 'photos, recordings and files are not stored by Sauti',
  barcode: 'a scanned code may be an identity document',
};

type Node = Record<string, unknown>;
const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, trimValues: true });

/** Child elements of `node` named `name`, always as a list. */
function kids(node: unknown, name: string): Node[] {
  if (!node || typeof node !== 'object') return [];
  const v = (node as Node)[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => (x && typeof x === 'object' ? (x as Node) : { '#text': x === '' ? '' : String(x) }));
}
const elementNames = (node: Node) => Object.keys(node).filter((k) => !k.startsWith('@') && k !== '#text');
const attr = (node: Node, name: string): string | undefined => (typeof node[`@${name}`] === 'string' ? (node[`@${name}`] as string) : undefined);
const textOf = (node: Node | undefined): string => (node ? String(node['#text'] ?? '').trim() : '');

/**
 * Reads and checks a supplied survey XForm. `wards` are the ward ids the survey runs in (its
 * ward question may offer only these); `notPersonal` the names the city vouches for. The form, or
 * every problem found.
 */
export function readSurveyXForm(xml: string, wards: readonly string[], notPersonal: readonly string[]): { form: SuppliedForm } | { problems: string[] } {
  const problems: string[] = [];
  const fail = (p: string) => ({ problems: [...problems, p] });
  if (Buffer.byteLength(xml, 'utf8') > MAX_BYTES) return fail(`the file is over ${MAX_BYTES / 1_000_000} MB`);
  if (/<!DOCTYPE/i.test(xml)) return fail('a DOCTYPE is not allowed');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return fail(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const doc = parser.parse(xml) as Node;
  const html = kids(doc, 'html')[0];
  if (!html || elementNames(doc).filter((k) => k !== '?xml').length !== 1) return fail('the root element must be <h:html>');
  const head = kids(html, 'head')[0];
  const body = kids(html, 'body')[0];
  const model = kids(head, 'model')[0];
  if (!head || !model) return fail('no <h:head> with a <model>');
  if (!body) return fail('no <h:body>');
  const title = textOf(kids(head, 'title')[0]);
  if (!title) problems.push('no <h:title>: Collect lists the form by it');

  // The primary instance is the model's first <instance>; the others hold choice lists.
  const instances = kids(model, 'instance');
  const primary = instances[0];
  const rootName = primary ? elementNames(primary) : [];
  if (!primary || rootName.length !== 1) return fail('the model has no primary <instance> with one root element');
  const root = kids(primary, rootName[0]!)[0]!;
  const formId = attr(root, 'id') ?? '';
  const version = attr(root, 'version') ?? '';
  if (!FORM_ID.test(formId)) problems.push(`the primary instance's root <${rootName[0]}> needs an id attribute (the formID): 1-64 letters, digits, . _ or -`);
  else if (formId.startsWith('sauti-')) problems.push(`formID '${formId}': ids starting with sauti- are Sauti's own forms`);
  if (!/^[\x21-\x7e]{1,64}$/.test(version))
    problems.push(`the primary instance's root needs a version attribute (1-64 printable characters): Collect updates a form when it changes`);

  // Every element of the primary instance, by absolute path; leaves hold answers.
  const nodes = new Map<string, { leaf: boolean; template: boolean }>();
  const walk = (node: Node, path: string, template: boolean) => {
    const names = elementNames(node);
    nodes.set(path, { leaf: names.length === 0, template });
    for (const name of names) for (const child of kids(node, name)) walk(child, `${path}/${name}`, template || attr(child, 'template') !== undefined);
  };
  const rootPath = `/${rootName[0]}`;
  walk(root, rootPath, false);
  if ([...nodes.values()].some((n) => n.template)) problems.push('repeats (jr:template) are not supported: a survey form is one row of answers');

  // Binds: each points at an element of the primary instance.
  const binds = new Map<string, Node>();
  for (const b of kids(model, 'bind')) {
    const nodeset = attr(b, 'nodeset') ?? '';
    if (!nodes.has(nodeset)) {
      problems.push(`<bind nodeset="${nodeset.slice(0, 80)}"> points to no element of the primary instance`);
      continue;
    }
    binds.set(nodeset, b);
    const preload = attr(b, 'preload');
    // Device properties (phone number, SIM, device id, user name, e-mail) identify the officer's phone: not collected.
    if (preload === 'property')
      problems.push(`${nodeset}: jr:preload="property" (${attr(b, 'preloadParams') ?? '?'}) collects the device's or officer's identity: remove it`);
  }
  const preloaded = (param: string) => [...binds].find(([, b]) => attr(b, 'preload') === 'timestamp' && attr(b, 'preloadParams') === param)?.[0];
  const startPath = preloaded('start');
  const endPath = preloaded('end');
  if (!startPath && !endPath)
    problems.push('no start or end time (a bind with jr:preload="timestamp" jr:preloadParams="end"): the capture time is the device\'s');
  const instanceIdPath = `${rootPath}/meta/instanceID`;
  if (!nodes.get(instanceIdPath)?.leaf) problems.push(`no ${instanceIdPath}: Collect needs it to send the form once`);

  // Choice lists held in secondary instances, for itemsets.
  const lists = new Map<string, Node>();
  for (const inst of instances.slice(1)) {
    const id = attr(inst, 'id');
    if (id) lists.set(id, inst);
  }

  // The body's controls: each one question.
  const fields: SuppliedField[] = [];
  let wardPath: string | undefined;
  let consentPath: string | undefined;
  const seen = new Set<string>();
  const visit = (container: Node, base: string) => {
    for (const name of elementNames(container)) {
      for (const el of kids(container, name)) {
        const ref = attr(el, 'ref') ?? attr(el, 'nodeset');
        const path = ref === undefined ? undefined : ref.startsWith('/') ? ref : `${base}/${ref}`;
        if (name === 'repeat') {
          problems.push(`${path ?? '<repeat>'}: repeats are not supported: a survey form is one row of answers`);
          continue;
        }
        if (name === 'group') {
          visit(el, path ?? base);
          continue;
        }
        if (['label', 'hint', 'help'].includes(name)) continue;
        if (!['input', 'select1', 'select', 'trigger'].includes(name)) {
          problems.push(`${path ?? name}: <${name}> controls are not supported (input, select1, select and trigger are)`);
          continue;
        }
        if (!path || !nodes.get(path)?.leaf) {
          problems.push(`<${name} ref="${(ref ?? '').slice(0, 80)}"> points to no element of the primary instance`);
          continue;
        }
        const field = question(name, path, el);
        if (field) fields.push(field);
      }
    }
  };
  const question = (control: string, path: string, el: Node): SuppliedField | undefined => {
    const id = path.slice(path.lastIndexOf('/') + 1);
    const bind = binds.get(path);
    const type = (attr(bind ?? {}, 'type') ?? 'string').replace(/^\w+:/, '');
    // A note (read-only, nothing to answer) is not an answer.
    if (bind && /^true\(\)$/.test(attr(bind, 'readonly') ?? '') && !attr(bind, 'calculate')) return undefined;
    if (REFUSED_TYPES[type]) {
      problems.push(`${path}: type ${type} is refused (${REFUSED_TYPES[type]})`);
      return undefined;
    }
    if (!ANSWER_NAME.test(id)) {
      problems.push(
        `${path}: the answer's name '${id}' must be 1-32 lower-case letters, digits or _, starting with a letter (the ledger stores answers by name)`,
      );
      return undefined;
    }
    if (seen.has(id)) {
      problems.push(`${path}: another question is also named '${id}' (answers are stored by name)`);
      return undefined;
    }
    seen.add(id);
    if (['start', 'end', 'meta'].includes(id)) {
      problems.push(`${path}: the name '${id}' is taken by the form's metadata`);
      return undefined;
    }
    if (looksPersonal(id) && !notPersonal.includes(id)) {
      problems.push(
        `${path}: '${id}' looks like personal data (a name, phone, e-mail, identity number, birth date, address or location), which Sauti never stores: remove the question, or list it in the survey's notPersonal if it is not about a person`,
      );
      return undefined;
    }
    const select = control === 'select1' || control === 'select';
    if (!select && !TEXT_TYPES.has(type) && type !== 'int' && type !== 'integer') {
      problems.push(`${path}: type ${type} is not supported (string, int, decimal, date, time, dateTime and selects are)`);
      return undefined;
    }
    if (!select) return { id, path, type: type === 'int' || type === 'integer' ? 'integer' : 'text', required: false };
    const choices = choicesOf(path, el);
    if (!choices) return undefined;
    const multiple = control === 'select';
    const bad = choices.find((c) => (multiple ? !ANSWER_NAME.test(c) : !/^[\x21-\x7e]{1,64}$/.test(c)));
    if (bad !== undefined) {
      problems.push(
        multiple
          ? `${path}: choice '${bad.slice(0, 40)}' of a select (several answers) must be 1-32 lower-case letters, digits or _, starting with a letter`
          : `${path}: choice '${bad.slice(0, 40)}' must be 1-64 printable characters without spaces`,
      );
      return undefined;
    }
    const f: SuppliedField = { id, path, type: multiple ? 'select_multiple' : 'select_one', required: false, choices: choices.map((c) => ({ id: c })) };
    if (id === 'ward') {
      if (multiple) problems.push(`${path}: the ward question must be a select1 (one ward)`);
      const unknown = choices.filter((c) => !wards.includes(c));
      if (unknown.length) problems.push(`${path}: ward choices ${unknown.join(', ')} are not wards this survey runs in (${wards.join(', ')})`);
      if (wardPath) problems.push(`${path}: a second question named ward`);
      wardPath = path;
      return undefined;
    }
    if (id === 'consent') {
      if (multiple || !choices.includes('yes')) problems.push(`${path}: the consent question must be a select1 with the choice yes`);
      consentPath = path;
      return undefined;
    }
    return f;
  };
  /** A select's choice values: its <item>s, or the items of the secondary instance its itemset reads. */
  const choicesOf = (path: string, el: Node): string[] | undefined => {
    const items = kids(el, 'item').map((i) => textOf(kids(i, 'value')[0]));
    const itemset = kids(el, 'itemset')[0];
    if (!itemset) {
      if (items.length === 0) problems.push(`${path}: a select with no choices`);
      return items.length ? items : undefined;
    }
    const m = /^instance\('([\w.-]+)'\)\/root\/item(\[.*\])?$/.exec(attr(itemset, 'nodeset') ?? '');
    const list = m ? lists.get(m[1]!) : undefined;
    const valueRef = attr(kids(itemset, 'value')[0] ?? {}, 'ref') ?? '';
    if (!m || !list || !/^[\w.-]+$/.test(valueRef)) {
      problems.push(`${path}: its itemset must read instance('<id>')/root/item of a list in the form, with <value ref="<name>"/>`);
      return undefined;
    }
    if (attr(list, 'src')) {
      problems.push(`${path}: choices from an external file (instance '${m[1]}') cannot be checked by the gateway: put them in the form`);
      return undefined;
    }
    // A filter (choice_filter) narrows what the device offers; every item of the list may be answered.
    const values = kids(kids(list, 'root')[0], 'item').map((i) => textOf(kids(i, valueRef)[0]));
    if (values.length === 0) problems.push(`${path}: instance '${m[1]}' holds no choices`);
    return values.length ? values : undefined;
  };
  visit(body, rootPath);
  // In the instance's order (the body lists controls by kind once parsed): the export's columns.
  const order = [...nodes.keys()];
  fields.sort((a, b) => order.indexOf(a.path) - order.indexOf(b.path));
  if (!wardPath) problems.push("no ward question: add a select1 named 'ward' whose choices are the deployment's ward ids (answers are exported per ward)");
  if (!consentPath) problems.push("no consent question: add a select1 named 'consent' with the choice yes (nothing is stored without it)");
  if (fields.length === 0) problems.push('no question to store besides ward and consent');
  if (fields.length > MAX_ANSWERS) problems.push(`${fields.length} questions: at most ${MAX_ANSWERS} answers are stored per form`);
  if (problems.length > 0) return { problems };
  return { form: { xml, formId, version, title, fields, wardPath: wardPath!, consentPath: consentPath!, startPath, endPath, instanceIdPath } };
}
