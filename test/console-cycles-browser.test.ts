// The cycles page in real headless Chromium with JavaScript switched off, on a 360 px phone: an
// admin adds a cycle through the form (a mistake shown and kept), sees it listed, removes it, and
// the page fits the width and is drawn; the audit trail holds both changes.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Ledger } from '../ledger/ledger.ts';
import { verifyChain } from '../ledger/verify.ts';
import { verifyBallotTrail } from '../console/ballot.ts';
import { listAudit } from '../console/audit.ts';
import { testLedger } from './helpers/ledger.ts';
import { testDeployment } from './helpers/deployment.ts';
import { PASSWORD, seedTeam } from './helpers/console.ts';
import { requireService } from './helpers/services.ts';
import { consoleInBrowser } from './helpers/console-browser.ts';
import { inkOf } from './helpers/screenshot.ts';

const browserProgram = await requireService('chromium');
const { it } = browserProgram;
let browser: Browser;
let closeBrowser: () => Promise<void>;
let base: string;
let ledger: Ledger;

beforeAll(async () => {
  ledger = await testLedger('sqlite', testDeployment(), () => new Date('2026-11-22T10:00:00Z'));
  await seedTeam(ledger);
  ({ browser, base, close: closeBrowser } = await consoleInBrowser(ledger, browserProgram.present));
});

afterAll(async () => {
  await closeBrowser?.();
  await ledger?.close();
});

it('an admin on a 360 px phone adds a cycle and removes it: the page fits the width and is drawn', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  const fits = async () => {
    const width = await page.evaluate(() => (globalThis as any).document.scrollingElement.scrollWidth);
    expect(width, `${new URL(page.url()).pathname} scrolls sideways at 360 px`).toBeLessThanOrEqual(360);
  };
  await page.goto(`${base}/console/sign-in`);
  await page.getByLabel('Name').fill('admin');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Cycles', exact: true }).click();
  expect(await page.locator('h1').innerText()).toBe('Cycles');
  await fits();

  const form = page.locator('form[action="/console/cycles/add"]');
  await form.getByLabel(/^Cycle id/).fill('pb-2100');
  for (const [language, name] of [
    ['English', 'PB 2100'],
    ['Kiswahili', 'PB 2100 sw'],
    ['Français', 'BP 2100'],
  ] as const)
    await form.getByLabel(`Name (${language})`).fill(name);
  await form.getByLabel('Proposals — Opens').fill('2100-01-01T06:00:00+03:00');
  await form.getByLabel('Proposals — Closes').fill('2100-03-01T00:00:00+03:00');
  await form.getByLabel('Voting — Opens').fill('2100-04-01T06:00:00+03:00');
  // A mistake: voting closes before it opens. Named, and what was typed stays.
  await form.getByLabel('Voting — Closes').fill('2100-03-20T20:00:00+03:00');
  await form.getByLabel('max', { exact: true }).fill('3');
  await form.getByRole('button', { name: 'Add a cycle' }).click();
  expect(await page.getByRole('alert').innerText()).toContain('voting.closes: must be after voting.opens');
  expect(await form.getByLabel('Name (English)').inputValue()).toBe('PB 2100');
  await form.getByLabel('Voting — Closes').fill('2100-04-20T20:00:00+03:00');
  await form.getByRole('button', { name: 'Add a cycle' }).click();
  await expect.poll(() => page.getByRole('status').innerText()).toBe('Saved.');
  expect(await page.locator('table').innerText()).toContain('PB 2100');
  await fits();
  expect((await inkOf(browser, await page.screenshot({ fullPage: true }))).share).toBeGreaterThan(0.01);

  // Only the new cycle can be removed: the fixture's have opened.
  expect(await page.getByRole('button', { name: /^Remove cycle/ }).count()).toBe(1);
  await page.getByRole('button', { name: 'Remove cycle pb-2100' }).click();
  await expect.poll(() => page.getByRole('status').innerText()).toBe('Saved.');
  expect(await page.locator('table').innerText()).not.toContain('PB 2100');
  await context.close();
  expect(violations).toEqual([]);
  expect((await listAudit(ledger.conn.db, { limit: 2 })).map((e) => e.action)).toEqual(['ballot.cycle-removed', 'ballot.cycle-added']);
  expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true });
  expect(await verifyBallotTrail(ledger.conn.db)).toBeNull();
}, 60_000);
