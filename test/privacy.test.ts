// Phone numbers and secrets never reach the logs or the events bound for the ledger,
// on the happy path or any error path.
import nock from 'nock';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { SECRET, TOKEN, testGateway, ussdBody } from './helpers/gateway.ts';

const PHONE = '+254733123456';
const DIGITS = '733123456';

describe('privacy', () => {
  it('no phone number, token or secret in logs or events, whatever happens', async () => {
    const gw = testGateway();
    const post = (body: string, token = TOKEN) => request(gw.app).post(`/africastalking/ussd/${token}`).type('form').send(body);
    const inputs = ['1', '1', '1', '2', '99', '1'];
    for (let i = 0; i <= inputs.length; i++) await post(ussdBody({ phoneNumber: PHONE, text: inputs.slice(0, i).join('*') }));
    await post(ussdBody({ phoneNumber: PHONE }), 'wrong-token'); // 403 path
    await post(ussdBody({ phoneNumber: `${PHONE}x` })); // invalid phone path
    await post(`phoneNumber=${encodeURIComponent(PHONE)}`); // malformed body path
    await post(ussdBody({ sessionId: 'ATUid_test_session_1', phoneNumber: '+254733999999', text: '1' })); // mismatch error path
    // SMS: a vote, a malformed callback, an opt-out, and a failed send.
    const sms = (body: Record<string, string>) => request(gw.app).post(`/africastalking/sms/${TOKEN}`).type('form').send(body);
    await sms({ id: 'p1', from: PHONE, text: 'VOTE 1 3' });
    await sms({ from: PHONE, text: 'VOTE 1 3' });
    nock('https://api.africastalking.com').post('/version1/messaging').reply(500, 'down');
    expect(await gw.dispatcher.dispatch(gw.sms.list(1)[0]!.id)).toMatchObject({ kind: 'retry' });
    await sms({ id: 'p2', from: PHONE, text: 'STOP' });
    const everything = JSON.stringify(
      ['ballots', 'voters', 'ussd_sessions', 'events', 'meta', 'sms_inbound', 'sms_conversations'].map((t) => gw.db.prepare(`SELECT * FROM ${t}`).all()),
    );
    gw.db.exec('DROP TABLE ballots');
    await post(ussdBody({ sessionId: 'other', phoneNumber: PHONE })); // internal (SQLite) error path

    const logs = gw.logs.text();
    expect(logs.length).toBeGreaterThan(200); // the paths above did log
    expect(logs).toContain('ussd hop failed');
    expect(logs).toContain('sms send failed, will retry');
    for (const secret of [DIGITS, TOKEN, SECRET]) expect(logs).not.toContain(secret);

    const events = JSON.stringify(gw.db.prepare('SELECT * FROM events').all());
    expect(events).toContain('vote.cast');
    for (const secret of [DIGITS, SECRET]) expect(events).not.toContain(secret);
    expect(everything).not.toContain(DIGITS);
  });
});
