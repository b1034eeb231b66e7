// Bundles the TypeScript sources into dist/sauti.mjs for running without a TS loader:
// faster start, and ~80 MB less memory than transpiling on the fly. Dependencies stay external.
// The field web app (browser code, served at /field/) goes to dist/field/.
// The embedded ledger's thread has its own entry, dist/ledger-worker.mjs (src/http/embedded-ledger.ts
// starts it from beside dist/sauti.mjs).
import { cpSync, rmSync } from 'node:fs';
import { build } from 'esbuild';
import { buildFieldApp } from './build-field-app.mjs';

const root = new URL('..', import.meta.url).pathname;
rmSync(`${root}dist`, { recursive: true, force: true });
await build({
  entryPoints: { sauti: `${root}src/cli/main.ts`, 'ledger-worker': `${root}src/http/ledger-worker.ts` },
  outdir: `${root}dist`,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
// Migrations are read from disk next to the code that runs them.
cpSync(`${root}src/store/migrations`, `${root}dist/migrations`, { recursive: true });
// The field web app, for browsers: src/http/field-app.ts serves it from beside the bundle.
await buildFieldApp(`${root}dist/field`);
