// The public results page in real headless Chromium (Debian's, driven by playwright-core), with
// JavaScript switched off as on many phones: tables, winners, accessible SVG charts, language
// links, open data links — and a screenshot that shows something was actually drawn.
import { createPrivateKey } from 'node:crypto';
import type { Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import { decodeBatch, newKeyPair } from '../src/domain/protocol.ts';
import { buildBatch } from '../sync/batch.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { eventFactory, testLedger } from './helpers/ledger.ts';
import { testDeployment } from './helpers/deployment.ts';
import { chromiumPath, requireService } from './helpers/services.ts';
import { inkOf } from './helpers/screenshot.ts';
import { seedProposals } from './helpers/console.ts';
import { COMMAND_LINE } from '../console/accounts.ts';
import { reviewProposal } from '../console/proposals.ts';
import { mergeProposal } from '../console/merges.ts';
import { setPublicTitle } from '../console/public-ideas.ts';
import { verifyConsoleTrail } from '../console/audit.ts';
import { renderCycle } from '../src/http/results-page.ts';

// Debian's Chromium: one line says so when it is missing (never skipped under CI=true).
const browserProgram = await requireService('chromium');
let browser: Browser;
let server: Server;
let base: string;
let ledger: Ledger;
let ideaIds: string[];
/** The gateway syncing with nothing to send: it has delivered everything. */
let heartbeat: () => Promise<unknown>;
let now = new Date('2026-11-25T09:00:00Z');

beforeAll(async () => {
  const d = testDeployment((r) => {
    r.cycles[0].phases = {
      proposals: { opens: '2020-01-01T00:00:00+03:00', closes: '2026-06-01T00:00:00+03:00' },
      voting: { opens: '2020-01-01T00:00:00+03:00', closes: '2026-11-30T18:00:00Z' },
    };
    // Next year's cycle: its ideas are coming in while this year's vote runs.
    r.cycles.push({
      id: 'c-next',
      name: { en: 'Next cycle', sw: 'Mzunguko ujao', fr: 'Cycle suivant' },
      phases: {
        proposals: { opens: '2026-11-01T00:00:00+03:00', closes: '2027-05-31T00:00:00+03:00' },
        voting: { opens: '2027-10-01T06:00:00+03:00', closes: '2027-10-31T20:00:00+03:00' },
      },
      ballot: { rule: 'approval', max: 3 },
    });
  });
  ledger = await testLedger('sqlite', d, () => now);
  const { privatePem, publicKey } = newKeyPair();
  const gw = { gatewayId: 'gw-p', publicKey, privateKey: createPrivateKey(privatePem) };
  await ledger.addGateway(gw.gatewayId, publicKey);
  const f = eventFactory('gw-p');
  const at = '2026-11-22T09:00:00Z';
  const rows = [
    f.vote('+254711000001', [1, 2], at),
    f.vote('+254711000002', [1, 3], at),
    { ...f.vote('+254711000003', [2, 7], at), channel: 'sms' },
    { ...f.vote('+254711000004', [20], at, { wardId: 'south' }), channel: 'field' },
  ];
  const { header, lines } = decodeBatch(gunzipSync(buildBatch(gw, rows, 0, now).body).toString('utf8'));
  await ledger.ingest(header, lines, 'push');
  heartbeat = () => {
    const empty = decodeBatch(gunzipSync(buildBatch(gw, [], 0, now).body).toString('utf8'));
    return ledger.ingest(empty.header, empty.lines, 'push');
  };
  const app = createLedgerApp(ledger, createLogger('silent'));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  if (browserProgram.present) browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--headless'] });
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await ledger?.close();
});

/** Every console message of a page that tells of a Content-Security-Policy violation. */
const violations: string[] = [];

/** A page with JavaScript off; a CSP violation it reports (inline style or script refused) is collected. */
async function open(path: string, width = 400) {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width, height: 800 } });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(`${path}: ${m.text()}`);
  });
  const response = await page.goto(base + path);
  return { page, response, context };
}

