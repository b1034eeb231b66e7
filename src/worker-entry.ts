// Where a worker thread's code is: the bundle beside dist/sauti.mjs (`npm start`), or its
// TypeScript source through tsx (tests, and a `sauti` whose bundle is older than the sources),
// since a worker does not inherit the tsx loader its parent registered (src/worker-tsx.mjs).

/** `caller` is the starting module's import.meta.url; `source` its worker's file beside it; `bundle` the worker's entry name in scripts/build.mjs. */
export function workerEntry(caller: string, source: string, bundle: string): { entry: URL; runner: URL } {
  if (caller.endsWith('.ts')) return { entry: new URL(source, caller), runner: new URL('./worker-tsx.mjs', import.meta.url) };
  const bundled = new URL(`./${bundle}.mjs`, caller);
  return { entry: bundled, runner: bundled };
}
