// Milestone photos from the console: a reviewer records an implementation update with a photo in
// a multipart form (no script); the photo's type is read from its bytes, its metadata cut, its
// digest chained in the update, its bytes kept by the ledger and served publicly by digest, and
// `ledger verify` finds them changed or gone. Refused: a file that is not an image, one too
// large, a form without the session's CSRF token (or with it after the file), a role that may not.
import type { Server } from 'node:http';
import { chromium } from 'playwright-core';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import { sha256Hex } from '../src/domain/protocol.ts';
import { MAX_PHOTO_BYTES } from '../src/domain/photo.ts';
import { verifyChain } from '../ledger/verify.ts';
import { listAudit } from '../console/audit.ts';
import { type Backend, ledgerBackends } from './helpers/ledger.ts';
import { closedCycleLedger, LATER } from './helpers/closed-cycle.ts';
import { PASSWORD, seedTeam, sessionCsrf, signIn } from './helpers/console.ts';
import { jpegWithExif, pngPhoto } from './helpers/photos.ts';
import { chromiumPath, requireService } from './helpers/services.ts';

const BACKENDS = await ledgerBackends();

/** A ledger whose cycle c-open closed and was published with project 7 among the winners, and its console's team. */
async function setup(backend: Backend) {
  const { ledger, setNow } = await closedCycleLedger(backend);
  // Months after the vote: the updates below are dated 2027, and a day after today is refused.
  setNow(LATER);
  await seedTeam(ledger);
  const app = createLedgerApp(ledger, createLogger('silent'));
  return { ledger, app };
}

const MILESTONE = { 'milestone.en': 'Walls up', 'milestone.sw': 'Kuta zimesimama', 'milestone.fr': 'Murs montés' };

/** Posts the console's implementation form as a browser does: _csrf first, then the fields, then the file. */
function postUpdate(
  agent: ReturnType<typeof request.agent>,
  csrf: string | undefined,
  fields: Record<string, string>,
  photo?: { bytes: Buffer; name: string; type: string },
  path = '/console/implementation/c-open/7',
) {
  let r = agent.post(path);
  if (csrf !== undefined) r = r.field('_csrf', csrf);
  for (const [k, v] of Object.entries(fields)) r = r.field(k, v);
  return photo ? r.attach('photo', photo.bytes, { filename: photo.name, contentType: photo.type }) : r.attach('photo', Buffer.alloc(0), { filename: '' });
}

