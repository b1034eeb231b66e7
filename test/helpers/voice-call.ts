// A phone call to a test gateway as each provider makes it: Africa's Talking follows each
// GetDigits callbackUrl, Twilio each Gather action, signed. Tests press keys and read the XML.
import request from 'supertest';
import twilio from 'twilio';
import { PUBLIC_URL, TOKEN, TWILIO_SID, TWILIO_TOKEN, type testGateway } from './gateway.ts';

type Gw = ReturnType<typeof testGateway>;

/** A form POST to the test gateway. */
export const postForm = (gw: Gw, path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  request(gw.app).post(path).type('form').set(headers).send(fields);

/** An attribute value as the XML carries it, back to the URL. */
export const unescapeXml = (s: string) => s.replace(/&amp;/g, '&');

/** The clip keys an answer plays, in order. */
export const clipsOf = (xml: string) => [...xml.matchAll(/\/prompts\/\w+\/([^"<]+)\.wav/g)].map((m) => decodeURIComponent(m[1]!));

/** Africa's Talking: a call from `phone` that follows each GetDigits callbackUrl. */
export function atCall(gw: Gw, phone: string, sessionId: string) {
  const fields = (extra: Record<string, string> = {}) => ({
    isActive: '1',
    sessionId,
    direction: 'Inbound',
    callerNumber: phone,
    destinationNumber: '+254711082000',
    ...extra,
  });
  const next = (xml: string) => unescapeXml(xml.match(/<GetDigits [^>]*callbackUrl="([^"]*)"/)![1]!).replace(PUBLIC_URL, '');
  return {
    start: async () => (await postForm(gw, `/africastalking/voice/${TOKEN}`, fields())).text,
    press: async (xml: string, keys: string) => (await postForm(gw, next(xml), fields({ dtmfDigits: keys }))).text,
    next,
    fields,
  };
}

/** Twilio: a signed call from `phone` (CallSid `CA` + 32 × `sidDigit`) that follows each Gather action. */
export function twilioCall(gw: Gw, phone: string, sidDigit: string) {
  const params = (extra: Record<string, string> = {}) => ({
    CallSid: `CA${sidDigit.repeat(32)}`,
    AccountSid: TWILIO_SID,
    From: phone,
    To: '+15005550006',
    CallStatus: 'in-progress',
    Direction: 'inbound',
    ...extra,
  });
  const post = async (path: string, p: Record<string, string>) =>
    (await postForm(gw, path, p, { 'X-Twilio-Signature': twilio.getExpectedTwilioSignature(TWILIO_TOKEN, `${PUBLIC_URL}${path}`, p) })).text;
  const action = (xml: string) => unescapeXml(xml.match(/<Gather [^>]*action="([^"]*)"/)![1]!).replace(PUBLIC_URL, '');
  return {
    start: () => post('/twilio/voice', params()),
    press: (xml: string, keys: string) => post(action(xml), params({ Digits: keys })),
    action,
    post,
    params,
  };
}
