// The wards page and Who is heard in real headless Chromium with JavaScript switched off: an
// admin sets each ward's population, previews budgets by formula, applies and publishes them;
// an auditor reads Who is heard at phone width — with screenshots that show the pages were drawn.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Ledger } from '../ledger/ledger.ts';
import { verifyChain } from '../ledger/verify.ts';
import { verifyBallotTrail } from '../console/ballot.ts';
import { testLedger } from './helpers/ledger.ts';
import { testDeployment } from './helpers/deployment.ts';
import { seedProposals, seedTeam } from './helpers/console.ts';
import { requireService } from './helpers/services.ts';
import { consoleInBrowser, signedIn as signIn } from './helpers/console-browser.ts';
import { inkOf } from './helpers/screenshot.ts';

const browserProgram = await requireService('chromium');
const { it } = browserProgram;
let browser: Browser;
let closeBrowser: () => Promise<void>;
let base: string;
let ledger: Ledger;
/** Before the open cycle's vote opens: budgets may change. */
let now = new Date('2019-12-01T09:00:00Z');

beforeAll(async () => {
  ledger = await testLedger('sqlite', testDeployment(), () => now);
  now = new Date('2026-11-22T10:00:00Z');
  await seedProposals(ledger, [{ title: 'Borehole' }, { title: 'Clinic roof' }, { title: 'Footbridge', wardId: 'south' }]);
  now = new Date('2019-12-01T09:00:00Z');
  await seedTeam(ledger);
  ({ browser, base, close: closeBrowser } = await consoleInBrowser(ledger, browserProgram.present));
});

afterAll(async () => {
  await closeBrowser?.();
  await ledger?.close();
});

const signedIn = (name: string, width: number) => signIn({ base, browser, close: closeBrowser }, name, width);

it('an admin sets populations, previews budgets by formula, applies and publishes them', async () => {
  const { page, violations, close } = await signedIn('admin', 1024);
  await page.getByRole('link', { name: 'Wards', exact: true }).click();
  expect(await page.locator('h1').innerText()).toBe('Wards');
  for (const [ward, population] of [
    ['north', '3000'],
    ['south', '1000'],
  ] as const) {
    const form = page.locator('form', { has: page.locator(`input[name="ward"][value="${ward}"]`) });
    await form.getByLabel('Population').fill(population);
    await form.getByRole('button', { name: 'Save ward' }).click();
    await expect.poll(() => page.getByRole('status').innerText()).toBe('Saved.');
  }
  await page.getByLabel('Total to share (KES)').fill('8000000');
  await page.getByLabel('Weight of population').fill('1');
  await page.getByLabel('Weight of need').fill('0');
  await page.getByRole('button', { name: 'Preview' }).click();
  const preview = page.locator('table').nth(1);
  expect(await preview.innerText()).toMatch(/North Ward\s+3000\s+—\s+10\u202f000\u202f000\s+6\u202f000\u202f000/);
  const png = await page.screenshot({ fullPage: true });
  expect((await inkOf(browser, png)).share).toBeGreaterThan(0.01);
  await page.getByRole('button', { name: 'Apply as a new ballot version' }).click();
  expect(new URL(page.url()).pathname).toBe('/console/ballot');
  await page.getByRole('button', { name: 'Publish version 4' }).click();
  await expect.poll(() => page.getByRole('status').innerText()).toContain('ublished');
  expect((await ledger.publishedBallot()).ballot.wards.map((w) => w.budget)).toEqual([6_000_000, 2_000_000]);
  await close();
  expect(violations).toEqual([]);
  expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true });
  expect(await verifyBallotTrail(ledger.conn.db)).toBeNull();
}, 60_000);

it('an auditor on a phone-width screen reads Who is heard per 1,000 residents; no ward form is offered', async () => {
  const { page, violations, close } = await signedIn('auditor', 375);
  await page.goto(`${base}/console/equity?cycle=c-open`);
  expect(await page.locator('h1').innerText()).toBe('Who is heard');
  // Populations set by the admin above: North 2 ideas of 3,000 residents, South 1 of 1,000.
  const table = await page.locator('table').innerText();
  expect(table).toMatch(/North Ward\s+3\u202f000\s+—\s+2\s+0\.7/);
  expect(table).toMatch(/South Ward\s+1\u202f000\s+—\s+1\s+1\.0/);
  const png = await page.screenshot({ fullPage: true });
  expect((await inkOf(browser, png)).share).toBeGreaterThan(0.01);
  await page.goto(`${base}/console/wards`);
  expect(await page.locator('form[action="/console/wards/edit"]').count()).toBe(0);
  await close();
  expect(violations).toEqual([]);
}, 60_000);
