// Exclusive projects end to end: the deployment file's groups (checked), a count from the ledger
// that honours them, and the .pb export that records them — read back, it counts the same.
import { createPrivateKey } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { decodeBatch, newKeyPair } from '../src/domain/protocol.ts';
import { buildBatch } from '../sync/batch.ts';
import { openBallots, openDataFiles } from '../ledger/open-data.ts';
import { count } from '../tally/rules.ts';
import { parsePb, pbInstance } from '../tally/pabulib.ts';
import { eventFactory, ledgerBackends, testLedger } from './helpers/ledger.ts';
import { testDeployment } from './helpers/deployment.ts';

const backends = await ledgerBackends();

describe('exclusive groups in the deployment file', () => {
  it.each([
    [[[1, 99]], ['cycles', 0, 'exclusive', 0, 1], "no project 99 in cycle 'c-open'"],
    [[[1, 20]], ['cycles', 0, 'exclusive', 0], 'projects of different wards (north, south)'],
    [[[1, 1]], ['cycles', 0, 'exclusive', 0], 'listed twice'],
    [[[1]], ['cycles', 0, 'exclusive', 0], ''],
  ])('refuses %j, naming the key', (groups, path, message) => {
    const err = (() => {
      try {
        testDeployment((r) => (r.cycles[0].exclusive = groups));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ZodError);
    const issue = (err as ZodError).issues.find((i) => JSON.stringify(i.path) === JSON.stringify(path));
    expect(issue, JSON.stringify((err as ZodError).issues)).toBeDefined();
    expect(issue!.message).toContain(message);
  });

  it('defaults to none', () => {
    expect(testDeployment().cycles[0]!.exclusive).toEqual([]);
  });
});

describe.each(backends)('a count from the ledger honours them, and the .pb records them (%s)', (backend) => {
  it('greedy: 1 and 3 share a site, so 3 is passed over and 2 funded; the .pb says greedy-exclusive with exclusive_projects 1,3', async () => {
    const now = new Date('2026-11-22T12:00:00Z');
    for (const exclusive of [[], [[1, 3]]]) {
      const d = testDeployment((r) => (r.cycles[0].exclusive = exclusive));
      const ledger = await testLedger(backend, d, () => now);
      try {
        const { privatePem, publicKey } = newKeyPair();
        await ledger.addGateway('gw-x', publicKey);
        const f = eventFactory('gw-x');
        // Votes: project 1 three, project 3 two, project 2 one (north's budget 10,000,000).
        const rows = [
          f.vote('+254722000001', [1, 3, 2], '2026-11-22T09:00:00.000Z'),
          f.vote('+254722000002', [1, 3], '2026-11-22T09:01:00.000Z'),
          f.vote('+254722000003', [1], '2026-11-22T09:02:00.000Z'),
        ];
        const gw = { gatewayId: 'gw-x', publicKey, privateKey: createPrivateKey(privatePem) };
        const { header, lines } = decodeBatch(gunzipSync(buildBatch(gw, rows, 0, now).body).toString('utf8'));
        expect((await ledger.ingest(header, lines, 'push')).rejected).toEqual([]);
        const result = await ledger.results('c-open');
        const north = result.wards.find((w) => w.wardId === 'north')!;
        const funded = north.projects.filter((p) => p.selected).map((p) => p.code);
        expect(funded).toEqual(exclusive.length ? [1, 2] : [1, 3]);

        const pbText = openDataFiles(d, result, await openBallots(ledger.conn.db, d, 'c-open'), 'en')
          .find((x) => x.name === 'north.pb')!
          .body.toString();
        if (exclusive.length) {
          expect(pbText).toContain('rule;greedy-exclusive');
          expect(pbText).toContain('exclusive_projects;1,3');
        } else {
          expect(pbText).toContain('rule;greedy-threshold');
          expect(pbText).not.toContain('exclusive_projects');
        }
        // Read back as any .pb: the same selection.
        const pb = pbInstance(parsePb(pbText));
        const again = count(pb.instance, pb.rule!, { threshold: pb.threshold, ...(pb.exclusive ? { exclusive: pb.exclusive } : {}) });
        expect(again.selected.map((i) => Number(pb.instance.projects[i]!.id))).toEqual(funded);
        expect([...pb.published!].map(Number).sort((a, b) => a - b)).toEqual(funded);
      } finally {
        await ledger.close();
      }
    }
  });
});
