// Entry point of the field web app (/field/ on the gateway): registers the service worker,
// mounts the page, and sends the outbox whenever there may be a network again.
import { webFormsPlugin } from '@getodk/web-forms';
import { createApp } from 'vue';
import { App } from './app.ts';
import { send, start, state, waiting, workerReady } from './state.ts';

/** How often waiting forms are tried again: `online` events are not trusted to come. */
const RETRY_MS = 20_000;

async function registerWorker(): Promise<void> {
  if (!('serviceWorker' in navigator)) return;
  // The first load's forms were put in the worker's cache by the page: control is all that was missing.
  navigator.serviceWorker.addEventListener('controllerchange', workerReady);
  await navigator.serviceWorker.register('sw.js', { scope: './' });
}

createApp(App).use(webFormsPlugin).mount('#app');
void registerWorker().catch((err: Error) => (state.notice = `Offline use is not available: ${err.message}`));
// Ask the browser not to evict the outbox under storage pressure.
void navigator.storage?.persist?.();
void start();
addEventListener('online', () => void send());
addEventListener('visibilitychange', () => document.visibilityState === 'visible' && void send());
setInterval(() => waiting() > 0 && void send(), RETRY_MS);
