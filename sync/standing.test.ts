// The standing book records the ledger's answers in short transactions, the cursor with the last.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/helpers/tmp.ts';
import { openDatabase } from '../src/store/db.ts';
import { GatewayStore } from '../src/store/gateway-store.ts';
import type { BallotStanding } from '../src/domain/protocol.ts';
import { StandingBook } from './standing.ts';

const dir = tempDir();

function votes(n: number) {
  const db = openDatabase(join(dir, `standing-${n}.db`));
  const store = new GatewayStore(db);
  const ids: string[] = [];
  for (let i = 1; i <= n; i++) {
    const id = `0191e0b6-0000-7000-8000-${String(i).padStart(12, '0')}`;
    ids.push(id);
    store.appendEvent({
      id,
      type: 'vote.cast',
      cycle_id: 'c1',
      voter_key: `k${i}`,
      channel: 'sms',
      gateway_id: 'gw-test',
      captured_at: '2026-11-22T09:00:00.000Z',
      source_ref: `sms:${i}`,
      payload: '{"picks":[1]}',
    });
  }
  db.prepare("UPDATE events SET acked_at = '2026-11-22T09:01:00.000Z'").run();
  return { db, ids };
}

describe('StandingBook.record', () => {
  it('keeps every answer of a list longer than one transaction, and moves the cursor', () => {
    const { db, ids } = votes(250);
    const book = new StandingBook(db);
    const answers: BallotStanding[] = ids.map((id, i) => ({ id, status: i % 2 ? 'counted' : 'replaced', countedChannel: i % 2 ? undefined : 'ussd' }));
    expect(book.record(answers, new Date('2026-11-22T09:02:00Z'), 250)).toBe(250);
    expect(db.prepare('SELECT status, count(*) AS n FROM ballot_standing GROUP BY status ORDER BY status').all()).toEqual([
      { status: 'counted', n: 125 },
      { status: 'replaced', n: 125 },
    ]);
    expect(book.fresh(1000)).toEqual({ ids: [], throughSeq: 250 });
  });

  it('with no answers, still moves the cursor', () => {
    const { db } = votes(3);
    const book = new StandingBook(db);
    expect(book.record([], new Date(), 3)).toBe(0);
    expect(book.fresh(10)).toEqual({ ids: [], throughSeq: 3 });
  });
});
