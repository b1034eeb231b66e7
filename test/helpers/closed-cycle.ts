// A ledger whose cycle c-open has closed with project 7 among the winners: four votes from one
// gateway before the close, its heartbeat after, and (unless asked not to) the results published.
// Implementation updates and milestone photos start from here.
import { createPrivateKey } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { decodeBatch, newKeyPair } from '../../src/domain/protocol.ts';
import { buildBatch } from '../../sync/batch.ts';
import type { Ledger } from '../../ledger/ledger.ts';
import type { CycleResult } from '../../ledger/results.ts';
import { testDeployment } from './deployment.ts';
import { eventFactory, testLedger, type Backend } from './ledger.ts';

/** When c-open's voting closes, and the ledger's clock once it has. */
export const CLOSES = '2026-11-30T18:00:00Z';
export const AFTER_CLOSE = new Date('2026-12-01T09:00:00Z');
/** Months after the close, when winning projects' implementation updates (dated 2027 in tests) have happened. */
export const LATER = new Date('2027-10-01T09:00:00Z');

export async function closedCycleLedger(
  backend: Backend,
  publish = true,
): Promise<{ ledger: Ledger; result: CycleResult | undefined; setNow: (d: Date) => void }> {
  let now = new Date('2026-11-25T09:00:00Z');
  const ledger = await testLedger(
    backend,
    testDeployment((r) => (r.cycles[0].phases.voting.closes = CLOSES)),
    () => now,
  );
  const { privatePem, publicKey } = newKeyPair();
  const gw = { gatewayId: 'gw-a', publicKey, privateKey: createPrivateKey(privatePem) };
  await ledger.addGateway('gw-a', publicKey);
  const f = eventFactory('gw-a');
  const push = async (rows: ReturnType<typeof f.vote>[]) => {
    const { header, lines } = decodeBatch(gunzipSync(buildBatch(gw, rows, 0, now).body).toString('utf8'));
    return ledger.ingest(header, lines, 'push');
  };
  await push([[7, 1], [7, 4], [7], [1, 3]].map((picks, i) => f.vote(`+2547110000${10 + i}`, picks, '2026-11-22T09:00:00Z')));
  now = AFTER_CLOSE;
  await push([]);
  const result = publish ? await ledger.publishResults('c-open') : undefined;
  return { ledger, result, setNow: (d: Date) => (now = d) };
}

/**
 * A SQLite ledger where gateway gw-field's three votes (all for project 7) came in before c-open
 * closed, and the results were published (forced) just after: its clock then at AFTER_CLOSE, which
 * `setNow` moves on. Reports, spoken reports, implementation news and held SMS start from here.
 */
export async function publishedByFieldGateway(): Promise<{ ledger: Ledger; published: CycleResult; setNow: (d: Date) => void }> {
  let now = new Date('2026-11-25T09:00:00Z');
  const ledger = await testLedger(
    'sqlite',
    testDeployment((r) => (r.cycles[0].phases.voting.closes = CLOSES)),
    () => now,
  );
  const { privatePem, publicKey } = newKeyPair();
  const field = { gatewayId: 'gw-field', publicKey, privateKey: createPrivateKey(privatePem) };
  await ledger.addGateway('gw-field', publicKey);
  const f = eventFactory('gw-field');
  const votes = [[7, 1], [7, 4], [7]].map((picks, i) => f.vote(`+2547110000${20 + i}`, picks, '2026-11-22T09:00:00Z'));
  const { header, lines } = decodeBatch(gunzipSync(buildBatch(field, votes, 0, now).body).toString('utf8'));
  await ledger.ingest(header, lines, 'push');
  now = AFTER_CLOSE;
  const published = await ledger.publishResults('c-open', { force: { reason: 'test' } });
  return { ledger, published, setNow: (d: Date) => (now = d) };
}
