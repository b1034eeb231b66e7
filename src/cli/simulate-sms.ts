// `sauti simulate sms`: texts the running gateway exactly as a provider would deliver it, then
// shows the reply the gateway queued (read from its database on this machine).
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { openDatabase } from '../store/db.ts';
import { SmsStore } from '../store/sms-store.ts';

interface Options {
  phone: string;
  text: string;
  url: string;
  provider: 'africastalking' | 'twilio';
  token: string;
  dbFile: string;
  publicUrl?: string;
  twilio?: { accountSid: string; authToken: string };
}

/** Sends one SMS to the gateway; returns the queued reply's text, or null. */
export async function simulateSms(o: Options): Promise<string | null> {
  const id = o.provider === 'twilio' ? `SM${randomUUID().replace(/-/g, '')}` : randomUUID();
  let res: Response;
  try {
    if (o.provider === 'africastalking') {
      const body = new URLSearchParams({ from: o.phone, to: '22384', text: o.text, date: new Date().toISOString(), id, linkId: randomUUID(), networkCode: '63902' });
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
  if (!existsSync(o.dbFile)) {
    console.log(`Delivered to the gateway. Its reply cannot be shown: no database at ${o.dbFile} (set SAUTI_DB to the gateway's).`);
    return null;
  }
  const db = openDatabase(o.dbFile, { readonly: true });
  try {
    const sms = new SmsStore(db);
    for (let i = 0; i < 20; i++) {
      const row = sms.bySource(`sms:${o.provider}:${id}`);
      if (row) {
        console.log(`\n┌ reply (${row.encoding}, ${row.segments} segment${row.segments > 1 ? 's' : ''}, ${row.state}) ${'─'.repeat(12)}\n${row.body}\n└${'─'.repeat(40)}`);
        return row.body;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log('No reply was queued (the number opted out, or loop protection held it back).');
    return null;
  } finally {
    db.close();
  }
}
