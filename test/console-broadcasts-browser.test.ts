// The broadcasts page in real headless Chromium with JavaScript switched off: a coordinator writes
// a text per language, previews it and reads each language's segments and price and the estimated
// cost before sending, on a laptop and on a phone-width screen — with screenshots that show the
// pages were drawn, and no Content-Security-Policy violation.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Ledger } from '../ledger/ledger.ts';
import { verifyChain } from '../ledger/verify.ts';
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

beforeAll(async () => {
  const d = testDeployment((r) => {
    r.sms.pricePerSegment = { amount: 0.8, currency: 'KES' };
  });
  ledger = await testLedger('sqlite', d, () => new Date('2026-11-22T10:00:00Z'));
  await seedProposals(ledger, [{ title: 'Borehole' }, { title: 'Clinic roof' }, { title: 'Footbridge' }, { title: 'Market', wardId: 'south' }]);
  await seedTeam(ledger);
  ({ browser, base, close: closeBrowser } = await consoleInBrowser(ledger, browserProgram.present));
});

afterAll(async () => {
  await closeBrowser?.();
  await ledger?.close();
});

const signedIn = (name: string, width: number) => signIn({ base, browser, close: closeBrowser }, name, width);

/** Writes the broadcast for the north ward's proposers (the Kiswahili text two segments long) and previews it. */
async function preview(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Broadcasts', exact: true }).click();
  expect(await page.locator('h1').innerText()).toBe('Broadcasts');
  await page.getByLabel('Audience').selectOption('proposers');
  await page.getByLabel('Ward').selectOption('north');
  await page.getByLabel('Text in English').fill('Thank you for your ideas. The ballot opens on 1 November.');
  await page.getByLabel('Text in Kiswahili').fill('Kura itafunguliwa tarehe 1 Novemba. '.repeat(5).trim());
  await page.getByLabel('Text in Français').fill('Merci pour vos idées. Le vote ouvre le 1er novembre.');
  await page.getByRole('button', { name: 'Preview' }).click();
}

it('a coordinator previews a broadcast and sees each language’s segments and price, and the estimated cost, before sending', async () => {
  const before = await ledger.conn.db.selectFrom('ledger_notices').selectAll().execute();
  const { page, violations, close } = await signedIn('coordinator', 1024);
  await preview(page);
  const table = await page.locator('table').innerText();
  expect(table).toContain('Cost per message (KES)');
  expect(table).toMatch(/Kiswahili\s+Kura itafunguliwa[^\n]*\s+GSM-7\s+2\s+1\.60/);
  expect(table).toMatch(/English\s+Thank you[^\n]*\s+GSM-7\s+1\s+0\.80/);
  // Three ideas in the north ward: at most three proposers, each at the longest language's two segments.
  const cost = page.locator('p.cost');
  expect(await cost.innerText()).toBe('Estimated cost: at most KES 4.80 (3 recipients × 2 segments × 0.8 per segment).');
  expect(await cost.isVisible()).toBe(true);
  expect((await inkOf(browser, await cost.screenshot())).share).toBeGreaterThan(0.01);
  expect((await inkOf(browser, await page.screenshot({ fullPage: true }))).share).toBeGreaterThan(0.01);
  // The cost comes before the Send button, and the preview saved nothing.
  const [costBox, sendBox] = [await cost.boundingBox(), await page.getByRole('button', { name: 'Send' }).boundingBox()];
  expect(costBox!.y).toBeLessThan(sendBox!.y);
  expect(await ledger.conn.db.selectFrom('ledger_notices').selectAll().execute()).toEqual(before);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect.poll(() => page.getByRole('status').innerText()).toContain('Broadcast recorded');
  await close();
  expect(violations).toEqual([]);
  expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true });
}, 60_000);

it('on a phone-width screen the estimated cost is drawn within the screen', async () => {
  const { page, violations, close } = await signedIn('admin', 375);
  await preview(page);
  const cost = page.locator('p.cost');
  expect(await cost.innerText()).toContain('KES 4.80');
  const box = (await cost.boundingBox())!;
  expect(box.x + box.width).toBeLessThanOrEqual(375);
  expect((await inkOf(browser, await cost.screenshot())).share).toBeGreaterThan(0.01);
  expect((await inkOf(browser, await page.screenshot({ fullPage: true }))).share).toBeGreaterThan(0.01);
  await close();
  expect(violations).toEqual([]);
}, 60_000);
