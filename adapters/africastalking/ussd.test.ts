// Africa's Talking USSD callbacks: real-shaped form bodies in, CON/END text out, store checked.
import { readFileSync } from 'node:fs';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { testDeployment } from '../../test/helpers/deployment.ts';
import { SECRET, TOKEN, testGateway, ussdBody } from '../../test/helpers/gateway.ts';
import { phoneSeal } from '../../src/domain/phone-seal.ts';
import { createApp } from '../../src/http/app.ts';
import { africastalking } from './index.ts';

const PATH = `/africastalking/ussd/${TOKEN}`;
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8').trim();
const post = (app: express.Express, body: string, path = PATH) => request(app).post(path).set('Content-Type', 'application/x-www-form-urlencoded').send(body);

/** Dials through a session hop by hop, as Africa's Talking would. */
async function dial(app: express.Express, inputs: string[], fields: Parameters<typeof ussdBody>[0] = {}) {
  let res = await post(app, ussdBody({ ...fields, text: '' }));
  for (let i = 1; i <= inputs.length; i++) res = await post(app, ussdBody({ ...fields, text: inputs.slice(0, i).join('*') }));
  return res;
}

describe('Africa’s Talking USSD callback', () => {
  it('answers the first hop of a real payload with the language screen', async () => {
    const gw = testGateway();
    const res = await post(gw.app, fixture('ussd-first-hop.txt'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/^CON Choose language/);
  });

  it('answers with the screen in UTF-8, its exact length, the security headers and no ETag', async () => {
    const gw = testGateway();
    const res = await post(gw.app, fixture('ussd-first-hop.txt'));
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers.etag).toBeUndefined();
  });

  const rejected: [string, string, string, number, RegExp][] = [
    ['a wrong token', ussdBody({}), '/africastalking/ussd/not-the-token', 403, /Forbidden/],
    ['no token', ussdBody({}), '/africastalking/ussd', 403, /Forbidden/],
    ['a token differing in the last character', ussdBody({}), `${PATH.slice(0, -1)}X`, 403, /Forbidden/],
    ['no sessionId', 'phoneNumber=%2B254711000001&text=', PATH, 400, /sessionId/],
    ['no phoneNumber', 'sessionId=abc&text=', PATH, 400, /phoneNumber/],
    ['an empty body', '', PATH, 400, /sessionId, phoneNumber/],
    ['a phone number that is not one', ussdBody({ phoneNumber: '12ab' }), PATH, 400, /invalid phoneNumber/],
    ['a text of 3,000 characters', ussdBody({ text: '1*'.repeat(1500) }), PATH, 400, /text/],
    ['a body over 8 kB', ussdBody({ text: 'x'.repeat(9000) }), PATH, 413, /too large/],
  ];
  it.each(rejected)('refuses %s and stores nothing', async (_name, body, path, status, message) => {
    const gw = testGateway();
    const res = await post(gw.app, body, path);
    expect(res.status).toBe(status);
    expect(res.text).toMatch(message);
    expect(res.text).not.toMatch(/at .*\.ts/); // no stack trace
    expect(gw.count('ussd_sessions')).toBe(0);
  });

  it('refuses a JSON body (Africa’s Talking posts forms)', async () => {
    const gw = testGateway();
    const res = await request(gw.app).post(PATH).send({ sessionId: 's', phoneNumber: '+254711000001', text: '' });
    expect(res.status).toBe(400);
    expect(gw.count('ussd_sessions')).toBe(0);
  });

  it('records a whole vote and shows its receipt (with the offer to follow, SMS reaching the caller); the event holds no phone number', async () => {
    const gw = testGateway();
    const res = await dial(gw.app, ['1', '1', '1', '1', '3', '99', '1']);
    expect(res.text).toMatch(/^CON Thank you! Your vote is recorded\. Receipt: [0-9A-Z]{5}-[0-9A-Z]{5}\n1 Follow these projects by SMS\n0 Exit$/);
    const receipt = /Receipt: ([0-9A-Z-]{11})/.exec(res.text)![1];
    const ev = gw.db.prepare('SELECT * FROM events').get() as Record<string, string>;
    expect(ev).toMatchObject({ type: 'vote.cast', cycle_id: 'c-open', channel: 'ussd', gateway_id: 'gw-test' });
    expect(JSON.parse(ev.payload!)).toEqual({ wardId: 'north', picks: [1, 3], receipt, replaces: null });
    expect(ev.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/); // UUIDv7
    expect(JSON.stringify(ev)).not.toMatch(/711000001/);
    expect(gw.db.prepare('SELECT receipt FROM ballots').pluck().get()).toBe(receipt);
    // Two replies promised something stored (the language, the vote): only those fsynced.
    expect(gw.queue.commits).toEqual({ batches: 8, syncs: 2 });
  });

  it('gives a retried hop the same answer and stores it once', async () => {
    const gw = testGateway();
    await dial(gw.app, ['1', '1', '1', '3', '99']);
    const body = ussdBody({ text: '1*1*1*3*99*1' });
    const first = await post(gw.app, body);
    const again = await post(gw.app, body);
    expect(again.text).toBe(first.text);
    expect(gw.count('events')).toBe(1);
    expect(gw.count('ballots')).toBe(1);
  });

  it('stores a vote once when the same confirm arrives twice at the same moment', async () => {
    const gw = testGateway();
    await dial(gw.app, ['1', '1', '1', '3', '99']);
    const body = ussdBody({ text: '1*1*1*3*99*1' });
    const [a, b, c] = await Promise.all([post(gw.app, body), post(gw.app, body), post(gw.app, body)]);
    expect(new Set([a.text, b.text, c.text]).size).toBe(1);
    expect(a.text).toMatch(/^(CON|END) Thank you/);
    expect(gw.count('events')).toBe(1);
  });

  it('treats national and international forms of a number as the same voter', async () => {
    const gw = testGateway();
    await dial(gw.app, ['1', '1', '1', '1', '99', '1'], { sessionId: 's-intl', phoneNumber: '+254 711 000 001' });
    const res = await dial(gw.app, ['3'], { sessionId: 's-national', phoneNumber: '0711000001' });
    expect(res.text).toMatch(/^END Your vote in North Ward/);
  });

  it('accepts accents, emoji and stars typed into a proposal', async () => {
    const gw = testGateway();
    const res = await dial(gw.app, ['1', '2', '1', '1', 'Réparer le puits 💧', 'Le puits*du marché est cassé', '1'], { sessionId: 's-text' });
    expect(res.text).toMatch(/^END Thank you! Your idea is recorded\. Reference: P-/);
    const p = gw.db.prepare('SELECT title, description FROM proposals').get();
    expect(p).toEqual({ title: 'Réparer le puits 💧', description: 'Le puits*du marché est cassé' });
  });

  it('re-prompts an empty input instead of failing', async () => {
    const gw = testGateway();
    await post(gw.app, ussdBody({ text: '' }));
    const res = await post(gw.app, ussdBody({ text: '' + '*' }));
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/^CON /);
  });

  it('plays a dial-ahead string (*384*99*1*1#) through on the first hop', async () => {
    const gw = testGateway();
    const res = await post(gw.app, ussdBody({ text: '1*1' }));
    expect(res.text).toMatch(/^CON Choose your ward:/);
  });

  it('offers to resume when a new session starts mid-vote', async () => {
    const gw = testGateway();
    await dial(gw.app, ['1', '1', '1', '2'], { sessionId: 'dropped' });
    const res = await dial(gw.app, [], { sessionId: 'redial' });
    expect(res.text).toBe('CON You have an unfinished vote.\n1 Continue\n2 Start again');
    const resumed = await dial(gw.app, ['1'], { sessionId: 'redial' });
    expect(resumed.text).toContain('+2 Station Rd lights');
  });

  it('does not offer to resume when the caller dials ahead: the keys go to the menu', async () => {
    const gw = testGateway();
    await dial(gw.app, ['1', '1', '1', '4'], { sessionId: 'dropped' });
    const res = await post(gw.app, ussdBody({ sessionId: 'dial-ahead', text: '1*1*3*99*1' }));
    expect(res.text).toMatch(/^(CON|END) Thank you! Your vote is recorded/);
    expect(gw.db.prepare('SELECT picks FROM ballots').pluck().get()).toBe('[3]');
  });

  it('ends a session id reused by another phone with an apology, storing nothing for it', async () => {
    const gw = testGateway();
    await dial(gw.app, ['1'], { sessionId: 'shared' });
    const res = await post(gw.app, ussdBody({ sessionId: 'shared', phoneNumber: '+254722000002', text: '1*1' }));
    expect(res.text).toMatch(/^END Sorry, we hit a problem/);
    expect((gw.db.prepare('SELECT last_text FROM ussd_sessions').pluck().all() as string[]).map((v) => phoneSeal(SECRET).open(v))).toEqual(['1']);
  });

  it('answers an internal error with an END in the caller’s language, never a stack trace', async () => {
    const gw = testGateway();
    await dial(gw.app, ['2']); // Kiswahili
    gw.db.exec('DROP TABLE ballots');
    const res = await post(gw.app, ussdBody({ text: '2*1' }));
    expect(res.status).toBe(200);
    expect(res.text).toBe('END Samahani, kuna tatizo. Tafadhali piga tena. Kama ulipiga kura, angalia Kura yangu.');
  });

  it('answers within the deadline even when the core hangs', async () => {
    const app = createApp(
      [africastalking],
      {
        deployment: testDeployment(),
        logger: pino({ level: 'silent' }),
        callbackToken: TOKEN,
        replyDeadlineMs: 200,
        ussd: { hop: () => new Promise(() => {}), languageOf: () => 'fr' },
      },
      { gatewayId: 'gw-test' },
    );
    const started = Date.now();
    const res = await post(app, ussdBody({}));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(res.text).toMatch(/^END Désolé, un problème est survenu/);
  });

  it('answers a late retry of an earlier hop with the current screen, changing nothing', async () => {
    const gw = testGateway();
    await dial(gw.app, ['1', '1', '1', '3']);
    const late = await post(gw.app, ussdBody({ text: '1*1' }));
    expect(late.text).toContain('+3 Maternity');
    const next = await post(gw.app, ussdBody({ text: '1*1*1*3*99' }));
    expect(next.text).toMatch(/^CON Confirm your vote/);
  });

  it('ends a finished session politely if the provider sends more', async () => {
    const gw = testGateway();
    await dial(gw.app, ['1', '3']);
    const res = await post(gw.app, ussdBody({ text: '1*3*1' }));
    expect(res.text).toBe('END This session has ended. Please dial again.');
  });
});
