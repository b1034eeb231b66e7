// No phone number lingers on the gateway (issue 17, part 1): a real gateway, started as `sauti
// start` starts it (embedded ledger beside it), takes USSD and SMS votes and ideas, sends replies
// and fails one for good, and is closed. Then every file in its data folder is read as raw bytes,
// and no number may be found in it, in any of the forms a person or a tool would search for.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import nock from 'nock';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../src/config/env.ts';
import { startGateway } from '../src/http/gateway.ts';
import { createLogger } from '../src/logging.ts';
import { FIXTURE } from './helpers/deployment.ts';
import { PROVIDER_ENV, SECRET, TOKEN, logSink, ussdBody } from './helpers/gateway.ts';
import { tempDir } from './helpers/tmp.ts';

/** Numbers that dial, text, or are typed: none may reach the disk. */
const USSD_VOTER = '+254711200001';
const USSD_PROPOSER = '+254711200002';
const SMS_VOTER = '+254722300001';
const SMS_UNREACHABLE = '+254722300002'; // its reply fails for good
const SMS_PROPOSER = '+254722300003';
const TYPED_IN_SMS_IDEA = '+254798765435'; // written as 0798765435 and as +254798765435
const TYPED_IN_USSD_IDEA = '+254733444555'; // typed on the keypad as 0733444555
const ECHOED = '+254700111222'; // texted where a reply would quote it back

const ALL = [USSD_VOTER, USSD_PROPOSER, SMS_VOTER, SMS_UNREACHABLE, SMS_PROPOSER, TYPED_IN_SMS_IDEA, TYPED_IN_USSD_IDEA, ECHOED];

/** E.164, without the plus, national (07…), and the subscriber digits every form contains. */
const forms = (e164: string) => [e164, e164.slice(1), `0${e164.slice(4)}`, e164.slice(4)];

/** Every file under `dir`, recursively. */
function filesIn(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesIn(path) : [path];
  });
}

/** Replies still waiting to be sent, read on a connection of its own (closed at once). */
function queued(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("SELECT count(*) FROM sms_outbound WHERE state = 'queued'").pluck().get() as number;
  } finally {
    db.close();
  }
}

