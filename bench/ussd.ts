// bench:ussd — complete USSD vote sessions, 200 at a time, against a running gateway over
// loopback, with durable commits; then the same load against a bare express handler.
// Two runs per server:
//  - saturated: each session sends its next hop the moment the last answer arrives, so hops/s
//    is the most the server can do (its latency is then queueing: 200 / throughput);
//  - paced: the 200 sessions together offer BENCH_RATE hops/s (default 1,500), like real
//    callers who read and type between hops; latency is timed from each hop's scheduled send,
//    so a slow answer cannot hide the hops queued behind it.
// Prints hops/s, p50/p99 hop latency and peak RSS of the server. Not a test: it prints figures.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Pool } from 'undici';
import { cpuSeconds, peakRssMb, percentile, startServer, stop } from './lib.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 200);
const RATE = Number(process.env.BENCH_RATE ?? 1500);
const TOKEN = 'bench-callback-token-0123456789';
const ROOT = resolve(import.meta.dirname, '..');
// Language, Vote, ward 1, pick 3, pick 1, Done, Confirm: 8 hops with the opening one.
const PATH = ['1', '1', '1', '3', '1', '99', '1'];

interface Result { hops: number; seconds: number; p50: number; p99: number; rssMb: number; sessions: number; errors: number; serverCpu: number; driverCpu: number }