browserProgram.describe('results page in Chromium', () => {
  it('before publication shows turnout by ward and channel, and no running count per project', async () => {
    const { page, context } = await open('/results/c-open');
    await expect(page.locator('h1').textContent()).resolves.toContain('Results');
    const text = await page.locator('body').innerText();
    // 18:00 UTC is 21:00 in Nairobi, the deployment's time zone: the same day.
    expect(text).toMatch(/published after voting closes on 30 Nov 2026/);
    expect(text).toContain('Turnout: 4 ballots');
    expect(await page.locator('svg[role="img"] title').allTextContents()).toEqual(['Ballots by ward', 'Ballots by channel']);
    expect(text).not.toContain('Borehole');
    // This deployment lists no demographics: no age or gender section at all.
    expect(text).not.toMatch(/age band|gender/i);
    const data = await fetch(`${base}/results/c-open/ballots.csv`);
    expect(data.status).toBe(404);
    expect(await data.text()).toMatch(/not published yet/);
    await context.close();
  });

  it('once published: each ward’s projects with cost, votes and selection, budget used, charts, open data; in the chosen language', async () => {
    now = new Date('2026-12-01T09:00:00Z');
    await heartbeat();
    await ledger.publishResults('c-open');
    const { page, context } = await open('/results/c-open');
    const north = page.locator('section', { has: page.locator('h2', { hasText: 'North Ward' }) });
    const rows = await north.locator('tbody tr').allInnerTexts();
    // Votes: 1 → 2, 2 → 2, 3 → 1, 7 → 1. Greedy funds 1 (4.5M) and 2 (3.2M); 3 (2.9M) does not fit; 7 (1.25M) does.
    expect(rows[0]).toMatch(/^1 Borehole\s+KES 4,500,000\s+2\s+✔ Yes$/);
    expect(rows.filter((r) => r.includes('✔'))).toHaveLength(3);
    expect(await north.locator('tr.sel td:first-child').allInnerTexts()).toEqual(['1 Borehole', '2 Lights', '7 Clinic roof']);
    expect(await north.innerText()).toContain('KES 8,950,000 used (90%)');
    const chart = north.locator('svg[role="img"]');
    expect(await chart.locator('title').textContent()).toBe('Votes per project in North Ward; selected projects are dark.');
    expect(await chart.locator('rect.sel').count()).toBe(3);
    // Channels in words, in the reader's language.
    const byChannel = page.locator('h3', { hasText: 'Ballots by channel' }).locator('xpath=following-sibling::table[1]');
    expect((await byChannel.locator('tbody tr').allInnerTexts()).map((r) => r.split('\t'))).toEqual([
      ['Field officers', '1'],
      ['Text message (SMS)', '1'],
      ['Phone menu (USSD)', '2'],
    ]);
    expect(await page.locator('body').innerText()).not.toMatch(/\b(sms|ussd)\b/);
    // Published at 09:00 UTC, 12:00 in Nairobi: the date and time in the deployment's time zone.
    expect(await page.locator('body').innerText()).toMatch(/Published on 1 Dec 2026, 12:00 GMT\+3\./);
    expect(await page.locator('body').innerText()).toContain('Counting rule: greedy: most votes first');

    const links = await page.locator('a[href$=".pb"], a[href$=".csv"], a[href$=".json"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(links).toEqual([
      '/results/c-open/results.csv',
      '/results/c-open/results.json',
      '/results/c-open/turnout.csv',
      '/results/c-open/ballots.csv',
      '/results/c-open/ballots.json',
      '/results/c-open/north.pb',
      '/results/c-open/south.pb',
      '/results/c-open/late.csv',
    ]);
    for (const link of links) expect((await fetch(base + link!)).status).toBe(200);
    const nope = await fetch(`${base}/results/c-open/nope.txt`);
    expect(nope.status).toBe(404);
    expect(await nope.text()).toMatch(/No file 'nope.txt'. There are results.csv, .*, late.csv, implementation.csv, implementation.json\./);

    await page.click('a[lang="sw"]');
    expect(await page.locator('h1').textContent()).toContain('Matokeo');
    const sw = await page.locator('body').innerText();
    expect(sw).toContain('Wadi ya Kaskazini');
    // The rule, the channels and the publication date in Kiswahili: no English left.
    expect(sw).toContain('Kanuni ya kuhesabu: kura nyingi kwanza');
    expect(sw).not.toContain('most votes first');
    expect(sw).toMatch(/Ujumbe mfupi \(SMS\)\s+1/);
    expect(sw).toMatch(/Yalitangazwa 1 Des 2026,? 12:00/);
    await page.click('a[lang="fr"]');
    const fr = await page.locator('body').innerText();
    expect(fr).toContain('glouton : les projets les plus votés d’abord');
    expect(fr).toMatch(/Agents de terrain\s+1/);
    expect(fr).toMatch(/Publiés le 1 déc\. 2026,? 12:00/);
    await context.close();
  });

  it('renders: the screenshot has ink on it (not a blank or error page)', async () => {
    const { page, context } = await open('/results/c-open');
    const png = await page.screenshot({ fullPage: true });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const ink = await inkOf(browser, png);
    expect(ink.height).toBeGreaterThan(800); // a long page: turnout, two wards, open data
    expect(ink.share).toBeGreaterThan(0.01);
    await context.close();
  });

  it('sends a Content-Security-Policy that its own pages keep: no violation reported in Chromium', async () => {
    for (const path of ['/results', '/results/c-open', '/results/c-open?lang=fr', '/results/c-past', '/results/c-next']) {
      const { response, context } = await open(path);
      const headers = response!.headers();
      expect(headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(headers['content-security-policy']).not.toMatch(/unsafe-inline/);
      expect(headers['x-content-type-options']).toBe('nosniff');
      await context.close();
    }
    // The inline stylesheet is allowed by its hash: had it been refused, the page would be unstyled and Chromium would say so.
    expect(violations).toEqual([]);
  });

  it('lists the cycles and answers an unknown cycle with a plain 404', async () => {
    const { page, context } = await open('/results');
    // Newest first; c-open is published here, c-past's winners are declared in the deployment file, c-next's vote is to come.
    expect(await page.locator('li').allInnerTexts()).toEqual(['Next cycle (Upcoming)', 'Open cycle', 'Past cycle (Historical)']);
    await page.goto(`${base}/results/c-past`);
    const past = await page.locator('body').innerText();
    // Its ballots were counted elsewhere: no "Turnout: 0 ballots", and the page says why.
    expect(past).not.toMatch(/Turnout/);
    expect(past).toContain('This cycle was counted before this ledger existed');
    // Published at midnight in Nairobi (21:00 UTC the day before): the page says the local date, as USSD does.
    expect(past).toContain('Selected projects, published on 1 May 2019');
    expect(await page.locator('li').allInnerTexts()).toEqual(['North Ward: 31 Shelter (KES 900,000)', 'South Ward: 40 Lights (KES 1,700,000)']);
    expect(past).not.toContain('published after voting closes');
    const missing = await page.goto(`${base}/results/nope`);
    expect(missing!.status()).toBe(404);
    expect(await page.locator('body').innerText()).toContain("No cycle 'nope'");
    await context.close();
  });
});

