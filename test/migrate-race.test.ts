// Several processes opening one new database file at the same instant (the gateway and a `sauti`
// command started together) each end with the full schema, and no migration runs twice.
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { migrations } from '../src/store/migrate.ts';
import { tempDir } from './helpers/tmp.ts';

const DB = resolve(import.meta.dirname, '../src/store/db.ts');
const dir = tempDir();

// Each child loads the code, says "ready", and opens the file only when told "go": all of them
// then race on the same empty file within a millisecond or two.
const CHILD = `
import { openDatabase } from ${JSON.stringify(DB)};
process.stdout.write('ready\\n');
process.stdin.once('data', () => {
  try {
    const db = openDatabase(process.env.RACE_DB);
    process.stdout.write('version ' + db.pragma('user_version', { simple: true }) + '\\n');
    db.close();
  } catch (err) {
    process.stdout.write('failed ' + err.message + '\\n');
    process.exitCode = 1;
  }
});
`;

function racer(file: string): { child: ChildProcess; ready: Promise<void>; done: Promise<{ code: number | null; out: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
    env: { ...process.env, RACE_DB: file },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  const ready = new Promise<void>((res) => child.stdout!.on('data', (d) => (out += d) && out.includes('ready') && res()));
  const done = new Promise<{ code: number | null; out: string }>((res) => child.once('exit', (code) => res({ code, out })));
  return { child, ready, done };
}

it('processes racing to migrate one new file all succeed, each migration applied once', { timeout: 120_000 }, async () => {
  const latest = migrations().at(-1)![0];
  for (let round = 0; round < 3; round++) {
    const file = join(dir, `race-${round}.db`);
    const racers = Array.from({ length: 4 }, () => racer(file));
    await Promise.all(racers.map((r) => r.ready));
    for (const r of racers) r.child.stdin!.end('go\n');
    const results = await Promise.all(racers.map((r) => r.done));
    for (const r of results) expect(r, r.out).toMatchObject({ code: 0, out: expect.stringContaining(`version ${latest}`) });
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(latest);
    db.close();
  }
});
