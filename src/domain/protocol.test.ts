// The wire format both sides must agree on: what an event line must hold, how the ledger
// normalises it, and the chain hash's exact bytes (a change here breaks every existing ledger).
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { ackLine, answerMessage, chainHash, decodeBatch, newKeyPair, parseAckFile, parseEvent, parseLine, publicKeyOf } from './protocol.ts';

const line = {
  id: '0190D9C8-1234-7ABC-8DEF-0123456789AB',
  seq: 1,
  type: 'vote.cast',
  cycleId: 'c-open',
  voterKey: 'a'.repeat(43),
  channel: 'ussd',
  capturedAt: '2026-11-01T08:00:00.5Z',
  payload: { wardId: 'north', picks: [1, 4], receipt: 'ABCD1234-XY', replaces: null },
};
const detail = (raw: unknown) => {
  const r = parseEvent(raw);
  return r.ok ? 'ok' : r.detail;
};

describe('event lines', () => {
  it('accepts a vote and a proposal, with one spelling of the id and the capture time', () => {
    const r = parseEvent(line);
    expect(r.ok && r.event).toMatchObject({ id: '0190d9c8-1234-7abc-8def-0123456789ab', capturedAt: '2026-11-01T08:00:00.500Z', payload: { picks: [1, 4] } });
    const proposal = {
      ...line,
      type: 'proposal.submitted',
      payload: { wardId: 'north', category: 'water', title: 'A borehole', description: '', reference: 'P-1234' },
    };
    expect(detail(proposal)).toBe('ok');
  });

  it('names the first bad field, the payload checked against its type', () => {
    expect(detail({ ...line, payload: { ...line.payload, picks: ['one'] } })).toMatch(/^payload\.picks\.0: /);
    expect(detail({ ...line, payload: { ...line.payload, extra: 1 } })).toMatch(/^payload: Unrecognized key/);
    expect(detail({ ...line, type: 'proposal.submitted' })).toMatch(/^payload/);
    expect(detail({ ...line, type: 'vote.undone' })).toMatch(/^type: /);
    expect(detail({ ...line, capturedAt: 'yesterday' })).toMatch(/^capturedAt: /);
    expect(detail({ ...line, id: 'not-a-uuid' })).toMatch(/^id: /);
    expect(detail(null)).toMatch(/^event: /);
  });

  it('reports a line that is not JSON as such, and keeps the rest of the batch', () => {
    const header = { protocol: 1, gatewayId: 'gw-1', batchId: '0190d9c8-1234-7abc-8def-0123456789ab', sentAt: '2026-11-01T08:00:00Z', backlog: 0, count: 2 };
    const { lines } = decodeBatch([JSON.stringify(header), '{"id": oops', JSON.stringify(line)].join('\n') + '\n');
    expect(lines.map(detail)).toEqual(['event: the line is not JSON', 'ok']);
  });
});

