#!/usr/bin/env node
// Entry point of the `sauti` command. Runs the bundle in dist/ when it is newer than every
// source file (`npm run build`, done by `npm start`); otherwise the TypeScript sources
// through tsx, so a fresh edit is never shadowed by a stale bundle.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bundle = join(root, 'dist/sauti.mjs');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (/\.(ts|sql)$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const fresh =
  existsSync(bundle) &&
  statSync(bundle).mtimeMs >=
    Math.max(...['src', 'adapters', 'flows', 'sync', 'queue', 'ledger', 'tally', 'voice', 'field', 'console'].map((d) => newestSource(join(root, d))));
if (fresh) {
  await import(bundle);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
