// Builds the field web app (field-app/) into static files the gateway serves at /field/:
// the page and ODK Web Forms (a Vue component library) bundled and minified by esbuild, with
// content-hashed names; the service worker with the list of files it precaches; and a gzip
// and a brotli copy of every text file, which the gateway sends to browsers that accept them.
// `files.json` lists what the gateway may serve. Run by scripts/build.mjs (npm run build).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const SRC = new URL('../field-app/', import.meta.url).pathname;

/** What ODK Web Forms itself needs (ES2022); Chrome on Android updates through the Play store. */
const TARGET = ['chrome109', 'firefox115', 'safari16'];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Web Forms embeds 27 Roboto faces as base64 in its CSS (1.2 MB of the 2.9 MB bundle). Roboto is
 * Android's own system font, and the CSS falls back to sans-serif elsewhere: the embedded faces are
 * dropped, which more than halves what an officer downloads on first load (docs/benchmarks.md).
 */
const dropEmbeddedFonts = {
  name: 'drop-embedded-fonts',
  setup(b) {
    b.onLoad({ filter: /@getodk[\\/]web-forms[\\/]dist[\\/]index\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const faces = source.match(/@font-face\{[^}]*\}/g) ?? [];
      const warnings = faces.length === 0 ? [{ text: 'no embedded @font-face found in @getodk/web-forms: the bundle keeps whatever it embeds' }] : [];
      return { contents: source.replace(/@font-face\{[^}]*\}/g, ''), loader: 'js', warnings };
    });
  },
};

const typeOf = (name) => TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream';
const md5 = (bytes) => createHash('md5').update(bytes).digest('hex');

/**
 * Builds into `outdir` (emptied first). Returns the file list the gateway serves:
 * `{ files: { [name]: { type, immutable, encodings } } }`, also written to `files.json`.
 */
export async function buildFieldApp(outdir) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const app = await build({
    entryPoints: { app: join(SRC, 'main.ts') },
    outdir,
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: TARGET,
    minify: true,
    metafile: true,
    plugins: [dropEmbeddedFonts],
    // Licences of the bundled packages (Apache-2.0 Web Forms, MIT Vue, …) go to one file beside the code.
    legalComments: 'linked',
    define: {
      'process.env.NODE_ENV': '"production"',
      __VUE_OPTIONS_API__: 'true',
      __VUE_PROD_DEVTOOLS__: 'false',
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    },
    logLevel: 'warning',
  });
  const outputs = Object.keys(app.metafile.outputs).map((p) => basename(p));
  const entry = outputs.find((n) => /^app-[A-Z0-9]+\.js$/.test(n));
  // Every file but the page gets a content-hashed name: the service worker's precache then takes it
  // from the HTTP cache the page just filled, where a file with a revision costs a round trip.
  const hashedCopy = (name, bytes = readFileSync(join(SRC, name))) => {
    const dot = name.lastIndexOf('.');
    const out = `${name.slice(0, dot)}-${md5(bytes).slice(0, 8)}${name.slice(dot)}`;
    writeFileSync(join(outdir, out), bytes);
    return out;
  };
  const style = hashedCopy('style.css');
  const icons = { 'icon-192.png': hashedCopy('icon-192.png'), 'icon-512.png': hashedCopy('icon-512.png') };
  const manifestJson = JSON.parse(readFileSync(join(SRC, 'manifest.webmanifest'), 'utf8'));
  for (const icon of manifestJson.icons) icon.src = icons[icon.src];
  const manifest = hashedCopy('manifest.webmanifest', Buffer.from(`${JSON.stringify(manifestJson, null, 2)}\n`));
  const html = readFileSync(join(SRC, 'index.html'), 'utf8')
    .replace('%STYLE%', style)
    .replace('%APP%', entry)
    .replace('%MANIFEST%', manifest)
    .replace('%ICON%', icons['icon-192.png']);
  writeFileSync(join(outdir, 'index.html'), html);

  // Hashed names never change content: precached without a revision. The page by its MD5.
  const hashed = [...outputs, style, manifest, ...Object.values(icons)];
  const precache = [
    ...hashed.filter((n) => !n.endsWith('.txt')).map((url) => ({ url, revision: null })),
    { url: 'index.html', revision: md5(readFileSync(join(outdir, 'index.html'))) },
  ];
  await build({
    entryPoints: { sw: join(SRC, 'sw.ts') },
    outdir,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: TARGET,
    minify: true,
    legalComments: 'none',
    define: { __PRECACHE__: JSON.stringify(precache), 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });

  const files = {};
  const names = [...hashed, 'index.html', 'sw.js'];
  for (const name of names.filter((n) => !n.endsWith('.map'))) {
    const type = typeOf(name);
    const encodings = [];
    if (!type.startsWith('image/')) {
      const bytes = readFileSync(join(outdir, name));
      writeFileSync(
        join(outdir, `${name}.br`),
        brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }),
      );
      writeFileSync(join(outdir, `${name}.gz`), gzipSync(bytes, { level: 9 }));
      encodings.push('br', 'gzip');
    }
    files[name] = { type, immutable: hashed.includes(name), encodings };
  }
  const list = { files };
  writeFileSync(join(outdir, 'files.json'), `${JSON.stringify(list, null, 2)}\n`);
  return list;
}
