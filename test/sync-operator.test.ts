// What `sauti sync …` tells an operator: the ledger key the gateway trusts now (not at start-up),
// a resend kept apart from the regular sync's state, nothing to export or resend said as such, and
// no JSON log lines mixed into a command's output. A round without a trusted key does not back off.
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { SautiError } from '../src/domain/errors.ts';
import { newKeyPair } from '../src/domain/protocol.ts';
import { printSyncStatus } from '../src/cli/sync.ts';
import { EmbeddedSyncScheduler } from '../sync/scheduler.ts';
import { FIXTURE } from './helpers/deployment.ts';
import { testGateway, TOKEN, ussdBody } from './helpers/gateway.ts';
import { testLedger } from './helpers/ledger.ts';
import { connectedRelay, ledgerServer } from './helpers/ledger-server.ts';
import { operatorSauti, startServer } from './helpers/process.ts';
import { tempDir } from './helpers/tmp.ts';

const BIN = resolve(import.meta.dirname, '../bin/sauti.mjs');

const sauti = operatorSauti;

const field = (out: string, name: string) => new RegExp(`^${name}\\s+(.*)$`, 'm').exec(out)?.[1];

const closers: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/** A gateway with `votes` votes in its outbox, never synced. */
async function gatewayWithVotes(votes: number) {
  const gw = testGateway();
  closers.push(() => {
    gw.db.close();
  });
  for (let i = 0; i < votes; i++) {
    const phone = `+25471100${String(7000 + i)}`;
    const res = await request(gw.app)
      .post(`/africastalking/ussd/${TOKEN}`)
      .type('form')
      .send(ussdBody({ sessionId: `s-${phone}`, phoneNumber: phone, text: '1*1*1*3*99*1' }));
    expect(res.text).toMatch(/Thank you/);
  }
  return gw;
}

/** `sauti sync status` as printed, read in this process. */
function statusOf(settings: Parameters<typeof printSyncStatus>[0]): string {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  try {
    printSyncStatus(settings);
  } finally {
    log.mockRestore();
  }
  return lines.join('\n');
}

describe('a resend is kept apart from the regular sync', { timeout: 120_000 }, () => {
  it('resending to another ledger leaves last push, last full sync, last error and clock skew as they were; status shows it as "last resend"', async () => {
    const gw = await gatewayWithVotes(2);
    const other = await testLedger('sqlite', gw.deployment);
    closers.push(() => other.close());
    const { relay, url, stop } = await connectedRelay(gw, other);
    closers.push(stop);
    const before = statusOf(gw.settings);
    expect(await relay.resendFrom(1)).toMatchObject({ accepted: 2 });
    for (const key of ['last_push_at', 'last_success_at', 'ledger_clock_skew_ms', 'last_error']) expect(gw.outbox.state(key) || undefined, key).toBeUndefined();
    const after = statusOf(gw.settings);
    for (const name of ['last push', 'last full sync', 'last error', 'clock skew']) expect(field(after, name), name).toBe(field(before, name));
    expect(field(after, 'last full sync')).toBe('never');
    expect(field(after, 'last resend')).toMatch(new RegExp(`^\\S+ to ${url.replace(/[.]/g, '\\.')} from seq 1: 2 taken, 0 already held, 0 refused$`));
  });

  it('a resend that fails is its own line too, not the gateway’s last error', async () => {
    const gw = await gatewayWithVotes(1);
    const { relay, stop } = await connectedRelay(gw, await testLedger('sqlite', gw.deployment));
    closers.push(stop);
    await stop(); // the ledger is gone
    await expect(relay.resendFrom(1)).rejects.toThrow(/resend --from-seq 1/);
    const status = statusOf(gw.settings);
    expect(field(status, 'last error')).toBe('none');
    expect(field(status, 'last resend')).toMatch(/from seq 1: stopped \(.+\) after 0 taken/);
  });
});

