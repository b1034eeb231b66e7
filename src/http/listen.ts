// Opening the gateway's or the ledger's port, with an answer an operator can act on when it
// cannot be opened (another process holds it, or the address is not this machine's).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SautiError } from '../domain/errors.ts';

/**
 * Listens on `host:port` and resolves with the port actually bound (0 picks a free one).
 * `envKey` is the setting that chooses the port, named in the error so the fix is one line.
 */
export function listen(server: Server, port: number, host: string, envKey: 'PORT' | 'LEDGER_PORT'): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => reject(listenError(err, port, host, envKey));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function listenError(err: NodeJS.ErrnoException, port: number, host: string, envKey: string): Error {
  switch (err.code) {
    case 'EADDRINUSE':
      return new SautiError(
        'http.port_in_use',
        `cannot listen on ${host}:${port}: the port is already in use (another Sauti or another program listens there). Stop it, or choose another port, e.g. ${envKey}=${port === 65535 ? 8081 : port + 1}`,
        { cause: err },
      );
    case 'EACCES':
      return new SautiError(
        'http.port_denied',
        `cannot listen on ${host}:${port}: permission denied (ports below 1024 need privileges). Choose another port with ${envKey}, e.g. ${envKey}=8080`,
        { cause: err },
      );
    case 'EADDRNOTAVAIL':
      return new SautiError(
        'http.host_unavailable',
        `cannot listen on ${host}:${port}: ${host} is not an address of this machine. Set HOST (127.0.0.1, or 0.0.0.0 for every interface)`,
        { cause: err },
      );
    default:
      return err;
  }
}
