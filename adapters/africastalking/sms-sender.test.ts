// The Africa's Talking sender speaks the messaging REST endpoint directly: the exact request the
// SDK used to send, and every answer mapped without the SDK's guesses from axios internals.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { SautiError } from '../../src/domain/errors.ts';
import { africastalkingSender } from './sms-sender.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const KEY = 'atsk_secret_api_key_for_tests';

describe('africastalkingSender', () => {
  it.each([
    ['sauti-ke', 'https://api.africastalking.com'],
    ['sandbox', 'https://api.sandbox.africastalking.com'],
  ])('posts the documented form to %s’s endpoint (%s)', async (username, host) => {
    let seen: { headers: Record<string, string | string[]>; body: string } | undefined;
    nock(host)
      .post('/version1/messaging')
      .reply(function (_uri, body) {
        seen = { headers: this.req.headers, body: String(body) };
        return [
          201,
          {
            SMSMessageData: {
              Message: 'Sent to 1/1',
              Recipients: [{ statusCode: 101, status: 'Success', number: '+254711000001', cost: 'KES 0.8000', messageId: 'ATXid_1' }],
            },
          },
        ];
      });
    const sent = await africastalkingSender({ username, apiKey: KEY, from: '22384' }).send({ to: '+254711000001', body: 'Vote recorded: 3 & 7' });
    expect(sent).toEqual({ providerMessageId: 'ATXid_1' });
    expect(seen!.headers).toMatchObject({ apikey: KEY, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' });
    expect(Object.fromEntries(new URLSearchParams(seen!.body))).toEqual({
      username,
      to: '+254711000001',
      message: 'Vote recorded: 3 & 7',
      from: '22384',
      bulkSMSMode: '1',
    });
  });

  it('leaves `from` out when the deployment names no short code or sender id', async () => {
    let form: Record<string, string> = {};
    nock('https://api.africastalking.com')
      .post('/version1/messaging', (b) => ((form = b as Record<string, string>), true))
      .reply(201, { SMSMessageData: { Recipients: [{ statusCode: 102, status: 'Queued', messageId: 'ATXid_2' }] } });
    await africastalkingSender({ username: 'u', apiKey: KEY }).send({ to: '+254711000001', body: 'x' });
    expect(form).not.toHaveProperty('from');
  });

  // Raw answers → the error code the dispatcher records, and whether it retries.
  it.each([
    [
      'HTTP 401',
      'africastalking.http_401',
      false,
      () => nock('https://api.africastalking.com').post('/version1/messaging').reply(401, 'The supplied authentication is invalid'),
    ],
    ['HTTP 503', 'africastalking.http_503', true, () => nock('https://api.africastalking.com').post('/version1/messaging').reply(503, '<html>busy</html>')],
    [
      'a connection reset',
      'africastalking.network',
      true,
      () => nock('https://api.africastalking.com').post('/version1/messaging').replyWithError({ code: 'ECONNRESET' }),
    ],
    [
      '201 with a body that is not JSON',
      'africastalking.no_recipient',
      true,
      () => nock('https://api.africastalking.com').post('/version1/messaging').reply(201, 'oops'),
    ],
    [
      'recipient 403',
      'africastalking.status_403',
      false,
      () =>
        nock('https://api.africastalking.com')
          .post('/version1/messaging')
          .reply(201, { SMSMessageData: { Recipients: [{ statusCode: 403, status: 'InvalidPhoneNumber', messageId: 'None' }] } }),
    ],
    [
      'recipient "405" as text',
      'africastalking.status_405',
      true,
      () =>
        nock('https://api.africastalking.com')
          .post('/version1/messaging')
          .reply(201, { SMSMessageData: { Recipients: [{ statusCode: '405', status: 'InsufficientBalance', messageId: 'None' }] } }),
    ],
  ] as const)('%s → %s (retry: %s)', async (_name, code, retryable, reply) => {
    reply();
    const err = await africastalkingSender({ username: 'u', apiKey: KEY })
      .send({ to: '+254711000001', body: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SautiError);
    expect(err).toMatchObject({ code, retryable });
    expect(String((err as Error).message)).not.toMatch(new RegExp(`${KEY}|711000001`));
  });

  it('no longer carries the africastalking SDK: not imported, not a dependency', () => {
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies).not.toHaveProperty('africastalking');
    expect(readFileSync(resolve(import.meta.dirname, 'sms-sender.ts'), 'utf8')).not.toMatch(/import\(['"]africastalking['"]\)|from ['"]africastalking['"]/);
  });
});
