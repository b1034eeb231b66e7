// After a vote by phone the caller may press 2 to have the receipt by SMS: queued through the
// outbound SMS path in the caller's language, the number sealed at rest, once per call however
// often the provider delivers the callback (issue 14: "offer an SMS copy of the receipt").
import nock from 'nock';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { NOW } from './helpers/deployment.ts';
import { atCall as atVoiceCall, clipsOf, postForm, twilioCall as twilioVoiceCall } from './helpers/voice-call.ts';
import { atSmsBody, TOKEN, testGateway } from './helpers/gateway.ts';

type Gw = ReturnType<typeof testGateway>;
const PHONE = '+254711000001';
// Kiswahili, vote, North Ward, pick project 1, next, pick project 2, done, confirm.
const VOTE = ['2', '1', '1', '1', '2', '1', '9', '1'];
const SWAHILI_COPY =
  /^Kura yako ya Wadi ya Kaskazini imehifadhiwa: 1 Kisima sokoni, 2 Taa za Stesheni\. Risiti [0-9A-Z]{5}-[0-9A-Z]{5}\. Tuma RISITI kuiangalia\.$/;

const form = postForm;
const clips = clipsOf;
const copies = (gw: Gw) =>
  gw.db.prepare("SELECT * FROM sms_outbound WHERE source_ref LIKE 'voice:%'").all() as {
    id: number;
    provider: string;
    to_phone: string;
    body: string;
    kind: string;
    source_ref: string;
  }[];

const atCall = (gw: Gw, sessionId = 'ATVId_copy_1') => atVoiceCall(gw, PHONE, sessionId);
const twilioCall = (gw: Gw) => twilioVoiceCall(gw, PHONE, '7');

describe('the SMS copy of a receipt', () => {
  it('Africa’s Talking: 2 queues one copy in Kiswahili, sealed, however often the callback is delivered; it is sent to the caller', async () => {
    const gw = testGateway({ clock: () => NOW });
    const at = atCall(gw);
    let xml = await at.start();
    for (const key of VOTE) xml = await at.press(xml, key);
    expect(clips(xml)).toContain('voice.smsCopyOffer');
    const receipt = gw.db.prepare('SELECT receipt FROM ballots').pluck().get() as string;
    expect(copies(gw)).toEqual([]);

    const path = at.next(xml);
    // The provider delivers the same callback three times, two of them at once.
    const [first, concurrent] = await Promise.all([form(gw, path, at.fields({ dtmfDigits: '2' })), form(gw, path, at.fields({ dtmfDigits: '2' }))]);
    const late = await form(gw, path, at.fields({ dtmfDigits: '2' }));
    expect(clips(first.text)).toEqual(['voice.smsCopySent']);
    expect(concurrent.text).toBe(first.text);
    expect(late.text).toBe(first.text);
    expect(first.text).not.toMatch(/GetDigits/);

    const rows = copies(gw);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ provider: 'africastalking', kind: 'confirmation', source_ref: 'voice:africastalking:ATVId_copy_1:receipt-sms' });
    expect(rows[0]!.body).toMatch(SWAHILI_COPY);
    expect(rows[0]!.body).toContain(receipt);
    // Sealed at rest like every number; only the dispatcher opens it, to send.
    expect(rows[0]!.to_phone).not.toContain('711000001');
    expect(gw.sms.recipient(gw.sms.get(rows[0]!.id)!)).toBe(PHONE);

    let sent: Record<string, string> = {};
    const scope = nock('https://api.africastalking.com')
      .post('/version1/messaging', (body: Record<string, string>) => ((sent = body), true))
      .reply(201, {
        SMSMessageData: {
          Message: 'Sent to 1/1',
          Recipients: [{ statusCode: 101, status: 'Success', number: PHONE, cost: 'KES 0.8000', messageId: 'ATXid_copy', messageParts: 1 }],
        },
      });
    expect(await gw.dispatcher.dispatch(rows[0]!.id)).toEqual({ kind: 'sent' });
    expect(scope.isDone()).toBe(true);
    expect(sent.to).toBe(PHONE);
    expect(sent.message).toBe(rows[0]!.body);
    // Once sent, the number is gone from the row.
    expect(gw.sms.get(rows[0]!.id)!.to_phone).toBeNull();
  });

  it('Twilio: 2 after the receipt queues one copy through Twilio; a retried action queues nothing more', async () => {
    const gw = testGateway({ clock: () => NOW });
    const tw = twilioCall(gw);
    let xml = await tw.start();
    for (const key of VOTE) xml = await tw.press(xml, key);
    expect(clips(xml)).toEqual(expect.arrayContaining(['voice.receiptAgain', 'voice.smsCopyOffer']));
    const path = tw.action(xml);
    const first = await tw.post(path, tw.params({ Digits: '2' }));
    const retry = await tw.post(path, tw.params({ Digits: '2' }));
    expect(clips(first)).toEqual(['voice.smsCopySent']);
    expect(first).toMatch(/<Hangup\/><\/Response>$/);
    expect(retry).toBe(first);
    const rows = copies(gw);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ provider: 'twilio', kind: 'confirmation', source_ref: `voice:twilio:CA${'7'.repeat(32)}:receipt-sms` });
    expect(rows[0]!.body).toMatch(SWAHILI_COPY);
    expect(gw.logs.text()).not.toContain('711000001');
  });

  it('1 still reads the receipt again and queues nothing; any other key says goodbye', async () => {
    const gw = testGateway({ clock: () => NOW });
    const at = atCall(gw);
    let xml = await at.start();
    for (const key of VOTE) xml = await at.press(xml, key);
    const again = await at.press(xml, '1');
    expect(clips(again)[0]).toBe('voice.voteRecorded');
    expect(clips(await at.press(again, '7'))).toEqual(['voice.goodbye']);
    expect(copies(gw)).toEqual([]);
  });

  it('is not offered to a number that opted out of SMS', async () => {
    const gw = testGateway({ clock: () => NOW });
    await request(gw.app)
      .post(`/africastalking/sms/${TOKEN}`)
      .type('form')
      .send(atSmsBody({ text: 'STOP' }));
    const at = atCall(gw, 'ATVId_copy_2');
    let xml = await at.start();
    for (const key of VOTE) xml = await at.press(xml, key);
    expect(clips(xml)).toContain('voice.receiptAgain');
    expect(clips(xml)).not.toContain('voice.smsCopyOffer');
    expect(clips(await at.press(xml, '2'))).toEqual(['voice.goodbye']);
    expect(copies(gw)).toEqual([]);
  });
});
