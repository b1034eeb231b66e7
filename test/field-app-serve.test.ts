// How the gateway serves the field web app's files (src/http/field-app.ts), on a small stand-in
// build: only files the build lists, compressed as the browser accepts, hashed files cached for a
// year and the rest revalidated, the app's own Content-Security-Policy, and a clear 503 before
// anything is built. (The real build runs in Chromium in test/field-app.test.ts.)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { FIELD_APP_CSP, fieldAppRouter } from '../src/http/field-app.ts';
import { tempDir } from './helpers/tmp.ts';

const HTML = '<!doctype html><title>Sauti field</title><script type="module" src="app-ABC123.js"></script>';
const JS = 'console.log("the app");'.repeat(50);

function built(dir = join(tempDir('sauti-field-serve-'), 'field')): string {
  mkdirSync(dir, { recursive: true });
  const put = (name: string, body: string) => {
    writeFileSync(join(dir, name), body);
    writeFileSync(join(dir, `${name}.br`), brotliCompressSync(body));
    writeFileSync(join(dir, `${name}.gz`), gzipSync(body));
  };
  put('index.html', HTML);
  put('app-ABC123.js', JS);
  put('sw.js', 'self.addEventListener("fetch", () => {});');
  writeFileSync(join(dir, 'secret.txt'), 'not listed');
  const file = (type: string, immutable: boolean) => ({ type, immutable, encodings: ['br', 'gzip'] });
  const files = {
    'index.html': file('text/html; charset=utf-8', false),
    'app-ABC123.js': file('text/javascript; charset=utf-8', true),
    'sw.js': file('text/javascript; charset=utf-8', false),
  };
  writeFileSync(join(dir, 'files.json'), JSON.stringify({ files }));
  return dir;
}

function app(dir: string) {
  const a = express();
  a.use(fieldAppRouter({ dir }));
  a.use((_req, res) => res.status(404).send('Not found'));
  return a;
}

/** The body as a Buffer whatever its type (supertest has already decompressed it). */
const raw = (r: request.Test) =>
  r.buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  });

describe('serving the field web app', () => {
  it('/field redirects to /field/, which is the page, revalidated on every load, under the app’s CSP', async () => {
    const a = app(built());
    const redirect = await request(a).get('/field');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('/field/');
    const page = await raw(request(a).get('/field/').set('Accept-Encoding', 'identity'));
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toBe(FIELD_APP_CSP);
    expect(page.headers['content-encoding']).toBeUndefined();
    expect(page.body.toString()).toBe(HTML);
  });

  it('sends brotli or gzip as the browser accepts, never a stale copy across encodings (Vary), and caches hashed files for a year', async () => {
    const a = app(built());
    const br = await raw(request(a).get('/field/app-ABC123.js').set('Accept-Encoding', 'gzip, deflate, br'));
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toMatch(/Accept-Encoding/);
    expect(br.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    // What travels is the compressed file (supertest hands back the body decompressed).
    expect(Number(br.headers['content-length'])).toBeLessThan(JS.length / 5);
    expect(br.body.toString()).toBe(JS);
    const gz = await raw(request(a).get('/field/app-ABC123.js').set('Accept-Encoding', 'gzip'));
    expect(gz.headers['content-encoding']).toBe('gzip');
    const plain = await raw(request(a).get('/field/app-ABC123.js').set('Accept-Encoding', 'identity'));
    expect(plain.body.toString()).toBe(JS);
    // The service worker is revalidated too, so a new build reaches the device when it is online.
    expect((await request(a).get('/field/sw.js')).headers['cache-control']).toBe('no-cache');
  });

  it('serves only the files the build lists: anything else, or a path out of the folder, is 404', async () => {
    const a = app(built());
    for (const path of [
      '/field/secret.txt',
      '/field/files.json',
      '/field/app-ABC123.js.br',
      '/field/..%2Fsecret.txt',
      '/field/%2e%2e/secret.txt',
      '/field/constructor',
    ]) {
      expect((await request(a).get(path)).status, path).toBe(404);
    }
  });

  it('before `npm run build` says how to build it (503), then serves it once built, without a restart', async () => {
    const dir = join(tempDir('sauti-field-serve-'), 'not-yet');
    const a = app(dir);
    const before = await request(a).get('/field/');
    expect(before.status).toBe(503);
    expect(before.text).toMatch(/not built on this gateway: run npm run build/);
    built(dir);
    expect((await request(a).get('/field/')).status).toBe(200);
  });
});
