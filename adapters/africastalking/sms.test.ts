// Africa's Talking SMS: inbound messages and delivery reports, from real-shaped form bodies.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { TOKEN, testGateway } from '../../test/helpers/gateway.ts';

type Gw = ReturnType<typeof testGateway>;
const inbound = (fields: Record<string, string>) => ({
  from: '+254711000001',
  to: '22384',
  text: 'VOTE 1 3',
  date: '2026-11-22 09:00:01',
  id: 'a0b1c2d3-0000-4000-8000-000000000001',
  linkId: 'SampleLinkId123',
  networkCode: '63902',
  ...fields,
});
const post = (gw: Gw, path: string, body: Record<string, string>) => request(gw.app).post(path).type('form').send(body);
const smsIn = (gw: Gw, fields: Record<string, string> = {}) => post(gw, `/africastalking/sms/${TOKEN}`, inbound(fields));
const report = (gw: Gw, fields: Record<string, string>) =>
  post(gw, `/africastalking/sms-delivery/${TOKEN}`, { phoneNumber: '+254711000001', networkCode: '63902', retryCount: '0', ...fields });

describe('Africa’s Talking inbound SMS', () => {
  it('stores a texted vote and queues its confirmation in the sender’s language', async () => {
    const gw = testGateway();
    const res = await smsIn(gw, { text: 'kura 1 3' });
    expect(res.status).toBe(200);
    expect(gw.count('ballots')).toBe(1);
    const [out] = gw.sms.list(5);
    expect(out).toMatchObject({ provider: 'africastalking', state: 'queued', kind: 'confirmation', encoding: 'GSM-7', segments: 1 });
    // Stored sealed, opened only for the provider.
    expect(out!.to_phone).toMatch(/^s1:/);
    expect(gw.sms.recipient(out!)).toBe('+254711000001');
    expect(out!.body).toMatch(/^Kura yako ya Wadi ya Kaskazini imehifadhiwa: 1 Kisima sokoni, 3 Wodi ya wazazi\. Risiti [0-9A-Z]{5}-[0-9A-Z]{5}\./);
    const ev = gw.db.prepare('SELECT channel, source_ref, payload FROM events').get() as Record<string, string>;
    expect(ev.channel).toBe('sms');
    expect(JSON.stringify(ev)).not.toContain('711000001');
  });

  const refused: [string, string, Record<string, string>, number, RegExp][] = [
    ['a wrong token', '/africastalking/sms/wrong-token', inbound({}), 403, /Forbidden/],
    ['no token', '/africastalking/sms', inbound({}), 403, /Forbidden/],
    ['no id', `/africastalking/sms/${TOKEN}`, inbound({ id: '' }), 400, /id/],
    ['no sender', `/africastalking/sms/${TOKEN}`, { ...inbound({}), from: '' }, 400, /from/],
  ];
  it.each(refused)('refuses %s and stores nothing', async (_n, path, body, status, message) => {
    const gw = testGateway();
    const res = await post(gw, path, body);
    expect(res.status).toBe(status);
    expect(res.text).toMatch(message);
    expect(gw.count('sms_inbound')).toBe(0);
    expect(gw.count('events')).toBe(0);
  });

  it('stores and answers a redelivered message once, even when copies arrive together', async () => {
    const gw = testGateway();
    await Promise.all([smsIn(gw), smsIn(gw), smsIn(gw)]);
    await smsIn(gw);
    expect(gw.count('sms_inbound')).toBe(1);
    expect(gw.count('events')).toBe(1);
    expect(gw.count('sms_outbound')).toBe(1);
  });

  it('never answers short codes or alphanumeric senders', async () => {
    const gw = testGateway();
    for (const [i, from] of ['MPESA', 'Safaricom', '22384', '40404'].entries()) await smsIn(gw, { id: `m${i}`, from, text: 'HELP' });
    expect(gw.count('sms_inbound')).toBe(4);
    expect(gw.count('sms_outbound')).toBe(0);
  });

  it('sends at most 3 identical messages to one number in 30 minutes', async () => {
    const gw = testGateway();
    for (let i = 0; i < 5; i++) await smsIn(gw, { id: `help-${i}`, text: 'HELP' });
    expect(gw.count('sms_outbound')).toBe(3);
  });

  it('records a vote from an opted-out number without answering it', async () => {
    const gw = testGateway();
    await smsIn(gw, { id: 's1', text: 'STOP' });
    await smsIn(gw, { id: 's2', text: 'VOTE 1' });
    expect(gw.count('ballots')).toBe(1);
    expect(gw.sms.list(5).map((m) => m.body)).toEqual(['You will get no more messages from us. Send START to get them again.']);
  });
});

