// bench:sms — inbound SMS votes through the Africa's Talking callback: each one parsed, its
// vote stored and its confirmation queued, durably, before the 200. Run with the embedded
// queue (SQLite) and with BullMQ on the real Redis (REDIS_URL, default 127.0.0.1:6379).
// Paced at BENCH_RATE messages/s (default 1,000) for latency, then saturated for throughput.
// No provider credentials: sends fail at once without network, so the figure is the inbound
// path plus queueing, not a provider's HTTP. Not a test: it prints figures.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import { BENCH_TOKEN, header, row, runLoad, startBenchGateway, startCommand, stop, type LoadResult } from './lib.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TOKEN = BENCH_TOKEN;
const ROOT = resolve(import.meta.dirname, '..');
let seq = 0;

async function texts(url: string, pid: number, rate: number | undefined, seconds: number): Promise<LoadResult> {
  return runLoad({ url, pid, concurrency: CONCURRENCY, seconds, rate }, async (_w, send) => {
    const n = seq++;
    await send(`/africastalking/sms/${TOKEN}`, {
      id: `bench-${n}-${randomUUID()}`,
      from: `+2547${String(10_000_000 + n).slice(-8)}`,
      to: '22384',
      text: n % 2 ? 'VOTE 1 3' : 'kura 20 21',
      date: new Date().toISOString(),
      linkId: 'bench',
      networkCode: '63902',
    });
  });
}

async function run(label: string, env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'sauti-bench-sms-'));
  const dbFile = join(dir, 'gateway.db');
  try {
    const gw = await startBenchGateway(ROOT, dbFile, env);
    const before = seq;
    await texts(gw.url, gw.child.pid!, RATE, 5); // warm-up (discarded)
    const paced = await texts(gw.url, gw.child.pid!, RATE, SECONDS);
    const saturated = await texts(gw.url, gw.child.pid!, undefined, SECONDS);
    await stop(gw.child);
    const db = new Database(dbFile, { readonly: true });
    const votes = db.prepare("SELECT count(*) FROM events WHERE type = 'vote.cast'").pluck().get() as number;
    const replies = db.prepare('SELECT count(*) FROM sms_outbound').pluck().get() as number;
    db.close();
    return { label, paced, saturated, sent: seq - before, votes, replies };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const prefix = `bench-${randomUUID().slice(0, 8)}`;
// BENCH_QUEUES=embedded or =bullmq runs one queue only (both by default).
const queues = (process.env.BENCH_QUEUES ?? 'embedded,bullmq').split(',');
const results = [];
if (queues.includes('embedded')) results.push(await run('embedded queue', {}));
if (queues.includes('bullmq')) results.push(await run('BullMQ (Redis)', { REDIS_URL, SAUTI_QUEUE_PREFIX: prefix }));
for (const provider of ['africastalking', 'twilio']) {
  const q = new Queue(`${prefix}-sms-${provider}`, { connection: { url: REDIS_URL } });
  await q.obliterate({ force: true });
  await q.close();
}

console.log(`\nbench:sms — inbound SMS votes, ${CONCURRENCY} concurrent, ${SECONDS}s per run, ${startCommand(ROOT).line}`);
console.log(header('msg/s'));
for (const r of results) {
  console.log(row(`${r.label}, paced at ${RATE}/s`, r.paced));
  console.log(row(`${r.label}, saturated`, r.saturated));
}
for (const r of results) {
  const errors = r.paced.errors + r.saturated.errors;
  console.log(`${r.label}: messages ${r.sent}, votes stored ${r.votes}, confirmations queued ${r.replies}, errors ${errors}`);
  const ok = [
    ['msg/s >= 1000', r.saturated.requests / r.saturated.seconds >= 1000],
    [`p99 <= 30 ms at ${RATE}/s`, r.paced.p99 <= 30],
    ['every message stored and answered', r.votes === r.sent && r.replies === r.sent],
  ] as const;
  console.log(`  targets: ${ok.map(([n, v]) => `${n} ${v ? 'met' : 'MISSED'}`).join('; ')}`);
}
