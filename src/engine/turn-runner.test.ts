// The turn skeleton every channel shares: the channel's duplicate rule runs in the same
// transaction and short-circuits the work; effects carry the turn's provenance.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NOW, testDeployment } from '../../test/helpers/deployment.ts';
import { tempDir } from '../../test/helpers/tmp.ts';
import { CommitQueue } from '../store/commit-queue.ts';
import { openDatabase } from '../store/db.ts';
import { GatewayStore } from '../store/gateway-store.ts';
import { TurnRunner } from './turn-runner.ts';

function runner() {
  const db = openDatabase(join(tempDir(), 't.db'));
  const store = new GatewayStore(db);
  const queue = new CommitQueue(db);
  const turns = new TurnRunner({ store, queue, deployment: testDeployment(), voterKeySecret: 'secret-secret-secret', gatewayId: 'gw-t', clock: () => NOW });
  return { db, store, queue, turns };
}

describe('TurnRunner', () => {
  it('answers a recognised retry without running the work', async () => {
    const { turns } = runner();
    let worked = 0;
    const answer = await turns.run(
      () => 'earlier',
      () => (worked++, 'new'),
    );
    expect(answer).toBe('earlier');
    expect(worked).toBe(0);
  });

  it('applies effects with the channel, source and clock of the turn, durably', async () => {
    const { db, turns, queue } = runner();
    const key = turns.voterKeyOf('+254711000001');
    await turns.run(
      () => undefined,
      (turn) =>
        turn.apply([{ type: 'vote.cast', cycleId: 'c-open', wardId: 'north', picks: [1], receipt: turn.fresh.receipt, replaces: null }], {
          voterKey: key,
          channel: 'voice',
          sourceRef: 'voice:s1:1',
        }),
    );
    const row = db.prepare('SELECT channel, source_ref, captured_at, voter_key FROM events').get();
    expect(row).toEqual({ channel: 'voice', source_ref: 'voice:s1:1#0', captured_at: NOW.toISOString(), voter_key: key });
    expect(queue.commits.syncs).toBe(1);
  });

  it('commits nothing durably for a turn without effects', async () => {
    const { turns, queue } = runner();
    await turns.run(
      () => undefined,
      (turn) => turn.apply([], { voterKey: 'k', channel: 'ussd', sourceRef: 'x' }),
    );
    expect(queue.commits.syncs).toBe(0);
  });
});