browserProgram.describe('the public page a city would publish, at phone and desktop widths', () => {
  it('next year’s cycle, during its proposal phase: ideas per ward and their review, approved titles only, nothing personal', async () => {
    // Seeded once c-open is published (a gateway that never synced after its vote would hold publication back).
    // Four ideas for next year: one reviewed feasible, one merged into another (the same idea twice),
    // one whose title the team approved for publication; the others' titles stay private.
    ideaIds = await seedProposals(ledger, [
      { cycleId: 'c-next', title: 'Water kiosk at Kiboko market', reference: 'KIOS-11' },
      { cycleId: 'c-next', title: 'Drain outside Mama Wanjiku’s shop, phone 0722 000 111', reference: 'DRAI-12' },
      { cycleId: 'c-next', title: 'Kiosk for water at the market', reference: 'KIOS-13' },
      { cycleId: 'c-next', title: 'Street lights on Station Road', wardId: 'south', channel: 'ussd', reference: 'LITE-14' },
    ]);
    await reviewProposal(
      ledger.conn,
      ledger.deployment(),
      COMMAND_LINE,
      ideaIds[0]!,
      { status: 'feasible', cost: '300000', costNote: 'County quote', reason: {} },
      now,
    );
    await mergeProposal(ledger.conn, COMMAND_LINE, ideaIds[2]!, 'KIOS-11', now);
    await setPublicTitle(ledger.conn, COMMAND_LINE, ideaIds[0]!, true, now);
    const { page, context } = await open('/results/c-next', 360);
    const text = await page.locator('body').innerText();
    expect(text).toContain('Voting opens on 1 Oct 2027.');
    expect(text).toContain('Ideas can be sent until 31 May 2027.');
    expect(text).not.toMatch(/Turnout|published after voting closes/);
    // The merged duplicate counts once, as the idea it joined.
    const rows = await page.locator('table.ideas tbody tr').allInnerTexts();
    expect(rows.map((r) => r.split('\t'))).toEqual([
      ['North Ward', '2', '1 received · 1 feasible'],
      ['South Ward', '1', '1 received'],
    ]);
    expect(await page.locator('ul.titles li').allInnerTexts()).toEqual(['North Ward: Water kiosk at Kiboko market (feasible)']);
    // Titles not approved, references, channels and the proposers' words stay private.
    for (const secret of ['Wanjiku', '0722', 'Kiosk for water', 'Street lights', 'KIOS-11', 'DRAI-12', 'LITE-14', 'About:']) expect(text).not.toContain(secret);
    await page.goto(`${base}/results/c-next?lang=sw`);
    const sw = await page.locator('body').innerText();
    expect(sw).toContain('Mawazo yaliyopokelewa');
    expect(sw).toMatch(/Wadi ya Kusini\s+1\s+1 yamepokelewa/);
    await page.goto(`${base}/results/c-next?lang=fr`);
    expect(await page.locator('body').innerText()).toMatch(/Quartier Nord\s+2\s+1 reçues · 1 réalisables/);

    // Withdrawn, the title is gone from the page; the trail still verifies.
    await setPublicTitle(ledger.conn, COMMAND_LINE, ideaIds[0]!, false, now);
    await page.goto(`${base}/results/c-next`);
    expect(await page.locator('ul.titles').count()).toBe(0);
    expect(await page.locator('body').innerText()).not.toContain('Water kiosk');
    expect(await verifyConsoleTrail(ledger.conn.db)).toBeNull();
    await setPublicTitle(ledger.conn, COMMAND_LINE, ideaIds[0]!, true, now);
    await context.close();
  });

  it('the widest page there is fits 360 px: Equal Shares with its share column, tally sheets, big amounts, long names, late ballots', async () => {
    const d = ledger.deployment();
    const project = (code: number, cost: number, votes: number, selected: boolean) => ({
      code,
      title: { en: `Rehabilitation of the Kiboko–Mwangaza secondary school dormitories, phase ${code}` },
      short: { en: `Dormitories ${code}` },
      cost,
      votes,
      score: votes,
      selected,
      fundedOrder: selected ? code : null,
      sharePaid: selected ? '1234567.89' : null,
      tallied: 12345,
    });
    const ward = (wardId: string) => ({
      wardId,
      name: { en: wardId },
      budget: 1_250_000_000,
      ballots: 123456,
      used: 1_199_999_999,
      projects: [project(1, 987_654_321, 65432, true), project(2, 212_345_678, 54321, true), project(3, 999_999_999, 43210, false)],
    });
    const result = {
      cycleId: 'c-open',
      name: { en: 'Open cycle' },
      rule: 'equalshares/add1-comparison' as const,
      options: {},
      rankedBy: 'votes' as const,
      currency: 'KES',
      votingClosed: '2026-11-30T18:00:00.000Z',
      computedAt: '2026-12-01T09:00:00.000Z',
      publishedAt: '2026-12-01T09:00:00.000Z',
      throughSeq: 1,
      turnout: {
        total: 246912,
        byWard: { north: 123456, south: 123456 },
        byChannel: { ussd: 100000, sms: 100000, voice: 20000, field: 20000, paper: 6000, 'paper-tally': 912 },
      },
      wards: [ward('north'), ward('south')],
      forced: {
        reason: 'The gateway at Kiboko-Mwangaza-Secondary-School-Polling-Station was flooded',
        gateways: [{ gatewayId: 'gw-kiboko-mwangaza-secondary-school-polling-station', lastSeenAt: null, backlog: null }],
      },
      paperTallies: { sheets: 12, valid: 912, spoiled: 3, issued: 915, counted: false },
    };
    const late = {
      total: 3,
      byGateway: [
        {
          gatewayId: 'gw-kiboko-mwangaza-secondary-school-polling-station',
          ballots: 3,
          capturedFirst: '2026-11-30T17:59:00.000Z',
          capturedLast: '2026-11-30T17:59:30.000Z',
          arrivedFirst: '2026-12-02T09:00:00.000Z',
          arrivedLast: '2026-12-02T10:00:00.000Z',
        },
      ],
    };
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 800 } });
    const page = await context.newPage();
    for (const lang of ['en', 'sw', 'fr'] as const) {
      await page.setContent(renderCycle(d, result as never, lang, late));
      expect(await page.locator('tr.sel').count()).toBe(4);
      const scrollWidth = await page.evaluate(() => (globalThis as any).document.scrollingElement.scrollWidth);
      expect(scrollWidth, lang).toBeLessThanOrEqual(360);
    }
    await context.close();
  });

  for (const width of [360, 1280]) {
    it(`at ${width} px every page fits the width and is drawn: no sideways scroll, key parts visible, ink on the screenshot`, async () => {
      const pages: [string, string[]][] = [
        ['/results', ['h1', 'li']],
        ['/results/c-open', ['h1', 'section[aria-labelledby="w-north"] table', 'svg[aria-labelledby="t-channel"]']],
        ['/results/c-open?lang=fr', ['h1', 'section[aria-labelledby="w-south"] table']],
        ['/results/c-past', ['h1', 'ul li']],
        ['/results/c-next', ['h1', 'table.ideas', 'ul.titles']],
      ];
      for (const [path, visible] of pages) {
        const { page, context } = await open(path, width);
        const scroll = await page.evaluate(() => {
          const el = (globalThis as any).document.scrollingElement;
          return { width: el.scrollWidth, client: el.clientWidth };
        });
        expect(scroll.width, `${path} scrolls sideways at ${width} px`).toBeLessThanOrEqual(width);
        // No element wider than the page either (a table cut off by overflow would hide numbers).
        const wide = await page.evaluate(
          (w) =>
            [...(globalThis as any).document.querySelectorAll('body *')]
              .filter((e: any) => e.getBoundingClientRect().right > w + 0.5)
              .map((e: any) => e.tagName),
          width,
        );
        expect(wide, path).toEqual([]);
        for (const selector of visible) await expect(page.locator(selector).first().isVisible(), `${path}: ${selector}`).resolves.toBe(true);
        const png = await page.screenshot({ fullPage: true });
        expect(png.subarray(1, 4).toString()).toBe('PNG');
        expect((await inkOf(browser, png)).share, `${path} at ${width} px looks blank`).toBeGreaterThan(0.004);
        await context.close();
      }
    }, 60_000);
  }
});