describe.each(BACKENDS)('milestone photos on %s', (backend) => {
  it('a reviewer records an update with a photo: cleaned, chained by digest, served publicly, shown, checked by verify', async () => {
    const { ledger, app } = await setup(backend);
    try {
      const agent = request.agent(app);
      expect((await signIn(agent, 'reviewer')).status).toBe(303);
      const page = await agent.get('/console/implementation');
      expect(page.status).toBe(200);
      expect(page.text).toContain('enctype="multipart/form-data"');
      // The token comes before the file field in the form, so the server can check it first.
      const form = page.text.slice(page.text.indexOf('action="/console/implementation/c-open/7"'));
      expect(form.indexOf('name="_csrf"')).toBeGreaterThan(0);
      expect(form.indexOf('name="_csrf"')).toBeLessThan(form.indexOf('name="status"'));
      expect(form.indexOf('name="status"')).toBeLessThan(form.indexOf('type="file"'));
      const csrf = await sessionCsrf(agent, '/console/implementation');
      const sent = pngPhoto();
      const res = await postUpdate(
        agent,
        csrf,
        { status: 'in-progress', progress: '60', date: '2027-03-01', ...MILESTONE },
        { bytes: sent, name: 'site.png', type: 'image/png' },
      );
      expect(res.status).toBe(303);
      expect(res.headers.location).toMatch(/^\/console\/implementation\?notice=saved/);

      const [u] = await ledger.implementation('c-open');
      const clean = pngPhoto(64, 48, [30, 120, 60], true);
      expect(u).toMatchObject({ code: 7, status: 'in-progress', progress: 60, date: '2027-03-01', photo: sha256Hex(clean) });
      // The chained payload names the digest of the cleaned bytes, never of what was sent.
      const entry = await ledger.conn.db.selectFrom('ledger_events').select('payload').where('seq', '=', u!.seq).executeTakeFirstOrThrow();
      expect(JSON.parse(entry.payload).photo).toBe(sha256Hex(clean));
      expect(JSON.parse(entry.payload).photo).not.toBe(sha256Hex(sent));
      // Who recorded it is in the audit trail (the update itself names nobody).
      const audit = await listAudit(ledger.conn.db, { limit: 5 });
      expect(audit[0]).toMatchObject({ actor: 'reviewer', action: 'implementation.recorded', subject: 'implementation:c-open/7' });

      // Public, by digest, without a session: its type, nosniff, cached for good.
      const anon = request(app);
      const photo = await anon.get(`/results/photos/${u!.photo}`).buffer(true);
      expect(photo.status).toBe(200);
      expect(photo.headers['content-type']).toBe('image/png');
      expect(photo.headers['x-content-type-options']).toBe('nosniff');
      expect(photo.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(Buffer.from(photo.body as Buffer).equals(clean)).toBe(true);
      expect(Buffer.from(photo.body as Buffer).includes(Buffer.from('GPS'))).toBe(false);
      expect((await anon.get(`/results/photos/${u!.photo}`).set('If-None-Match', `"${u!.photo}"`)).status).toBe(304);
      expect((await anon.get(`/results/photos/${'0'.repeat(64)}`)).status).toBe(404);
      expect((await anon.get('/results/photos/..%2F..%2Fetc')).status).toBe(404);

      // The results page's timeline and the console show it with its milestone as alt text; open data carries the digest.
      const results = await anon.get('/results/c-open?lang=sw');
      expect(results.text).toContain(`<img class="photo" src="/results/photos/${u!.photo}" alt="Kuta zimesimama"`);
      expect((await agent.get('/console/implementation')).text).toContain(`src="/results/photos/${u!.photo}" alt="Walls up"`);
      expect((await anon.get('/results/c-open/implementation.csv')).text).toContain(u!.photo!);

      // The same form sent again records nothing more.
      const again = await postUpdate(
        agent,
        csrf,
        { status: 'in-progress', progress: '60', date: '2027-03-01', ...MILESTONE },
        { bytes: sent, name: 'site.png', type: 'image/png' },
      );
      expect(again.headers.location).toMatch(/notice=unchanged/);
      expect(await ledger.implementation('c-open')).toHaveLength(1);

      // A JPEG: its EXIF (GPS) is cut too. A later update without a photo has none.
      const jpeg = await postUpdate(
        agent,
        csrf,
        { status: 'in-progress', progress: '80', date: '2027-04-01' },
        { bytes: jpegWithExif(), name: 'roof.jpg', type: 'image/jpeg' },
      );
      expect(jpeg.status).toBe(303);
      const noPhoto = await postUpdate(agent, csrf, { status: 'completed', date: '2027-05-01' });
      expect(noPhoto.status).toBe(303);
      const all = await ledger.implementation('c-open');
      expect(all.map((x) => x.photo === null)).toEqual([false, false, true]);
      const stored = await ledger.photo(all[1]!.photo!);
      expect(stored?.contentType).toBe('image/jpeg');
      expect(stored!.data.includes(Buffer.from('GPSLatitude'))).toBe(false);

      expect((await verifyChain(ledger.conn.db)).ok).toBe(true);
      // The stored bytes changed: verify names the update's entry.
      const tampered = Buffer.from(clean);
      tampered[tampered.length - 20] = tampered[tampered.length - 20]! ^ 1;
      await ledger.conn.db.updateTable('ledger_photos').set({ data: tampered }).where('sha256', '=', u!.photo!).execute();
      expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: false, seq: u!.seq, problem: expect.stringMatching(/does not hash to its digest/) });
      // Gone: verify says so.
      await ledger.conn.db.deleteFrom('ledger_photos').where('sha256', '=', u!.photo!).execute();
      expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: false, seq: u!.seq, problem: expect.stringMatching(/is missing/) });
    } finally {
      await ledger.close();
    }
  });

  it('a form cut off inside its photo (a dropped connection) is answered 400, and the console keeps answering', async () => {
    const { ledger, app } = await setup(backend);
    try {
      const agent = request.agent(app);
      await signIn(agent, 'admin');
      const csrf = await sessionCsrf(agent, '/console/implementation');
      const cut = Buffer.from(
        `--XYZ\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n` +
          '--XYZ\r\nContent-Disposition: form-data; name="status"\r\n\r\nin-progress\r\n' +
          '--XYZ\r\nContent-Disposition: form-data; name="photo"; filename="p.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n',
      );
      const res = await agent.post('/console/implementation/c-open/7').set('Content-Type', 'multipart/form-data; boundary=XYZ').send(cut);
      expect(res.status).toBe(400);
      expect((await agent.get('/console/implementation')).status).toBe(200);
    } finally {
      await ledger.close();
    }
  });

  it('refuses a file that is not an image, one too large, a missing or late CSRF token, a role that may not, and multipart elsewhere', async () => {
    const { ledger, app } = await setup(backend);
    try {
      const agent = request.agent(app);
      await signIn(agent, 'admin');
      const csrf = await sessionCsrf(agent, '/console/implementation');
      const fields = { status: 'in-progress', progress: '10' };

      // Named and labelled a JPEG, but HTML inside: its bytes decide.
      const html = await postUpdate(agent, csrf, fields, { bytes: Buffer.from('<html><script>alert(1)</script></html>'), name: 'a.jpg', type: 'image/jpeg' });
      expect(html.status).toBe(400);
      expect(html.text).toContain('must be a JPEG, PNG or WebP');
      // Typed values come back in the form.
      expect(html.text).toContain('value="10"');

      const big = Buffer.concat([pngPhoto(), Buffer.alloc(MAX_PHOTO_BYTES)]);
      const tooBig = await postUpdate(agent, csrf, fields, { bytes: big, name: 'big.png', type: 'image/png' });
      expect(tooBig.status).toBe(413);
      expect(tooBig.text).toContain('The photo is larger than 5 MB');

      const wrong = await postUpdate(agent, 'not-the-token', fields, { bytes: pngPhoto(), name: 'p.png', type: 'image/png' });
      expect(wrong.status).toBe(403);
      const none = await postUpdate(agent, undefined, fields, { bytes: pngPhoto(), name: 'p.png', type: 'image/png' });
      expect(none.status).toBe(403);
      // The right token, but after the file: the file was not read, so the form is refused.
      const late = await agent
        .post('/console/implementation/c-open/7')
        .attach('photo', pngPhoto(), { filename: 'p.png', contentType: 'image/png' })
        .field('_csrf', csrf)
        .field('status', 'in-progress');
      expect(late.status).toBe(403);
      // Without a file, a missing token is refused too.
      expect((await postUpdate(agent, undefined, fields)).status).toBe(403);

      // Multipart to a form that takes none is refused before any route reads it.
      const elsewhere = await agent.post('/console/language').field('_csrf', csrf).field('lang', 'sw');
      expect(elsewhere.status).toBe(403);

      // A coordinator reads the page but may not record.
      const coordinator = request.agent(app);
      await signIn(coordinator, 'coordinator');
      const page = await coordinator.get('/console/implementation');
      expect(page.status).toBe(200);
      expect(page.text).not.toContain('type="file"');
      const c = await postUpdate(coordinator, await sessionCsrf(coordinator, '/console/implementation'), fields, {
        bytes: pngPhoto(),
        name: 'p.png',
        type: 'image/png',
      });
      expect(c.status).toBe(403);

      // A project that did not win: the ledger's reason, on the form.
      const loser = await postUpdate(agent, csrf, fields, undefined, '/console/implementation/c-open/4');
      expect(loser.status).toBe(400);
      expect(loser.text).toMatch(/project 4 did not win in c-open/);

      expect(await ledger.implementation('c-open')).toEqual([]);
      expect(await ledger.conn.db.selectFrom('ledger_photos').select('sha256').execute()).toEqual([]);
    } finally {
      await ledger.close();
    }
  });
});

