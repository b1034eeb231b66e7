// The pieces every generated XForm is made of: the document around the instance, binds and body;
// controls; XML and XPath quoting. Renderers only: what a form asks is decided by its own file.
import type { Lang } from '../src/config/schema.ts';

const NS =
  'xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa" ' +
  'xmlns:orx="http://openrosa.org/xforms" xmlns:odk="http://www.opendatakit.org/xforms" xmlns:xsd="http://www.w3.org/2001/XMLSchema"';

/** What goes into a form's document besides its title, id and version. */
export interface FormParts {
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

/** A free-text (or typed, by its bind) question. */
export function input(ref: string, text: string, appearance?: string): string {
  return `<input ref="${ref}"${appearance ? ` appearance="${appearance}"` : ''}><label>${esc(text)}</label></input>`;
}

/** A single or multiple choice with fixed items. `labelXml` is already XML (it may hold `<output>`). */
export function select(kind: 'select' | 'select1', ref: string, text: string, items: [value: string, label: string][], labelXml?: string): string {
  return `<${kind} ref="${ref}"><label>${labelXml ?? esc(text)}</label>${items.map(([v, l]) => `<item><label>${esc(l)}</label><value>${esc(v)}</value></item>`).join('')}</${kind}>`;
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
