// Sending: one attempt per dispatch, outcomes from real-shaped provider answers (nock).
import request from 'supertest';
import nock from 'nock';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { TOKEN, TWILIO_SID, testGateway } from '../../test/helpers/gateway.ts';
import { atSendReply, twilioSendReply } from '../../test/helpers/providers.ts';
import { backoffMs, SmsDispatcher } from './sms-outbound.ts';

type Gw = ReturnType<typeof testGateway>;
let n = 0;
/** Queues one reply by texting HELP; returns the outbound id. */
async function queued(gw: Gw, from = '+254711000001', provider: 'africastalking' | 'twilio' = 'africastalking') {
  if (provider === 'africastalking') {
    await request(gw.app)
      .post(`/africastalking/sms/${TOKEN}`)
      .type('form')
      .send({ id: `in-${n++}`, from, text: 'HELP' });
  } else {
    // A Twilio-provider row, queued directly (the webhook path is covered in adapters/twilio).
    gw.sms.enqueue({ provider: 'twilio', toPhone: from, voterKey: 'k', body: 'Hello', kind: 'reply', sourceRef: `t-${n++}` }, new Date().toISOString());
  }
  return gw.sms.list(1)[0]!.id;
}

describe('SmsDispatcher', () => {
  it('opens the sealed number only for the provider; an altered one fails for good, nothing sent', async () => {
    const gw = testGateway();
    const id = await queued(gw, '+254711000042');
    expect(gw.sms.get(id)!.to_phone).not.toContain('711000042');
    const other = await queued(gw, '+254711000043');
    const sealed = gw.sms.get(other)!.to_phone!;
    gw.db.prepare('UPDATE sms_outbound SET to_phone = ? WHERE id = ?').run(`${sealed.slice(0, -2)}${sealed.endsWith('AA') ? 'BB' : 'AA'}`, other);
    let to: string | null = null;
    atSendReply(101, 'ATXid_sealed').on('request', (_req, _i, body) => (to = new URLSearchParams(String(body)).get('to')));
    expect(await gw.dispatcher.dispatch(id)).toEqual({ kind: 'sent' });
    expect(to).toBe('+254711000042');
    const refused = nock('https://api.africastalking.com').post('/version1/messaging').reply(201, {});
    expect(await gw.dispatcher.dispatch(other)).toEqual({ kind: 'failed' });
    expect(refused.isDone()).toBe(false);
    expect(gw.sms.get(other)).toMatchObject({ state: 'failed', error: 'seal.invalid', to_phone: null });
  });

  it('sends through Africa’s Talking and records the message id', async () => {
    const gw = testGateway();
    const id = await queued(gw);
    const scope = atSendReply(101, 'ATXid_abc');
    expect(await gw.dispatcher.dispatch(id)).toEqual({ kind: 'sent' });
    expect(scope.isDone()).toBe(true);
    expect(gw.sms.get(id)).toMatchObject({ state: 'sent', provider_message_id: 'ATXid_abc', attempts: 1 });
  });

  it('sends through Twilio with a status callback on the public URL', async () => {
    const gw = testGateway();
    const id = await queued(gw, '+254711000001', 'twilio');
    let sentBody = '';
    nock('https://api.twilio.com')
      .post(`/2010-04-01/Accounts/${TWILIO_SID}/Messages.json`, (b: Record<string, string>) => ((sentBody = new URLSearchParams(b).toString()), true))
      .reply(201, { sid: `SM${'d'.repeat(32)}`, status: 'queued' });
    expect(await gw.dispatcher.dispatch(id)).toEqual({ kind: 'sent' });
    expect(sentBody).toContain('StatusCallback=https%3A%2F%2Fsauti.example.org%2Ftwilio%2Fsms-status');
    expect(gw.sms.get(id)!.provider_message_id).toBe(`SM${'d'.repeat(32)}`);
  });

  const outcomes: [string, string, string, () => nock.Scope][] = [
    ['HTTP 500', 'retry', 'africastalking.http_500', () => nock('https://api.africastalking.com').post('/version1/messaging').reply(500, 'oops')],
    ['HTTP 429', 'retry', 'africastalking.http_429', () => nock('https://api.africastalking.com').post('/version1/messaging').reply(429, 'slow down')],
    [
      'a network error',
      'retry',
      'africastalking.network',
      () => nock('https://api.africastalking.com').post('/version1/messaging').replyWithError('ECONNRESET'),
    ],
    ['recipient 500 (gateway error)', 'retry', 'africastalking.status_500', () => atSendReply(500)],
    ['recipient 405 (insufficient balance)', 'retry', 'africastalking.status_405', () => atSendReply(405)],
    [
      'HTTP 401 (bad API key)',
      'failed',
      'africastalking.http_401',
      () => nock('https://api.africastalking.com').post('/version1/messaging').reply(401, 'The supplied authentication is invalid'),
    ],
    ['recipient 403 (invalid phone number)', 'failed', 'africastalking.status_403', () => atSendReply(403)],
    ['recipient 406 (blacklisted)', 'failed', 'africastalking.status_406', () => atSendReply(406)],
  ];
  it.each(outcomes)('%s → %s (%s)', async (_n, kind, code, reply) => {
    const gw = testGateway();
    const id = await queued(gw);
    reply();
    const outcome = await gw.dispatcher.dispatch(id);
    expect(outcome.kind).toBe(kind);
    const row = gw.sms.get(id)!;
    expect(row.error).toBe(code);
    expect(row.state).toBe(kind === 'retry' ? 'queued' : 'failed');
    if (kind === 'retry') {
      expect(outcome).toEqual({ kind: 'retry', delayMs: 2000 });
      expect(Date.parse(row.next_attempt_at) - Date.parse(row.updated_at)).toBe(2000);
    } else expect(row.to_phone).toBeNull();
  });

  it('Twilio 400 is permanent', async () => {
    const gw = testGateway();
    const id = await queued(gw, '+254711000001', 'twilio');
    twilioSendReply('x', 400);
    expect(await gw.dispatcher.dispatch(id)).toEqual({ kind: 'failed' });
    expect(gw.sms.get(id)!.error).toBe('twilio.http_400');
  });

  it('backs off exponentially and gives up after maxAttempts (4 in the fixture)', async () => {
    const gw = testGateway();
    const id = await queued(gw);
    const kinds: string[] = [];
    for (let i = 0; i < 5; i++) {
      nock('https://api.africastalking.com').post('/version1/messaging').reply(503, 'down');
      gw.db.prepare('UPDATE sms_outbound SET lease_until = NULL WHERE id = ?').run(id);
      kinds.push((await gw.dispatcher.dispatch(id)).kind);
    }
    expect(kinds).toEqual(['retry', 'retry', 'retry', 'failed', 'skipped']);
    expect([1, 2, 3, 4].map(backoffMs)).toEqual([2000, 4000, 8000, 16000]);
    expect(backoffMs(30)).toBe(15 * 60_000);
  });

  it('sends once when the same message is dispatched twice at the same time', async () => {
    const gw = testGateway();
    const id = await queued(gw);
    atSendReply(101, 'ATXid_once'); // a second HTTP call would find no nock and fail loudly
    const outcomes = await Promise.all([gw.dispatcher.dispatch(id), gw.dispatcher.dispatch(id)]);
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['sent', 'skipped']);
  });

  it('does not send to a number that opted out after the message was queued', async () => {
    const gw = testGateway();
    const id = await queued(gw);
    await request(gw.app).post(`/africastalking/sms/${TOKEN}`).type('form').send({ id: 'stop-1', from: '+254711000001', text: 'STOP' });
    expect(await gw.dispatcher.dispatch(id)).toEqual({ kind: 'failed' });
    expect(gw.sms.get(id)!.error).toBe('opted-out');
  });

  it('fails a message for a provider without credentials, without retrying', async () => {
    const gw = testGateway({ env: { AT_API_KEY: '' } });
    const id = await queued(gw);
    expect(await gw.dispatcher.dispatch(id)).toEqual({ kind: 'failed' });
    expect(gw.sms.get(id)!.error).toBe('sms.no_sender');
  });
});

