// Operator commands that only read (`sauti ledger identity`, `sauti ledger verify`, `sauti sync
// status`, `sauti sync identity`) never create, migrate or write a database: a mistyped path, an
// empty file left by a failed restore, a damaged file or the other side's database is refused in
// one line naming it, and left exactly as it was.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateLedger } from '../ledger/schema.ts';
import { openDatabase } from '../src/store/db.ts';
import { migrate, migrations } from '../src/store/migrate.ts';
import { FIXTURE } from './helpers/deployment.ts';
import { TEST_LEDGER_VOTER_SECRET } from './helpers/ledger.ts';
import { tempDir } from './helpers/tmp.ts';

const BIN = resolve(import.meta.dirname, '../bin/sauti.mjs');
const CLI = resolve(import.meta.dirname, '../src/cli/main.ts');
const sauti = (args: string[], env: Record<string, string>, cwd?: string) => {
  const shell: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: '', ...env };
  for (const key of ['SAUTI_GATEWAY_ID', 'SAUTI_LEDGER_URL', 'SAUTI_LEDGER_KEY', 'SAUTI_LEDGER_DB', 'SAUTI_DB', 'SAUTI_CONFIG'])
    if (!(key in env)) delete shell[key];
  // Outside the repository, through bin/sauti.mjs as an operator's shell runs it.
  const argv = cwd ? [BIN, ...args] : ['--import', 'tsx', CLI, ...args];
  return spawnSync(process.execPath, argv, { encoding: 'utf8', env: shell, cwd });
};

const digest = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
/** The files of a folder, to show a command left nothing behind (no -wal, -shm or .voter-secret). */
const files = (dir: string) => readdirSync(dir).sort();

/** A real ledger, made as `sauti ledger` makes one (any writing command), with a kept secret beside it. */
function makeLedger(dir: string, name = 'ledger.db'): string {
  const file = join(dir, name);
  expect(sauti(['ledger', 'gateways'], { SAUTI_CONFIG: FIXTURE, SAUTI_LEDGER_DB: file }).status).toBe(0);
  return file;
}

describe('sauti ledger identity', { timeout: 180_000 }, () => {
  it('refuses a ledger file that is not there: one line naming it and how to fix it, exit 1, nothing created', () => {
    const dir = tempDir('sauti-ro-identity-');
    const typo = join(dir, 'ledgr', 'ledger.db');
    const r = sauti(['ledger', 'identity'], { SAUTI_CONFIG: FIXTURE, SAUTI_LEDGER_DB: typo });
    expect(r.status).toBe(1);
    expect(r.stdout).not.toContain('ledger key');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`No ledger database at ${typo}`);
    expect(r.stderr).toContain('sauti ledger serve');
    expect(r.stderr).toContain('SAUTI_LEDGER_DB');
    expect(existsSync(join(dir, 'ledgr'))).toBe(false);
    expect(files(dir)).toEqual([]);
  });

  it('in a shell without SAUTI_LEDGER_DB it reads ledger.db beside SAUTI_DB (the embedded ledger), and refuses when that is missing', () => {
    const dir = tempDir('sauti-ro-embedded-');
    const gatewayDb = join(dir, 'data', 'sauti.db');
    const missing = sauti(['ledger', 'identity'], { SAUTI_CONFIG: FIXTURE, SAUTI_DB: gatewayDb });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`No ledger database at ${join(dir, 'data', 'ledger.db')}`);
    expect(missing.stderr).toContain('ledger.db beside SAUTI_DB');
    expect(existsSync(join(dir, 'data'))).toBe(false);
    makeLedger(join(dir, 'data'));
    const key = sauti(['ledger', 'identity'], { SAUTI_CONFIG: FIXTURE, SAUTI_LEDGER_DB: join(dir, 'data', 'ledger.db') }).stdout;
    const found = sauti(['ledger', 'identity'], { SAUTI_CONFIG: FIXTURE, SAUTI_DB: gatewayDb });
    expect(found.status).toBe(0);
    expect(found.stdout).toBe(key);
  });
});

