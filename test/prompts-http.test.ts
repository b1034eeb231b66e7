// The gateway serves voice clips publicly, cacheably, and nothing else from the prompts folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../voice/prompts/wav.ts';
import { testGateway } from './helpers/gateway.ts';
import { tempDir } from './helpers/tmp.ts';

const dir = tempDir('sauti-prompts-http-');
const clip = encodeWav(
  Int16Array.from({ length: 800 }, (_, i) => (i % 16) * 100),
  8000,
);
mkdirSync(join(dir, 'sw'), { recursive: true });
writeFileSync(join(dir, 'sw', 'num-7.wav'), clip);
writeFileSync(join(dir, '.rendered.json'), '{"version":1,"clips":{}}');
writeFileSync(join(dir, 'secret.wav'), 'outside any language');
mkdirSync(join(dir, 'de'), { recursive: true });
writeFileSync(join(dir, 'de', 'num-7.wav'), clip); // a language the deployment does not have

const gw = testGateway({ env: { SAUTI_PROMPTS_DIR: dir } });
afterAll(() => gw.db.close());

describe('GET /prompts/<lang>/<key>.wav', () => {
  it('serves the clip as audio/wav with caching headers, without a token', async () => {
    const res = await request(gw.app).get('/prompts/sw/num-7.wav');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('audio/wav');
    expect(res.headers['cache-control']).toBe('public, max-age=3600');
    expect(res.headers.etag).toMatch(/^W\/"/);
    expect(res.headers['last-modified']).toBeDefined();
    expect(Buffer.compare(res.body as Buffer, clip)).toBe(0);
  });

  it('answers 304 to a provider revalidating with the ETag', async () => {
    const first = await request(gw.app).get('/prompts/sw/num-7.wav');
    const again = await request(gw.app).get('/prompts/sw/num-7.wav').set('if-none-match', first.headers.etag!);
    expect(again.status).toBe(304);
  });

  it.each([
    ['an unknown clip', '/prompts/sw/num-8.wav'],
    ['a language the deployment does not have', '/prompts/de/num-7.wav'],
    ['the manifest', '/prompts/sw/..%2F.rendered.json'],
    ['a dot file', '/prompts/sw/.rendered.json'],
    ['another extension', '/prompts/sw/num-7.mp3'],
    ['a traversal to the folder above', '/prompts/sw/..%2Fsecret.wav'],
    ['a traversal by dot segments', '/prompts/sw/../secret.wav'],
    ['an encoded backslash', '/prompts/sw/..%5Csecret.wav'],
    ['a traversal in the language', '/prompts/..%2Fsw/num-7.wav'],
    ['the folder itself', '/prompts/sw/'],
    ['a key with upper case', '/prompts/sw/NUM-7.wav'],
  ])('404 for %s', async (_what, path) => {
    const res = await request(gw.app).get(path);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
  });
});
