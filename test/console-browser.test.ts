// The console in real headless Chromium (Debian's, driven by playwright-core) with JavaScript
// switched off: sign in, find a proposal in the inbox, review it, see the change in the audit
// trail, make it a ballot draft; an auditor reads the turnout at phone width; an admin edits and
// publishes the ballot at phone width — with screenshots
// that show the pages were drawn (kept in memory, not on disk).
import { createPrivateKey } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Ledger } from '../ledger/ledger.ts';
import { verifyConsoleTrail } from '../console/audit.ts';
import { verifyChain } from '../ledger/verify.ts';
import { decodeBatch, newKeyPair } from '../src/domain/protocol.ts';
import { buildBatch } from '../sync/batch.ts';
import { eventFactory, testLedger } from './helpers/ledger.ts';
import { testDeployment } from './helpers/deployment.ts';
import { PASSWORD, seedProposals, seedTeam } from './helpers/console.ts';
import { requireService } from './helpers/services.ts';
import { consoleInBrowser } from './helpers/console-browser.ts';
import { inkOf } from './helpers/screenshot.ts';

// Debian's Chromium: one line says so when it is missing (never skipped under CI=true).
const browserProgram = await requireService('chromium');
const { it } = browserProgram;
let browser: Browser;
let closeBrowser: () => Promise<void>;
let base: string;
let ledger: Ledger;

beforeAll(async () => {
  ledger = await testLedger('sqlite', testDeployment(), () => new Date('2026-11-22T10:00:00Z'));
  await seedProposals(ledger, [
    { title: 'Fix the borehole at Kiboko market', channel: 'sms', reference: 'KIBO-42' },
    { title: 'Footbridge over the river', channel: 'ussd', wardId: 'south', category: 'roads', reference: 'DARA-17' },
    { title: 'Roof for the clinic', channel: 'field', category: 'health', reference: 'KLIN-08' },
  ]);
  await seedTeam(ledger);
  ({ browser, base, close: closeBrowser } = await consoleInBrowser(ledger, browserProgram.present));
});

afterAll(async () => {
  await closeBrowser?.();
  await ledger?.close();
});

it('a reviewer signs in without JavaScript and reviews a proposal; the admin sees it in the audit trail and drafts it for the ballot', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1024, height: 768 } });
  const page: Page = await context.newPage();
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });

  await page.goto(`${base}/console`);
  expect(new URL(page.url()).pathname).toBe('/console/sign-in');
  await page.getByLabel('Name').fill('reviewer');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  expect(new URL(page.url()).pathname).toBe('/console');
  await expect.poll(() => page.locator('tbody tr').count()).toBe(3);

  // Filter the inbox to the SMS ideas, then open the one there.
  await page.getByLabel('Channel').selectOption('sms');
  await page.getByRole('button', { name: 'Filter' }).click();
  expect(await page.locator('tbody tr').count()).toBe(1);
  await page.getByRole('link', { name: 'KIBO-42' }).click();
  expect(await page.locator('h1').innerText()).toBe('Fix the borehole at Kiboko market');

  await page.getByLabel('Status').selectOption('feasible');
  await page.getByLabel('Cost estimate (KES)').fill('450000');
  await page.getByLabel('How the cost was estimated').fill('Quote from the county water office, November 2026');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect.poll(() => page.getByRole('status').innerText()).toBe('Saved.');
  expect(await page.getByLabel('Status').inputValue()).toBe('feasible');

  const png = await page.screenshot({ fullPage: true });
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  const ink = await inkOf(browser, png);
  expect(ink.height).toBeGreaterThan(600); // facts, description, the review form
  expect(ink.share).toBeGreaterThan(0.01);

  // The reviewer has no audit page; the admin (another browser) sees the review there.
  expect((await page.goto(`${base}/console/audit`))!.status()).toBe(403);
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  expect(new URL(page.url()).pathname).toBe('/console/sign-in');
  await context.close();

  const adminContext = await browser.newContext({ javaScriptEnabled: false });
  const admin = await adminContext.newPage();
  await admin.goto(`${base}/console/sign-in?lang=fr`);
  await admin.getByLabel('Nom').fill('admin');
  await admin.getByLabel('Mot de passe').fill(PASSWORD);
  await admin.getByRole('button', { name: 'Se connecter' }).click();
  await admin.getByRole('link', { name: 'Journal d’audit' }).click();
  const row = admin.locator('tbody tr', { hasText: 'proposal.reviewed' });
  expect(await row.count()).toBe(1);
  expect(await row.innerText()).toContain('reviewer');
  expect(await row.innerText()).toContain('450000');
  // The admin makes the feasible proposal a ballot draft; the drafts page gives its YAML.
  await admin.getByRole('link', { name: 'Propositions' }).click();
  await admin.getByRole('link', { name: 'KIBO-42' }).click();
  await admin.getByLabel('Titre court de menu (English)').fill('Kiboko borehole');
  await admin.getByRole('button', { name: 'Projet pour le bulletin (brouillon)' }).click();
  await expect.poll(() => admin.getByRole('status').innerText()).toBe('Enregistré.');
  await admin.getByRole('link', { name: 'Brouillons du bulletin' }).click();
  expect(await admin.locator('pre.yaml').innerText()).toMatch(/code: 8\n\s+ward: north\n\s+cost: 450000/);
  await adminContext.close();

  expect(violations).toEqual([]);
  expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true });
  expect(await verifyConsoleTrail(ledger.conn.db)).toBeNull();
}, 60_000);

