// A ledger answering over real HTTP on 127.0.0.1, as gateways reach it.
import type { Server } from 'node:http';
import express from 'express';
import type { Ledger } from '../../ledger/ledger.ts';
import { createLedgerApp } from '../../src/http/ledger-app.ts';
import { createLogger } from '../../src/logging.ts';
import type { GatewayIdentity } from '../../sync/identity.ts';
import { ledgerTrust, trustLedger } from '../../sync/ledger-trust.ts';
import type { Outbox } from '../../sync/outbox.ts';
import { Relay } from '../../sync/relay.ts';

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

/**
 * A gateway registered with `ledger` and trusting its key, and a relay to it over real HTTP, as a
 * gateway syncs after `sauti ledger add-gateway` and `sauti sync trust-ledger`. `stop` ends both.
 */
export async function connectedRelay(
  gw: { gatewayId: string; identity: GatewayIdentity; outbox: Outbox },
  ledger: Ledger,
  timeoutMs = 2000,
): Promise<{ relay: Relay; url: string; stop: () => Promise<void> }> {
  await ledger.addGateway(gw.gatewayId, gw.identity.publicKey);
  trustLedger(gw.outbox, (await ledger.identity()).publicKey);
  const server = await ledgerServer(ledger);
  const relay = new Relay({
    outbox: gw.outbox,
    identity: gw.identity,
    ledgerUrl: server.url,
    batchSize: 100,
    logger: createLogger('silent'),
    timeoutMs,
    trust: () => ledgerTrust(gw.outbox, {}),
  });
  const stop = async () => {
    relay.close();
    await server.stop();
  };
  return { relay, url: server.url, stop };
}
