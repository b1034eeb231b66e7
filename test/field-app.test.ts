// The field web app in real headless Chromium (Debian's, driven by playwright-core), against a
// real gateway: first load, then no network at all (the page offline and the gateway's port
// closed), a reload, three forms filled and kept in IndexedDB, the browser closed and opened again
// on the same profile, and the network back: exactly three submissions stored. The form's
// rendering is checked against a stored coarse image of it.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildFieldApp } from '../scripts/build-field-app.mjs';
import { addOfficer } from '../src/engine/field-capture.ts';
import { FIELD_APP_CSP } from '../src/http/field-app.ts';
import { FieldStore } from '../src/store/field-store.ts';
import { testGateway } from './helpers/gateway.ts';
import { pngPhoto } from './helpers/photos.ts';
import { sha256Hex } from '../src/domain/protocol.ts';
import { chromiumPath, requireService } from './helpers/services.ts';
import { luminanceGrid } from './helpers/screenshot.ts';
import { tempDir } from './helpers/tmp.ts';

// Debian's Chromium: one line says so when it is missing (never skipped under CI=true).
const browserProgram = await requireService('chromium');

/** A coarse picture of the empty proposal form (mean luminance per cell), made with SAUTI_UPDATE_REFERENCE=1. */
const REFERENCE = fileURLToPath(new URL('./fixtures/field-app-form.grid.json', import.meta.url));
const GRID = { cols: 12, rows: 24 };

let gw: ReturnType<typeof testGateway>;
let token: string;
let server: Server | undefined;
let port = 0;
let base = '';
const profile = tempDir('sauti-chromium-');
let context: BrowserContext;
/** Requests the gateway received, the token replaced: what the app asked for, and when. */
const requests: string[] = [];
/** Console lines that tell of a Content-Security-Policy violation, and page errors. */
const problems: string[] = [];

/** Listens on `port` (0: any); the same port again after `stop`, as a gateway back in range. */
function listen(): Promise<void> {
  return new Promise((resolve) => {
    const s = createServer((req, res) => {
      requests.push(`${req.method} ${req.url?.replace(token, '<token>')}`);
      gw.app(req, res);
    });
    s.listen(port, '127.0.0.1', () => {
      port = (s.address() as { port: number }).port;
      base = `http://127.0.0.1:${port}`;
      server = s;
      resolve();
    });
  });
}

/** The network goes away: the gateway's port closes, open connections too. */
function stop(): Promise<void> {
  const s = server!;
  server = undefined;
  s.closeAllConnections();
  return new Promise((resolve) => s.close(() => resolve()));
}

async function openBrowser(offline: boolean): Promise<Page> {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--headless'],
    viewport: { width: 412, height: 900 },
    offline,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return page;
}

const count = (page: Page) => page.locator('[data-testid="queue-count"]').getAttribute('data-count');

/** The instanceIDs kept in the device's outbox (IndexedDB), read in the page. */
function outboxKeys(page: Page): Promise<string[]> {
  return page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        // Runs in the browser; typed loosely because the project compiles without the DOM library.
        const open = (globalThis as any).indexedDB.open('sauti-field');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const keys = open.result.transaction('outbox').objectStore('outbox').getAllKeys();
          keys.onsuccess = () => {
            open.result.close();
            resolve([...keys.result].map(String).sort());
          };
        };
      }),
  );
}

async function fillProposal(page: Page, title: string, ward: string, category: string, photo?: { name: string; buffer: Buffer }): Promise<void> {
  await page.getByLabel(ward, { exact: true }).check();
  await page.getByLabel(category, { exact: true }).check();
  await page.getByLabel('Title of the idea').fill(title);
  await page.getByLabel('Description').fill(`${title}: asked for at a door, with no network.`);
  // The photo question: its button opens the file chooser, as a person picks a file.
  if (photo) {
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Choose image' }).click();
    await (await chooser).setFiles({ name: photo.name, mimeType: 'image/png', buffer: photo.buffer });
    // Web Forms scales it (orx:max-pixels) in a worker, then shows it: the answer is set.
    await page.getByAltText('Captured image preview').waitFor();
  }
  await page.getByRole('button', { name: 'Send', exact: true }).click();
}