const browserProgram = await requireService('chromium');

browserProgram.describe('a milestone photo from the console to the public results page in Chromium', () => {
  it('a reviewer uploads it with JavaScript off; it is drawn in the project’s timeline with its alt text and fits a 360 px phone', async () => {
    const { ledger, app } = await setup('sqlite');
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--headless'] });
    try {
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      // The console's own form, as a browser without script sends it (multipart, the token first).
      const team = await browser.newContext({ javaScriptEnabled: false });
      const console_ = await team.newPage();
      await console_.goto(`${base}/console/sign-in`);
      await console_.getByLabel('Name').fill('reviewer');
      await console_.getByLabel('Password').fill(PASSWORD);
      await console_.getByRole('button', { name: 'Sign in' }).click();
      await console_.getByRole('link', { name: 'Implementation', exact: true }).click();
      const form = console_.locator('form[action="/console/implementation/c-open/7"]');
      await form.getByLabel('Status').selectOption('in-progress');
      await form.getByLabel('Progress (%)').fill('50');
      await form.getByLabel('Date (YYYY-MM-DD; empty for today)').fill('2027-03-01');
      for (const [key, text] of Object.entries(MILESTONE)) await form.locator(`input[name="${key}"]`).fill(text);
      await form.getByLabel('Photo', { exact: true }).setInputFiles({ name: 'wide.png', mimeType: 'image/png', buffer: pngPhoto(1200, 800) });
      await form.getByRole('button', { name: 'Record update' }).click();
      await expect.poll(() => console_.getByRole('status').innerText()).toMatch(/^Update recorded in the ledger/);
      expect(await console_.getByRole('img', { name: 'Walls up' }).count()).toBe(1);
      await team.close();
      expect((await ledger.implementation('c-open')).map((u) => u.photo)).toEqual([sha256Hex(pngPhoto(1200, 800, [30, 120, 60], true))]);
      const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${base}/results/c-open?lang=en`);
      const img = page.getByRole('img', { name: 'Walls up' });
      await img.scrollIntoViewIfNeeded();
      await expect
        .poll(() =>
          img.evaluate(
            (el) => (el as unknown as { complete: boolean; naturalWidth: number }).complete && (el as unknown as { naturalWidth: number }).naturalWidth,
          ),
        )
        .toBe(1200);
      const box = (await img.boundingBox())!;
      expect(box.width).toBeLessThanOrEqual(360);
      expect(box.width).toBeGreaterThan(200);
      expect(await page.evaluate('document.scrollingElement.scrollWidth')).toBeLessThanOrEqual(360);
      await context.close();
    } finally {
      await browser.close();
      await new Promise<void>((r) => server.close(() => r()));
      await ledger.close();
    }
  });
});
