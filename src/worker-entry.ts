// Worker threads: where a thread's code is (the bundle beside dist/sauti.mjs under `npm start`,
// or its TypeScript source through tsx in tests and a `sauti` whose bundle is older than the
// sources, since a worker does not inherit its parent's tsx loader: src/worker-tsx.mjs), and the
// lower priority a background thread takes.
import { setPriority } from 'node:os';

/** How much lower a background thread's CPU priority is than the gateway's (a nice value, 0–19). */
export const BACKGROUND_THREAD_NICE = 10;

/**
 * Lowers the calling thread's priority, so the thread that answers USSD, SMS and voice gets the
 * CPU first when both want it (on Linux a thread's nice value is its own: setpriority on the
 * calling thread). Returns the error when the system does not allow it; the thread then keeps
 * the gateway's priority, which is still correct.
 */
export function yieldToResidents(): Error | undefined {
  try {
    setPriority(BACKGROUND_THREAD_NICE);
    return undefined;
  } catch (err) {
    return err as Error;
  }
}

/** `caller` is the starting module's import.meta.url; `source` its worker's file beside it; `bundle` the worker's entry name in scripts/build.mjs. */
export function workerEntry(caller: string, source: string, bundle: string): { entry: URL; runner: URL } {
  if (caller.endsWith('.ts')) return { entry: new URL(source, caller), runner: new URL('./worker-tsx.mjs', import.meta.url) };
  const bundled = new URL(`./${bundle}.mjs`, caller);
  return { entry: bundled, runner: bundled };
}
