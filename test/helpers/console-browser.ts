// The console in real headless Chromium: its ledger app on a loopback port, Debian's Chromium,
// and a signed-in page with JavaScript off, as the console's browser tests all start.
import type { Server } from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Ledger } from '../../ledger/ledger.ts';
import { createLedgerApp } from '../../src/http/ledger-app.ts';
import { createLogger } from '../../src/logging.ts';
import { PASSWORD } from './console.ts';
import { chromiumPath } from './services.ts';

export interface ConsoleBrowser {
  base: string;
  /** Undefined when Chromium is absent (the tests then skip, saying so). */
  browser: Browser;
  close(): Promise<void>;
}

/** Serves `ledger`'s app on 127.0.0.1 and launches Chromium when `present`. */
export async function consoleInBrowser(ledger: Ledger, present: boolean): Promise<ConsoleBrowser> {
  const app = createLedgerApp(ledger, createLogger('silent'));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const browser = present ? await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--headless'] }) : (undefined as unknown as Browser);
  return {
    base: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    browser,
    async close() {
      await browser?.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A page signed in as `name` at `width` px, JavaScript off, collecting any Content-Security-Policy violation. */
export async function signedIn(c: ConsoleBrowser, name: string, width: number): Promise<{ page: Page; violations: string[]; close: () => Promise<void> }> {
  const context = await c.browser.newContext({ javaScriptEnabled: false, viewport: { width, height: 800 } });
  const page = await context.newPage();
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.goto(`${c.base}/console/sign-in`);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return { page, violations, close: () => context.close() };
}