describe('bounds', () => {
  const header = (count: number) =>
    JSON.stringify({ protocol: 1, gatewayId: 'gw-1', batchId: '0190d9c8-1234-7abc-8def-0123456789ab', sentAt: '2026-11-01T08:00:00Z', backlog: 0, count });

  it('refuses a batch past 20,000 event lines without parsing them, and an empty line', () => {
    expect(() => decodeBatch(header(20_001) + '\n{}'.repeat(20_001))).toThrow(/more than 20000 event lines/);
    expect(() => decodeBatch(header(1) + '\n{}'.repeat(1_000_000))).toThrow(expect.objectContaining({ code: 'sync.too_large' }));
    expect(() => decodeBatch(header(30_000) + '\n{}')).toThrow(/header\.count is 30000/);
    expect(() => decodeBatch(header(2) + '\n{}\n\n')).toThrow(/^line 3 is empty/);
    expect(decodeBatch(header(2) + '\n{}\n{}').lines).toHaveLength(2); // the last newline is optional
  });

  it('keeps a malformed line from carrying an unsafe sequence number or a NUL into the ledger', () => {
    const r = (raw: unknown) => parseEvent(raw) as { ok: false; id: string | null; seq: number | null; detail: string };
    expect(r({ ...line, seq: 1e300, payload: {} })).toMatchObject({ seq: null, detail: expect.stringMatching(/^seq: /) });
    expect(r({ ...line, seq: 0 }).seq).toBeNull();
    expect(r({ ...line, payload: {} }).seq).toBe(1);
    expect(r({ ...line, id: 'a\u0000b' }).id).toBeNull();
    expect(r({ ...line, payload: { ...line.payload, ['k\u0000']: 1 } }).detail).toBe('payload: Unrecognized key: "k?"');
  });

  it('bounds every payload field: replaces is an event id, codes are letters and digits', () => {
    expect(detail({ ...line, payload: { ...line.payload, replaces: 'x'.repeat(100) } })).toMatch(/^payload\.replaces: /);
    expect(detail({ ...line, payload: { ...line.payload, replaces: line.id } })).toBe('ok');
    expect(detail({ ...line, payload: { ...line.payload, receipt: '----' } })).toMatch(/^payload\.receipt: /);
    expect(detail({ ...line, capturedAt: `2026-11-01T08:00:00.${'5'.repeat(60)}Z` })).toMatch(/^capturedAt: /);
    expect(parseEvent(parseLine(JSON.stringify({ ...line, pad: 'x'.repeat(20_000) })))).toMatchObject({
      ok: false,
      detail: 'event: the line is longer than 16384 characters',
    });
  });
});

describe('chain hash', () => {
  it('is SHA-256 of the previous hash, a newline and the fields as a JSON array', () => {
    const fields = {
      seq: 7,
      event_id: '0190d9c8-1234-7abc-8def-0123456789ab',
      gateway_id: 'gw-1',
      gateway_seq: 3,
      type: 'vote.cast',
      cycle_id: 'c-open',
      voter_key: 'k'.repeat(43),
      channel: 'sms',
      captured_at: '2026-11-01T08:00:00.000Z',
      received_at: '2026-11-01T09:00:00.000Z',
      payload: '{"wardId":"north","picks":[1],"receipt":"ABCD","replaces":null}',
    };
    // Computed by the first release (three hash updates); any rewrite must give the same bytes.
    expect(chainHash('0'.repeat(64), fields)).toBe('ada68538c5edbb30438462ea0d089ad5911ecef1287add30c82e68dc15ae25d5');
  });
});

describe('the ledger’s answer signature', () => {
  it('covers `sauti-answer/1 <gateway> <batch or bundle> <sha256 hex of the exact bytes>`, as docs/architecture.md says', () => {
    const body = Buffer.from('{"batchId":"b"}');
    expect(answerMessage('gw-1', 'b', body).toString()).toBe(`sauti-answer/1 gw-1 b ${createHash('sha256').update(body).digest('hex')}`);
  });

  it('an acknowledgement file’s line names the gateway and the bundle, and the signed bytes follow it', () => {
    const sig = 'A'.repeat(86) + '==';
    const file = Buffer.concat([Buffer.from(ackLine('gw-1', '0190d9c8-1234-7abc-8def-0123456789ab', sig)), Buffer.from([0x1f, 0x8b, 0x0a])]);
    expect(parseAckFile(file)).toEqual({
      gatewayId: 'gw-1',
      bundleId: '0190d9c8-1234-7abc-8def-0123456789ab',
      signature: sig,
      body: Buffer.from([0x1f, 0x8b, 0x0a]),
    });
    expect(parseAckFile(Buffer.from([0x1f, 0x8b, 0x08]))).toBeNull();
  });
});

describe('newKeyPair', () => {
  it('gives the public key text of its private key, as publicKeyOf reads it from the PEM', () => {
    for (let i = 0; i < 50; i++) {
      const pair = newKeyPair();
      expect(pair.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(publicKeyOf(pair.privatePem)).toBe(pair.publicKey);
    }
  });
});