it('an auditor on a phone-width screen reads the turnout and gateways during the vote; no publish form is offered', async () => {
  // Two votes from one gateway, cast at 09:05 and 10:10 UTC (12:00 and 13:00 in Nairobi).
  const { privatePem, publicKey } = newKeyPair();
  await ledger.addGateway('gw-kiboko', publicKey);
  const f = eventFactory('gw-kiboko');
  const rows = [
    f.vote('+254733000001', [1], '2026-11-22T09:05:00.000Z'),
    { ...f.vote('+254733000002', [20], '2026-11-22T10:10:00.000Z', { wardId: 'south' }), channel: 'sms' },
  ];
  const gw = { gatewayId: 'gw-kiboko', publicKey, privateKey: createPrivateKey(privatePem) };
  const { header, lines } = decodeBatch(gunzipSync(buildBatch(gw, rows, 3, ledger.now()).body).toString('utf8'));
  expect((await ledger.ingest(header, lines, 'push')).rejected).toEqual([]);

  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 375, height: 740 } });
  const page = await context.newPage();
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.goto(`${base}/console/sign-in`);
  await page.getByLabel('Name').fill('auditor');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'During the vote' }).click();
  expect(await page.locator('h1').innerText()).toBe('During the vote');
  const byWard = page.locator('table').first();
  expect(await byWard.innerText()).toMatch(/North Ward\s+1/);
  expect(await byWard.innerText()).toMatch(/South Ward\s+1/);
  // Its backlog: the 3 events its last push said were still waiting.
  expect(await page.locator('tr', { hasText: 'gw-kiboko' }).locator('td').nth(2).innerText()).toBe('3');
  expect(await page.locator('meter').count()).toBeGreaterThanOrEqual(6);
  expect(await page.getByRole('button', { name: 'Publish the results' }).count()).toBe(0);

  const png = await page.screenshot({ fullPage: true });
  const ink = await inkOf(browser, png);
  expect(ink.height).toBeGreaterThan(740); // turnout three ways, gateways, results, projects
  expect(ink.share).toBeGreaterThan(0.01);
  await context.close();
  expect(violations).toEqual([]);
}, 60_000);

it('an admin on a 360 px phone edits the ballot and publishes it: the page fits the width and is drawn', async () => {
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
  await page.getByRole('link', { name: 'Ballot', exact: true }).click();
  expect(await page.locator('h1').innerText()).toBe('Ballot');
  await fits();
  const before = await ledger.publishedBallot();

  // Voting is open in c-open: a menu title may still be corrected.
  const project = page.locator('div.project', { has: page.locator('h3', { hasText: /^1 — Borehole/ }) });
  await project.locator('input[name="short.en"]').fill('Kiboko borehole');
  await project.getByRole('button', { name: 'Save project 1' }).click();
  await expect.poll(() => page.getByRole('status').innerText()).toBe('Saved.');
  const publish = page.getByRole('button', { name: /^Publish version \d+$/ });
  const version = Number(/\d+$/.exec(await publish.innerText())![0]);
  await publish.click();
  await expect.poll(() => page.getByRole('status').innerText()).toBe('Published: gateways download it at their next sync.');
  expect(await page.getByText(/^Latest version \d+; published version \d+\.$/).innerText()).toBe(`Latest version ${version}; published version ${version}.`);
  await fits();

  // What gateways download now carries the correction.
  const served = await ledger.publishedBallot();
  expect(served.version).not.toBe(before.version);
  expect(served.ballot.cycles.find((c) => c.id === 'c-open')!.projects.find((p) => p.code === 1)!.short.en).toBe('Kiboko borehole');

  const png = await page.screenshot({ fullPage: true });
  const ink = await inkOf(browser, png);
  expect(ink.height).toBeGreaterThan(740); // cycles, projects with their forms, wards, versions
  expect(ink.share).toBeGreaterThan(0.01);
  await context.close();
  expect(violations).toEqual([]);
  expect(await verifyConsoleTrail(ledger.conn.db)).toBeNull();
}, 60_000);
