// bench:voice — complete phone votes on Africa's Talking Voice callbacks, 200 calls at a time,
// against a running gateway over loopback, with every clip on disk (as after `sauti voice render`)
// and durable commits; then the same load against a bare express handler (the ceiling).
// A call: the first callback, eight keypresses (English, vote, North Ward, hear and pick project
// 1, next, pick project 2, done, confirm), each posted to the answer's GetDigits callbackUrl as
// Africa's Talking does, then the final isActive=0 callback with the call's length and cost.
// Two runs per server (see runLoad in lib.ts): paced at BENCH_RATE callbacks/s (default 500,
// the issue's target) for latency, and saturated for throughput. Prints callbacks/s, p50/p99
// and peak RSS of the server. Not a test: it prints figures.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { loadDeployment } from '../src/config/load.ts';
import { allClipTexts } from '../voice/prompts/catalogue.ts';
import { encodeWav } from '../voice/prompts/wav.ts';
import { BENCH_TOKEN, header, row, runLoad, startBenchGateway, startCommand, startServer, stop, type LoadResult } from './lib.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 200);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const ROOT = resolve(import.meta.dirname, '..');
const CONFIG = join(ROOT, 'test/fixtures/deployment.yaml');
const KEYS = ['1', '1', '1', '1', '2', '1', '9', '1'];

// Global across runs, so every call and caller is new (a reused phone would replace a ballot).
let seq = 0;

/** Every clip of the bench deployment, a few samples each: the gateway plays clips, as in production. */
function promptsDir(dir: string): string {
  const d = loadDeployment(CONFIG);
  const wav = encodeWav(new Int16Array(8), 8000);
  for (const { code } of d.languages) {
    mkdirSync(join(dir, code), { recursive: true });
    for (const key of Object.keys(allClipTexts(d, code))) writeFileSync(join(dir, code, `${key}.wav`), wav);
  }
  return dir;
}

/** Runs phone votes; returns the load figures and how many calls heard their receipt. */
async function calls(url: string, pid: number, rate: number | undefined, seconds: number, expectReceipt: boolean) {
  let completed = 0;
  let wrong = 0;
  const result = await runLoad({ url, pid, concurrency: CONCURRENCY, seconds, rate }, async (w, send) => {
    const n = seq++;
    const form = {
      isActive: '1',
      sessionId: `ATVId_bench_${w}_${n}`,
      direction: 'Inbound',
      callerNumber: `+2547${String(10_000_000 + n).slice(-8)}`,
      destinationNumber: '+254711082000',
    };
    let answer = (await send(`/africastalking/voice/${BENCH_TOKEN}`, form)).text;
    for (const key of KEYS) {
      const next = answer.match(/<GetDigits [^>]*callbackUrl="([^"]*)"/)?.[1];
      if (!next) break;
      const target = new URL(next.replace(/&amp;/g, '&'));
      answer = (await send(target.pathname + target.search, { ...form, dtmfDigits: key })).text;
    }
    if (!expectReceipt || answer.includes('voice.voteRecorded.wav')) completed++;
    else wrong++;
    await send(`/africastalking/voice/${BENCH_TOKEN}`, { ...form, isActive: '0', durationInSeconds: '95', currencyCode: 'KES', amount: '4.5000' });
  });
  return { result, completed, wrong };
}

const dir = mkdtempSync(join(tmpdir(), 'sauti-bench-voice-'));
const dbFile = join(dir, 'gateway.db');
try {
  const gw = await startBenchGateway(ROOT, dbFile, { SAUTI_PROMPTS_DIR: promptsDir(join(dir, 'prompts')) });
  const pid = gw.child.pid!;
  // Warm-up (discarded); paced before saturated, so the paced run's peak RSS is its own.
  const warm = await calls(gw.url, pid, RATE, 3, true);
  const paced = await calls(gw.url, pid, RATE, SECONDS, true);
  const saturated = await calls(gw.url, pid, undefined, SECONDS, true);
  await stop(gw.child);
  const db = new Database(dbFile, { readonly: true });
  const stored = db.prepare("SELECT count(*) FROM events WHERE type = 'vote.cast' AND channel = 'voice'").pluck().get() as number;
  const finished = db.prepare('SELECT count(*) FROM voice_calls WHERE duration_seconds IS NOT NULL').pluck().get() as number;
  db.close();

  const bare = await startServer(['--import', 'tsx', join(ROOT, 'bench/bare-express.ts')], {});
  await calls(bare.url, bare.child.pid!, RATE, 3, false);
  const barePaced = await calls(bare.url, bare.child.pid!, RATE, SECONDS, false);
  const bareSaturated = await calls(bare.url, bare.child.pid!, undefined, SECONDS, false);
  await stop(bare.child);

  const perSec = (r: LoadResult) => r.requests / r.seconds;
  const ratio = perSec(saturated.result) / perSec(bareSaturated.result);
  console.log(`\nbench:voice — ${CONCURRENCY} concurrent calls, ${SECONDS}s per run, ${KEYS.length + 2} callbacks per call, ${startCommand(ROOT).line}`);
  console.log(header('cb/s'));
  console.log(row(`gateway, paced at ${RATE}/s`, paced.result));
  console.log(row('gateway, saturated', saturated.result));
  console.log(row(`bare express, paced at ${RATE}/s`, barePaced.result));
  console.log(row('bare express, saturated', bareSaturated.result));
  console.log(`gateway / bare express (saturated callbacks/s): ${(ratio * 100).toFixed(0)}%`);
  const completed = warm.completed + paced.completed + saturated.completed;
  const errors = [warm, paced, saturated].reduce((n, r) => n + r.wrong + r.result.errors, 0);
  console.log(`calls that heard their receipt: ${completed}, stored voice votes: ${stored}, calls with length stored: ${finished}, errors: ${errors}`);
  const targets = [
    [`p99 <= 50 ms at ${RATE}/s`, paced.result.p99 <= 50],
    ['RSS <= 200 MB (saturated)', saturated.result.rssMb <= 200],
    ['every receipt heard is a stored vote', stored === completed],
  ] as const;
  console.log(`targets: ${targets.map(([n, ok]) => `${n} ${ok ? 'met' : 'MISSED'}`).join('; ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
