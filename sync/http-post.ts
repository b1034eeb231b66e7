// One request to the ledger (a batch POST, or the ballot GET) that reports two moments: when
// the body has been handed to the operating system, and when the answer arrives. The relay records one answer and builds the next batch
// (synchronous SQLite and gzip work) while the ledger ingests the batch just sent; with fetch the
// body of that batch was only written once the relay yielded again, so the ledger sat idle for
// the whole of that work. Waiting for `sent` first lets both sides run at once.
import http from 'node:http';
import https from 'node:https';

export interface PostResult {
  status: number;
  /** The body parsed as JSON, or null when it is not JSON. */
  json: unknown;
  /** The body exactly as received: signatures are checked over these bytes, never a re-encoding. */
  body: Buffer;
  /** The response headers (lower-case names). */
  headers: http.IncomingHttpHeaders;
}

export interface Post {
  /** Resolves once the request body is written to the socket (or the request failed: see `result`). */
  sent: Promise<void>;
  result: Promise<PostResult>;
}

/** Keep-alive connections to one ledger, reused batch after batch. */
export class LedgerConnectionPool {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 4 });

  request(url: URL, opts: { method: 'GET' | 'POST' | 'PUT'; headers: Record<string, string>; body?: Buffer; timeoutMs: number }): Post {
    const { body, timeoutMs } = opts;
    const secure = url.protocol === 'https:';
    let markSent!: () => void;
    const sent = new Promise<void>((resolve) => (markSent = resolve));
    const result = new Promise<PostResult>((resolve, reject) => {
      const req = (secure ? https : http).request(url, {
        method: opts.method,
        headers: body ? { ...opts.headers, 'content-length': String(body.length) } : opts.headers,
        agent: secure ? this.httpsAgent : this.httpAgent,
        signal: AbortSignal.timeout(timeoutMs),
      });
      req.on('error', (err) => {
        markSent();
        reject(err);
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          let json: unknown = null;
          try {
            json = JSON.parse(raw.toString('utf8'));
          } catch {
            // Not JSON (a proxy's error page, say): the caller reports the status.
          }
          resolve({ status: res.statusCode ?? 0, json, body: raw, headers: res.headers });
        });
      });
      if (body) req.end(body, () => markSent());
      else req.end(() => markSent());
    });
    return { sent, result };
  }

  /** Closes idle connections (a stopped gateway should not hold sockets open). */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
