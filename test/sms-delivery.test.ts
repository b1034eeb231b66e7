// The outbound queues end to end: a texted vote's confirmation leaves through the provider,
// once, with the embedded queue and with BullMQ on the real Redis; and after a crash.
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../src/config/env.ts';
import { assembleGateway } from '../src/http/gateway.ts';
import { createLogger } from '../src/logging.ts';
import { FIXTURE } from './helpers/deployment.ts';
import { PROVIDER_ENV, SECRET, TOKEN, testGateway } from './helpers/gateway.ts';
import { atSendReply } from './helpers/providers.ts';
import { redisUrl, requireService } from './helpers/services.ts';
import { tempDir } from './helpers/tmp.ts';

const REDIS_URL = redisUrl();
const redis = await requireService('redis');

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const textVote = (gw: ReturnType<typeof testGateway>, id = 'in-1') =>
  request(gw.app).post(`/africastalking/sms/${TOKEN}`).type('form').send({ id, from: '+254711000001', to: '22384', text: 'VOTE 1 3' });

describe('outbound SMS queues', () => {
  it('embedded: the confirmation is sent once through Africa’s Talking', async () => {
    const gw = testGateway();
    const scope = atSendReply(101, 'ATXid_emb');
    await gw.outbound.start();
    try {
      await textVote(gw);
      await until(() => gw.sms.list(1)[0]?.state === 'sent');
      expect(scope.isDone()).toBe(true);
      expect(gw.sms.list(1)[0]!.provider_message_id).toBe('ATXid_emb');
    } finally {
      await gw.outbound.stop();
    }
  });

  it('embedded: a retryable failure is retried after its backoff', async () => {
    const gw = testGateway();
    atSendReply(500);
    const ok = atSendReply(101, 'ATXid_second');
    await textVote(gw);
    // Pretend the backoff has passed by moving the due time back.
    await gw.outbound.start();
    try {
      await until(() => gw.sms.list(1)[0]?.error === 'africastalking.status_500');
      gw.db.prepare("UPDATE sms_outbound SET next_attempt_at = '2000-01-01T00:00:00.000Z'").run();
      gw.outbound.notify([]);
      await until(() => gw.sms.list(1)[0]?.state === 'sent');
      expect(ok.isDone()).toBe(true);
      expect(gw.sms.list(1)[0]!.attempts).toBe(2);
    } finally {
      await gw.outbound.stop();
    }
  });

  redis.describe('BullMQ on the real Redis', () => {
    const prefix = `test-${randomUUID().slice(0, 8)}`;
    afterAll(async () => {
      const q = new Queue(`${prefix}-sms-africastalking`, { connection: { url: REDIS_URL } });
      await q.obliterate({ force: true });
      await q.close();
      const t = new Queue(`${prefix}-sms-twilio`, { connection: { url: REDIS_URL } });
      await t.obliterate({ force: true });
      await t.close();
    });

    it('sends the confirmation once, and a second notify of the same message does nothing', async () => {
      const gw = testGateway({ env: { REDIS_URL }, queuePrefix: prefix });
      const scope = atSendReply(101, 'ATXid_bull');
      await gw.outbound.start();
      try {
        await textVote(gw);
        await until(() => gw.sms.list(1)[0]?.state === 'sent');
        gw.outbound.notify([{ id: gw.sms.list(1)[0]!.id, provider: 'africastalking', kind: 'confirmation' }]);
        await new Promise((r) => setTimeout(r, 300));
        expect(scope.isDone()).toBe(true);
        expect(gw.sms.list(1)[0]).toMatchObject({ state: 'sent', provider_message_id: 'ATXid_bull', attempts: 1 });
      } finally {
        await gw.outbound.stop();
      }
    });
  });

  it('a crash after the vote is stored and before its confirmation is sent still sends it once', async () => {
    const dbFile = `${tempDir()}/crash.db`;
    const settings = loadSettings({ SAUTI_CONFIG: FIXTURE, SAUTI_DB: dbFile, SAUTI_CALLBACK_TOKEN: TOKEN, SAUTI_VOTER_KEY_SECRET: SECRET, ...PROVIDER_ENV });
    const silent = createLogger('silent');
    // First life: the vote arrives; the process dies before any send (the queue never ran).
    const first = assembleGateway(settings, silent);
    await request(first.app).post(`/africastalking/sms/${TOKEN}`).type('form').send({ id: 'crash-1', from: '+254711000001', text: 'VOTE 1 3' });
    expect(first.sms.list(1)[0]!.state).toBe('queued');
    first.db.close(); // no graceful shutdown
    // Second life: the queued confirmation goes out, exactly once.
    const second = assembleGateway(settings, silent);
    const scope = atSendReply(101, 'ATXid_after_crash');
    await second.outbound.start();
    try {
      await until(() => second.sms.list(1)[0]?.state === 'sent');
      await new Promise((r) => setTimeout(r, 600)); // another poll: nothing more may be sent
      expect(scope.isDone()).toBe(true);
      expect(second.db.prepare('SELECT count(*) FROM sms_outbound').pluck().get()).toBe(1);
      expect(second.db.prepare("SELECT count(*) FROM events WHERE type = 'vote.cast'").pluck().get()).toBe(1);
    } finally {
      await second.outbound.stop();
      second.db.close();
    }
  });
});
