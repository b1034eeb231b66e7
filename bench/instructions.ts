// bench:instructions — CPU instructions per USSD hop, counted by valgrind's callgrind: the same
// figure however busy the machine is (bench:ussd's hops/s move by a quarter on this shared VM),
// so a change to the hop can be judged on any day. Three servers, each driven by the same vote
// sessions (20 at a time) after a warm-up that lets the JIT settle: the gateway as `npm start`
// runs it (SAUTI_LEDGER_URL at a closed port, so the ledger's thread does not count), bench:ussd's
// bare express ceiling, and node's own http server (bench/bare-node.ts). Instructions are
// counted only while the measured sessions run, per thread; the main thread is the one that
// answers residents. Needs valgrind (Debian's package); without it, says so and exits.
// Not a test: it prints figures. WARM / RUN: vote sessions before and during counting.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BENCH_TOKEN, startFlags } from './lib.ts';

const ROOT = resolve(import.meta.dirname, '..');
const WARM = Number(process.env.WARM ?? 500);
const RUN = Number(process.env.RUN ?? 200);
const CONCURRENCY = 20;
const PATH = ['1', '1', '1', '3', '1', '99', '1'];
const HOPS = RUN * (PATH.length + 1);

try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
} catch {
  console.log('bench:instructions needs valgrind (apt-get install -y valgrind): not run.');
  process.exit(0);
}

/** Starts `args` under callgrind with counting off; resolves with its URL once it listens. */
async function underCallgrind(args: string[], env: Record<string, string>, out: string) {
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--smc-check=all-non-file',
      '--instr-atstart=no',
      '--separate-threads=yes',
      `--callgrind-out-file=${out}/cg.%p`,
      process.execPath,
      ...args,
    ],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const url = await new Promise<string>((res, rej) => {
    let o = '';
    child.stdout.on('data', (d) => {
      o += d;
      const m = o.match(/listening on (http:\/\/\S+)/);
      if (m) res(m[1]!);
    });
    child.once('exit', (c) => rej(new Error(`server exited (${c}) before listening`)));
  });
  return { child, url };
}

let seq = 0;
/** `count` vote sessions, CONCURRENCY at a time; returns how many did not end on a receipt. */
async function sessions(url: string, count: number, expectReceipt: boolean): Promise<number> {
  let left = count;
  let wrong = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (left-- > 0) {
        const n = seq++;
        const form = { sessionId: `cg-${n}`, serviceCode: '*384*99#', phoneNumber: `+2547${String(10_000_000 + n).slice(-8)}`, networkCode: '63902' };
        let text = '';
        for (let i = 0; i <= PATH.length; i++) {
          const body = new URLSearchParams({ ...form, text: PATH.slice(0, i).join('*') });
          const res = await fetch(`${url}/africastalking/ussd/${BENCH_TOKEN}`, { method: 'POST', body });
          text = await res.text();
        }
        if (expectReceipt && !/^(END|CON) Thank you/.test(text)) wrong++;
      }
    }),
  );
  return wrong;
}

/** Instructions per hop in each thread's dump: cost lines summed, a call's inclusive cost left out. */
function perThread(out: string): { thread: number; perHop: number }[] {
  const result: { thread: number; perHop: number }[] = [];
  for (const file of readdirSync(out)) {
    const thread = Number(file.match(/-(\d+)$/)?.[1]);
    if (!thread) continue;
    let sum = 0;
    let afterCall = false;
    for (const line of readFileSync(join(out, file), 'utf8').split('\n')) {
      if (line.startsWith('calls=')) {
        afterCall = true;
        continue;
      }
      const cost = line.match(/^(?:[+-]?\d+|\*)\s+(\d+)$/);
      if (cost && !afterCall) sum += Number(cost[1]);
      if (cost || line.includes('=')) afterCall = false;
    }
    if (sum > 0) result.push({ thread, perHop: sum / HOPS });
  }
  return result.sort((a, b) => a.thread - b.thread);
}

async function measure(name: string, args: string[], env: Record<string, string>, expectReceipt: boolean) {
  const out = mkdtempSync(join(tmpdir(), 'sauti-bench-cg-'));
  try {
    const { child, url } = await underCallgrind(args, env, out);
    let wrong = await sessions(url, WARM, expectReceipt);
    execFileSync('callgrind_control', ['-i', 'on', String(child.pid)], { stdio: 'ignore' });
    wrong += await sessions(url, RUN, expectReceipt);
    execFileSync('callgrind_control', ['-i', 'off', String(child.pid)], { stdio: 'ignore' });
    execFileSync('callgrind_control', ['-d', String(child.pid)], { stdio: 'ignore' });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const threads = perThread(out);
    const main = threads.find((t) => t.thread === 1)?.perHop ?? NaN;
    const all = threads.reduce((n, t) => n + t.perHop, 0);
    return { name, main, all, wrong };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const dir = mkdtempSync(join(tmpdir(), 'sauti-bench-instr-'));
try {
  const rows = [
    await measure(
      'gateway (npm start)',
      [...startFlags(ROOT), `${ROOT}/bin/sauti.mjs`, 'start'],
      {
        SAUTI_CONFIG: `${ROOT}/test/fixtures/deployment.yaml`,
        SAUTI_DB: join(dir, 'gateway.db'),
        PORT: '0',
        SAUTI_CALLBACK_TOKEN: BENCH_TOKEN,
        SAUTI_VOTER_KEY_SECRET: 'bench-voter-key-secret-0123456789',
        LOG_LEVEL: 'silent',
        SAUTI_RENDER_PROMPTS: 'off',
        // The ledger's thread is measured by bench:sync; here it would only add its sync rounds.
        SAUTI_LEDGER_URL: 'http://127.0.0.1:9',
      },
      true,
    ),
    await measure('bare express', ['--import', 'tsx', join(ROOT, 'bench/bare-express.ts')], {}, false),
    await measure('bare node:http', ['--import', 'tsx', join(ROOT, 'bench/bare-node.ts')], {}, false),
  ];
  console.log(`\nbench:instructions — ${RUN} vote sessions (${HOPS} hops) counted after ${WARM}, ${CONCURRENCY} at a time, node ${process.version}`);
  console.log(`${'server'.padEnd(22)} ${'main thread'.padStart(14)} ${'all threads'.padStart(14)}   (thousand instructions a hop)`);
  for (const r of rows) console.log(`${r.name.padEnd(22)} ${(r.main / 1000).toFixed(0).padStart(14)} ${(r.all / 1000).toFixed(0).padStart(14)}`);
  const [gw, express] = rows;
  console.log(`gateway / bare express (main thread, the inverse of hops/s on one core): ${((express!.main / gw!.main) * 100).toFixed(0)}%`);
  console.log(`sessions that did not end on a receipt: ${gw!.wrong}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
