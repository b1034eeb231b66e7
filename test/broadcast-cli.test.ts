// `sauti broadcast --to` reads the list as the CSV a spreadsheet saves: quoted names holding
// commas, a byte-order mark, CRLF; every listed person is counted, nobody skipped by a comma.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/tmp.ts';

const CLI = resolve(import.meta.dirname, '../src/cli/main.ts');
const dir = tempDir();
const sauti = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'silent', SAUTI_DB: join(dir, 'sauti.db') },
  });

describe('sauti broadcast --to', { timeout: 60_000 }, () => {
  it('takes the phone column of a CSV whose quoted names hold commas (Excel: BOM, CRLF)', () => {
    const list = join(dir, 'list.csv');
    writeFileSync(list, '\ufeffname,phone\r\n"Otieno, James",+254711000001\r\nAmina,0722000002\r\n"Wanjiru, Grace ""Ciku""",0733 000 003\r\n');
    const out = sauti(['broadcast', 'Meeting on Friday at the ward office.', '--to', list, '--id', 'meeting', '--dry-run']);
    expect(out.stderr).toBe('');
    expect(out.stdout).toMatch(/would queue 3, already queued 0, listed twice 0, opted out 0, invalid numbers 0/);
  });

  it('still takes a plain list, one number per line', () => {
    const list = join(dir, 'plain.txt');
    writeFileSync(list, '+254711000001\n\n0722000002\n');
    const out = sauti(['broadcast', 'Hello', '--to', list, '--id', 'plain', '--dry-run']);
    expect(out.stdout).toMatch(/would queue 2, already queued 0, listed twice 0, opted out 0, invalid numbers 0/);
  });

  it('refuses a malformed CSV naming the file and line, without a stack trace', () => {
    const list = join(dir, 'broken.csv');
    writeFileSync(list, 'name,phone\n"Otieno, James,+254711000001\n');
    const out = sauti(['broadcast', 'Hello', '--to', list, '--id', 'broken', '--dry-run']);
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(new RegExp(`${list} is invalid:\\n.*line 2`));
    expect(out.stderr).not.toMatch(/\n\s+at /);
  });

  it('says in plain words that the list does not exist', () => {
    const missing = join(dir, 'nobody.csv');
    const out = sauti(['broadcast', 'Hello', '--to', missing, '--id', 'missing', '--dry-run']);
    expect(out.stderr.trim()).toBe(`sauti: cannot read ${missing}: no such file`);
    expect(out.status).not.toBe(0);
  });
});