beforeAll(async () => {
  if (!browserProgram.present) return;
  const dir = join(tempDir('sauti-field-app-'), 'field');
  await buildFieldApp(dir);
  // The real clock: the browser stamps start/end with its own, and the fixture's windows run to 2099.
  gw = testGateway({ fieldAppDir: dir });
  token = addOfficer(new FieldStore(gw.db), gw.deployment, 'Amina Otieno', null, new Date()).token;
  await listen();
}, 180_000);

afterAll(async () => {
  await context?.close();
  if (server) await stop();
});

browserProgram.describe('field web app in Chromium, offline', () => {
  browserProgram.it(
    'first load: signs in from the link, keeps the officer’s forms in its service worker’s cache, and says it works offline',
    async () => {
      const page = await openBrowser(false);
      const response = await page.goto(`${base}/field/#key=${token}`);
      expect(response?.headers()['content-security-policy']).toBe(FIELD_APP_CSP);
      await page.locator('[data-testid="offline-ready"][data-ready="true"]').waitFor({ timeout: 60_000 });
      expect(await page.locator('[data-form-id]').evaluateAll((bs) => bs.map((b) => b.getAttribute('data-form-id')))).toEqual([
        'sauti-vote-c-open',
        'sauti-proposal-c-open',
        'sauti-paper-c-open',
        'sauti-tally-c-open',
      ]);
      // The token left the address bar; it is kept in IndexedDB only.
      expect(page.url()).toBe(`${base}/field/`);
      expect(await count(page)).toBe('0');
      expect(requests).toContain('GET /openrosa/key/<token>/formList');
      expect(requests).toContain('GET /openrosa/key/<token>/forms/sauti-proposal-c-open.xml');
      // Installable: Chromium finds nothing missing (manifest, icons, a service worker with a fetch handler).
      const cdp = await context.newCDPSession(page);
      expect((await cdp.send('Page.getInstallabilityErrors')).installabilityErrors).toEqual([]);
      await cdp.detach();
      // The officer's device counts as contact.
      expect(gw.db.prepare('SELECT last_contact_at FROM field_officers').pluck().get()).not.toBeNull();
    },
    120_000,
  );

  browserProgram.it(
    'renders the form: the screenshot matches the stored picture of the empty proposal form, and its language menu switches it to Kiswahili',
    async () => {
      const page = context.pages()[0]!;
      await page.locator('[data-form-id="sauti-proposal-c-open"]').click();
      await page.getByLabel('Title of the idea').waitFor();
      // The whole page, cut to the form: an element screenshot would scroll the sticky header over it.
      const box = (await page.locator('.odk-form').boundingBox())!;
      const png = await page.screenshot({ fullPage: true, clip: box });
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      const grid = await luminanceGrid(page, png, GRID);
      // Ink: question labels and option text are dark; the Send button carries Web Forms' colour.
      expect(grid.dark).toBeGreaterThan(0.003);
      expect(grid.coloured).toBeGreaterThan(0.002);
      if (process.env.SAUTI_UPDATE_REFERENCE === '1') writeFileSync(REFERENCE, `${JSON.stringify({ ...GRID, cells: grid.cells })}\n`);
      const reference = JSON.parse(readFileSync(REFERENCE, 'utf8')) as { cells: number[] };
      const diffs = grid.cells.map((v, i) => Math.abs(v - reference.cells[i]!));
      // Fonts and anti-aliasing may move a cell a little; a missing style sheet or question moves many a lot.
      expect(diffs.reduce((a, b) => a + b, 0) / diffs.length).toBeLessThan(6);
      expect(diffs.filter((d) => d > 40).length).toBeLessThanOrEqual(3);
      // The form carries every language of the deployment: Web Forms' language menu switches it.
      const language = async (name: string) => {
        await page.locator('.language-changer:visible').click();
        await page.getByRole('option', { name, exact: true }).click();
      };
      await language('Kiswahili (sw)');
      await page.getByLabel('Kichwa cha wazo').waitFor();
      expect(await page.getByLabel('Maji', { exact: true }).count()).toBe(1);
      await language('English (en)');
      await page.getByLabel('Title of the idea').waitFor();
      await page.getByText('← All forms').click();
    },
    60_000,
  );

  browserProgram.it(
    'with no network: reloads, keeps three filled forms in IndexedDB and shows three waiting',
    async () => {
      const page = context.pages()[0]!;
      await context.setOffline(true);
      await stop();
      await page.reload();
      await page.locator('[data-form-id="sauti-proposal-c-open"]').click();
      await fillProposal(page, 'Borehole at Kiboko market', 'North Ward', 'Water', { name: 'kiboko well.png', buffer: pngPhoto() });
      await expect.poll(() => count(page)).toBe('1');
      // Web Forms starts a new, empty instance of the same form.
      await expect.poll(() => page.getByLabel('Title of the idea').inputValue()).toBe('');
      await fillProposal(page, 'Footbridge over the river', 'South Ward', 'Roads & bridges');
      await expect.poll(() => count(page)).toBe('2');
      await page.getByText('← All forms').click();
      await page.locator('[data-form-id="sauti-vote-c-open"]').click();
      // An assisted vote: the resident's consent first, the choices read back before it is kept.
      await page.getByLabel('Yes, they agree', { exact: true }).check();
      await page.getByLabel('Voter id (from the roll)').fill('V-0042');
      await page.getByLabel('North Ward', { exact: true }).check();
      await page.getByLabel(/^1 · Borehole/).check();
      await page.getByLabel(/^7 · Clinic roof/).check();
      await page.getByLabel('Yes, read back and confirmed', { exact: true }).check();
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await expect.poll(() => count(page)).toBe('3');
      expect(await page.locator('[data-testid="queue-count"]').textContent()).toBe('3 forms waiting to send');
      expect(await outboxKeys(page)).toHaveLength(3);
      expect(gw.count('field_submissions')).toBe(0);
    },
    120_000,
  );

  browserProgram.it(
    'after a browser restart, still offline, the three wait; with the network back each is sent once: exactly three stored',
    async () => {
      const kept = await outboxKeys(context.pages()[0]!);
      await context.close();
      let page = await openBrowser(true);
      await page.goto(`${base}/field/`);
      await page.locator('[data-form-id="sauti-vote-c-open"]').waitFor({ timeout: 30_000 });
      await expect.poll(() => count(page)).toBe('3');
      const before = requests.length;
      await listen();
      await context.setOffline(false);
      await expect.poll(() => count(page), { timeout: 60_000 }).toBe('0');
      expect(await page.locator('.sent li').count()).toBe(3);

      const stored = gw.db.prepare('SELECT instance_id FROM field_submissions ORDER BY instance_id').pluck().all();
      expect(stored).toEqual(kept);
      expect(gw.db.prepare("SELECT count(*) FROM events WHERE channel = 'field'").pluck().get()).toBe(3);
      expect(gw.db.prepare('SELECT title FROM proposals ORDER BY title').pluck().all()).toEqual(['Borehole at Kiboko market', 'Footbridge over the river']);
      // The photo picked offline was kept in IndexedDB across the restart and sent with its idea: cleaned, named by digest.
      const ideas = (gw.db.prepare("SELECT payload FROM events WHERE type = 'proposal.submitted'").pluck().all() as string[]).map((p) => JSON.parse(p));
      // (Web Forms re-encodes it while scaling, so its digest is the gateway's to compute.)
      const named = ideas.find((i) => i.title === 'Borehole at Kiboko market')?.photo as { sha256: string; bytes: number };
      expect(named).toEqual({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: expect.any(Number) });
      expect(ideas.find((i) => i.title === 'Footbridge over the river')?.photo).toBeUndefined();
      const photos = gw.db.prepare('SELECT sha256, bytes, content_type, audio FROM voice_recordings').all() as {
        sha256: string;
        bytes: number;
        content_type: string;
        audio: Buffer;
      }[];
      expect(photos).toEqual([
        { sha256: named.sha256, bytes: named.bytes, content_type: expect.stringMatching(/^image\/(png|jpeg|webp)$/), audio: expect.any(Buffer) },
      ]);
      expect(sha256Hex(photos[0]!.audio)).toBe(named.sha256);
      const vote = gw.db.prepare("SELECT payload FROM events WHERE type = 'vote.cast'").pluck().get() as string;
      expect(JSON.parse(vote)).toMatchObject({ wardId: 'north', picks: [1, 7] });
      const posts = requests.slice(before).filter((r) => r === 'POST /openrosa/key/<token>/submission');
      expect(posts).toHaveLength(3);

      // Opened again online: nothing is sent twice.
      await context.close();
      page = await openBrowser(false);
      await page.goto(`${base}/field/`);
      await page.locator('[data-form-id="sauti-vote-c-open"]').waitFor();
      expect(await count(page)).toBe('0');
      expect(gw.count('field_submissions')).toBe(3);
      expect(problems).toEqual([]);
    },
    120_000,
  );

  browserProgram.it(
    'a lost 201 is sent again and stored once; a 200 (a Wi-Fi login page) is not success; a 4xx is kept as refused with its reason; a revoked link keeps forms waiting',
    async () => {
      // A fresh profile, no service worker: Playwright routes only the page's own requests.
      const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--headless'] });
      const page = await (await browser.newContext({ serviceWorkers: 'block', viewport: { width: 412, height: 900 } })).newPage();
      let answer: 'lose' | 'portal' | 'refuse' | 'gateway' = 'lose';
      const seen: string[] = [];
      await page.route('**/openrosa/key/*/submission', async (route) => {
        seen.push(answer);
        if (answer === 'lose') {
          // The gateway stores it and answers 201, but the answer never reaches the phone.
          await route.fetch();
          answer = 'gateway';
          return route.abort('connectionreset');
        }
        if (answer === 'portal') return route.fulfill({ status: 200, contentType: 'text/html', body: '<html><body>Sign in to FreeWiFi</body></html>' });
        if (answer === 'refuse') {
          const body = '<OpenRosaResponse xmlns="http://openrosa.org/http/response"><message nature="error">Voting has closed.</message></OpenRosaResponse>';
          return route.fulfill({ status: 409, contentType: 'text/xml', headers: { 'X-OpenRosa-Version': '1.0' }, body });
        }
        return route.continue();
      });
      await page.goto(`${base}/field/#key=${token}`);
      const stored = gw.count('field_submissions');
      await page.locator('[data-form-id="sauti-proposal-c-open"]').click();
      await fillProposal(page, 'Market shade', 'North Ward', 'Health');
      // Sent once (stored, answer lost), then again at the next try: 201 again, stored once.
      await expect.poll(() => gw.count('field_submissions')).toBe(stored + 1);
      await page.getByText('← All forms').click();
      await page.getByRole('button', { name: 'Send now' }).click();
      await expect.poll(() => count(page)).toBe('0');
      expect(seen).toEqual(['lose', 'gateway']);
      expect(gw.count('field_submissions')).toBe(stored + 1);

      answer = 'portal';
      await page.locator('[data-form-id="sauti-proposal-c-open"]').click();
      await fillProposal(page, 'School latrines', 'South Ward', 'Health');
      await expect.poll(() => page.locator('.notice').textContent()).toMatch(/1 waiting to send: .*Wi-Fi login page/);
      expect(await count(page)).toBe('1');

      answer = 'refuse';
      await page.getByText('← All forms').click();
      await page.getByRole('button', { name: 'Send now' }).click();
      await expect.poll(() => page.locator('.outbox li.refused').textContent()).toContain('Voting has closed.');
      expect(await count(page)).toBe('0');
      await page.locator('.outbox li.refused').getByRole('button', { name: 'Remove' }).click();
      await expect.poll(() => page.locator('.outbox li').count()).toBe(0);

      answer = 'gateway';
      const officer = new FieldStore(gw.db).officers()[0]!;
      expect(new FieldStore(gw.db).revoke(officer.id, new Date().toISOString())).toBe('revoked');
      await page.locator('[data-form-id="sauti-proposal-c-open"]').click();
      await fillProposal(page, 'Bus shelter', 'North Ward', 'Roads & bridges');
      await page.getByText('← All forms').click();
      await expect.poll(() => page.locator('.card .problem').first().textContent()).toMatch(/This link has been revoked/);
      expect(await count(page)).toBe('1');
      expect(gw.count('field_submissions')).toBe(stored + 1);
      await browser.close();
    },
    120_000,
  );

  browserProgram.it(
    'a form with media: the manifest’s files reach Web Forms (a CSV list of choices), fetched on the page’s own origin',
    async () => {
      // Sauti's own forms carry no media yet, so the gateway's answers are stood in for here.
      const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--headless'] });
      const page = await (await browser.newContext({ serviceWorkers: 'block' })).newPage();
      const officerBase = `https://sauti.example.org/openrosa/key/${token}`;
      const xml = (body: string) => ({ status: 200, contentType: 'text/xml', headers: { 'X-OpenRosa-Version': '1.0' }, body });
      const fetched: string[] = [];
      await page.route('**/openrosa/key/*/**', (route) => {
        const path = new URL(route.request().url()).pathname.replace(token, '<token>');
        fetched.push(path);
        if (path.endsWith('/formList'))
          return route.fulfill(
            xml(
              `<xforms xmlns="http://openrosa.org/xforms/xformsList"><xform><formID>media-check</formID><name>Media check</name><version>1</version>` +
                `<hash>md5:0</hash><downloadUrl>${officerBase}/forms/media-check.xml</downloadUrl><manifestUrl>${officerBase}/forms/media-check/manifest</manifestUrl></xform></xforms>`,
            ),
          );
        if (path.endsWith('/forms/media-check.xml')) return route.fulfill(xml(MEDIA_FORM));
        if (path.endsWith('/manifest'))
          return route.fulfill(
            xml(
              `<manifest xmlns="http://openrosa.org/xforms/xformsManifest"><mediaFile><filename>places.csv</filename><hash>md5:0</hash>` +
                `<downloadUrl>${officerBase}/forms/media-check/places.csv</downloadUrl></mediaFile></manifest>`,
            ),
          );
        if (path.endsWith('/places.csv'))
          return route.fulfill({ status: 200, contentType: 'text/csv', body: 'name,label\nkiboko,Kiboko market\nmto,Mto wa Mbu\n' });
        return route.fulfill({ status: 404 });
      });
      await page.goto(`${base}/field/#key=${token}`);
      await page.locator('[data-form-id="media-check"]').click();
      await page.getByLabel('Mto wa Mbu').check();
      expect(await page.getByLabel('Kiboko market').isChecked()).toBe(false);
      // Every path on the page's origin (the form list names another host: SAUTI_PUBLIC_URL).
      expect(fetched).toEqual(
        expect.arrayContaining(['/openrosa/key/<token>/forms/media-check/manifest', '/openrosa/key/<token>/forms/media-check/places.csv']),
      );
      await browser.close();
    },
    60_000,
  );
});

/** An XForm whose choices come from a CSV file its manifest lists. */
const MEDIA_FORM = `<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms">
<h:head><h:title>Media check</h:title><model>
<instance><data id="media-check" version="1"><place/><orx:meta><orx:instanceID/></orx:meta></data></instance>
<instance id="places" src="jr://file-csv/places.csv"/>
<bind nodeset="/data/place" type="string"/>
<bind nodeset="/data/orx:meta/orx:instanceID" type="string" readonly="true()" jr:preload="uid"/>
</model></h:head>
<h:body><select1 ref="/data/place"><label>Place</label><itemset nodeset="instance('places')/root/item"><value ref="name"/><label ref="label"/></itemset></select1></h:body>
</h:html>`;
