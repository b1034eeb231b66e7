// Helpers shared by the benchmarks: child servers, peak RSS, percentiles.
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { Pool } from 'undici';

import { startServer } from '../test/helpers/process.ts';

export { startServer };

/** Peak resident set size of a process in MB (VmHWM), Linux only. */
export function peakRssMb(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The p-th percentile (0..100) of sorted values. */
export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Stops a child and waits for it to exit. */
export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux only). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
}

/** Figures of one load run. */
export interface LoadResult {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  rssMb: number;
  serverCpu: number;
  driverCpu: number;
  errors: number;
}

/** Sends one request for a worker, paced when the run has a rate; resolves with the answer. */
export type Send = (path: string, form: Record<string, string>) => Promise<{ status: number; text: string }>;

/**
 * Runs `concurrency` workers against `url` for `seconds`; each repeats `session` until time is
 * up. Saturated when `rate` is unset (a worker sends as soon as its answer arrives); otherwise
 * the workers together offer `rate` requests/s, and latency is timed from each request's
 * scheduled send so a slow answer cannot hide the requests queued behind it.
 */
export async function runLoad(
  o: { url: string; pid: number; concurrency: number; seconds: number; rate?: number },
  session: (worker: number, send: Send) => Promise<void>,
): Promise<LoadResult> {
  const pool = new Pool(o.url, { connections: o.concurrency, pipelining: 1 });
  const latencies = new Float64Array(5_000_000);
  // BENCH_LATENCY_FILE=<file>: each request's send time (ms since the run began) and latency are appended there, to see when the slow ones came.
  const sentAt = process.env.BENCH_LATENCY_FILE ? new Float64Array(latencies.length) : undefined;
  let requests = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + o.seconds * 1000;
  const interval = o.rate ? (o.concurrency / o.rate) * 1000 : 0;
  const worker = async (w: number) => {
    let next = interval ? performance.now() + (w * interval) / o.concurrency : undefined;
    const send: Send = async (path, form) => {
      if (next !== undefined && next > performance.now()) await new Promise((r) => setTimeout(r, next! - performance.now()));
      const t0 = next ?? performance.now();
      if (next !== undefined) next += interval;
      const res = await pool.request({
        path,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
      const text = await res.body.text();
      if (sentAt) sentAt[requests % latencies.length] = t0 - started;
      latencies[requests++ % latencies.length] = performance.now() - t0;
      if (res.statusCode !== 200) errors++;
      return { status: res.statusCode, text };
    };
    while (performance.now() < deadline) await session(w, send);
  };
  const cpu0 = process.cpuUsage();
  const server0 = cpuSeconds(o.pid);
  await Promise.all(Array.from({ length: o.concurrency }, (_, w) => worker(w)));
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu0);
  const serverCpu = (cpuSeconds(o.pid) - server0) / seconds;
  await pool.close();
  const kept = Math.min(requests, latencies.length);
  if (sentAt)
    appendFileSync(
      process.env.BENCH_LATENCY_FILE!,
      `# run ${o.rate ?? 'saturated'}\n` + Array.from({ length: kept }, (_, i) => `${sentAt[i]!.toFixed(1)} ${latencies[i]!.toFixed(2)}`).join('\n') + '\n',
    );
  const sorted = latencies.slice(0, kept).sort();
  return {
    requests,
    seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    rssMb: peakRssMb(o.pid),
    serverCpu,
    driverCpu: (used.user + used.system) / 1e6 / seconds,
    errors,
  };
}

/** One table row: name, requests/s, p50, p99, peak RSS, server and load CPU. */
export function row(name: string, r: LoadResult): string {
  return `${name.padEnd(34)} ${(r.requests / r.seconds).toFixed(0).padStart(8)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${r.rssMb.toFixed(0).padStart(8)} ${(r.serverCpu * 100).toFixed(0).padStart(7)}% ${(r.driverCpu * 100).toFixed(0).padStart(7)}%`;
}

/** The table header matching `row`, with `unit` as the rate column's name. */
export function header(unit: string): string {
  return `${'run'.padEnd(34)} ${unit.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'RSS MB'.padStart(8)} ${'srv CPU'.padStart(8)} ${'load CPU'.padStart(8)}`;
}

/**
 * The `start` script of package.json: its environment (the `NAME=value` words before `node`), its
 * node flags, and the whole line as printed, so benchmarks run the gateway as `npm start` does.
 */
export function startCommand(root: string): { env: Record<string, string>; flags: string[]; line: string } {
  const start = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')).scripts.start as string;
  const [, assignments = '', flags = ''] = start.match(/^((?:\w+=\S* )*)node((?: --\S+)*) bin\/sauti\.mjs/) ?? [];
  const env = Object.fromEntries(
    assignments
      .split(' ')
      .filter(Boolean)
      .map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]),
  );
  return { env, flags: flags.split(' ').filter(Boolean), line: `${assignments}node ${process.version}${flags}` };
}

/** Node flags of the `start` script in package.json. */
export const startFlags = (root: string): string[] => startCommand(root).flags;

/** The callback token benchmarks give their gateway. */
export const BENCH_TOKEN = 'bench-callback-token-0123456789';

/** Starts the gateway as `npm start` does (same node flags and environment) on `dbFile` with the test deployment. */
export function startBenchGateway(root: string, dbFile: string, env: Record<string, string> = {}) {
  // PROFILE=<dir>: a V8 CPU profile of the gateway (main thread and ledger thread), written when it stops.
  const profile = process.env.PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE}`] : [];
  // HEAP_PROFILE=<dir>: V8's sampling heap profile (where the garbage is allocated), written when it stops.
  const heap = process.env.HEAP_PROFILE ? ['--heap-prof', `--heap-prof-dir=${process.env.HEAP_PROFILE}`, '--heap-prof-interval=32768'] : [];
  // BENCH_NODE_FLAGS="--trace-gc …": more node flags for the gateway (NODE_OPTIONS refuses some).
  const extra = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const start = startCommand(root);
  return startServer([...start.flags, ...profile, ...heap, ...extra, `${root}/bin/sauti.mjs`, 'start'], {
    ...start.env,
    SAUTI_CONFIG: process.env.BENCH_CONFIG ?? `${root}/test/fixtures/deployment.yaml`,
    SAUTI_DB: dbFile,
    PORT: '0',
    SAUTI_CALLBACK_TOKEN: BENCH_TOKEN,
    SAUTI_VOTER_KEY_SECRET: 'bench-voter-key-secret-0123456789',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
    // The gateway is measured, not the first render of its voice clips.
    SAUTI_RENDER_PROMPTS: 'off',
    ...env,
  });
}
