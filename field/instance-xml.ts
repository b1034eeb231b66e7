// Reading a submitted form instance's XML (a vote, idea, survey or paper form, from Collect or the
// field web app): no DOCTYPE (it could declare entities; no form of ours has one), well-formed,
// and nothing the parser refuses (nesting past its limit, an element named like a JavaScript
// prototype key). Each refusal is a sentence for the officer, never an error thrown at the route.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, trimValues: true });

/** The parsed document, or why it cannot be read (a 400 for the officer). */
export function parseInstanceXml(xml: string): { ok: true; doc: Record<string, unknown> } | { ok: false; message: string } {
  if (/<!DOCTYPE/i.test(xml)) return { ok: false, message: 'xml_submission_file: a DOCTYPE is not allowed' };
  if (XMLValidator.validate(xml) !== true) return { ok: false, message: 'xml_submission_file: not well-formed XML' };
  try {
    return { ok: true, doc: parser.parse(xml) as Record<string, unknown> };
  } catch {
    return { ok: false, message: 'xml_submission_file: not a form instance this server can read (nested too deep, or an element name it refuses)' };
  }
}
