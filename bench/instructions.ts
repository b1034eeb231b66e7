// bench:instructions — CPU instructions per USSD hop and per SMS vote, counted by valgrind's callgrind: the same
// figure however busy the machine is (bench:ussd's hops/s move by a quarter on this shared VM),
// so a change to the hop can be judged on any day. Three servers, each driven by the same vote
// sessions (20 at a time) after a warm-up that lets the JIT settle: the gateway as `npm start`
// runs it (SAUTI_LEDGER_URL at a closed port, so the ledger's thread does not count), bench:ussd's
// bare express ceiling, and node's own http server (bench/bare-node.ts). Instructions are
// counted only while the measured sessions run, per thread; the main thread is the one that
// answers residents. Then the gateway alone, driven by inbound SMS votes (Africa's Talking's
// callback, as bench:sms sends them, embedded queue): instructions per message, where
// bench:sms's paced p99 depends on how busy one message keeps the main thread.
// Needs valgrind (Debian's package); without it, says so and exits.
// Not a test: it prints figures. WARM / RUN: vote sessions before and during counting;
// ONLY=ussd or ONLY=sms measures one of the two; KEEP=<dir> keeps the callgrind dumps there
// (read them with callgrind_annotate).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BENCH_TOKEN, startCommand } from './lib.ts';

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

/** Runs `one(n)` `count` times, CONCURRENCY at a time, `n` numbering every unit of the run; returns how many answered false. */
async function inParallel(count: number, one: (n: number) => Promise<boolean>): Promise<number> {
  let left = count;
  let wrong = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (left-- > 0) if (!(await one(seq++))) wrong++;
    }),
  );
  return wrong;
}

const phone = (n: number) => `+2547${String(10_000_000 + n).slice(-8)}`;

/** `count` vote sessions; returns how many did not end on a receipt. */
function sessions(url: string, count: number, expectReceipt: boolean): Promise<number> {
  return inParallel(count, async (n) => {
    const form = { sessionId: `cg-${n}`, serviceCode: '*384*99#', phoneNumber: phone(n), networkCode: '63902' };
    let text = '';
    for (let i = 0; i <= PATH.length; i++) {
      const body = new URLSearchParams({ ...form, text: PATH.slice(0, i).join('*') });
      const res = await fetch(`${url}/africastalking/ussd/${BENCH_TOKEN}`, { method: 'POST', body });
      text = await res.text();
    }
    return !expectReceipt || /^(END|CON) Thank you/.test(text);
  });
}

/** `count` inbound SMS votes; returns how many were not answered 200. */
function texts(url: string, count: number): Promise<number> {
  return inParallel(count, async (n) => {
    const body = new URLSearchParams({
      id: `cg-sms-${n}`,
      from: phone(n),
      to: '22384',
      text: n % 2 ? 'VOTE 1 3' : 'kura 20 21',
      date: new Date().toISOString(),
      linkId: 'cg',
      networkCode: '63902',
    });
    const res = await fetch(`${url}/africastalking/sms/${BENCH_TOKEN}`, { method: 'POST', body });
    await res.arrayBuffer();
    return res.status === 200;
  });
}

/** Instructions per unit (hop or message) in each thread's dump: cost lines summed, a call's inclusive cost left out. */
function perThread(out: string, units: number): { thread: number; perHop: number }[] {
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
    if (sum > 0) result.push({ thread, perHop: sum / units });
  }
  return result.sort((a, b) => a.thread - b.thread);
}

/** Drives a server: `count` units of work; returns how many went wrong. */
type Drive = (url: string, count: number) => Promise<number>;

