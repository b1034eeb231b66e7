// Every folder under adapters/ is registered, and registered under its own name.
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { adapters } from '../adapters/registry.ts';

const DIR = resolve(import.meta.dirname, '../adapters');

it('registers every adapter folder exactly once', () => {
  const folders = readdirSync(DIR)
    .filter((f) => statSync(join(DIR, f)).isDirectory())
    .sort();
  expect(folders.length).toBeGreaterThan(0);
  expect(adapters.map((a) => a.folder).sort()).toEqual(folders);
});