describe('sauti sync resend and export when there is nothing to send', { timeout: 120_000 }, () => {
  it('resend past the gateway’s highest sequence number says which that is, and sends nothing', async () => {
    const gw = await gatewayWithVotes(2);
    const r = await sauti(['sync', 'resend', '--from-seq', '99999'], {
      SAUTI_CONFIG: FIXTURE,
      SAUTI_DB: gw.settings.dbFile,
      SAUTI_LEDGER_URL: 'http://127.0.0.1:9',
      SAUTI_LEDGER_KEY: newKeyPair().publicKey,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Nothing to resend: this gateway's highest sequence number is 2 (--from-seq 99999 is past it");
    expect(gw.outbox.state('last_resend')).toBeUndefined();
  });

  it('export with nothing waiting says so and writes no file (nor replaces one at --out)', async () => {
    const dir = tempDir('sauti-export-none-');
    const env = { SAUTI_CONFIG: FIXTURE, SAUTI_DB: join(dir, 'sauti.db') };
    expect((await sauti(['sync', 'identity'], env)).status).toBe(0);
    const out = join(dir, 'kiboko.bundle');
    const r = await sauti(['sync', 'export', '--out', out], env);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Nothing to export: no event is waiting for the ledger and no recording is due; no file written.');
    expect(r.stdout).not.toMatch(/stay in the outbox|0 events/);
    expect(existsSync(out)).toBe(false);
    writeFileSync(out, 'an earlier bundle');
    expect((await sauti(['sync', 'export', '--out', out], env)).status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('an earlier bundle');
  });
});

describe('one-shot commands print no JSON log lines', { timeout: 120_000 }, () => {
  it('sauti sync resend at the default log level: the human summary on stdout, no {"level":…} anywhere', async () => {
    const gw = await gatewayWithVotes(2);
    const ledger = await testLedger('sqlite', gw.deployment);
    closers.push(() => ledger.close());
    await ledger.addGateway(gw.gatewayId, gw.identity.publicKey);
    const server = await ledgerServer(ledger);
    closers.push(server.stop);
    const env = { SAUTI_CONFIG: FIXTURE, SAUTI_DB: gw.settings.dbFile, LOG_LEVEL: 'info' };
    const r = await sauti(['sync', 'resend', '--from-seq', '1'], {
      ...env,
      SAUTI_LEDGER_URL: server.url,
      SAUTI_LEDGER_KEY: (await ledger.identity()).publicKey,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Resent 2 events (seq 1–2, this gateway's highest) in 1 batches: 2 taken");
    expect(r.stdout).not.toContain('"level"');
    expect(r.stderr).not.toContain('"level"');
    const status = await sauti(['sync', 'status'], env);
    expect(field(status.stdout, 'last full sync')).toBe('never');
    expect(field(status.stdout, 'last resend')).toContain(`to ${server.url} from seq 1: 2 taken`);
  });

  it('a warning is a plain line on stderr', async () => {
    const { createLogger, humanLogs } = await import('../src/logging.ts');
    const written: string[] = [];
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    try {
      humanLogs();
      const logger = createLogger('info');
      logger.info({ component: 'sync' }, 'outbox pushed');
      logger.warn({ component: 'sync', err: { message: 'ECONNREFUSED' } }, 'sync round failed; will retry');
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      write.mockRestore();
    }
    expect(written.join('')).toBe('sauti: warning: sync round failed; will retry (ECONNREFUSED)\n');
  });
});

describe('trusting a ledger key on a running gateway', { timeout: 180_000 }, () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  it('sync status shows the key trusted now, not the start-up snapshot; trust-ledger says when the gateway uses it', async () => {
    const dir = tempDir('sauti-trust-running-');
    const db = join(dir, 'sauti.db');
    // A remote ledger and no key: the gateway starts and does not sync.
    const started = await startServer([BIN, 'start'], {
      SAUTI_CONFIG: FIXTURE,
      SAUTI_DB: db,
      PORT: '0',
      SAUTI_CALLBACK_TOKEN: TOKEN,
      LOG_LEVEL: 'silent',
      DATABASE_URL: '',
      SAUTI_RENDER_PROMPTS: 'off',
      SAUTI_LEDGER_URL: 'http://127.0.0.1:9',
      SAUTI_LEDGER_KEY: '',
    });
    children.push(started.child);
    const shell = { SAUTI_CONFIG: FIXTURE, SAUTI_DB: db };
    expect(field((await sauti(['sync', 'status'], shell)).stdout, 'ledger key')).toMatch(/^NONE: no ledger key is trusted/);
    const key = newKeyPair().publicKey;
    const trusted = await sauti(['sync', 'trust-ledger', key], shell);
    expect(trusted.stdout).toContain(`now trusts ledger key ${key}`);
    expect(trusted.stdout).toMatch(/A running gateway uses it from its next sync round, without a restart: within sync\.intervalSeconds \(\d+ s\)/);
    expect(field((await sauti(['sync', 'status'], shell)).stdout, 'ledger key')).toBe(`${key} (sauti sync trust-ledger)`);
  });
});

describe('no backoff while no ledger key is trusted', () => {
  afterEach(() => vi.useRealTimers());

  const delays = async (error: Error) => {
    vi.useFakeTimers();
    const scheduled: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms: number) => {
      scheduled.push(ms);
      return realSetTimeout(fn, ms);
    }) as typeof setTimeout);
    const scheduler = new EmbeddedSyncScheduler(
      () => Promise.reject(error),
      1000,
      300_000,
      pino({ level: 'silent' }),
      () => 0.5,
    );
    scheduler.start();
    for (let i = 0; i < 6; i++) await vi.advanceTimersToNextTimerAsync();
    await scheduler.stop();
    return scheduled.slice(0, 6);
  };

  it('a round that sent nothing for want of a key is tried again at the plain interval, so a key trusted meanwhile is used soon', async () => {
    expect(await delays(new SautiError('sync.no_ledger_key', 'no ledger key is trusted'))).toEqual([0, 1000, 1000, 1000, 1000, 1000]);
  });

  it('an unreachable ledger still backs off', async () => {
    expect(await delays(new Error('ECONNREFUSED'))).toEqual([0, 1500, 2500, 4500, 8500, 16500]);
  });
});
