// Results from the ledger, on SQLite and PostgreSQL: per-ward counts with the cycle's rule,
// publication that freezes them, the ballot gateways download, open data that cannot be
// linked to a phone or across cycles, and a round trip ledger → .pb → import → same winners.
import { createPrivateKey } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeBatch, newKeyPair } from '../src/domain/protocol.ts';
import type { Deployment } from '../src/config/schema.ts';
import type { EventRow } from '../src/store/gateway-store.ts';
import { buildBatch } from '../sync/batch.ts';
import type { GatewayIdentity } from '../sync/identity.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { ballotsCsv, openBallots, pabulibFiles, resultsCsv } from '../ledger/open-data.ts';
import { parsePb, pbInstance } from '../tally/pabulib.ts';
import { count } from '../tally/rules.ts';
import { type Backend, ledgerBackends, eventFactory, testLedger } from './helpers/ledger.ts';
import { testDeployment } from './helpers/deployment.ts';

// PostgreSQL too when it is there (one line says so when it is not; never skipped under CI=true).
const BACKENDS = await ledgerBackends();

const CLOSES = '2026-11-30T18:00:00Z';
const BEFORE_CLOSE = new Date('2026-11-25T09:00:00Z');
const AFTER_CLOSE = new Date('2026-12-01T09:00:00Z');

/** The fixture with voting in c-open closing on CLOSES, counted with `selection`. */
function deployment(edit: (cycle: Record<string, any>) => void = () => {}): Deployment {
  return testDeployment((r) => {
    r.cycles[0].phases.voting.closes = CLOSES;
    edit(r.cycles[0]);
  });
}

async function setup(backend: Backend, ballot: Deployment) {
  let now = BEFORE_CLOSE;
  const ledger = await testLedger(backend, ballot, () => now);
  const { privatePem, publicKey } = newKeyPair();
  const gw: GatewayIdentity = { gatewayId: 'gw-r', publicKey, privateKey: createPrivateKey(privatePem) };
  await ledger.addGateway(gw.gatewayId, gw.publicKey);
  const f = eventFactory('gw-r');
  const send = async (rows: EventRow[]) => {
    const { header, lines } = decodeBatch(gunzipSync(buildBatch(gw, rows, 0, now).body).toString('utf8'));
    return ledger.ingest(header, lines, 'push');
  };
  const ingest = async (rows: EventRow[]) => {
    expect((await send(rows)).rejected).toEqual([]);
  };
  return { ledger, f, ingest, send, setNow: (d: Date) => (now = d) };
}

const at = '2026-11-22T09:00:00Z';
/** North (budget 10M): votes 1:5, 2:4, 3:3, 4:2. Greedy funds 1 (4.5M) and 2 (3.2M); 3 and 4 do not fit the 2.3M left; the rest have no votes. */
async function northVotes(f: ReturnType<typeof eventFactory>, ingest: (rows: EventRow[]) => Promise<void>) {
  const ballots: number[][] = [
    [1, 2, 3],
    [1, 2, 3],
    [1, 2, 4],
    [1, 2],
    [1, 3, 4],
  ];
  await ingest(ballots.map((picks, i) => f.vote(`+2547110000${10 + i}`, picks, at)));
}
const winners = (ledgerResult: Awaited<ReturnType<Ledger['results']>>, ward: string) =>
  ledgerResult.wards
    .find((w) => w.wardId === ward)!
    .projects.filter((p) => p.selected)
    .map((p) => p.code);

