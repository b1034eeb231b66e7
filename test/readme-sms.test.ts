// The README's SMS keyword table is followed literally by people: every example in it must be
// understood as the keyword of its column's language, never as unknown text or a slip.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSms } from '../flows/sms/grammar.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## SMS keywords'), readme.indexOf('\n## ', readme.indexOf('## SMS keywords') + 1));
const rows = section.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| what'));
const LANGS = ['en', 'sw', 'fr'] as const;

describe('README SMS keyword table', () => {
  it('has the PROJECTS and MORE rows', () => {
    expect(section).toContain('`PROJECTS`');
    expect(section).toContain('`MORE`');
  });

  const examples = rows.flatMap((row) => {
    const cells = row.split(' | ').slice(1);
    return LANGS.flatMap((lang, i) => [...(cells[i] ?? '').matchAll(/`([^`]+)`/g)].map((m) => [m[1]!.replace('…', '').trim(), lang] as const));
  });

  it.each(examples)('%s is understood as a %s keyword', (example, lang) => {
    const cmd = parseSms(example);
    expect(['text', 'typo', 'numbers']).not.toContain(cmd.kind);
    expect(cmd.lang).toBe(lang);
  });
});
