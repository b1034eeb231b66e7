// Dependencies point inward. This table is the rule; docs/architecture.md shows the same one.
// Every import of every source file is read with TypeScript's own pre-processor.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT, SOURCE_FOLDERS, sourceFiles } from './helpers/source-files.ts';

/** Layer of a file, by folder. Order matters: the first matching prefix wins. */
const LAYERS: [prefix: string | RegExp, layer: string][] = [
  ['src/config/', 'config'],
  // A provider's settings (zod only) live in its folder and belong to config, which composes them.
  [/^adapters\/([a-z0-9-]+\/)?settings\.ts$/, 'config'],
  ['src/i18n/', 'i18n'],
  ['src/domain/', 'domain'],
  ['src/store/', 'store'],
  ['src/engine/', 'engine'],
  ['src/logging.ts', 'logging'],
  // Where a worker thread's code is (bundle or TypeScript source): for the layers that start one.
  ['src/worker-entry.ts', 'threads'],
  ['src/http/', 'shell'],
  ['src/cli/', 'shell'],
  ['flows/', 'flows'],
  ['adapters/', 'adapters'],
  ['sync/', 'sync'],
  ['queue/', 'queue'],
  ['ledger/', 'ledger'],
  ['tally/', 'tally'],
  ['voice/', 'voice'],
  ['field/', 'field'],
  ['field-app/', 'field-app'],
  ['console/', 'console'],
];

/** Which project layers each layer may import (besides itself). */
const MAY_IMPORT: Record<string, string[]> = {
  config: [],
  i18n: ['config'],
  domain: ['config', 'i18n'],
  store: ['config', 'domain', 'threads'],
  logging: [],
  threads: [],
  engine: ['config', 'i18n', 'domain', 'store', 'logging', 'field'],
  voice: ['config', 'i18n', 'domain'],
  flows: ['config', 'i18n', 'domain', 'engine', 'voice'],
  adapters: ['config', 'i18n', 'domain', 'engine', 'logging', 'voice', 'field'],
  sync: ['config', 'domain', 'store', 'logging'],
  queue: ['config', 'domain', 'store', 'engine', 'logging', 'sync'],
  tally: [],
  ledger: ['config', 'domain', 'logging', 'tally'],
  field: ['config', 'i18n', 'domain'],
  // The browser app: its own folder only (and its npm packages); it reaches the gateway over HTTP.
  'field-app': [],
  console: ['config', 'domain', 'logging', 'ledger'],
  shell: [
    'config',
    'i18n',
    'domain',
    'store',
    'engine',
    'logging',
    'threads',
    'flows',
    'adapters',
    'sync',
    'queue',
    'ledger',
    'tally',
    'voice',
    'field',
    'console',
  ],
};

/** Packages that only the edges may use: the core never sees HTTP, queues or provider SDKs. */
const EDGE_PACKAGES = ['express', 'bullmq', 'africastalking', 'twilio', 'ioredis', 'commander', 'supertest', 'pg', 'kysely', 'busboy', 'qrcode'];

const CORE = ['config', 'i18n', 'domain', 'store', 'engine', 'logging', 'flows', 'tally', 'voice', 'field'];

const layerOf = (file: string) => LAYERS.find(([prefix]) => (typeof prefix === 'string' ? file.startsWith(prefix) : prefix.test(file)))?.[1];

function importsOf(file: string): string[] {
  return ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true).importedFiles.map((f) => f.fileName);
}

const files = SOURCE_FOLDERS.flatMap(sourceFiles);

function violationsFor(file: string, specs: string[]): string[] {
  const from = layerOf(file)!;
  const out: string[] = [];
  for (const spec of specs) {
    if (spec.startsWith('.')) {
      const target = relative(ROOT, resolve(ROOT, dirname(file), spec));
      const to = layerOf(target);
      if (to && to !== from && !MAY_IMPORT[from]!.includes(to)) out.push(`${file} (${from}) imports ${target} (${to})`);
    } else if (CORE.includes(from) && EDGE_PACKAGES.some((p) => spec === p || spec.startsWith(`${p}/`))) {
      out.push(`${file} (${from}) imports edge package ${spec}`);
    }
  }
  return out;
}

describe('architecture', () => {
  it('every source file belongs to a layer', () => {
    expect(files.filter((f) => !layerOf(f))).toEqual([]);
  });

  it('imports point inward', () => {
    expect(files.flatMap((f) => violationsFor(f, importsOf(f)))).toEqual([]);
  });

  it('the check catches an inward-pointing violation and an edge package in the core', () => {
    expect(violationsFor('src/domain/x.ts', ['../../adapters/africastalking/ussd.ts', 'express', '../config/schema.ts'])).toEqual([
      'src/domain/x.ts (domain) imports adapters/africastalking/ussd.ts (adapters)',
      'src/domain/x.ts (domain) imports edge package express',
    ]);
    expect(violationsFor('src/engine/y.ts', ['../../flows/ussd/index.ts'])).toHaveLength(1);
    expect(violationsFor('field-app/state.ts', ['../field/xforms.ts', './sender.ts', 'vue'])).toEqual([
      'field-app/state.ts (field-app) imports field/xforms.ts (field)',
    ]);
    expect(violationsFor('src/http/field-app.ts', ['../../field-app/state.ts'])).toHaveLength(1);
    // Config composes a provider's settings, never the rest of its adapter.
    expect(violationsFor('src/config/env.ts', ['../../adapters/twilio/settings.ts', '../../adapters/settings.ts'])).toEqual([]);
    expect(violationsFor('src/config/env.ts', ['../../adapters/twilio/sms.ts'])).toHaveLength(1);
    expect(violationsFor('adapters/twilio/settings.ts', ['./signature.ts'])).toHaveLength(1);
  });

  it('only config loading reads process.env', () => {
    const readers = files.filter((f) => /process\.env/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(readers).toEqual(['src/config/env.ts']);
  });
});