describe.each(BACKENDS)('results on %s', (backend) => {
  it('counts each ward from the ledger with the cycle rule, one ballot per voter', async () => {
    const { ledger, f, ingest } = await setup(backend, deployment());
    await northVotes(f, ingest);
    // A voter who votes again: only the later ballot counts (revote: replace).
    await ingest([f.vote('+254711000010', [5], '2026-11-23T09:00:00Z')]);
    await ingest([f.vote('+254711000099', [21], at, { wardId: 'south' })]);
    const r = await ledger.results('c-open');
    const north = r.wards.find((w) => w.wardId === 'north')!;
    expect(north.ballots).toBe(5);
    expect(north.projects.map((p) => [p.code, p.votes])).toEqual([
      [1, 4],
      [2, 3],
      [3, 2],
      [4, 2],
      [5, 1],
      [6, 0],
      [7, 0],
      [12, 0],
    ]);
    // Greedy: 1 (4.5M) + 2 (3.2M) = 7.7M; 3 (2.9M) and 4 (2.6M) do not fit; 5 (1.9M) does: 9.6M.
    // Projects without a vote are never funded, though 12 (0.95M) would not fit anyway.
    expect(winners(r, 'north')).toEqual([1, 2, 5]);
    expect(north.used).toBe(9_600_000);
    expect(winners(r, 'south')).toEqual([21]);
    expect(r.turnout).toEqual({ total: 6, byWard: { north: 5, south: 1 }, byChannel: { ussd: 6 } });
    expect(r.publishedAt).toBeNull();
    await ledger.close();
  });

  it('counts ranked ballots by the configured points per place, and Equal Shares when the cycle says so', async () => {
    const ranked = deployment((c) => {
      c.ballot = { rule: 'ranking', k: 3, points: [5, 2, 1] };
    });
    const { ledger, f, ingest } = await setup(backend, ranked);
    // Project 7 is first on one ballot (5 points); 1 is second and third on two (2 + 1 = 3).
    await ingest([f.vote('+254711000001', [7, 1], at), f.vote('+254711000002', [3, 12, 1], at)]);
    const r = await ledger.results('c-open');
    const north = r.wards.find((w) => w.wardId === 'north')!;
    expect(r.rankedBy).toBe('score');
    expect(north.projects.slice(0, 3).map((p) => [p.code, p.score])).toEqual([
      [3, 5],
      [7, 5],
      [1, 3],
    ]);
    await ledger.close();

    const shares = deployment((c) => {
      c.selection = { rule: 'equalshares' };
    });
    const es = await setup(backend, shares);
    await northVotes(es.f, es.ingest);
    const r2 = await es.ledger.results('c-open');
    expect(r2.rule).toBe('equalshares');
    const funded = r2.wards.find((w) => w.wardId === 'north')!.projects.filter((p) => p.selected);
    expect(funded.length).toBeGreaterThan(0);
    expect(funded.every((p) => p.sharePaid !== null)).toBe(true);
    await es.ledger.close();
  });

  it('counts cumulative ballots by points, a repeated code being another point; refuses more points than allowed; .pb round trip', async () => {
    const cumulative = deployment((c) => {
      c.ballot = { rule: 'cumulative', points: 5, maxPerProject: 4 };
    });
    const { ledger, f, ingest, send } = await setup(backend, cumulative);
    // Two voters put 4 points on 6 (3.8M) and one on 7; three others spread single points over
    // 2 (3.2M), 1 (4.5M) and 3 (2.9M). Points: 6:8, 2:3, 1:2, 3:1, 7:2. By ballots listing a
    // project 2 (3 ballots) would come first and fund 2 and 1 — counted as points, 6 leads.
    await ingest([
      f.vote('+254711000001', [6, 6, 7, 6, 6], at),
      f.vote('+254711000002', [6, 6, 6, 6, 7], at),
      f.vote('+254711000003', [2, 1], at),
      f.vote('+254711000004', [2, 1], at),
      f.vote('+254711000005', [2, 3], at),
    ]);
    const refused = [f.vote('+254711000006', [6, 6, 6, 6, 6], at), f.vote('+254711000007', [6, 6, 6, 6, 1, 2], at)];
    const answer = await send(refused);
    expect(answer.rejected.map((r) => `${r.reason}: ${r.detail}`)).toEqual([
      'ballot-rule: cumulative ballot gives project 6 more than 4 points',
      'ballot-rule: cumulative ballot gives more than 5 points',
    ]);

    const r = await ledger.results('c-open');
    expect(r.rankedBy).toBe('score');
    const north = r.wards.find((w) => w.wardId === 'north')!;
    expect(north.ballots).toBe(5);
    expect(north.projects.filter((p) => p.votes > 0).map((p) => [p.code, p.votes, p.score])).toEqual([
      [6, 2, 8],
      [2, 3, 3],
      [1, 2, 2],
      [7, 2, 2],
      [3, 1, 1],
    ]);
    // Greedy by points: 6 (3.8M), 2 (3.2M); 1 (4.5M) does not fit the 3M left; 7 (1.25M) does; 3 (2.9M) does not.
    expect(winners(r, 'north')).toEqual([6, 2, 7]);

    const d = ledger.deployment();
    const open = await openBallots(ledger.conn.db, d, 'c-open');
    expect(open.map((b) => [b.picks, b.points]).sort()).toEqual(
      [
        [
          [2, 1],
          [1, 1],
        ],
        [
          [2, 1],
          [1, 1],
        ],
        [
          [2, 3],
          [1, 1],
        ],
        [
          [6, 7],
          [4, 1],
        ],
        [
          [6, 7],
          [4, 1],
        ],
      ].sort(),
    );
    expect(ballotsCsv(open).split('\n')[0]).toBe('voter,ward,picks,points,channel');
    const file = pabulibFiles(d, r, open, 'en').find((x) => x.ward === 'north')!;
    expect(file.text).toContain('\nvote_type;cumulative\n');
    expect(file.text).toContain('\nmax_points;4\nmax_sum_points;5\n');
    expect(file.text).toContain('\nvoter_id;vote;points;voting_method\n');
    expect(file.text).toMatch(/\n[\w-]{12};6,7;4,1;ussd\n/);
    const pb = pbInstance(parsePb(file.text));
    expect(pb.instance.profile.voteType).toBe('cumulative');
    expect(pb.mismatches).toEqual([]);
    const again = count(pb.instance, pb.rule!, { threshold: pb.threshold }).selected.map((p) => Number(pb.instance.projects[p]!.id));
    expect(again.sort((a, b) => a - b)).toEqual([2, 6, 7]);
    await ledger.close();
  });

  it('stops with a clear error when a counted ballot names a project the deployment file no longer has', async () => {
    const { ledger, f, ingest } = await setup(backend, deployment());
    await ingest([f.vote('+254711000001', [12], at)]);
    ledger.setBallot(() => deployment((c) => (c.projects = c.projects.filter((p: { code: number }) => p.code !== 12))));
    await expect(ledger.results('c-open')).rejects.toThrow(/ward north picks project 12, which the deployment file no longer has/);
    await ledger.close();
  });

  it('publishes only after voting closes, freezes the count, and puts the winners in the ballot gateways download', async () => {
    const { ledger, f, ingest, setNow } = await setup(backend, deployment());
    await northVotes(f, ingest);
    await expect(ledger.publishResults('c-open')).rejects.toThrow(/open until/);
    const before = await ledger.publishedBallot();
    expect(before.ballot.cycles.find((c) => c.id === 'c-open')!.results).toBeUndefined();

    setNow(AFTER_CLOSE);
    await ingest([]); // the gateway syncs after the close, nothing waiting
    const published = await ledger.publishResults('c-open');
    expect(published.publishedAt).toBe(AFTER_CLOSE.toISOString());
    await expect(ledger.publishResults('c-open')).rejects.toThrow(/already|do not change/);

    // A bundle captured in time but arriving after publication is stored, not counted into what was published.
    await ingest([f.vote('+254711000077', [6, 7, 12], at)]);
    expect(winners(await ledger.results('c-open'), 'north')).toEqual(winners(published, 'north'));
    expect((await ledger.results('c-open')).turnout.total).toBe(5);

    const after = await ledger.publishedBallot();
    expect(after.version).not.toBe(before.version);
    const cycle = after.ballot.cycles.find((c) => c.id === 'c-open')!;
    expect(cycle.results).toEqual({ published: AFTER_CLOSE, selected: [1, 2] });
    await ledger.close();
  });

  it('open data: per-cycle voter ids, no phone, key, receipt or time; a .pb per ward that counts back to the same winners', async () => {
    const { ledger, f, ingest } = await setup(backend, deployment());
    await northVotes(f, ingest);
    // The same phone also voted in the closed cycle c-past.
    await ingest([f.vote('+254711000010', [31], '2019-03-15T09:00:00Z', { cycleId: 'c-past' })]);
    const d = ledger.deployment();
    const open = await openBallots(ledger.conn.db, d, 'c-open');
    const past = await openBallots(ledger.conn.db, d, 'c-past');
    expect(open).toHaveLength(5);
    expect(past).toHaveLength(1);
    const openIds = new Set(open.map((b) => b.voter));
    expect(openIds.has(past[0]!.voter)).toBe(false);
    const csv = ballotsCsv(open);
    expect(csv.split('\n')[0]).toBe('voter,ward,picks,channel');
    const stored = await ledger.conn.db.selectFrom('ledger_events').select(['voter_key', 'receipt', 'captured_at', 'event_id']).execute();
    for (const s of stored) {
      for (const secret of [s.voter_key, s.receipt!, s.captured_at, s.event_id]) expect(csv).not.toContain(secret);
    }
    expect(csv).not.toMatch(/\+?2547/);

    const result = await ledger.results('c-open');
    expect(resultsCsv(result, 'en')).toContain('c-open,north,1,Borehole,4500000,5,5,1,1,10000000,7700000,5,greedy');
    for (const file of pabulibFiles(d, result, open, 'en')) {
      const pb = pbInstance(parsePb(file.text));
      expect(pb.mismatches).toEqual([]);
      const again = count(pb.instance, pb.rule!, { threshold: pb.threshold }).selected.map((p) => Number(pb.instance.projects[p]!.id));
      expect(again.sort((a, b) => a - b)).toEqual(winners(result, file.ward).sort((a, b) => a - b));
      expect([...pb.published!].map(Number).sort((a, b) => a - b)).toEqual(winners(result, file.ward).sort((a, b) => a - b));
      expect(file.text).toContain('voting_method');
    }
    await ledger.close();
  });
});
