// Child server processes for end-to-end tests and benchmarks.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { appendFileSync } from 'node:fs';

/** Starts `node <args>` and resolves once it prints "listening on <url>". */
export function startServer(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      // BENCH_LOG_FILE=<file>: the server's log lines are kept there (benchmarks set BENCH_LOG_LEVEL).
      if (process.env.BENCH_LOG_FILE) appendFileSync(process.env.BENCH_LOG_FILE, d);
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve({ child, url: m[1]!, output: () => out });
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for a child that must be told its port). */
export function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

/** Polls `probe` every 200 ms until it gives a value (errors count as "not yet"), or fails naming `what`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await (async () => probe())().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const SAUTI_CLI = new URL('../../src/cli/main.ts', import.meta.url).pathname;

/**
 * `sauti …` in an operator's shell, with only the settings given (none of a gateway's sync
 * settings leak in from this process's environment). Asynchronous, so a ledger or port held by
 * this process can answer it.
 */
export function operatorSauti(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const shell: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: '', ...env };
    for (const key of ['SAUTI_GATEWAY_ID', 'SAUTI_LEDGER_URL', 'SAUTI_LEDGER_KEY']) if (!(key in env)) delete shell[key];
    const child = spawn(process.execPath, ['--import', 'tsx', SAUTI_CLI, ...args], { env: shell });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('exit', (status) => res({ status, stdout, stderr }));
  });
}
