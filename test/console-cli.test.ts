// `sauti console add-user` bootstraps the first admin (a one-time password printed once, or one
// read from standard input, never logged), and `sauti ledger verify` checks the console's audit
// trail: an account changed in the database behind the console's back fails it.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { FIXTURE } from './helpers/deployment.ts';
import { tempDir } from './helpers/tmp.ts';

const CLI = resolve(import.meta.dirname, '../src/cli/main.ts');
const sauti = (args: string[], env: Record<string, string>, input?: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', input, env: { ...process.env, DATABASE_URL: '', ...env } });

describe('sauti console add-user and sauti ledger verify', () => {
  it('prints a one-time password once, logs no password, and verify checks the audit trail', () => {
    const file = join(tempDir('sauti-console-cli-'), 'ledger.db');
    const env = { SAUTI_CONFIG: FIXTURE, SAUTI_LEDGER_DB: file, LOG_LEVEL: 'debug' };
    const added = sauti(['console', 'add-user', 'asha', '--role', 'admin'], env);
    expect(added.status).toBe(0);
    const oneTime = /One-time password: ([a-z0-9]{20})/.exec(added.stdout)![1]!;
    // Log lines (JSON) never carry it; only the one human line does.
    const logLines = `${added.stdout}\n${added.stderr}`.split('\n').filter((l) => l.startsWith('{'));
    expect(logLines.some((l) => l.includes(oneTime))).toBe(false);
    expect(added.stdout.split(oneTime).length).toBe(2);

    const piped = sauti(['console', 'add-user', 'baraka', '--role', 'reviewer', '--password-stdin'], env, 'a passphrase typed once\n');
    expect(piped.status).toBe(0);
    expect(piped.stdout).not.toContain('One-time password');
    expect(piped.stdout).not.toContain('a passphrase typed once');
    const short = sauti(['console', 'add-user', 'chausiku', '--role', 'reviewer', '--password-stdin'], env, 'short\n');
    expect(short.status).toBe(1);
    expect(short.stderr).toContain('at least 12 characters');
    const badRole = sauti(['console', 'add-user', 'dalila', '--role', 'mayor'], env);
    expect(badRole.status).toBe(1);
    expect(badRole.stderr).toMatch(/Not added: --role must be one of admin, reviewer, coordinator, auditor/);
    expect(sauti(['console', 'add-user', 'asha', '--role', 'admin'], env).stderr).toContain('already an account named asha');

    const users = sauti(['console', 'users'], env).stdout;
    expect(users).toMatch(/asha\s+admin\s+\(one-time password not yet changed\)/);
    expect(users).toMatch(/baraka\s+reviewer/);

    const verified = sauti(['ledger', 'verify'], env);
    expect(verified.stdout).toContain('Ledger intact: 2 entries (audit entries and the console');
    // A reviewer made admin in the database, not through the console: named by verify.
    const db = new Database(file);
    db.prepare(`UPDATE console_users SET role = 'admin' WHERE name = 'baraka'`).run();
    db.close();
    const broken = sauti(['ledger', 'verify'], env);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain('account baraka is not as its last audit entry recorded it');
  }, 180_000); // nine runs of the command, each loading the TypeScript sources
});