browserProgram.describe('turnout by age band and gender in Chromium', () => {
  let demoServer: Server;
  let demoLedger: Ledger;
  let demoBase: string;

  beforeAll(async () => {
    const d = testDeployment((r) => {
      r.cycles[0].phases.voting.closes = '2026-11-30T18:00:00Z';
      r.demographics = { ageBands: ['18-24', '25-34', '35-64', '65+'], genders: ['female', 'male', 'other'] };
    });
    demoLedger = await testLedger('sqlite', d, () => new Date('2026-11-25T09:00:00Z'));
    const { privatePem, publicKey } = newKeyPair();
    const gw = { gatewayId: 'gw-d', publicKey, privateKey: createPrivateKey(privatePem) };
    await demoLedger.addGateway(gw.gatewayId, publicKey);
    const f = eventFactory('gw-d');
    // Age: 25-34 ×6, 18-24 ×2 and none ×4 (both under 5: hidden). Gender: female ×7, male ×5.
    const rows = Array.from({ length: 12 }, (_, i) =>
      f.vote(`+2547120000${10 + i}`, [1], '2026-11-22T09:00:00Z', {
        ...(i < 6 ? { ageBand: '25-34' } : i < 8 ? { ageBand: '18-24' } : {}),
        gender: i < 7 ? 'female' : 'male',
      }),
    );
    const { header, lines } = decodeBatch(gunzipSync(buildBatch(gw, rows, 0, new Date('2026-11-25T09:00:00Z')).body).toString('utf8'));
    await demoLedger.ingest(header, lines, 'push');
    const app = createLedgerApp(demoLedger, createLogger('silent'));
    demoServer = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    demoBase = `http://127.0.0.1:${(demoServer.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((r) => (demoServer ? demoServer.close(() => r()) : r()));
    await demoLedger?.close();
  });

  const table = (page: import('playwright-core').Page, caption: string) =>
    page.locator('h3', { hasText: caption }).locator('xpath=following-sibling::table[1]').locator('tbody tr').allInnerTexts();

  it('shows tables and labelled charts per cycle, with groups under 5 as "<5", in en, sw and fr', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${demoBase}/results/c-open`);
    expect(await page.locator('svg[role="img"] title').allTextContents()).toEqual([
      'Ballots by ward',
      'Ballots by channel',
      'Ballots by age band',
      'Ballots by gender',
    ]);
    expect((await table(page, 'Ballots by age band')).map((r) => r.split('\t'))).toEqual([
      ['18-24', '<5'],
      ['25-34', '6'],
      ['35-64', '0'],
      ['65+', '0'],
      ['Not recorded', '<5'],
    ]);
    expect((await table(page, 'Ballots by gender')).map((r) => r.split('\t'))).toEqual([
      ['female', '7'],
      ['male', '5'],
      ['other', '0'],
      ['Not recorded', '0'],
    ]);
    // The chart says the same, to a screen reader too: a hidden group has its "<5" and no bar.
    const chart = page.locator('svg[aria-labelledby="t-age"]');
    expect(await chart.locator('text').allTextContents()).toEqual(['18-24', '<5', '25-34', '6', '35-64', '0', '65+', '0', 'Not recorded', '<5']);
    expect(await chart.locator('rect').evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('width')) > 0))).toEqual([false, true, false, false, false]);
    const text = await page.locator('body').innerText();
    expect(text).toContain('Groups with fewer than 5 ballots show as “<5”');
    // Never by ward: one table per breakdown, for the whole cycle.
    expect(await page.locator('h3').allTextContents()).toEqual(['Ballots by ward', 'Ballots by channel', 'Ballots by age band', 'Ballots by gender']);

    await page.goto(`${demoBase}/results/c-open?lang=sw`);
    expect(await page.locator('svg[role="img"] title').allTextContents()).toContain('Kura kwa kundi la umri');
    expect((await table(page, 'Kura kwa jinsia')).at(-1)).toMatch(/^Haijarekodiwa\t0$/);
    await page.goto(`${demoBase}/results/c-open?lang=fr`);
    expect(await page.locator('h3').allTextContents()).toContain('Bulletins par tranche d’âge');
    expect(await page.locator('body').innerText()).toContain('Les groupes de moins de 5 bulletins sont affichés « <5 »');
    await context.close();
  });

  it('says "not collected" for a cycle whose ballots have none, in a deployment that lists them', async () => {
    const d = demoLedger.deployment();
    const html = renderCycle(
      d,
      {
        cycleId: 'c-open',
        name: { en: 'Open cycle' },
        votingClosed: '2099-12-30T21:00:00Z',
        turnout: { total: 1, byWard: { north: 1 }, byChannel: { ussd: 1 } },
        publishedAt: null,
      },
      'en',
    );
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.setContent(html);
    const text = await page.locator('body').innerText();
    expect(text).toMatch(/Ballots by age band\s+Not collected\.\s+Ballots by gender\s+Not collected\./);
    expect(await page.locator('svg[role="img"] title').allTextContents()).toEqual(['Ballots by ward', 'Ballots by channel']);
    await context.close();
  });
});