// Global across runs, so every run's sessions and phones are new: a reused session id would
// be answered from its stored last reply and a reused phone would replace, not add, a ballot.
let phoneSeq = 0;
/** Node flags of the `start` script in package.json (e.g. GC tuning). */
function startFlags(): string[] {
  const start = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start as string;
  return start.match(/^node((?: --\S+)*) bin\/sauti\.mjs/)?.[1]!.trim().split(' ').filter(Boolean) ?? [];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function drive(url: string, isGateway: boolean, pid: number, rate?: number, seconds = SECONDS): Promise<Result> {
  const pool = new Pool(url, { connections: CONCURRENCY, pipelining: 1 });
  const latencies = new Float64Array(5_000_000);
  let hops = 0;
  let sessions = 0;
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  // Paced: each session sends one hop every CONCURRENCY / rate seconds, staggered.
  const interval = rate ? (CONCURRENCY / rate) * 1000 : 0;
  const hop = async (sessionId: string, phone: string, text: string, scheduled?: number) => {
    const body = new URLSearchParams({ sessionId, serviceCode: '*384*99#', phoneNumber: phone, networkCode: '63902', text }).toString();
    if (scheduled !== undefined && scheduled > performance.now()) await sleep(scheduled - performance.now());
    const t0 = scheduled ?? performance.now();
    const res = await pool.request({
      path: `/africastalking/ussd/${TOKEN}`,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    const reply = await res.body.text();
    latencies[hops++ % latencies.length] = performance.now() - t0;
    if (res.statusCode !== 200) errors++;
    return reply;
  };
  const worker = async (w: number) => {
    let next = interval ? performance.now() + (w * interval) / CONCURRENCY : undefined;
    while (performance.now() < deadline) {
      const n = phoneSeq++;
      const phone = `+2547${String(10_000_000 + n).slice(-8)}`;
      const sessionId = `bench-${w}-${n}-${rate ?? 0}`;
      let reply = '';
      for (let i = 0; i <= PATH.length; i++) {
        reply = await hop(sessionId, phone, PATH.slice(0, i).join('*'), next);
        if (next !== undefined) next += interval;
      }
      if (!isGateway || reply.startsWith('END Thank you')) sessions++;
      else errors++;
    }
  };
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const server0 = cpuSeconds(pid);
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu0);
  const driverCpu = (used.user + used.system) / 1e6 / elapsed;
  const serverCpu = (cpuSeconds(pid) - server0) / elapsed;
  await pool.close();
  const sorted = latencies.slice(0, Math.min(hops, latencies.length)).sort();
  return { hops, seconds: elapsed, p50: percentile(sorted, 50), p99: percentile(sorted, 99), rssMb: peakRssMb(pid), sessions, errors, serverCpu, driverCpu };
}

const dir = mkdtempSync(join(tmpdir(), 'sauti-bench-'));
const dbFile = join(dir, 'gateway.db');
try {
  // The gateway runs with the same node flags as `npm start`.
  const gw = await startServer([...startFlags(), join(ROOT, 'bin/sauti.mjs'), 'start'], {
    SAUTI_CONFIG: join(ROOT, 'test/fixtures/deployment.yaml'),
    SAUTI_DB: dbFile,
    PORT: '0',
    SAUTI_CALLBACK_TOKEN: TOKEN,
    SAUTI_VOTER_KEY_SECRET: 'bench-voter-key-secret-0123456789',
    LOG_LEVEL: 'error',
  });
  // Warm-up (discarded): JIT and SQLite caches, as a gateway that has been up a while.
  // Paced before saturated, so its peak RSS is not the saturated run's high-water mark.
  const warmupSessions = (await drive(gw.url, true, gw.child.pid!, RATE, 3)).sessions;
  const gatewayPaced = await drive(gw.url, true, gw.child.pid!, RATE);
  const gateway = await drive(gw.url, true, gw.child.pid!);
  await stop(gw.child);
  const db = new Database(dbFile, { readonly: true });
  const stored = db.prepare("SELECT count(*) FROM events WHERE type = 'vote.cast'").pluck().get() as number;
  db.close();

  const bare = await startServer(['--import', 'tsx', join(ROOT, 'bench/bare-express.ts')], {});
  await drive(bare.url, false, bare.child.pid!, RATE, 3);
  const ceilingPaced = await drive(bare.url, false, bare.child.pid!, RATE);
  const ceiling = await drive(bare.url, false, bare.child.pid!);
  await stop(bare.child);

  const row = (name: string, r: Result) =>
    `${name.padEnd(30)} ${(r.hops / r.seconds).toFixed(0).padStart(8)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${r.rssMb.toFixed(0).padStart(8)} ${(r.serverCpu * 100).toFixed(0).padStart(7)}% ${(r.driverCpu * 100).toFixed(0).padStart(7)}%`;
  const ratio = gateway.hops / gateway.seconds / (ceiling.hops / ceiling.seconds);
  console.log(`\nbench:ussd — ${CONCURRENCY} concurrent sessions, ${SECONDS}s per run, ${PATH.length + 1} hops per vote, node ${process.version} ${startFlags().join(' ')}`);
  console.log(`${'run'.padEnd(30)} ${'hops/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'RSS MB'.padStart(8)} ${'srv CPU'.padStart(8)} ${'load CPU'.padStart(8)}`);
  console.log(row(`gateway, paced at ${RATE}/s`, gatewayPaced));
  console.log(row('gateway, saturated', gateway));
  console.log(row(`bare express, paced at ${RATE}/s`, ceilingPaced));
  console.log(row('bare express, saturated', ceiling));
  console.log(`gateway / bare express (saturated hops/s): ${(ratio * 100).toFixed(0)}%`);
  const completed = gateway.sessions + gatewayPaced.sessions + warmupSessions;
  console.log(`votes completed: ${completed}, stored votes: ${stored}, errors: ${gateway.errors + gatewayPaced.errors}`);
  const targets = [
    ['hops/s >= 1500', gateway.hops / gateway.seconds >= 1500],
    [`p99 <= 25 ms at ${RATE}/s`, gatewayPaced.p99 <= 25],
    ['>= 60% of ceiling', ratio >= 0.6],
    ['RSS <= 200 MB (saturated)', gateway.rssMb <= 200],
    ['every completed vote stored', stored === completed],
  ] as const;
  console.log(`targets: ${targets.map(([n, ok]) => `${n} ${ok ? 'met' : 'MISSED'}`).join('; ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