describe('SmsDispatcher, continued', () => {
  it('still sends the answer to STOP, and only that, to the number that sent it', async () => {
    const gw = testGateway();
    await request(gw.app).post(`/africastalking/sms/${TOKEN}`).type('form').send({ id: 'stop-2', from: '+254711000001', text: 'STOP' });
    const [stop] = gw.sms.list(1);
    expect(stop!.kind).toBe('stop');
    atSendReply(101, 'ATXid_stop');
    expect(await gw.dispatcher.dispatch(stop!.id)).toEqual({ kind: 'sent' });
    expect(gw.sms.get(stop!.id)).toMatchObject({ state: 'sent', to_phone: null }); // erased once sent
  });

  it('gives up on a provider that does not answer in 20 s, and retries later', async () => {
    const gw = testGateway();
    const id = await queued(gw);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const dispatcher = new SmsDispatcher({
        sms: gw.sms,
        queue: gw.queue,
        senders: { africastalking: { send: () => new Promise(() => {}) } },
        optedOut: () => false,
        maxAttempts: 4,
        logger: pino({ level: 'silent' }),
      });
      const outcome = dispatcher.dispatch(id);
      await vi.advanceTimersByTimeAsync(20_001);
      expect(await outcome).toEqual({ kind: 'retry', delayMs: 2000 });
      expect(gw.sms.get(id)!.error).toBe('sms.timeout');
    } finally {
      vi.useRealTimers();
    }
  });

  it('hands out replies before a broadcast backlog', async () => {
    const gw = testGateway();
    const now = new Date().toISOString();
    for (let i = 0; i < 3; i++)
      gw.sms.enqueue({ provider: 'africastalking', toPhone: `+25471100001${i}`, voterKey: `k${i}`, body: 'News', kind: 'broadcast', sourceRef: `b${i}` }, now);
    const reply = await queued(gw);
    const due = gw.sms.due('africastalking', new Date(Date.now() + 1000).toISOString(), 2);
    expect(due.map((d) => d.id)[0]).toBe(reply);
    expect(due).toHaveLength(2);
    expect(gw.sms.due('twilio', now, 10)).toEqual([]);
  });
});
