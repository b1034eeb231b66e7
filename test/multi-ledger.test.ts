// A city runs more than one ledger process: two `sauti ledger` processes on one PostgreSQL
// schema, 50 gateways pushing to both at once — batches out of order, the same events resent to
// the other process, the same signed batch replayed at both, one voter voting on several
// gateways. Afterwards there is one chain that verifies, every event in it exactly once, and one
// ballot per voter: the latest one.
import { execFile } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { newKeyPair, publicKeyOf } from '../src/domain/protocol.ts';
import { openLedger } from '../ledger/connect.ts';
import { ledgerVoterKey } from '../ledger/voter-secret.ts';
import { Ledger } from '../ledger/ledger.ts';
import { buildBatch, type SignedBatch } from '../sync/batch.ts';
import type { GatewayIdentity } from '../sync/identity.ts';
import { FIXTURE, testDeployment } from './helpers/deployment.ts';
import { DATABASE_URL, eventFactory, freshStorage, TEST_LEDGER_VOTER_SECRET } from './helpers/ledger.ts';
import { requireService } from './helpers/services.ts';
import { startServer } from './helpers/process.ts';
import type { EventRow } from '../src/store/gateway-store.ts';

const BIN = resolve(import.meta.dirname, '../bin/sauti.mjs');
const run = promisify(execFile);
const children: { kill: (s: NodeJS.Signals) => void }[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

const GATEWAYS = 50;
const EVENTS_PER_GATEWAY = 24;
const BATCH = 12;
const VOTERS = 400; // 1,200 votes by 400 voters: most vote on three gateways
// Approval ballots within the north ward's budget (fixture deployment).
const PICKS = [[1], [2, 3], [3, 4, 5], [12], [6, 7]];

interface Gateway {
  identity: GatewayIdentity;
  rows: EventRow[];
}

/** A gateway with its own key and its events, captured at times that differ across all gateways and rise with each gateway's sequence. */
function makeGateway(g: number, t0: number): Gateway {
  const { privatePem } = newKeyPair();
  const identity = { gatewayId: `gw-${String(g).padStart(2, '0')}`, publicKey: publicKeyOf(privatePem), privateKey: createPrivateKey(privatePem) };
  const f = eventFactory(identity.gatewayId);
  const rows = Array.from({ length: EVENTS_PER_GATEWAY }, (_, i) => {
    const voter = (g * 7 + i * 17) % VOTERS;
    return f.vote(`+2547140${String(voter).padStart(5, '0')}`, PICKS[(g + i) % PICKS.length]!, new Date(t0 + (i * GATEWAYS + g) * 1000).toISOString());
  });
  return { identity, rows };
}

type Answer = { status: number; body: { error?: string; accepted?: { id: string; ledgerSeq: number }[]; duplicates?: string[] } };

/**
 * Posts a batch as a relay would. A process takes one upload per gateway at a time and answers
 * any other `429 busy` (retryable): like a relay, wait briefly and send the same bytes again.
 */
async function push(url: string, batch: SignedBatch): Promise<Answer> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${url}/v1/batches`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-ndjson',
        'content-encoding': 'gzip',
        'sauti-gateway': batch.header.gatewayId,
        'sauti-signature': batch.signature,
      },
      body: batch.body,
    });
    const answer = { status: res.status, body: (await res.json()) as Answer['body'] };
    if (answer.status !== 429 || attempt >= 200) return answer;
    await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 30));
  }
}

const postgres = await requireService('postgres');

postgres.describe('several ledger processes on one PostgreSQL', { timeout: 90_000 }, () => {
  it('start at the same moment on a new schema: each creates and migrates it or finds it done', async () => {
    const storage = freshStorage('postgres');
    // Each connection stands for a process starting (own pool, own CREATE SCHEMA, own migrator).
    const conns = await Promise.all(Array.from({ length: 4 }, () => openLedger(storage)));
    try {
      for (const c of conns) expect(await c.db.selectFrom('ledger_head').select('seq').executeTakeFirstOrThrow()).toEqual({ seq: 0 });
    } finally {
      await Promise.all(conns.map((c) => c.close()));
    }
  });

  it('keep one chain, exactly-once ingest and one ballot per voter while 50 gateways push to both', async () => {
    const storage = freshStorage('postgres');
    if (storage.kind !== 'postgres') throw new Error('unreachable');
    const env = {
      SAUTI_CONFIG: FIXTURE,
      DATABASE_URL,
      SAUTI_LEDGER_SCHEMA: storage.schema!,
      LEDGER_PORT: '0',
      LOG_LEVEL: 'error',
      SAUTI_LEDGER_VOTER_SECRET: TEST_LEDGER_VOTER_SECRET,
    };
    // Both started at once on an empty schema: both create it and migrate it.
    const ledgers = await Promise.all([startServer([BIN, 'ledger', 'serve'], env), startServer([BIN, 'ledger', 'serve'], env)]);
    children.push(...ledgers.map((l) => l.child));
    const urls = ledgers.map((l) => l.url);

    const t0 = Date.now() - 86_400_000;
    const gateways = Array.from({ length: GATEWAYS }, (_, g) => makeGateway(g, t0));
    // The first as an operator registers it; the rest through the same code, without 49 more process starts.
    await run(process.execPath, [BIN, 'ledger', 'add-gateway', gateways[0]!.identity.gatewayId, gateways[0]!.identity.publicKey], {
      env: { ...process.env, ...env },
    });
    const registrar = new Ledger(await openLedger(storage), () => testDeployment());
    try {
      for (const gw of gateways.slice(1)) await registrar.addGateway(gw.identity.gatewayId, gw.identity.publicKey);
    } finally {
      await registrar.close();
    }

    // Every gateway at once. Each sends its batches out of order, alternating between the two
    // processes, and concurrently resends each batch's events (a new batch, as a relay does after
    // a lost answer) to the other process; every fifth replays one signed batch at both.
    const answers: Answer[] = [];
    const replays: Answer[][] = [];
    await Promise.all(
      gateways.map(async (gw, g) => {
        const batches: EventRow[][] = [];
        for (let i = 0; i < gw.rows.length; i += BATCH) batches.push(gw.rows.slice(i, i + BATCH));
        const order = batches.map((_, b) => b).reverse(); // the later batch first
        const sends = order.flatMap((b, k) => {
          const rows = batches[b]!;
          const backlog = gw.rows.length - b * BATCH;
          const first = buildBatch(gw.identity, rows, backlog, new Date());
          const again = buildBatch(gw.identity, rows, backlog, new Date());
          const to = (g + k) % 2;
          const out = [push(urls[to]!, first).then((a) => answers.push(a)), push(urls[1 - to]!, again).then((a) => answers.push(a))];
          if (g % 5 === 0 && k === 0) {
            const replayed = buildBatch(gw.identity, rows, backlog, new Date());
            out.push(Promise.all([push(urls[0]!, replayed), push(urls[1]!, replayed)]).then((pair) => replays.push(pair)));
          }
          return out;
        });
        await Promise.all(sends);
      }),
    );

    const total = GATEWAYS * EVENTS_PER_GATEWAY;
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    // The same signed batch at both processes: one ingests it, the other refuses it as a replay.
    expect(replays).toHaveLength(GATEWAYS / 5);
    for (const pair of replays) expect(pair.map((a) => a.status).sort()).toEqual([200, 409]);
    for (const pair of replays) expect(pair.find((a) => a.status === 409)!.body.error).toBe('replayed');

    // Exactly once: each event accepted by one answer only, the chain numbered 1…total without a gap.
    const accepted = [...answers, ...replays.flat()].flatMap((a) => a.body.accepted ?? []);
    const allIds = gateways.flatMap((gw) => gw.rows.map((r) => r.id));
    expect(accepted.map((a) => a.id).sort()).toEqual([...allIds].sort());
    expect(accepted.map((a) => a.ledgerSeq).sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));

    const db = new pg.Client({ connectionString: DATABASE_URL, options: `-c search_path=${storage.schema}` });
    await db.connect();
    try {
      const events = await db.query('SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS ids FROM ledger_events');
      expect(events.rows[0]).toEqual({ n: total, ids: total });
      // Every batch arrived somewhere, out of order: each gateway's numbering is complete.
      const gws = await db.query(
        'SELECT gateway_id, contiguous_seq::int AS c, max_seq::int AS m, accepted_count::int AS a FROM ledger_gateways ORDER BY gateway_id',
      );
      expect(gws.rows).toEqual(
        gateways.map((gw) => ({ gateway_id: gw.identity.gatewayId, c: EVENTS_PER_GATEWAY, m: EVENTS_PER_GATEWAY, a: EVENTS_PER_GATEWAY })),
      );

      // One ballot per voter: the vote captured last, wherever and whenever it arrived.
      const latest = new Map<string, EventRow>();
      for (const r of gateways.flatMap((gw) => gw.rows)) {
        const held = latest.get(r.voter_key);
        if (!held || r.captured_at > held.captured_at) latest.set(r.voter_key, r);
      }
      const ballots = await db.query('SELECT voter_key, event_id, picks FROM ledger_ballots ORDER BY voter_key');
      const expected = [...latest.values()]
        // Stored under the ledger's key for the gateway's, never the gateway's (ledger/voter-secret.ts).
        .map((r) => ({ voter_key: ledgerVoterKey(TEST_LEDGER_VOTER_SECRET, r.voter_key), event_id: r.id, picks: JSON.stringify(JSON.parse(r.payload).picks) }))
        .sort((a, b) => (a.voter_key < b.voter_key ? -1 : 1));
      expect(ballots.rows).toEqual(expected);
      expect(expected.length).toBe(VOTERS);
    } finally {
      await db.end();
    }

    const verified = await run(process.execPath, [BIN, 'ledger', 'verify'], { env: { ...process.env, ...env } });
    expect(verified.stdout).toContain(`Ledger intact: ${total} entries`);
  });
});
