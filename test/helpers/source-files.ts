// The project's source files, for the suites that read the code itself (the import rules, the
// provider names): one list of folders, so a new folder is checked by every such suite.
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository's root; source paths are relative to it. */
export const ROOT = resolve(import.meta.dirname, '../..');

/** Every folder holding source code (tests, benchmarks and scripts aside). */
export const SOURCE_FOLDERS = ['src', 'flows', 'adapters', 'sync', 'queue', 'ledger', 'tally', 'voice', 'field', 'field-app', 'console'];

/** The .ts files under `dir` (relative to ROOT), tests excluded. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}