describe('Africa’s Talking delivery reports', () => {
  const sent = async (gw: Gw) => {
    await smsIn(gw);
    const [m] = gw.sms.list(1);
    gw.sms.claim(m!.id, new Date().toISOString(), new Date(Date.now() + 60_000).toISOString());
    gw.sms.markSent(m!.id, 'ATXid_77', new Date().toISOString());
    return m!.id;
  };

  it.each([
    ['Sent', 'sent'],
    ['Submitted', 'sent'],
    ['Buffered', 'sent'],
    ['Success', 'delivered'],
    ['Rejected', 'failed'],
    ['Failed', 'failed'],
  ])('maps %s to %s', async (status, state) => {
    const gw = testGateway();
    const id = await sent(gw);
    expect((await report(gw, { id: 'ATXid_77', status, failureReason: status === 'Failed' ? 'UserInBlacklist' : '' })).status).toBe(200);
    expect(gw.sms.get(id)!.state).toBe(state);
  });

  it('never lets a late "Sent" overwrite "delivered", and forgets the number once final', async () => {
    const gw = testGateway();
    const id = await sent(gw);
    await report(gw, { id: 'ATXid_77', status: 'Success' });
    await report(gw, { id: 'ATXid_77', status: 'Sent' });
    expect(gw.sms.get(id)).toMatchObject({ state: 'delivered', to_phone: null });
  });

  it('keeps a report that arrives before the send is recorded, and applies it then', async () => {
    const gw = testGateway();
    await smsIn(gw);
    const [m] = gw.sms.list(1);
    await report(gw, { id: 'ATXid_early', status: 'Success' });
    gw.sms.claim(m!.id, new Date().toISOString(), new Date(Date.now() + 60_000).toISOString());
    gw.sms.markSent(m!.id, 'ATXid_early', new Date().toISOString());
    expect(gw.sms.get(m!.id)!.state).toBe('delivered');
  });

  it('acknowledges an unknown status without changing anything', async () => {
    const gw = testGateway();
    const id = await sent(gw);
    const res = await report(gw, { id: 'ATXid_77', status: 'Teleported' });
    expect(res.status).toBe(200);
    expect(gw.sms.get(id)!.state).toBe('sent');
  });

  it('refuses a report with a wrong token', async () => {
    const gw = testGateway();
    const id = await sent(gw);
    const res = await post(gw, '/africastalking/sms-delivery/nope', { id: 'ATXid_77', status: 'Success' });
    expect(res.status).toBe(403);
    expect(gw.sms.get(id)!.state).toBe('sent');
  });
});

describe('SMS conversations', () => {
  it('forgets a pending question after sms.conversationMinutes', async () => {
    let now = new Date('2026-11-22T09:00:00Z');
    const gw = testGateway({ clock: () => now });
    await smsIn(gw, { id: 'q1', text: 'VOTE' });
    now = new Date('2026-11-22T09:31:00Z');
    await smsIn(gw, { id: 'q2', text: '1 3' });
    expect(gw.count('ballots')).toBe(0);
    expect(gw.sms.list(1)[0]!.body).toContain('To vote, send VOTE');
  });

  it('takes the answer within the window', async () => {
    let now = new Date('2026-11-22T09:00:00Z');
    const gw = testGateway({ clock: () => now });
    await smsIn(gw, { id: 'q1', text: 'VOTE' });
    now = new Date('2026-11-22T09:29:00Z');
    await smsIn(gw, { id: 'q2', text: '1 3' });
    expect(gw.count('ballots')).toBe(1);
  });
});

describe('RESULTS from a number the gateway cannot place in a ward', () => {
  it('asks which ward, and the next message answers with its number', async () => {
    const gw = testGateway();
    await smsIn(gw, { id: 'r1', text: 'MATOKEO' });
    expect(gw.sms.list(1)[0]!.body).toBe('Matokeo ya wadi gani? Jibu kwa namba yake: 1 Wadi ya Kaskazini, 2 Wadi ya Kusini');
    await smsIn(gw, { id: 'r2', text: '2' });
    expect(gw.sms.list(1)[0]!.body).toBe('Matokeo ya Mzunguko uliopita (1 Mei 2019). Iliyochaguliwa Wadi ya Kusini: 40 Taa za gati.');
    expect(gw.count('events')).toBe(0);
  });
});

describe('a gateway without SMS wired', () => {
  it('answers an inbound SMS with 503, so the provider retries later, and logs no body', async () => {
    const { createApp } = await import('../../src/http/app.ts');
    const { africastalking } = await import('./index.ts');
    const { testDeployment } = await import('../../test/helpers/deployment.ts');
    const pino = (await import('pino')).default;
    const app = createApp(
      [africastalking],
      {
        deployment: testDeployment(),
        logger: pino({ level: 'silent' }),
        callbackToken: TOKEN,
        replyDeadlineMs: 1000,
        ussd: { hop: async () => ({ end: true, text: '' }), languageOf: () => 'en' },
      },
      { gatewayId: 'gw-test' },
    );
    const res = await request(app).post(`/africastalking/sms/${TOKEN}`).type('form').send(inbound({}));
    expect(res.status).toBe(503);
  });
});
