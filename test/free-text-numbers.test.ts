// A phone number a resident writes inside an idea never reaches the disk or the city ledger:
// a real gateway (SQLite file) takes the SMS and syncs with a real ledger over HTTP.
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { PHONE_PLACEHOLDER } from '../src/domain/redact.ts';
import { Relay } from '../sync/relay.ts';
import { ledgerTrust } from '../sync/ledger-trust.ts';
import { testLedger } from './helpers/ledger.ts';
import { ledgerServer } from './helpers/ledger-server.ts';
import { testGateway, TOKEN } from './helpers/gateway.ts';

const silent = createLogger('silent');
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

describe('numbers written inside an idea', () => {
  it('are replaced before the event is written: not in the gateway file, not in the ledger; the idea itself is kept', async () => {
    const gw = testGateway();
    closers.push(() => void gw.db.close());
    const ledger = await testLedger('sqlite', gw.deployment);
    closers.push(() => ledger.close());
    await ledger.addGateway(gw.gatewayId, gw.identity.publicKey);
    const server = await ledgerServer(ledger);
    closers.push(server.stop);
    const ledgerKey = (await ledger.identity()).publicKey;
    const relay = new Relay({
      outbox: gw.outbox,
      identity: gw.identity,
      ledgerUrl: server.url,
      batchSize: 100,
      logger: silent,
      timeoutMs: 2000,
      trust: () => ledgerTrust(gw.outbox, { envKey: ledgerKey }),
    });
    closers.push(() => relay.close());

    const text = 'IDEA South Ward fix the drains by the school, call me on 0798765435 or +254 798 765 435';
    await request(gw.app)
      .post(`/africastalking/sms/${TOKEN}`)
      .type('form')
      .send({ id: 'm-idea-1', from: '+254711000321', to: '22384', text, date: '2026-11-22 09:00:00' })
      .expect(200);
    expect(await relay.pushAll()).toMatchObject({ accepted: 1, backlog: 0 });

    const stored = gw.db.prepare('SELECT title, description FROM proposals').all() as { title: string; description: string }[];
    const events = gw.db.prepare("SELECT payload FROM events WHERE type = 'proposal.submitted'").pluck().all() as string[];
    const chained = await ledger.conn.db.selectFrom('ledger_events').select('payload').where('type', '=', 'proposal.submitted').execute();
    expect(stored).toHaveLength(1);
    expect(chained).toHaveLength(1);
    for (const written of [JSON.stringify(stored), ...events, chained[0]!.payload]) {
      expect(written).not.toMatch(/798\s?765\s?435/);
      expect(written).toContain('fix the drains by the school');
      expect(written).toContain(PHONE_PLACEHOLDER);
    }
  });
});