/** Every number form found in the raw bytes (read as latin1) of the files under `dir`, and in `logs`. */
function numbersOnDisk(dir: string, logs: string): string[] {
  const sources = [...filesIn(dir).map((f) => ({ name: f.slice(dir.length + 1), bytes: readFileSync(f).toString('latin1') })), { name: 'logs', bytes: logs }];
  return sources.flatMap(({ name, bytes }) =>
    ALL.flatMap(forms)
      .filter((form) => bytes.includes(form))
      .map((form) => `${name}: ${form}`),
  );
}

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('no phone number lingers on the gateway', () => {
  it('no number in any file of the data folder, while it runs and once the replies are sent or failed', async () => {
    const dir = tempDir('sauti-disk-');
    const logs = logSink();
    const settings = loadSettings({
      SAUTI_CONFIG: FIXTURE,
      SAUTI_DB: join(dir, 'sauti.db'),
      SAUTI_CALLBACK_TOKEN: TOKEN,
      SAUTI_VOTER_KEY_SECRET: SECRET,
      SAUTI_GATEWAY_ID: 'gw-disk',
      PORT: '0',
      LOG_LEVEL: 'debug',
      ...PROVIDER_ENV,
    });
    // Africa's Talking accepts every reply but one, which it refuses for good (403 InvalidPhoneNumber).
    let sends = 0;
    nock('https://api.africastalking.com')
      .post('/version1/messaging')
      .times(20)
      .reply((_uri, body) => {
        const to = new URLSearchParams(String(body)).get('to');
        const n = ++sends;
        const ok = to !== SMS_UNREACHABLE;
        return [
          201,
          {
            SMSMessageData: {
              Recipients: [{ statusCode: ok ? 101 : 403, status: ok ? 'Success' : 'InvalidPhoneNumber', messageId: `ATXid_disk_${n}`, number: to }],
            },
          },
        ];
      });
    const gw = await startGateway(settings, createLogger('debug', logs.stream));
    let closed = false;
    try {
      // Its WAL is checkpointed from a thread of its own (src/store/checkpointer.ts): erasure still holds.
      expect(gw.checkpointer.running).toBe(true);
      const ussd = (phoneNumber: string, sessionId: string, inputs: string[]) =>
        inputs.reduce<Promise<string>>(
          async (prev, _input, i) => {
            await prev;
            const res = await request(gw.url)
              .post(`/africastalking/ussd/${TOKEN}`)
              .type('form')
              .send(ussdBody({ sessionId, phoneNumber, text: inputs.slice(0, i + 1).join('*') }));
            return res.text;
          },
          request(gw.url)
            .post(`/africastalking/ussd/${TOKEN}`)
            .type('form')
            .send(ussdBody({ sessionId, phoneNumber, text: '' }))
            .then((r) => r.text),
        );
      // A USSD vote (English, vote, North ward, projects 1 and 3, done, confirm), with a provider retry of its last hop.
      const vote = ['1', '1', '1', '1', '3', '99', '1'];
      expect(await ussd(USSD_VOTER, 'ATUid_disk_1', vote)).toMatch(/^(END|CON) .*recorded/s);
      await request(gw.url)
        .post(`/africastalking/ussd/${TOKEN}`)
        .type('form')
        .send(ussdBody({ sessionId: 'ATUid_disk_1', phoneNumber: USSD_VOTER, text: vote.join('*') }));
      // A USSD idea whose title carries a typed number.
      const idea = await ussd(USSD_PROPOSER, 'ATUid_disk_2', [
        '1',
        '2',
        '1',
        '1',
        `Call 0${TYPED_IN_USSD_IDEA.slice(4)} borehole`,
        'Fix the borehole at the market',
        '1',
      ]);
      expect(idea).toMatch(/^END .*P-/s);

      const sms = (from: string, id: string, text: string) =>
        request(gw.url)
          .post(`/africastalking/sms/${TOKEN}`)
          .type('form')
          .send({ id, from, to: '22384', text, date: '2026-11-22 09:00:01', linkId: 'L', networkCode: '63902' });
      expect((await sms(SMS_VOTER, 'ATXin_disk_1', 'VOTE 1 3')).status).toBe(200);
      expect((await sms(SMS_UNREACHABLE, 'ATXin_disk_2', 'VOTE 2')).status).toBe(200);
      const national = `0${TYPED_IN_SMS_IDEA.slice(4)}`;
      expect((await sms(SMS_PROPOSER, 'ATXin_disk_3', `IDEA North Ward fix the borehole, call me on ${national} or ${TYPED_IN_SMS_IDEA}`)).status).toBe(200);
      // Texts whose answer could quote the number back.
      expect((await sms(SMS_VOTER, 'ATXin_disk_4', `VOTE ${ECHOED.slice(4)}`)).status).toBe(200);
      expect((await sms(SMS_VOTER, 'ATXin_disk_5', `VOT 0${ECHOED.slice(4)}`)).status).toBe(200);

      // Every reply leaves or fails for good; one delivery report arrives.
      // While it runs, a reply waiting or just sent: only ciphertext has reached the files, WAL included.
      expect(filesIn(dir).map((f) => f.slice(dir.length + 1))).toContain('sauti.db-wal');
      expect(numbersOnDisk(dir, logs.text())).toEqual([]);
      await until(() => queued(settings.dbFile) === 0);
      await request(gw.url).post(`/africastalking/sms-delivery/${TOKEN}`).type('form').send({ id: 'ATXid_disk_1', status: 'Success' });
      await new Promise((r) => setTimeout(r, 300));
      await gw.close();
      closed = true;
    } finally {
      if (!closed) await gw.close();
    }

    // The gateway did what it was asked: votes, ideas and replies are there (read after the close).
    const check = new Database(settings.dbFile, { readonly: true });
    try {
      expect(check.prepare('SELECT count(*) FROM ballots').pluck().get()).toBe(3);
      expect(check.prepare('SELECT count(*) FROM proposals').pluck().get()).toBe(2);
      const states = check.prepare('SELECT state FROM sms_outbound').pluck().all();
      expect(states).toContain('failed');
      expect(states.filter((s) => s === 'queued')).toEqual([]);
    } finally {
      check.close();
    }

    // Now the raw bytes of everything in the data folder (and what was logged).
    const files = filesIn(dir);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(expect.arrayContaining(['sauti.db', 'ledger.db']));
    expect(numbersOnDisk(dir, logs.text())).toEqual([]);
  });
});
