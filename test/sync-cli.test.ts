// `sauti sync identity` and `sauti sync status` run in an operator's shell, which need not hold
// the environment `sauti start` ran with: they report the gateway's real id and what it really
// syncs to, from what the gateway recorded, and work on a fresh data folder.
import type { ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newKeyPair } from '../src/domain/protocol.ts';
import { skewLine } from '../src/cli/sync.ts';
import { openDatabase } from '../src/store/db.ts';
import { FIXTURE } from './helpers/deployment.ts';
import { TOKEN } from './helpers/gateway.ts';
import { operatorSauti, startServer } from './helpers/process.ts';
import { tempDir } from './helpers/tmp.ts';

const BIN = resolve(import.meta.dirname, '../bin/sauti.mjs');

const sauti = operatorSauti;

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

/** `sauti start` as an operator runs it; resolves once it listens, with the id /healthz gives. */
async function start(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; id: string }> {
  const started = await startServer([BIN, 'start'], {
    SAUTI_CONFIG: FIXTURE,
    PORT: '0',
    SAUTI_CALLBACK_TOKEN: TOKEN,
    LOG_LEVEL: 'silent',
    DATABASE_URL: '',
    ...env,
  });
  children.push(started.child);
  const health = (await (await fetch(`${started.url}/healthz`)).json()) as { gatewayId: string };
  return { ...started, id: health.gatewayId };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

const field = (out: string, name: string) => new RegExp(`^${name}\\s+(.*)$`, 'm').exec(out)?.[1];

describe('sauti sync identity and status', { timeout: 180_000 }, () => {
  it('on a fresh data folder, identity makes the id and key that start then uses; status names the embedded ledger', async () => {
    const dir = tempDir('sauti-sync-cli-');
    const env = { SAUTI_CONFIG: FIXTURE, SAUTI_DB: join(dir, 'data', 'sauti.db'), LEDGER_PORT: '0' };
    const first = await sauti(['sync', 'identity'], env);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const id = field(first.stdout, 'gateway id')!;
    const key = field(first.stdout, 'public key')!;
    expect(id).toMatch(/^gw-[a-z0-9-]+$/);
    expect(first.stdout).toContain(`sauti ledger add-gateway ${id} ${key}`);

    const status = await sauti(['sync', 'status'], env);
    expect(field(status.stdout, 'ledger')).toMatch(
      /^unknown: the gateway has not been started on this database; it will sync to its embedded ledger if started without SAUTI_LEDGER_URL$/,
    );

    const gw = await start({ SAUTI_DB: env.SAUTI_DB });
    expect(gw.id).toBe(id);
    const running = await sauti(['sync', 'status'], env);
    expect(field(running.stdout, 'gateway')).toBe(id);
    expect(field(running.stdout, 'ledger')).toMatch(
      new RegExp(`^its embedded ledger at ${gw.url}/v1 \\(as the gateway started \\S+ recorded; SAUTI_LEDGER_URL is not set in this shell\\)$`),
    );
    expect(field(running.stdout, 'ledger key')).toBe("the embedded ledger's own (automatic under sauti start)");
    await stop(gw.child);
    expect(field((await sauti(['sync', 'identity'], env)).stdout, 'public key')).toBe(key);
  });

  it('a gateway started with SAUTI_GATEWAY_ID and a remote ledger is reported as such from a shell without them', async () => {
    const dir = tempDir('sauti-sync-cli-');
    const ledgerKey = newKeyPair().publicKey;
    const db = join(dir, 'sauti.db');
    // A remote ledger that is down: the gateway starts anyway and backs off.
    const gw = await start({ SAUTI_DB: db, SAUTI_GATEWAY_ID: 'gw-kibera-2', SAUTI_LEDGER_URL: 'http://sync:secret@127.0.0.1:9/', SAUTI_LEDGER_KEY: ledgerKey });
    expect(gw.id).toBe('gw-kibera-2');
    const shell = { SAUTI_CONFIG: FIXTURE, SAUTI_DB: db };
    const identity = await sauti(['sync', 'identity'], shell);
    expect(identity.stderr).toBe('');
    expect(field(identity.stdout, 'gateway id')).toBe('gw-kibera-2');
    const status = await sauti(['sync', 'status'], shell);
    expect(field(status.stdout, 'ledger')).toMatch(
      /^http:\/\/127\.0\.0\.1:9 \(as the gateway started \S+ recorded; SAUTI_LEDGER_URL is not set in this shell\)$/,
    );
    expect(field(status.stdout, 'ledger key')).toBe(`${ledgerKey} (SAUTI_LEDGER_KEY) at start-up`);
    expect(status.stdout).not.toContain('secret'); // the URL's credentials are neither stored nor shown
    // With SAUTI_LEDGER_URL set in the shell, that is what `sync now` would use, and it is shown.
    const other = await sauti(['sync', 'status'], { ...shell, SAUTI_LEDGER_URL: 'http://127.0.0.1:10' });
    expect(field(other.stdout, 'ledger')).toMatch(
      /^http:\/\/127\.0\.0\.1:10 \(SAUTI_LEDGER_URL here; the gateway started \S+ syncs to http:\/\/127\.0\.0\.1:9\)$/,
    );
    await stop(gw.child);
    const raw = openDatabase(db);
    expect(JSON.stringify(raw.prepare('SELECT * FROM sync_state').all())).not.toContain('secret');
    raw.close();
  });
});

describe('one sauti start per database', { timeout: 120_000 }, () => {
  it('refuses a second gateway on the same file, naming it; a gateway killed with -9 frees it at once', async () => {
    const dir = tempDir('sauti-instance-');
    // In a folder that does not exist yet, as data/ on a first `npm start`.
    const env = { SAUTI_DB: join(dir, 'data', 'gw.db'), SAUTI_VOTER_KEY_SECRET: 'instance-secret-0123456789abcdef' };
    const first = await start(env);
    const second = await sauti(['start'], { ...env, SAUTI_CONFIG: FIXTURE, PORT: '0', SAUTI_CALLBACK_TOKEN: TOKEN, SAUTI_RENDER_PROMPTS: 'off' });
    expect(second.status).toBe(2);
    expect(second.stderr).toContain(`sauti: another \`sauti start\` is running on ${env.SAUTI_DB}`);
    expect(second.stdout).not.toMatch(/listening/);
    const gone = new Promise((r) => first.child.once('exit', r));
    first.child.kill('SIGKILL');
    await gone;
    const third = await start(env);
    expect(third.id).toBe(first.id);
    await stop(third.child);
    expect(readdirSync(join(dir, 'data')).filter((f) => f.startsWith('gw.db.instance'))).toEqual(['gw.db.instance']);
  });
});

describe('sauti sync status: clock skew', () => {
  it('says which clock is ahead, in whole tenths, and no skew as none', () => {
    expect(skewLine(2_460)).toBe('2.5 s (this gateway ahead of the ledger)');
    expect(skewLine(-1_200)).toBe('1.2 s (this gateway behind the ledger)');
    expect(skewLine(-20)).toBe('0.0 s (the same clock as the ledger)');
  });
});
