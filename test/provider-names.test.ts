// A provider is one unit: its folder under adapters/ registers everything it brings, so no other
// source file names it in code (a comment may still explain, e.g. why a USSD screen holds 182
// characters). Identifiers and literals are read with TypeScript's parser; comments are not code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';
import { adapters } from '../adapters/registry.ts';
import { ROOT, SOURCE_FOLDERS, sourceFiles } from './helpers/source-files.ts';

/** Every folder of source code but the adapters'. */
const FOLDERS = SOURCE_FOLDERS.filter((f) => f !== 'adapters');

/** A provider's names: its folder, its title (any apostrophe, any spacing) and its environment variables. */
function namesOf(a: (typeof adapters)[number]): RegExp {
  const title = a.title
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/[’']/g, '.?')
    .replace(/ /g, '\\s*');
  const env = Object.keys(a.settings?.env.shape ?? {});
  return new RegExp([a.folder, title, ...env].join('|'), 'i');
}

/** The providers: the adapters that bring settings (ODK is a protocol the field forms speak, not a provider). */
const PROVIDERS = adapters.filter((a) => a.settings).map(namesOf);

const CODE_TOKENS = new Set([
  ts.SyntaxKind.Identifier,
  ts.SyntaxKind.PrivateIdentifier,
  ts.SyntaxKind.StringLiteral,
  ts.SyntaxKind.NoSubstitutionTemplateLiteral,
  ts.SyntaxKind.TemplateHead,
  ts.SyntaxKind.TemplateMiddle,
  ts.SyntaxKind.TemplateTail,
  ts.SyntaxKind.RegularExpressionLiteral,
]);

/** Each identifier or literal of `text` that names a provider, as `file:line: token`; comments are never visited. */
function providerMentions(file: string, text: string, providers: RegExp[] = PROVIDERS): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (CODE_TOKENS.has(node.kind)) {
      const token = node.getText(sf);
      if (providers.some((p) => p.test(token))) found.push(`${file}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}: ${token}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

it('finds a provider named in code, in any of its names, and not in a comment', () => {
  const sample = [
    "// Twilio posts silence to the action URL; Africa's Talking redirects.",
    '/** At most 182 characters, as africastalking shows them. */',
    'const a = settings.providers.twilio;',
    'const b = `${url}/africastalking/ussd/${token}`;',
    "const c = { help: 'as Africa’s Talking would forward it', key: env.AT_API_KEY };",
    'const d = settings.providers[name];',
  ].join('\n');
  expect(providerMentions('sample.ts', sample)).toEqual([
    'sample.ts:3: twilio',
    'sample.ts:4: }/africastalking/ussd/${',
    "sample.ts:5: 'as Africa’s Talking would forward it'",
    'sample.ts:5: AT_API_KEY',
  ]);
});

it('no source file outside adapters/ names a provider in code: it goes through the registry', () => {
  const files = FOLDERS.flatMap(sourceFiles);
  expect(files.length).toBeGreaterThan(100);
  expect(files.flatMap((f) => providerMentions(f, readFileSync(join(ROOT, f), 'utf8')))).toEqual([]);
});
