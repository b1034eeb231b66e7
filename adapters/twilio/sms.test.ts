// Twilio SMS webhooks: signed form bodies in; TwiML out; status callbacks move states forward.
import request from 'supertest';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { PUBLIC_URL, TWILIO_SID, TWILIO_TOKEN, testGateway } from '../../test/helpers/gateway.ts';

type Gw = ReturnType<typeof testGateway>;
const SID = (n: number) => `SM${n.toString(16).padStart(32, '0')}`;
const inbound = (fields: Record<string, string> = {}) => ({
  MessageSid: SID(1),
  SmsSid: SID(1),
  AccountSid: TWILIO_SID,
  MessagingServiceSid: '',
  From: '+254711000001',
  To: '+15005550006',
  Body: 'VOTE 1 3',
  NumMedia: '0',
  NumSegments: '1',
  ApiVersion: '2010-04-01',
  ...fields,
});
const sign = (path: string, params: Record<string, string>, base = PUBLIC_URL, token = TWILIO_TOKEN) =>
  twilio.getExpectedTwilioSignature(token, `${base}${path}`, params);
const post = (gw: Gw, path: string, params: Record<string, string>, signature: string | null = sign(path, params), host?: string) => {
  let r = request(gw.app).post(path).type('form');
  if (signature !== null) r = r.set('X-Twilio-Signature', signature);
  if (host) r = r.set('Host', host).set('X-Forwarded-Proto', 'http');
  return r.send(params);
};

describe('Twilio inbound SMS', () => {
  it('answers a signed message with empty TwiML and queues the reply', async () => {
    const gw = testGateway();
    const res = await post(gw, '/twilio/sms', inbound());
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    expect(res.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    expect(gw.count('ballots')).toBe(1);
    expect(gw.sms.list(1)[0]).toMatchObject({ provider: 'twilio', state: 'queued', kind: 'confirmation' });
  });

  it('validates against the public URL, whatever Host the proxy forwards', async () => {
    const gw = testGateway();
    const res = await post(gw, '/twilio/sms', inbound(), sign('/twilio/sms', inbound()), 'internal-host:8080');
    expect(res.status).toBe(200);
  });

  const refused: [string, Record<string, string>, string | null][] = [
    ['no signature', inbound(), null],
    ['a signature over other parameters', inbound(), sign('/twilio/sms', inbound({ Body: 'VOTE 2' }))],
    ['a signature for another URL', inbound(), sign('/twilio/sms', inbound(), 'https://attacker.example')],
    ['a signature made with another token', inbound(), sign('/twilio/sms', inbound(), PUBLIC_URL, 'not-the-token')],
    ['another account', inbound({ AccountSid: `AC${'c'.repeat(32)}` }), null],
  ];
  it.each(refused)('refuses %s with 403 and stores nothing', async (_n, params, signature) => {
    const gw = testGateway();
    const res = await post(gw, '/twilio/sms', params, signature ?? (params.AccountSid === TWILIO_SID ? null : sign('/twilio/sms', params)));
    expect(res.status).toBe(403);
    expect(gw.count('sms_inbound')).toBe(0);
  });

  it('refuses a malformed message SID with 400 naming it', async () => {
    const gw = testGateway();
    const params = inbound({ MessageSid: 'not-a-sid' });
    const res = await post(gw, '/twilio/sms', params);
    expect(res.status).toBe(400);
    expect(res.text).toContain('MessageSid');
  });

  it('refuses everything when no public URL is configured (signatures cannot be checked)', async () => {
    const gw = testGateway({ env: { SAUTI_PUBLIC_URL: '' } });
    const res = await post(gw, '/twilio/sms', inbound());
    expect(res.status).toBe(403);
  });

  it('stores a redelivered message once', async () => {
    const gw = testGateway();
    await Promise.all([post(gw, '/twilio/sms', inbound()), post(gw, '/twilio/sms', inbound())]);
    expect(gw.count('sms_inbound')).toBe(1);
    expect(gw.count('sms_outbound')).toBe(1);
  });
});

describe('Twilio status callbacks', () => {
  const sent = async (gw: Gw) => {
    await post(gw, '/twilio/sms', inbound());
    const [m] = gw.sms.list(1);
    gw.sms.claim(m!.id, new Date().toISOString(), new Date(Date.now() + 60_000).toISOString());
    gw.sms.markSent(m!.id, SID(99), new Date().toISOString());
    return m!.id;
  };
  const status = (gw: Gw, MessageStatus: string, extra: Record<string, string> = {}) => {
    const params = {
      MessageSid: SID(99),
      SmsSid: SID(99),
      AccountSid: TWILIO_SID,
      MessageStatus,
      SmsStatus: MessageStatus,
      To: '+254711000001',
      From: '+15005550006',
      ApiVersion: '2010-04-01',
      ...extra,
    };
    return post(gw, '/twilio/sms-status', params);
  };

  it.each([
    ['queued', 'sent'],
    ['sending', 'sent'],
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['undelivered', 'failed'],
    ['failed', 'failed'],
  ])('maps %s to %s', async (s, state) => {
    const gw = testGateway();
    const id = await sent(gw);
    expect((await status(gw, s)).status).toBe(200);
    expect(gw.sms.get(id)!.state).toBe(state);
  });

  it('records the error code of an undelivered message, and a late "sent" changes nothing', async () => {
    const gw = testGateway();
    const id = await sent(gw);
    await status(gw, 'undelivered', { ErrorCode: '30003' });
    await status(gw, 'sent');
    expect(gw.sms.get(id)).toMatchObject({ state: 'failed', error: 'twilio_30003', to_phone: null });
  });

  it('acknowledges a status it does not know without changing anything', async () => {
    const gw = testGateway();
    const id = await sent(gw);
    expect((await status(gw, 'teleported')).status).toBe(200);
    expect(gw.sms.get(id)!.state).toBe('sent');
  });

  it('refuses an unsigned status callback', async () => {
    const gw = testGateway();
    const id = await sent(gw);
    const res = await request(gw.app)
      .post('/twilio/sms-status')
      .type('form')
      .send({ MessageSid: SID(99), MessageStatus: 'delivered' });
    expect(res.status).toBe(403);
    expect(gw.sms.get(id)!.state).toBe('sent');
  });
});