async function measure(name: string, args: string[], env: Record<string, string>, drive: Drive, warm: number, run: number, units: number) {
  const out = process.env.KEEP ? mkdtempSync(join(process.env.KEEP, 'cg-')) : mkdtempSync(join(tmpdir(), 'sauti-bench-cg-'));
  try {
    const { child, url } = await underCallgrind(args, env, out);
    let wrong = await drive(url, warm);
    execFileSync('callgrind_control', ['-i', 'on', String(child.pid)], { stdio: 'ignore' });
    wrong += await drive(url, run);
    execFileSync('callgrind_control', ['-i', 'off', String(child.pid)], { stdio: 'ignore' });
    execFileSync('callgrind_control', ['-d', String(child.pid)], { stdio: 'ignore' });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const threads = perThread(out, units);
    const main = threads.find((t) => t.thread === 1)?.perHop ?? NaN;
    const all = threads.reduce((n, t) => n + t.perHop, 0);
    return { name, main, all, wrong };
  } finally {
    if (!process.env.KEEP) rmSync(out, { recursive: true, force: true });
  }
}

const dir = mkdtempSync(join(tmpdir(), 'sauti-bench-instr-'));
/** The gateway as `npm start` runs it, on a database of its own. */
const gateway = (db: string): [string[], Record<string, string>] => [
  [...startCommand(ROOT).flags, `${ROOT}/bin/sauti.mjs`, 'start'],
  {
    ...startCommand(ROOT).env,
    SAUTI_CONFIG: `${ROOT}/test/fixtures/deployment.yaml`,
    SAUTI_DB: join(dir, db),
    PORT: '0',
    SAUTI_CALLBACK_TOKEN: BENCH_TOKEN,
    SAUTI_VOTER_KEY_SECRET: 'bench-voter-key-secret-0123456789',
    LOG_LEVEL: 'silent',
    SAUTI_RENDER_PROMPTS: 'off',
    // The ledger's thread is measured by bench:sync; here it would only add its sync rounds.
    SAUTI_LEDGER_URL: 'http://127.0.0.1:9',
  },
];
const ussd =
  (expectReceipt: boolean): Drive =>
  (url, count) =>
    sessions(url, count, expectReceipt);
const only = process.env.ONLY;
try {
  if (only !== 'sms') await countUssd();
  if (only !== 'ussd') await countSms();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

async function countUssd() {
  const rows = [
    await measure('gateway (npm start)', ...gateway('ussd.db'), ussd(true), WARM, RUN, HOPS),
    await measure('bare express', ['--import', 'tsx', join(ROOT, 'bench/bare-express.ts')], {}, ussd(false), WARM, RUN, HOPS),
    await measure('bare node:http', ['--import', 'tsx', join(ROOT, 'bench/bare-node.ts')], {}, ussd(false), WARM, RUN, HOPS),
  ];
  console.log(`\nbench:instructions — ${RUN} vote sessions (${HOPS} hops) counted after ${WARM}, ${CONCURRENCY} at a time, node ${process.version}`);
  console.log(`${'server'.padEnd(22)} ${'main thread'.padStart(14)} ${'all threads'.padStart(14)}   (thousand instructions a hop)`);
  for (const r of rows) console.log(`${r.name.padEnd(22)} ${(r.main / 1000).toFixed(0).padStart(14)} ${(r.all / 1000).toFixed(0).padStart(14)}`);
  const [gw, express] = rows;
  console.log(`gateway / bare express (main thread, the inverse of hops/s on one core): ${((express!.main / gw!.main) * 100).toFixed(0)}%`);
  console.log(`sessions that did not end on a receipt: ${gw!.wrong}`);
}

async function countSms() {
  const SMS = HOPS;
  const sms = await measure('gateway (npm start)', ...gateway('sms.db'), texts, WARM * 4, SMS, SMS);
  console.log(`\n${SMS} inbound SMS votes counted after ${WARM * 4}       (thousand instructions a message)`);
  console.log(`${sms.name.padEnd(22)} ${(sms.main / 1000).toFixed(0).padStart(14)} ${(sms.all / 1000).toFixed(0).padStart(14)}`);
  console.log(`messages not answered 200: ${sms.wrong}`);
}
