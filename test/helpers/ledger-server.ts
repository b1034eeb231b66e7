// A ledger answering over real HTTP on 127.0.0.1, as gateways reach it.
import type { Server } from 'node:http';
import express from 'express';
import type { Ledger } from '../../ledger/ledger.ts';
import { createLedgerApp } from '../../src/http/ledger-app.ts';
import { createLogger } from '../../src/logging.ts';

/** Listens on `port` (0: any free one), optionally under a path prefix as behind a proxy; `stop` may be called more than once. */
export async function ledgerServer(ledger: Ledger, port = 0, prefix = ''): Promise<{ url: string; stop: () => Promise<void> }> {
  const silent = createLogger('silent');
  const app = prefix ? express().use(prefix, createLedgerApp(ledger, silent)) : createLedgerApp(ledger, silent);
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(port, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}${prefix}`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return { url, stop };
}
