// GET /field/…: the field web app's static files, as scripts/build-field-app.mjs built them
// (npm run build → dist/field/). Only the files its `files.json` lists can be named; each is sent
// brotli- or gzip-compressed when the browser accepts it. Content-hashed files are cached for a
// year; the page, the service worker and the manifest are revalidated on every load, so a new
// build reaches officers the next time they are online. The app itself talks to the gateway only
// through the OpenRosa routes (adapters/odk), with the officer's token.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { z } from 'zod';

const filesSchema = z.object({
  files: z.record(
    z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/),
    z.object({ type: z.string(), immutable: z.boolean(), encodings: z.array(z.enum(['br', 'gzip'])) }),
  ),
});
type FileList = z.infer<typeof filesSchema>['files'];

/**
 * What the page may load and run. Web Forms injects its styles at run time (PrimeVue and its own
 * CSS, hence inline styles) and compiles its XPath parser from inline WebAssembly; scripts come
 * only from this origin. Its photo question scales a picked image down (the form's
 * `orx:max-pixels`) in workers it makes from its own code: a `data:` one that probes for
 * OffscreenCanvas, then a `blob:` one that scales; without `blob:` in worker-src the scaling never
 * ends and the photo is never set. Neither can run anything a page script did not already make.
 */
export const FIELD_APP_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "font-src 'self' data:",
  "connect-src 'self' data: blob:",
  "worker-src 'self' blob: data:",
  "manifest-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** Where `npm run build` puts the app: beside the bundle (dist/field/), or dist/field/ of the checkout when running from sources. */
export function builtFieldAppDir(): string {
  const here = import.meta.url;
  return fileURLToPath(here.endsWith('.ts') ? new URL('../../dist/field/', here) : new URL('./field/', here));
}

/** Serves the built app from `dir`; until it is built, /field/ says how to build it (503). */
export function fieldAppRouter(o: { dir: string }): express.Router {
  const router = express.Router();
  let files: FileList | undefined;
  // Read once it exists: a gateway started before `npm run build` serves the app after it.
  const list = (): FileList | undefined => {
    const path = join(o.dir, 'files.json');
    if (!files && existsSync(path)) files = filesSchema.parse(JSON.parse(readFileSync(path, 'utf8'))).files;
    return files;
  };

  router.get(['/field', '/field/:file'], (req, res, next) => {
    // The page's relative URLs (and the service worker's scope) need the trailing slash.
    if (req.path === '/field') {
      res.redirect(301, '/field/');
      return;
    }
    const available = list();
    if (!available) {
      res.status(503).type('text/plain; charset=utf-8').send('The field web app is not built on this gateway: run npm run build, then reload.\n');
      return;
    }
    const name = typeof req.params.file === 'string' ? req.params.file : 'index.html';
    const file = Object.hasOwn(available, name) ? available[name] : undefined;
    if (!file) {
      next();
      return;
    }
    // The smallest the browser takes: brotli, else gzip (asked one by one, as header order would pick gzip first).
    const encoding = file.encodings.find((e) => req.acceptsEncodings(e) === e);
    const variant = encoding === 'br' ? `${name}.br` : encoding === 'gzip' ? `${name}.gz` : name;
    res.set({
      'Content-Type': file.type,
      'Cache-Control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'Content-Security-Policy': FIELD_APP_CSP,
      Vary: 'Accept-Encoding',
    });
    if (encoding) res.set('Content-Encoding', encoding);
    res.sendFile(variant, { root: o.dir, dotfiles: 'deny', etag: true, lastModified: false, cacheControl: false }, (err) => {
      if (err && !res.headersSent) next(err);
    });
  });
  return router;
}
