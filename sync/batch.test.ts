// The relay's batches are compressed off the event loop (buildBatchAsync) yet carry exactly what
// the synchronous builder does: the same header and lines, signed over the bytes sent.
import { createPrivateKey } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeBatch, newKeyPair, parsePublicKey, verifyBody } from '../src/domain/protocol.ts';
import { eventFactory } from '../test/helpers/ledger.ts';
import { buildBatch, buildBatchAsync } from './batch.ts';

describe('buildBatchAsync', () => {
  it('gives the synchronous builder’s batch, compressed in the thread pool and signed', async () => {
    const { privatePem, publicKey } = newKeyPair();
    const gw = { gatewayId: 'gw-batch', publicKey, privateKey: createPrivateKey(privatePem) };
    const f = eventFactory('gw-batch');
    const rows = Array.from({ length: 300 }, (_, i) => f.vote(`+2547110${String(i).padStart(5, '0')}`, [1, 3], '2026-11-22T08:00:00Z'));
    const now = new Date('2026-11-22T09:00:00Z');
    const sync = buildBatch(gw, rows, 7, now);
    const batch = await buildBatchAsync(gw, rows, 7, now);
    const read = (body: Buffer) => decodeBatch(gunzipSync(body).toString('utf8'));
    expect(read(batch.body).lines).toEqual(read(sync.body).lines);
    expect({ ...read(batch.body).header, batchId: '' }).toEqual({ ...read(sync.body).header, batchId: '' });
    expect(verifyBody(parsePublicKey(publicKey), 'gw-batch', batch.body, batch.signature)).toBe(true);
    expect([batch.firstSeq, batch.lastSeq, batch.ids]).toEqual([sync.firstSeq, sync.lastSeq, sync.ids]);
  });
});
