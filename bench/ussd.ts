// bench:ussd — complete USSD vote sessions, 200 at a time, against a running gateway over
// loopback, with durable commits; then the same load against a bare express handler.
// Two runs per server (see runLoad in lib.ts):
//  - saturated: the most the server can do (latency there is queueing: 200 / throughput);
//  - paced: the 200 sessions together offer BENCH_RATE hops/s (default 1,500), like real
//    callers who read and type between hops.
// Prints hops/s, p50/p99 hop latency and peak RSS of the server. Not a test: it prints figures.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { BENCH_TOKEN, header, row, runLoad, startBenchGateway, startCommand, startServer, stop, type LoadResult } from './lib.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 200);
const RATE = Number(process.env.BENCH_RATE ?? 1500);
const TOKEN = BENCH_TOKEN;
const ROOT = resolve(import.meta.dirname, '..');
// Language, Vote, ward 1, pick 3, pick 1, Done, Confirm: 8 hops with the opening one.
const PATH = ['1', '1', '1', '3', '1', '99', '1'];

// Global across runs, so every run's sessions and phones are new: a reused session id would
// be answered from its stored last reply and a reused phone would replace, not add, a ballot.
let phoneSeq = 0;

/** Runs vote sessions; returns the load figures and how many sessions ended with a receipt. */
async function votes(url: string, pid: number, rate: number | undefined, seconds: number, expectReceipt: boolean) {
  let completed = 0;
  let wrong = 0;
  const result = await runLoad({ url, pid, concurrency: CONCURRENCY, seconds, rate }, async (w, send) => {
    const n = phoneSeq++;
    const form = { sessionId: `bench-${w}-${n}`, serviceCode: '*384*99#', phoneNumber: `+2547${String(10_000_000 + n).slice(-8)}`, networkCode: '63902' };
    let reply = '';
    for (let i = 0; i <= PATH.length; i++) reply = (await send(`/africastalking/ussd/${TOKEN}`, { ...form, text: PATH.slice(0, i).join('*') })).text;
    // The receipt: on an END screen, or above the offer to follow the projects (CON) when SMS reaches the caller.
    if (!expectReceipt || /^(END|CON) Thank you/.test(reply)) completed++;
    else wrong++;
  });
  return { result, completed, wrong };
}

const dir = mkdtempSync(join(tmpdir(), 'sauti-bench-'));
const dbFile = join(dir, 'gateway.db');
try {
  const gw = await startBenchGateway(ROOT, dbFile);
  const pid = gw.child.pid!;
  // Warm-up (discarded): JIT and SQLite caches, as a gateway that has been up a while.
  // Paced before saturated, so its peak RSS is not the saturated run's high-water mark.
  const warm = await votes(gw.url, pid, RATE, 3, true);
  const paced = await votes(gw.url, pid, RATE, SECONDS, true);
  const saturated = await votes(gw.url, pid, undefined, SECONDS, true);
  await stop(gw.child);
  const db = new Database(dbFile, { readonly: true });
  const stored = db.prepare("SELECT count(*) FROM events WHERE type = 'vote.cast'").pluck().get() as number;
  db.close();

  const bare = await startServer(['--import', 'tsx', join(ROOT, 'bench/bare-express.ts')], {});
  await votes(bare.url, bare.child.pid!, RATE, 3, false);
  const barePaced = await votes(bare.url, bare.child.pid!, RATE, SECONDS, false);
  const bareSaturated = await votes(bare.url, bare.child.pid!, undefined, SECONDS, false);
  await stop(bare.child);

  const perSec = (r: LoadResult) => r.requests / r.seconds;
  const ratio = perSec(saturated.result) / perSec(bareSaturated.result);
  console.log(`\nbench:ussd — ${CONCURRENCY} concurrent sessions, ${SECONDS}s per run, ${PATH.length + 1} hops per vote, ${startCommand(ROOT).line}`);
  console.log(header('hops/s'));
  console.log(row(`gateway, paced at ${RATE}/s`, paced.result));
  console.log(row('gateway, saturated', saturated.result));
  console.log(row(`bare express, paced at ${RATE}/s`, barePaced.result));
  console.log(row('bare express, saturated', bareSaturated.result));
  console.log(`gateway / bare express (saturated hops/s): ${(ratio * 100).toFixed(0)}%`);
  const completed = warm.completed + paced.completed + saturated.completed;
  const errors = [warm, paced, saturated].reduce((n, r) => n + r.wrong + r.result.errors, 0);
  console.log(`votes completed: ${completed}, stored votes: ${stored}, errors: ${errors}`);
  const targets = [
    ['hops/s >= 1500', perSec(saturated.result) >= 1500],
    [`p99 <= 25 ms at ${RATE}/s`, paced.result.p99 <= 25],
    ['>= 60% of ceiling', ratio >= 0.6],
    ['RSS <= 200 MB (saturated)', saturated.result.rssMb <= 200],
    ['every completed vote stored', stored === completed],
  ] as const;
  console.log(`targets: ${targets.map(([n, ok]) => `${n} ${ok ? 'met' : 'MISSED'}`).join('; ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
