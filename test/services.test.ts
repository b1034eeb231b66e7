// The rule for tests that need Redis, PostgreSQL or Chromium: skipped with one line naming what
// is missing and how to start it on a developer's machine, never skipped under CI=true.
import { describe, expect, it, vi } from 'vitest';
import { checkService, suiteFor } from './helpers/services.ts';
import { freePort } from './helpers/process.ts';
import SummaryReporter from './summary-reporter.ts';

describe('checkService', () => {
  it('finds Redis and PostgreSQL absent at a closed port, and says how to start them', async () => {
    const port = await freePort();
    expect(await checkService('redis', { REDIS_URL: `redis://127.0.0.1:${port}` })).toEqual({
      present: false,
      reason: `Redis at redis://127.0.0.1:${port} is not available: start it with redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no (or set REDIS_URL)`,
    });
    const pg = await checkService('postgres', { DATABASE_URL: `postgres://postgres:pw@127.0.0.1:${port}/test` });
    expect(pg).toEqual({
      present: false,
      reason: `PostgreSQL at postgres://…@127.0.0.1:${port}/test is not available: start it with sudo pg_ctlcluster $(ls /etc/postgresql) main start && sudo -u postgres createdb test (or set DATABASE_URL)`,
    });
  });

  it('finds Chromium absent at a path with nothing there', async () => {
    expect(await checkService('chromium', { CHROMIUM_PATH: '/nonexistent/chromium' })).toEqual({
      present: false,
      reason: 'Chromium at /nonexistent/chromium is not available: start it with sudo apt-get install -y chromium (or set CHROMIUM_PATH)',
    });
  });
});

describe('suiteFor', () => {
  const missing = { present: false as const, reason: 'Redis at redis://127.0.0.1:1 is not available: start it with redis-server' };

  it('outside CI, a missing service gives skipping describe and it, with the reason', () => {
    const suite = suiteFor(missing, {});
    expect(suite).toMatchObject({ present: false, reason: missing.reason });
    expect(suite.describe).not.toBe(describe);
    expect(suiteFor(missing, { CI: 'false' }).present).toBe(false);
  });

  // Registered, not run: were they run, this file would fail.
  const skipping = suiteFor(missing, {});
  skipping.it('(a test needing the missing service is registered as skipped)', () => {
    throw new Error('ran although its service is missing');
  });
  skipping.describe('(a suite needing the missing service)', () => {
    it('is skipped whole', () => {
      throw new Error('ran although its service is missing');
    });
  });

  it('under CI=true, a missing service throws, naming it', () => {
    expect(() => suiteFor(missing, { CI: 'true' })).toThrow(
      'CI=true: Redis at redis://127.0.0.1:1 is not available: start it with redis-server. Tests that need it are never skipped under CI.',
    );
  });

  it('a service that is there runs its tests, CI or not', () => {
    for (const env of [{}, { CI: 'true' }]) expect(suiteFor({ present: true }, env)).toMatchObject({ present: true, describe, it });
  });
});

describe('the run summary', () => {
  it('says each missing service once, however many files skipped for it', () => {
    const note = 'PostgreSQL at postgres://…@127.0.0.1:5432/test is not available: start it with sudo pg_ctlcluster $(ls /etc/postgresql) main start';
    const test = (state: string, n?: string) => ({ result: () => ({ state, note: n }) });
    const file = (...tests: ReturnType<typeof test>[]) => ({ state: () => 'passed', children: { size: tests.length, allTests: () => tests } });
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
    try {
      new SummaryReporter().onTestRunEnd([
        file(test('skipped', note), test('passed')),
        file(test('skipped', note), test('skipped', 'another reason')),
      ] as never);
    } finally {
      write.mockRestore();
    }
    expect(out.join('')).toBe(`\nSkipped tests: ${note}\nTests: 1 passed, 0 failed, 3 skipped\n`);
  });
});
