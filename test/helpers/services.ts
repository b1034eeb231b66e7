// Tests that need a service beyond Node (Redis, PostgreSQL, Debian's Chromium). On a developer's
// machine a missing service skips those tests with one line saying what is missing and how to
// start it (README, "Run the tests"); under CI=true nothing is skipped: a missing service fails
// the file at once, loudly, instead of passing by skipping.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import pg from 'pg';
import { describe, it } from 'vitest';

export type Service = 'redis' | 'redis-server' | 'postgres' | 'chromium';

type Env = Record<string, string | undefined>;

/** Where each service is looked for, what to call it, and how to start it (as the README says). */
const SERVICES: Record<Service, { what: (env: Env) => string; start: string; probe: (env: Env) => Promise<boolean> }> = {
  redis: {
    what: (env) => `Redis at ${redisUrl(env)}`,
    start: 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no (or set REDIS_URL)',
    probe: (env) => redisAnswers(redisUrl(env)),
  },
  'redis-server': {
    what: () => 'the redis-server and redis-cli programs',
    start: 'sudo apt-get install -y redis-server',
    probe: async () => ['redis-server', 'redis-cli'].every((p) => spawnSync(p, ['--version']).status === 0),
  },
  postgres: {
    what: (env) => `PostgreSQL at ${databaseUrl(env).replace(/\/\/[^@/]*@/, '//…@')}`,
    start: 'sudo pg_ctlcluster $(ls /etc/postgresql) main start && sudo -u postgres createdb test (or set DATABASE_URL)',
    probe: (env) => postgresAnswers(databaseUrl(env)),
  },
  chromium: {
    what: (env) => `Chromium at ${chromiumPath(env)}`,
    start: 'sudo apt-get install -y chromium (or set CHROMIUM_PATH)',
    probe: async (env) => existsSync(chromiumPath(env)),
  },
};

export const redisUrl = (env: Env = process.env) => env.REDIS_URL || 'redis://127.0.0.1:6379';
export const databaseUrl = (env: Env = process.env) => env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
export const chromiumPath = (env: Env = process.env) => env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Whether a service is there, and if not the one line that says so. */
export async function checkService(service: Service, env: Env = process.env): Promise<{ present: true } | { present: false; reason: string }> {
  const s = SERVICES[service];
  if (await s.probe(env).catch(() => false)) return { present: true };
  return { present: false, reason: `${s.what(env)} is not available: start it with ${s.start}` };
}

/** What a test file uses for the tests that need a service. */
export interface ServiceSuite {
  present: boolean;
  describe: typeof describe;
  it: typeof it;
  reason?: string;
}

/**
 * The `describe` and `it` for tests that need `service`: vitest's own when it is there; when it
 * is missing, skipping ones, plus one skipped test whose note the run's summary prints once
 * (test/summary-reporter.ts); under CI=true a missing service throws, failing the file.
 * Call at the top level of a test file.
 */
export async function requireService(service: Service, env: Env = process.env): Promise<ServiceSuite> {
  const suite = suiteFor(await checkService(service, env), env);
  if (!suite.present) it(`needs ${service}`, (ctx) => ctx.skip(suite.reason));
  return suite;
}

/** The decision requireService makes, given what was found. */
export function suiteFor(found: Awaited<ReturnType<typeof checkService>>, env: Env): ServiceSuite {
  if (found.present) return { present: true, describe, it };
  if (env.CI === 'true') throw new Error(`CI=true: ${found.reason}. Tests that need it are never skipped under CI.`);
  return { present: false, describe: describe.skip as typeof describe, it: it.skip as typeof it, reason: found.reason };
}

function redisAnswers(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port: Number(u.port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    // An answer of any kind (PONG, or NOAUTH from a Redis with a password) means Redis is there.
    socket.once('data', (d) => done(/^[+-]/.test(String(d))));
  });
}

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}
