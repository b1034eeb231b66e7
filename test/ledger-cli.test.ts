// Registration as an operator types it: `sauti ledger add-gateway` with the key `sauti sync
// identity` printed, and the other way, `sauti sync trust-ledger` with the key `sauti ledger identity` printed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newKeyPair } from '../src/domain/protocol.ts';
import { openDatabase } from '../src/store/db.ts';
import { FIXTURE } from './helpers/deployment.ts';
import { tempDir } from './helpers/tmp.ts';

const CLI = resolve(import.meta.dirname, '../src/cli/main.ts');
const sauti = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: '', ...env } });

describe('sauti ledger add-gateway', () => {
  it('takes a public key that starts with a dash (one key in 64) as the key, not as an option', () => {
    let key = newKeyPair().publicKey;
    while (!key.startsWith('-')) key = newKeyPair().publicKey;
    const env = { SAUTI_CONFIG: FIXTURE, SAUTI_LEDGER_DB: join(tempDir('sauti-ledger-cli-'), 'ledger.db') };
    const added = sauti(['ledger', 'add-gateway', 'gw-dash', key], env);
    expect(added.stderr).toBe('');
    expect(added.stdout).toContain('Gateway gw-dash registered');
    expect(sauti(['ledger', 'add-gateway', 'gw-dash', key], env).stdout).toContain('already registered with this key');
  });

  it('still refuses an option-like word that is not a key', () => {
    const env = { SAUTI_CONFIG: FIXTURE, SAUTI_LEDGER_DB: join(tempDir('sauti-ledger-cli-'), 'ledger.db') };
    const r = sauti(['ledger', 'add-gateway', 'gw-typo', '--replce'], env);
    expect(r.status).not.toBe(0);
    expect(r.stdout).not.toContain('registered');
  });
});

describe('registration both ways: the gateway trusts the ledger’s key', () => {
  it('`ledger identity` prints one key, made once; `sync trust-ledger` stores it and `sync status` shows it or says why sync is stopped', () => {
    const dir = tempDir('sauti-trust-cli-');
    const ledgerEnv = { SAUTI_CONFIG: FIXTURE, SAUTI_LEDGER_DB: join(dir, 'ledger.db') };
    // `ledger identity` reads a ledger that exists; any command that opens it for writing makes it.
    expect(sauti(['ledger', 'gateways'], ledgerEnv).status).toBe(0);
    const key = sauti(['ledger', 'identity'], ledgerEnv).stdout.match(/ledger key\s+(\S+)/)![1]!;
    expect(sauti(['ledger', 'identity'], ledgerEnv).stdout).toContain(`ledger key  ${key}`);

    const gwEnv = { SAUTI_CONFIG: FIXTURE, SAUTI_DB: join(dir, 'gateway.db'), SAUTI_GATEWAY_ID: 'gw-cli', SAUTI_LEDGER_URL: 'http://127.0.0.1:9' };
    openDatabase(gwEnv.SAUTI_DB).close();
    expect(sauti(['sync', 'status'], gwEnv).stdout).toMatch(/ledger key\s+NONE: no ledger key is trusted, so this gateway does not sync/);
    const bad = sauti(['sync', 'trust-ledger', 'not-a-key'], gwEnv);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/43 base64url characters/);
    expect(sauti(['sync', 'trust-ledger', key], gwEnv).stdout).toContain(`now trusts ledger key ${key}`);
    expect(sauti(['sync', 'status'], gwEnv).stdout).toContain(`ledger key       ${key} (sauti sync trust-ledger)`);
    // The environment must agree with the stored key: a gateway trusts exactly one ledger.
    expect(sauti(['sync', 'status'], { ...gwEnv, SAUTI_LEDGER_KEY: newKeyPair().publicKey }).stdout).toMatch(
      /ledger key\s+NONE: SAUTI_LEDGER_KEY and the key trusted .* differ/,
    );
  }, 180_000);

  it('`sync resend` needs a sequence number from 1', () => {
    const dir = tempDir('sauti-resend-cli-');
    const gwEnv = { SAUTI_CONFIG: FIXTURE, SAUTI_DB: join(dir, 'gateway.db'), SAUTI_GATEWAY_ID: 'gw-cli', SAUTI_LEDGER_URL: 'http://127.0.0.1:9' };
    openDatabase(gwEnv.SAUTI_DB).close();
    const r = sauti(['sync', 'resend', '--from-seq', '0'], gwEnv);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--from-seq must be a whole number from 1 (got '0')");
  }, 60_000);
});

describe('sauti ledger verify', () => {
  it('refuses a ledger file that is not there instead of creating an empty one and calling it intact', () => {
    const dir = tempDir('sauti-verify-cli-');
    const file = join(dir, 'nowhere', 'ledger.db');
    const r = sauti(['ledger', 'verify'], { SAUTI_CONFIG: FIXTURE, SAUTI_DB: join(dir, 'gateway.db'), SAUTI_LEDGER_DB: file });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`No ledger at ${file}: nothing to verify`);
    expect(r.stdout).not.toContain('Ledger intact');
    expect(existsSync(file)).toBe(false);
  }, 60_000);
});
