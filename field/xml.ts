// The pieces every generated XForm is made of: the document around the instance, binds and body;
// controls in every language of the deployment; XML and XPath quoting. Renderers only: what a form
// asks is decided by its own file.
import type { Deployment, Lang } from '../src/config/schema.ts';
import { defaultLanguage } from '../src/domain/language.ts';

const NS =
  'xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa" ' +
  'xmlns:orx="http://openrosa.org/xforms" xmlns:odk="http://www.opendatakit.org/xforms" xmlns:xsd="http://www.w3.org/2001/XMLSchema"';

/** A text in each language: the form asks for it once per language of the deployment. */
export type Texts = (lang: Lang) => string;

/**
 * The form's texts in every language of the deployment, as ODK's itext (ODK XForms spec,
 * "Languages"): a control's label, hint, choice labels and constraint message name a text by id
 * (`jr:itext('id')`), and each `<translation>` gives it in one language. Languages are named
 * "Name (code)" so ODK Collect and Web Forms know their locale; the deployment's default language
 * comes first and is marked `default`. Ids follow pyxform's: `/data/ward:label`, `/data/ward/north:label`.
 */
export class Translations {
  private readonly texts = new Map<string, Map<Lang, string>>();
  readonly languages: readonly { code: Lang; name: string }[];

  constructor(
    languages: readonly { code: Lang; name: string }[],
    readonly defaultLang: Lang,
  ) {
    this.languages = [...languages.filter((l) => l.code === defaultLang), ...languages.filter((l) => l.code !== defaultLang)];
  }

  static of(d: Deployment): Translations {
    return new Translations(d.languages, defaultLanguage(d));
  }

  /** `jr:itext('id')` for a text given in every language; `xml`: the texts are already XML (they hold `<output>`). */
  ref(id: string, t: Texts, xml = false): string {
    const values = new Map(this.languages.map((l) => [l.code, xml ? t(l.code) : esc(t(l.code))]));
    const known = this.texts.get(id);
    if (known && [...known].some(([code, v]) => values.get(code) !== v)) throw new Error(`itext '${id}' given twice with different texts`);
    this.texts.set(id, values);
    return `jr:itext(${xpathString(id)})`;
  }

  /** A `<label>` naming its text (`<hint>` with `tag`). */
  label(id: string, t: Texts, xml = false, tag: 'label' | 'hint' = 'label'): string {
    return `<${tag} ref="${esc(this.ref(`${id}:${tag}`, t, xml))}"/>`;
  }

  /** ` jr:constraintMsg="jr:itext('ref:constraintMsg')"`, for a bind. */
  constraintMsg(ref: string, t: Texts): string {
    return ` jr:constraintMsg="${esc(this.ref(`${ref}:constraintMsg`, t))}"`;
  }

  /** The `<itext>` block of the model: one `<translation>` per language. */
  xml(): string {
    const translations = this.languages.map((l) => {
      const entries = [...this.texts].map(([id, v]) => `<text id="${esc(id)}"><value>${v.get(l.code)}</value></text>`);
      return `<translation lang="${esc(`${l.name} (${l.code})`)}"${l.code === this.defaultLang ? ' default="true()"' : ''}>${entries.join('')}</translation>`;
    });
    return `<itext>${translations.join('')}</itext>`;
  }
}

/** What goes into a form's document besides its title, id and version. */
export interface FormParts {
  /** The form's texts; rendered as its itext once the body has named them all. */
  tr: Translations;
  /** The primary instance's fields, between the start/end times and the meta block. */
  fields: string;
  binds: string[];
  body: string[];
  /** Secondary instances (`<instance id="…" src="jr://file-csv/…"/>`), after the primary one. */
  instances?: string[];
  /**
   * Forms about a person (a vote, a survey's answers): Collect deletes the filled form once the
   * server has it (ODK XForms spec, "Submission": orx:auto-delete), so a lost phone holds no sent ones.
   */
  autoDelete?: boolean;
}

/** The whole document around a form's instance, binds and body. */
export function xformDocument(title: string, formId: string, version: string, parts: FormParts): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<h:html ${NS}>`,
    '<h:head>',
    `<h:title>${esc(title)}</h:title>`,
    '<model odk:xforms-version="1.0.0">',
    parts.tr.xml(),
    `<instance><data id="${esc(formId)}" version="${esc(version)}"><start/><end/>${parts.fields}<orx:meta><orx:instanceID/></orx:meta></data></instance>`,
    ...(parts.instances ?? []),
    ...(parts.autoDelete ? ['<submission method="post" orx:auto-delete="true"/>'] : []),
    // Capture time is the device's: the gateway checks it against arrival for clock skew.
    '<bind nodeset="/data/start" type="dateTime" jr:preload="timestamp" jr:preloadParams="start"/>',
    '<bind nodeset="/data/end" type="dateTime" jr:preload="timestamp" jr:preloadParams="end"/>',
    ...parts.binds,
    '<bind nodeset="/data/orx:meta/orx:instanceID" type="string" readonly="true()" jr:preload="uid"/>',
    '</model>',
    '</h:head>',
    '<h:body>',
    ...parts.body,
    '</h:body>',
    '</h:html>',
    '',
  ].join('\n');
}

/** A free-text (or typed, by its bind) question, with an optional hint. */
export function input(tr: Translations, ref: string, t: Texts, appearance?: string, hint?: Texts): string {
  return `<input ref="${ref}"${appearance ? ` appearance="${appearance}"` : ''}>${tr.label(ref, t)}${hint ? tr.label(ref, hint, false, 'hint') : ''}</input>`;
}

/** A file question (a photo: `image/*`); the answer is the file's name, the file a part of the submission. */
export function upload(tr: Translations, ref: string, mediatype: string, t: Texts, hint?: Texts): string {
  return `<upload ref="${ref}" mediatype="${mediatype}">${tr.label(ref, t)}${hint ? tr.label(ref, hint, false, 'hint') : ''}</upload>`;
}

/** A single or multiple choice with fixed items. `labelXml`: the label is already XML (it may hold `<output>`). */
export function select(tr: Translations, kind: 'select' | 'select1', ref: string, t: Texts, items: [value: string, label: Texts][], labelXml = false): string {
  const choices = items.map(([v, l]) => `<item>${tr.label(`${ref}/${v}`, l)}<value>${esc(v)}</value></item>`);
  return `<${kind} ref="${ref}">${tr.label(ref, t, labelXml)}${choices.join('')}</${kind}>`;
}

/** A text in `lang`, else the first one given. */
export function text(texts: Record<string, string>, lang: Lang): string {
  return texts[lang] ?? Object.values(texts)[0] ?? '';
}

/** XML text and attribute escaping. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** An XPath 1.0 string literal for any text (XPath has no escapes: a text with both quotes becomes a concat()). */
export function xpathString(s: string): string {
  if (!s.includes("'")) return `'${s}'`;
  if (!s.includes('"')) return `"${s}"`;
  return `concat(${s
    .split("'")
    .map((part) => `'${part}'`)
    .join(`, "'", `)})`;
}

/**
 * A label whose `{name}` parameters are `<output value="…"/>` of the given XPath expressions:
 * the device fills them in as the form is filled (the read-back of a ballot).
 */
export function labelWithOutputs(template: string, outputs: Record<string, string>): string {
  return template
    .split(/(\{\w+\})/)
    .map((part) => {
      const name = /^\{(\w+)\}$/.exec(part)?.[1];
      return name && name in outputs ? `<output value="${esc(outputs[name]!)}"/>` : esc(part);
    })
    .join('');
}
