// `sauti simulate sms`: texts the running gateway exactly as a provider would deliver it, then
// shows the reply the gateway queued, asked of that same gateway (its database may not be this
// shell's SAUTI_DB): see src/http/simulator.ts for who may read it.
import { randomUUID } from 'node:crypto';

interface Options {
  phone: string;
  text: string;
  url: string;
  provider: 'africastalking' | 'twilio';
  token: string;
  publicUrl?: string;
  twilio?: { accountSid: string; authToken: string };
}

/** Sends one SMS to the gateway; returns the queued reply's text, or null. */
export async function simulateSms(o: Options): Promise<string | null> {
  const id = o.provider === 'twilio' ? `SM${randomUUID().replace(/-/g, '')}` : randomUUID();
  let res: Response;
  try {
    if (o.provider === 'africastalking') {
      const body = new URLSearchParams({
        from: o.phone,
        to: '22384',
        text: o.text,
        date: new Date().toISOString(),
        id,
        linkId: randomUUID(),
        networkCode: '63902',
      });
      res = await fetch(`${o.url}/africastalking/sms/${encodeURIComponent(o.token)}`, { method: 'POST', body });
    } else {
      if (!o.twilio || !o.publicUrl) throw new Error('set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and SAUTI_PUBLIC_URL to sign a Twilio request');
      const params = { MessageSid: id, AccountSid: o.twilio.accountSid, From: o.phone, To: '+15005550006', Body: o.text, NumMedia: '0' };
      const { default: twilio } = await import('twilio');
      const signature = twilio.getExpectedTwilioSignature(o.twilio.authToken, `${o.publicUrl}/twilio/sms`, params);
      res = await fetch(`${o.url}/twilio/sms`, { method: 'POST', body: new URLSearchParams(params), headers: { 'X-Twilio-Signature': signature } });
    }
  } catch (err) {
    console.error(`Cannot reach the gateway at ${o.url}: ${(err as Error).message}. Is \`npm start\` running?`);
    process.exitCode = 1;
    return null;
  }
  if (!res.ok) {
    console.error(`Gateway answered ${res.status}: ${await res.text()}`);
    process.exitCode = 1;
    return null;
  }
  const answer = await fetch(`${o.url}/simulator/sms/${o.provider}/${encodeURIComponent(id)}/reply`, { headers: { authorization: `Bearer ${o.token}` } })
    .then(async (r) => (r.ok ? ((await r.json()) as SimulatorAnswer) : undefined))
    .catch(() => undefined);
  if (!answer) {
    console.log(
      `Delivered to the gateway at ${o.url}. Its reply cannot be shown: the gateway would not say (is SAUTI_CALLBACK_TOKEN the gateway's, and --url this machine's gateway?).`,
    );
    return null;
  }
  if (!answer.reply) {
    console.log('No reply was queued (the number opted out, or loop protection held it back).');
    return null;
  }
  const r = answer.reply;
  console.log(`\n┌ reply (${r.encoding}, ${r.segments} segment${r.segments > 1 ? 's' : ''}, ${r.state}) ${'─'.repeat(12)}\n${r.body}\n└${'─'.repeat(40)}`);
  return r.body;
}

/** What the gateway's simulator route answers about the message just posted. */
interface SimulatorAnswer {
  received: boolean;
  reply: { body: string; encoding: string; segments: number; state: string } | null;
}
