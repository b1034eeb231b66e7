// Real-shaped provider HTTP answers, served by nock.
import nock from 'nock';
import { TWILIO_SID } from './gateway.ts';

/** Africa's Talking's messaging API answering one send with a recipient status code. */
export function atSendReply(statusCode = 101, messageId = 'ATXid_0001', http = 201) {
  return nock('https://api.africastalking.com')
    .post('/version1/messaging')
    .reply(http, {
      SMSMessageData: {
        Message: statusCode < 200 ? 'Sent to 1/1 Total Cost: KES 0.8000' : 'Sent to 0/1 Total Cost: 0',
        Recipients: [{ statusCode, status: statusCode < 200 ? 'Success' : 'Failed', number: '+254711000001', cost: 'KES 0.8000', messageId, messageParts: 1 }],
      },
    });
}

/** Twilio's Messages API accepting one message. */
export function twilioSendReply(sid = `SM${'b'.repeat(32)}`, http = 201) {
  const body =
    http < 300 ? { sid, status: 'queued', account_sid: TWILIO_SID } : { code: 21211, message: "The 'To' number is not a valid phone number.", status: http };
  return nock('https://api.twilio.com').post(`/2010-04-01/Accounts/${TWILIO_SID}/Messages.json`).reply(http, body);
}
