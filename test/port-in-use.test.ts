// A port already taken is said in one line naming the port and the setting that moves it, with
// a non-zero exit and no stack trace, for the gateway and the ledger alike.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/tmp.ts';

const CLI = resolve(import.meta.dirname, '../src/cli/main.ts');
const dir = tempDir();

describe('a busy port', { timeout: 60_000 }, () => {
  let holder: Server;
  let port = 0;
  const occupied = new Promise<void>((res) => {
    holder = createServer().listen(0, '127.0.0.1', () => {
      port = (holder.address() as { port: number }).port;
      res();
    });
  });
  afterAll(() => new Promise<void>((r) => holder.close(() => r())));

  // spawnSync would block the event loop that holds the port open, so the child runs async.
  const sauti = (args: string[], env: Record<string, string>) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((res) => {
      const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
        env: { ...process.env, LOG_LEVEL: 'silent', SAUTI_DB: join(dir, 'sauti.db'), ...env },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.once('exit', (status) => res({ status, stdout, stderr }));
    });

  it.each([
    ['sauti start', ['start'], 'PORT'],
    ['sauti ledger serve', ['ledger', 'serve'], 'LEDGER_PORT'],
  ])('%s says the port is in use and how to choose another', async (_name, args, key) => {
    await occupied;
    const out = await sauti(args, { [key]: String(port) });
    expect(out.status).toBe(2);
    expect(out.stderr.trim()).toBe(
      `sauti: cannot listen on 127.0.0.1:${port}: the port is already in use (another Sauti or another program listens there). Stop it, or choose another port, e.g. ${key}=${port + 1}`,
    );
    expect(out.stdout).not.toContain('listening');
  });
});
