// What `sauti start` prints once it listens: the command to try it names this gateway when it is
// not at the simulator's default address, so copying it reaches the gateway that printed it.
import { join, resolve } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startServer, waitFor } from './helpers/process.ts';
import { tempDir } from './helpers/tmp.ts';
import type { ChildProcess } from 'node:child_process';

const ROOT = resolve(import.meta.dirname, '..');
let child: ChildProcess | undefined;
afterEach(() => void child?.kill());

it('says how to dial this gateway, with its address when it is not 127.0.0.1:8080', { timeout: 60_000 }, async () => {
  const dir = tempDir('sauti-banner-');
  const started = await startServer(['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'start'], {
    SAUTI_CONFIG: join(ROOT, 'test/fixtures/deployment.yaml'),
    SAUTI_DB: join(dir, 'gateway.db'),
    PORT: '0',
    LOG_LEVEL: 'silent',
    SAUTI_RENDER_PROMPTS: 'off',
  });
  child = started.child;
  const out = await waitFor('the banner', () => (started.output().includes('Try it:') ? started.output() : undefined), 20_000);
  expect(out).toContain(`Try it: npm run sauti -- simulate ussd --url ${started.url} --phone +254711000001`);
});
