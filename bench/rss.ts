// bench:rss — peak RSS of the gateway as `npm start` runs it (same node flags, embedded ledger on)
// after a fixed amount of saturated USSD work: BENCH_VOTES complete vote sessions (default 1,200),
// 200 at a time. A fixed amount of work, not a fixed time, so the figure barely depends on how
// busy the machine is (bench:ussd's RSS grows with the throughput the machine allows).
// FLAGS='--a --b' replaces the start flags, to compare settings. Not a test: it prints figures.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'undici';
import { BENCH_TOKEN, peakRssMb, startCommand, startServer, stop } from './lib.ts';

const ROOT = resolve(import.meta.dirname, '..');
const VOTES = Number(process.env.BENCH_VOTES ?? 1200);
const START = startCommand(ROOT);
const FLAGS = process.env.FLAGS !== undefined ? process.env.FLAGS.split(' ').filter(Boolean) : START.flags;
const PATH = ['1', '1', '1', '3', '1', '99', '1'];

const dir = mkdtempSync(join(tmpdir(), 'sauti-bench-rss-'));
try {
  const gw = await startServer([...FLAGS, `${ROOT}/bin/sauti.mjs`, 'start'], {
    ...START.env,
    SAUTI_CONFIG: `${ROOT}/test/fixtures/deployment.yaml`,
    SAUTI_DB: join(dir, 'gateway.db'),
    PORT: '0',
    SAUTI_CALLBACK_TOKEN: BENCH_TOKEN,
    SAUTI_VOTER_KEY_SECRET: 'bench-voter-key-secret-0123456789',
    LOG_LEVEL: 'silent',
  });
  const pid = gw.child.pid!;
  const idle = peakRssMb(pid);
  const pool = new Pool(gw.url, { connections: 200, pipelining: 1 });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 200 }, async (_, w) => {
      while (next < VOTES) {
        const n = next++;
        const form = { sessionId: `rss-${w}-${n}`, serviceCode: '*384*99#', phoneNumber: `+2547${String(10_000_000 + n).slice(-8)}`, networkCode: '63902' };
        for (let i = 0; i <= PATH.length; i++) {
          const res = await pool.request({
            path: `/africastalking/ussd/${BENCH_TOKEN}`,
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ ...form, text: PATH.slice(0, i).join('*') }).toString(),
          });
          await res.body.text();
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 1500)); // the sync round that follows
  const peak = peakRssMb(pid);
  await pool.close();
  await stop(gw.child);
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(
    `bench:rss — ${VOTES} vote sessions (${VOTES * 8} hops), 200 at a time, ${Object.entries(START.env)
      .map(([k, v]) => `${k}=${v} `)
      .join('')}node ${process.version} ${FLAGS.join(' ')}`,
  );
  console.log(
    `idle RSS ${idle.toFixed(0)} MB, peak RSS ${peak.toFixed(0)} MB (target 200), ${((VOTES * 8) / seconds).toFixed(0)} hops/s, load average ${load}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
