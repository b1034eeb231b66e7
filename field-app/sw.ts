// The field web app's service worker (Workbox). The app's files are precached at install, so
// after the first load /field/ opens with no network, through reloads and browser restarts.
// The officer's form list, forms, manifests and media are fetched network first and kept, so
// a new form version shows up when online and the last one fetched answers when offline.
// Submissions are never cached or answered here: the page keeps them in IndexedDB.
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, precacheAndRoute } from 'workbox-precaching';
import { registerRoute } from 'workbox-routing';
import { NetworkFirst } from 'workbox-strategies';

declare const self: ServiceWorkerGlobalScope;
/** Every file of the app with its revision, written by scripts/build-field-app.mjs. */
declare const __PRECACHE__: { url: string; revision: string | null }[];

// A new version takes over at once: the page re-reads nothing it holds in memory from the cache.
void self.skipWaiting();
clientsClaim();
cleanupOutdatedCaches();
precacheAndRoute(__PRECACHE__, { directoryIndex: 'index.html', ignoreURLParametersMatching: [/.*/] });

/** Every OpenRosa GET of this origin: form list, forms, manifests, media, wherever the gateway puts them (the token is in the path, so each officer has their own entries). */
const OPENROSA_GET = /^\/openrosa\/key\/[A-Za-z0-9_-]+\//;

registerRoute(
  ({ url, request, sameOrigin }) => sameOrigin && request.method === 'GET' && OPENROSA_GET.test(url.pathname),
  // Only 200 answers are kept; a 403 (revoked link) reaches the page and is never cached.
  // The cache name is also known to state.ts (sign-out deletes the officer's entries).
  new NetworkFirst({ cacheName: 'sauti-field-forms', networkTimeoutSeconds: 4 }),
);
