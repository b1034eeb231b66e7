// `sauti ledger add-gateway` as an operator types it, with the key `sauti sync identity` printed.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newKeyPair } from '../src/domain/protocol.ts';
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
