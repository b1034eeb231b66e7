// The gateway's lane (src/http/lanes.ts) answers the busiest provider callbacks before express:
// these check it answers them exactly as the express route did, refusals included.
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { tokenSegment } from '../src/http/lanes.ts';
import { atSmsBody, testGateway, TOKEN, ussdBody } from './helpers/gateway.ts';

describe('tokenSegment', () => {
  it('takes the base path, or the base and one segment, and nothing else', () => {
    expect(tokenSegment('/africastalking/ussd', '/africastalking/ussd')).toBeUndefined();
    expect(tokenSegment('/africastalking/ussd/abc', '/africastalking/ussd')).toBe('abc');
    expect(tokenSegment('/africastalking/ussd/', '/africastalking/ussd')).toBeNull();
    expect(tokenSegment('/africastalking/ussd/a/b', '/africastalking/ussd')).toBeNull();
    expect(tokenSegment('/africastalking/ussdx', '/africastalking/ussd')).toBeNull();
    expect(tokenSegment('/africastalking/sms-delivery/abc', '/africastalking/sms')).toBeNull();
    expect(tokenSegment('/twilio/sms', '/africastalking/sms')).toBeNull();
  });
});

describe('the lane', () => {
  const gateways: ReturnType<typeof testGateway>[] = [];
  const gateway = () => {
    const gw = testGateway();
    gateways.push(gw);
    return gw;
  };
  afterEach(() => {
    for (const gw of gateways.splice(0)) gw.db.close();
  });

  it('answers a USSD hop with helmet’s headers, the same as on any other route', async () => {
    const gw = gateway();
    const hop = await request(gw.app)
      .post(`/africastalking/ussd/${TOKEN}?x=1`)
      .type('form')
      .send(ussdBody({ sessionId: 'lane-1' }));
    expect(hop.status).toBe(200);
    expect(hop.text).toMatch(/^CON /);
    const other = await request(gw.app).get('/healthz');
    for (const name of ['x-content-type-options', 'content-security-policy', 'referrer-policy', 'x-frame-options']) {
      expect(hop.headers[name], name).toBe(other.headers[name]);
    }
    expect(hop.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(hop.headers['x-powered-by']).toBeUndefined();
  });

  it('sends a trailing slash or other letter case through express to the same handler', async () => {
    const gw = gateway();
    const slash = await request(gw.app)
      .post(`/africastalking/ussd/${TOKEN}/`)
      .type('form')
      .send(ussdBody({ sessionId: 'lane-2' }));
    expect(slash.status).toBe(200);
    expect(slash.text).toMatch(/^CON /);
    const upper = await request(gw.app)
      .post(`/AfricasTalking/USSD/${TOKEN}`)
      .type('form')
      .send(ussdBody({ sessionId: 'lane-3' }));
    expect(upper.status).toBe(200);
    expect(upper.text).toMatch(/^CON /);
  });

  it('refuses as express did: no token, a wrong token, a malformed address, a bad field, a body too large, a charset it cannot read', async () => {
    const gw = gateway();
    const post = (path: string) => request(gw.app).post(path).type('form');
    expect((await post('/africastalking/ussd').send(ussdBody({}))).status).toBe(403);
    expect((await post('/africastalking/ussd/wrong-token-000000').send(ussdBody({}))).status).toBe(403);
    const malformed = await post('/africastalking/ussd/%E0%A4%A').send(ussdBody({}));
    expect([malformed.status, malformed.text]).toEqual([
      400,
      'Bad request: the address has a malformed percent-encoding (a % not followed by a valid UTF-8 sequence)\n',
    ]);
    const missing = await post(`/africastalking/ussd/${TOKEN}`).send({ serviceCode: '*384*99#' });
    expect([missing.status, missing.text]).toEqual([400, 'Bad request: invalid or missing sessionId, phoneNumber']);
    const large = await post(`/africastalking/ussd/${TOKEN}`).send(ussdBody({ text: '1*'.repeat(5000) }));
    expect([large.status, large.text]).toEqual([413, 'Too large: the request body is too large for this address\n']);
    const latin = await request(gw.app)
      .post(`/africastalking/ussd/${TOKEN}`)
      .set('Content-Type', 'application/x-www-form-urlencoded; charset=latin1')
      .send('sessionId=a&phoneNumber=%2B254711000001');
    expect(latin.status).toBe(415);
    // Not a form: nothing is read, so every field is missing (as express's urlencoded parser did).
    const json = await request(gw.app)
      .post(`/africastalking/ussd/${TOKEN}`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ sessionId: 'a', phoneNumber: '+254711000001' }));
    expect(json.status).toBe(400);
    expect(gw.logs.text()).not.toMatch(/"stack"|\n\s+at |"level":50/);
    expect(gw.count('ussd_sessions')).toBe(0);
  });

  it('leaves other methods and paths to express', async () => {
    const gw = gateway();
    expect((await request(gw.app).get(`/africastalking/ussd/${TOKEN}`)).status).toBe(404);
    expect((await request(gw.app).post(`/africastalking/ussd/${TOKEN}/more`).type('form').send(ussdBody({}))).status).toBe(404);
  });

  it('takes inbound SMS and delivery reports, and tells them apart', async () => {
    const gw = gateway();
    const sms = await request(gw.app)
      .post(`/africastalking/sms/${TOKEN}`)
      .type('form')
      .send(atSmsBody({ id: 'lane-sms-1', text: 'HELP' }));
    expect(sms.status).toBe(200);
    expect(gw.count('sms_inbound')).toBe(1);
    const report = await request(gw.app).post(`/africastalking/sms-delivery/${TOKEN}`).type('form').send({ id: 'unknown-id', status: 'Success' });
    expect(report.status).toBe(200);
    expect(gw.count('sms_inbound')).toBe(1);
    expect((await request(gw.app).post('/africastalking/sms-delivery/wrong-token-000000').type('form').send({ id: 'x', status: 'Success' })).status).toBe(403);
  });
});