describe('sauti ledger verify and identity on files that are not a readable ledger', { timeout: 180_000 }, () => {
  const refused = (file: string, expected: RegExp) => {
    const dir = resolve(file, '..');
    const before = { files: files(dir), digest: digest(file) };
    for (const command of ['verify', 'identity']) {
      const r = sauti(['ledger', command], { SAUTI_CONFIG: FIXTURE, SAUTI_LEDGER_DB: file });
      expect(r.status, `${command}: ${r.stderr}`).toBe(1);
      expect(r.stdout).not.toMatch(/Ledger intact|ledger key/);
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(expected);
      expect(r.stderr).not.toMatch(/^sauti: (database disk image is malformed|file is not a database)$/m);
    }
    expect(files(dir)).toEqual(before.files); // no -wal, -shm or .voter-secret
    expect(digest(file)).toBe(before.digest);
  };

  it('an empty (0-byte) file, as a failed restore leaves, is not a ledger: not rewritten into one', () => {
    const file = join(tempDir('sauti-ro-empty-'), 'ledger.db');
    writeFileSync(file, '');
    refused(file, /is empty \(0 bytes\): not a Sauti ledger database/);
    expect(statSync(file).size).toBe(0);
  });

  it('a truncated ledger and a file of garbage are named as damaged', () => {
    const dir = tempDir('sauti-ro-damaged-');
    const file = makeLedger(dir);
    truncateSync(file, 3000);
    refused(file, /is damaged or not a SQLite database .*restore it from a backup/);
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'not a database at all '.repeat(200));
    refused(junk, /is damaged or not a SQLite database/);
  });

  it('a gateway database is not a ledger', () => {
    const file = join(tempDir('sauti-ro-gwfile-'), 'sauti.db');
    openDatabase(file).close();
    refused(file, /is not a Sauti ledger database \(it has no ledger tables\); check SAUTI_LEDGER_DB/);
  });

  it('a ledger an older Sauti wrote is not migrated by verify: it says so and changes nothing', async () => {
    const file = join(tempDir('sauti-ro-older-'), 'ledger.db');
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(file) }) });
    await migrateLedger(db, 'sqlite', undefined, '0020-reports', { voterSecret: TEST_LEDGER_VOTER_SECRET });
    await db.destroy();
    refused(file, /was written by an older Sauti .*nothing was changed.*sauti ledger serve/);
  });

  it('a good ledger verifies and gives its key without writing a byte or leaving a file behind', () => {
    const dir = tempDir('sauti-ro-good-');
    const file = makeLedger(dir);
    const before = { files: files(dir), digest: digest(file) };
    expect(sauti(['ledger', 'verify'], { SAUTI_CONFIG: FIXTURE, SAUTI_LEDGER_DB: file }).stdout).toContain('Ledger intact: 0 entries');
    expect(sauti(['ledger', 'identity'], { SAUTI_CONFIG: FIXTURE, SAUTI_LEDGER_DB: file }).stdout).toMatch(/^ledger key {2}\S{43}$/m);
    expect(files(dir)).toEqual(before.files);
    expect(digest(file)).toBe(before.digest);
  });

  it('verify and identity need no deployment file: they work outside the repository without SAUTI_CONFIG', () => {
    const dir = tempDir('sauti-ro-elsewhere-');
    const file = makeLedger(dir);
    const verified = sauti(['ledger', 'verify'], { SAUTI_LEDGER_DB: file }, dir);
    expect(verified.stderr).toBe('');
    expect(verified.stdout).toContain('Ledger intact');
    const identity = sauti(['ledger', 'identity'], { SAUTI_LEDGER_DB: file }, dir);
    expect(identity.stderr).toBe('');
    expect(identity.stdout).toMatch(/^ledger key {2}\S{43}$/m);
  });
});

describe('sauti sync status and identity read the gateway database as it is', { timeout: 180_000 }, () => {
  const refused = (file: string, expected: RegExp) => {
    const dir = resolve(file, '..');
    const before = { files: files(dir), digest: digest(file) };
    for (const args of [
      ['sync', 'status'],
      ['sync', 'identity'],
      ['sync', 'trust-ledger', 'LdVAeFIJa6lIjWCxN1yb6egzy8INRnQSpgvckqCpTSM'],
    ]) {
      const r = sauti(args, { SAUTI_CONFIG: FIXTURE, SAUTI_DB: file });
      expect(r.status, `${args.join(' ')}: ${r.stdout}`).not.toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(expected);
      expect(r.stderr).toContain('Set SAUTI_DB');
    }
    expect(files(dir)).toEqual(before.files);
    expect(digest(file)).toBe(before.digest);
  };

  it('an empty file gets no gateway id', () => {
    const file = join(tempDir('sauti-ro-gw-empty-'), 'sauti.db');
    writeFileSync(file, '');
    refused(file, /is empty \(0 bytes\): not a gateway database/);
  });

  it('a ledger file gets no gateway tables or key', () => {
    const file = makeLedger(tempDir('sauti-ro-gw-ledger-'));
    refused(file, /is a Sauti ledger, not a gateway database/);
  });

  it('another SQLite file and a damaged one are refused', () => {
    const dir = tempDir('sauti-ro-gw-other-');
    const other = join(dir, 'photos.db');
    const db = new Database(other);
    db.exec('CREATE TABLE pictures (id INTEGER PRIMARY KEY)');
    db.close();
    refused(other, /is not a gateway database \(a SQLite file without the gateway's tables\)/);
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'not a database at all '.repeat(200));
    refused(junk, /is damaged or not a SQLite database/);
  });

  it('a gateway database of a newer Sauti is refused; an older one is not migrated by status', () => {
    const dir = tempDir('sauti-ro-gw-schema-');
    const newer = join(dir, 'newer.db');
    const db = openDatabase(newer);
    db.pragma('user_version = 9999');
    db.close();
    refused(newer, /at gateway schema version 9999, but this Sauti only knows up to/);

    const older = join(dir, 'older.db');
    const raw = new Database(older);
    raw.pragma('journal_mode = WAL');
    migrate(raw, migrations()[0]![0]);
    raw.close();
    const before = digest(older);
    const r = sauti(['sync', 'status'], { SAUTI_CONFIG: FIXTURE, SAUTI_DB: older });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/older\.db is at gateway schema version 1, older than this Sauti's \d+; nothing was changed\. Start the gateway once/);
    expect(digest(older)).toBe(before);
  });

  it('status on a gateway database writes nothing to it', () => {
    const dir = tempDir('sauti-ro-gw-status-');
    const env = { SAUTI_CONFIG: FIXTURE, SAUTI_DB: join(dir, 'sauti.db') };
    expect(sauti(['sync', 'identity'], env).status).toBe(0);
    const before = { files: files(dir), digest: digest(env.SAUTI_DB) };
    const status = sauti(['sync', 'status'], env);
    expect(status.stderr).toBe('');
    expect(status.stdout).toMatch(/^gateway\s+gw-/m);
    expect(sauti(['sync', 'identity'], env).status).toBe(0);
    expect(files(dir)).toEqual(before.files);
    expect(digest(env.SAUTI_DB)).toBe(before.digest);
  });
});
