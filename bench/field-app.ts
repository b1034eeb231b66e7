// `npm run bench:field-app`: the field web app's first load on a phone-like network. Builds the
// bundle and the app (npm run build), starts the gateway as `npm start` does, and opens
// /field/#key=<token> in Debian's headless Chromium with a fresh profile (nothing cached),
// RUNS times (default 3) per network:
//   - "slow 3G (CDP)": DevTools' Slow 3G profile through CDP Network.emulateNetworkConditions
//     (2,000 ms latency, 50,000 bytes/s each way). It applies to the page's requests only, not to
//     the service worker's;
//   - "slow 3G (wire)": the same figures applied by the TCP relay in front of the gateway to every
//     byte, the page's and the worker's: 1,000 ms each way and one 50,000 bytes/s link each way;
//   - "unthrottled".
// Per run:
//   - page KB: bytes the page itself received, compressed, as CDP's encodedDataLength counts;
//   - wire KB: every byte the gateway sent on that load, counted at the relay: the page's requests
//     and the service worker's (its precache, the lazy map chunk, the forms again);
//   - forms s: from navigation until the officer's form list shows;
//   - form s: until the first form is drawn (Web Forms has parsed the XForm);
//   - offline s: until the app says "Works offline" (the worker controls the page and has the forms).
// Then a second visit on the last profile of each slow network: what coming back costs.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { openDatabase } from '../src/store/db.ts';
import { FieldStore } from '../src/store/field-store.ts';
import { addOfficer } from '../src/engine/field-capture.ts';
import { loadDeployment } from '../src/config/load.ts';
import { startBenchGateway, stop } from './lib.ts';

const RUNS = Number(process.env.RUNS ?? 3);
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/** Chrome DevTools' "Slow 3G" preset (500 kbit/s × 0.8, 400 ms × 5). */
const SLOW_3G = { offline: false, latency: 2000, downloadThroughput: 50_000, uploadThroughput: 50_000 };

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'sauti-bench-field-app-'));
const dbFile = join(dir, 'gateway.db');
const db = openDatabase(dbFile);
const { token } = addOfficer(new FieldStore(db), loadDeployment(`${root}test/fixtures/deployment.yaml`), 'Bench Officer', null, new Date());
db.close();
const { child, url } = await startBenchGateway(root, dbFile);

/** One direction of an emulated link: a byte leaves after those queued before it, then travels `delayMs`. */
class Link {
  private freeAt = 0;
  constructor(
    private readonly bytesPerS: number,
    private readonly delayMs: number,
  ) {}
  /** When a chunk handed over now arrives at the other end (ms, performance.now()). */
  arrival(bytes: number): number {
    const start = Math.max(performance.now(), this.freeAt);
    this.freeAt = start + (bytes / this.bytesPerS) * 1000;
    return this.freeAt + this.delayMs;
  }
}

/** A TCP relay in front of the gateway: counts the bytes it sends back and, when `wire` is set, slows every byte. */
let wireBytes = 0;
let wire: { down: Link; up: Link } | undefined;
const relay: Server = createServer((client) => {
  const upstream = connect(Number(new URL(url).port), '127.0.0.1');
  const pass = (to: Socket, link: Link | undefined) => (d: Buffer) => {
    if (!link) return void to.write(d);
    // Arrival times only grow along one link, so the chunks keep their order.
    setTimeout(() => to.write(d), link.arrival(d.length) - performance.now());
  };
  upstream.on('data', (d: Buffer) => {
    wireBytes += d.length;
    pass(client, wire?.down)(d);
  });
  client.on('data', (d: Buffer) => pass(upstream, wire?.up)(d));
  const end = () => (client.destroy(), upstream.destroy());
  client.on('error', end);
  upstream.on('error', end);
  client.on('close', end);
  upstream.on('close', end);
});
await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
const base = `http://127.0.0.1:${(relay.address() as { port: number }).port}`;

interface Run {
  pageKb: number;
  wireKb: number;
  formsS: number;
  formS: number;
  offlineS: number;
}

type Network = 'slow 3G (CDP)' | 'slow 3G (wire)' | 'unthrottled';

async function measure(page: Page, path: string, network: Network): Promise<Run> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
  if (network === 'slow 3G (CDP)') await cdp.send('Network.emulateNetworkConditions', SLOW_3G);
  wire =
    network === 'slow 3G (wire)'
      ? { down: new Link(SLOW_3G.downloadThroughput, SLOW_3G.latency / 2), up: new Link(SLOW_3G.uploadThroughput, SLOW_3G.latency / 2) }
      : undefined;
  let pageBytes = 0;
  cdp.on('Network.loadingFinished', (e) => (pageBytes += e.encodedDataLength));
  wireBytes = 0;
  const t0 = performance.now();
  const since = () => (performance.now() - t0) / 1000;
  await page.goto(base + path, { waitUntil: 'commit' });
  await page.locator('[data-form-id]').first().waitFor({ timeout: 300_000 });
  const formsS = since();
  const [offlineS, formS] = await Promise.all([
    page.locator('[data-testid="offline-ready"][data-ready="true"]').waitFor({ timeout: 300_000 }).then(since),
    (async () => {
      await page.locator('[data-form-id="sauti-proposal-c-open"]').click();
      await page.locator('.odk-form').waitFor({ timeout: 300_000 });
      const s = since();
      await page.getByText('← All forms').click();
      return s;
    })(),
  ]);
  await cdp.detach();
  return { pageKb: pageBytes / 1024, wireKb: wireBytes / 1024, formsS, formS, offlineS };
}

const line = (name: string, r: Run) =>
  `${name.padEnd(32)} ${r.pageKb.toFixed(0).padStart(8)} ${r.wireKb.toFixed(0).padStart(8)} ${r.formsS.toFixed(1).padStart(8)} ${r.formS.toFixed(1).padStart(8)} ${r.offlineS.toFixed(1).padStart(10)}`;

try {
  console.log(`field web app first load, fresh profile each run (${RUNS} runs per network)`);
  console.log(
    `${'run'.padEnd(32)} ${'page KB'.padStart(8)} ${'wire KB'.padStart(8)} ${'forms s'.padStart(8)} ${'form s'.padStart(8)} ${'offline s'.padStart(10)}`,
  );
  for (const network of ['slow 3G (CDP)', 'slow 3G (wire)', 'unthrottled'] as const) {
    for (let i = 1; i <= RUNS; i++) {
      const profile = mkdtempSync(join(dir, 'profile-'));
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--headless'],
        viewport: { width: 412, height: 900 },
      });
      const page = context.pages()[0] ?? (await context.newPage());
      console.log(line(`${network}, first load ${i}`, await measure(page, `/field/#key=${token}`, network)));
      if (network !== 'unthrottled' && i === RUNS) console.log(line(`${network}, second visit`, await measure(page, '/field/', network)));
      await context.close();
    }
  }
} finally {
  relay.close();
  await stop(child);
  rmSync(dir, { recursive: true, force: true });
}
