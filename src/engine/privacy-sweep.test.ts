// The privacy sweep: USSD sessions stay while a provider retry or a resume may need them and are
// gone after; expired SMS conversations go; the WAL is left empty; and a database from an older
// Sauti (plaintext numbers and keypresses) is sealed at start-up and still sends to the right number.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { NOW } from '../../test/helpers/deployment.ts';
import { SECRET, TOKEN, testGateway, ussdBody } from '../../test/helpers/gateway.ts';
import { atSendReply } from '../../test/helpers/providers.ts';
import { tempDir } from '../../test/helpers/tmp.ts';
import { phoneSeal } from '../domain/phone-seal.ts';
import { migrate } from '../store/migrate.ts';
import { MIN_SESSION_KEEP_MS, sessionKeepMs } from './privacy-sweep.ts';

const MINUTE = 60_000;
const VOTE = ['1', '1', '1', '1', '3', '99', '1'];

function movingGateway() {
  let now = NOW.getTime();
  const gw = testGateway({ clock: () => new Date(now) });
  const hop = (sessionId: string, inputs: string[], phoneNumber = '+254711000001') =>
    request(gw.app)
      .post(`/africastalking/ussd/${TOKEN}`)
      .type('form')
      .send(ussdBody({ sessionId, phoneNumber, text: inputs.join('*') }));
  const dial = async (sessionId: string, inputs: string[]) => {
    let res = await hop(sessionId, []);
    for (let i = 1; i <= inputs.length; i++) res = await hop(sessionId, inputs.slice(0, i));
    return res.text;
  };
  return {
    gw,
    hop,
    dial,
    later: (ms: number) => void (now += ms),
    sessions: () => gw.db.prepare('SELECT session_id FROM ussd_sessions ORDER BY session_id').pluck().all(),
  };
}

describe('privacy sweep', () => {
  it('keeps sessions for the resume window (at least five minutes)', () => {
    expect(sessionKeepMs({ ussd: { serviceCode: '*1#', resumeMinutes: 15 } })).toBe(15 * MINUTE);
    expect(sessionKeepMs({ ussd: { serviceCode: '*1#', resumeMinutes: 1 } })).toBe(MIN_SESSION_KEEP_MS);
  });

  it('inside the window: a provider retry gets the same screen and a dropped vote can be resumed', async () => {
    const { gw, hop, dial, later, sessions } = movingGateway();
    const done = await dial('voted', VOTE);
    expect(done).toMatch(/^(END|CON) .*recorded/s);
    await dial('dropped', ['1', '1', '1', '2']).catch(() => undefined);
    later(14 * MINUTE);
    await gw.privacy.sweep();
    expect(sessions()).toEqual(['dropped', 'voted']);
    // The provider retries the last hop of the finished vote: the same answer, nothing applied twice.
    expect((await hop('voted', VOTE)).text).toBe(done);
    expect(gw.count('ballots')).toBe(1);
    // The caller cut off mid-vote dials again: offered to continue.
    expect((await hop('redial', [], '+254711000001')).text).toBe('CON You have an unfinished vote.\n1 Continue\n2 Start again');
  });

  it('after the window: the rows (keypresses, state) are gone, and a late retry still records nothing twice', async () => {
    const { gw, hop, dial, later, sessions } = movingGateway();
    await dial('voted', VOTE);
    const events = gw.count('events');
    later(16 * MINUTE);
    const purged = await gw.privacy.sweep();
    expect(purged.sessions).toBe(1);
    expect(sessions()).toEqual([]);
    // A retry this late (no provider does it) finds no row: it is answered, but the vote is not cast again.
    await hop('voted', VOTE);
    expect(gw.count('events')).toBe(events);
    expect(gw.count('ballots')).toBe(1);
  });

  it('drops expired SMS conversations and leaves the WAL empty', async () => {
    const { gw, later } = movingGateway();
    const sms = (id: string, text: string) =>
      request(gw.app).post(`/africastalking/sms/${TOKEN}`).type('form').send({ id, from: '+254722000009', to: '22384', text });
    await sms('c1', 'IDEA fix the road, call 0722000009'); // two wards: the gateway asks which, and waits
    expect(gw.count('sms_conversations')).toBe(1);
    expect(JSON.stringify(gw.db.prepare('SELECT state FROM sms_conversations').pluck().get())).not.toContain('722000009');
    later(31 * MINUTE);
    expect((await gw.privacy.sweep()).conversations).toBe(1);
    expect(gw.count('sms_conversations')).toBe(0);
    expect(statSync(`${gw.settings.dbFile}-wal`).size).toBe(0);
    expect(gw.db.pragma('secure_delete', { simple: true })).toBe(1);
  });

  it('seals what an older Sauti stored in plaintext at start-up, and still sends to the right number', async () => {
    const file = join(tempDir('sauti-upgrade-'), 'old.db');
    // A gateway database as main left it (version 10): a reply waiting with its number in plaintext,
    // a USSD session with its keypresses, a USSD event named by them, a number left in free pages.
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    migrate(old, 10);
    const at = NOW.toISOString();
    old
      .prepare(
        `INSERT INTO sms_outbound (provider, to_phone, voter_key, body, body_hash, encoding, segments, kind, priority, source_ref, state, next_attempt_at, created_at, updated_at)
      VALUES ('africastalking', '+254733555666', 'k', 'Your vote is recorded', 'h', 'GSM-7', 1, 'confirmation', 0, 'sms:africastalking:x', 'queued', ?, ?, ?)`,
      )
      .run(at, at, at);
    old.prepare(`INSERT INTO ussd_sessions VALUES ('s-old', 'k', '{}', '1*2*Call 0733555777', 'CON Your idea: Call 0733555777', 0, 'open', ?, ?)`).run(at, at);
    old
      .prepare(
        `INSERT INTO events (id, type, cycle_id, voter_key, channel, gateway_id, captured_at, source_ref, payload)
      VALUES ('e1', 'proposal.submitted', 'c-open', 'k', 'ussd', 'gw', ?, 'ussd:s-old:1*2*Call 0733555888 now*x*1#0', '{}')`,
      )
      .run(at);
    // Conversations deleted by the old code: their pages are free, not wiped.
    const pad = 'x'.repeat(400);
    for (let i = 0; i < 60; i++)
      old.prepare('INSERT INTO sms_conversations VALUES (?, ?, ?)').run(`k${i}`, JSON.stringify({ text: `call 0733555999 ${pad}` }), at);
    old.prepare('DELETE FROM sms_conversations').run();
    old.close();

    const gw = testGateway({ clock: () => NOW, env: { SAUTI_DB: file } });
    const row = gw.sms.list(1)[0]!;
    expect(row.to_phone).toMatch(/^s1:/);
    const session = gw.db.prepare('SELECT last_text, last_reply FROM ussd_sessions').get() as { last_text: string; last_reply: string };
    expect(phoneSeal(SECRET).open(session.last_text)).toBe('1*2*Call 0733555777');
    expect(gw.db.prepare('SELECT source_ref FROM events').pluck().get()).toBe('ussd:legacy:1#0');
    // Events stay immutable after the migration put the trigger back.
    expect(() => gw.db.prepare("UPDATE events SET source_ref = 'x'").run()).toThrow(/immutable/);
    // On the disk: none of those numbers, in the file or its WAL.
    for (const f of [file, `${file}-wal`].filter(existsSync)) {
      const bytes = readFileSync(f).toString('latin1');
      for (const digits of ['733555666', '733555777', '733555888', '733555999']) expect(bytes, `${f} ${digits}`).not.toContain(digits);
    }
    // And the reply still goes to the number it was written for.
    let to: string | null = null;
    atSendReply(101, 'ATXid_up').on('request', (_req, _i, body) => (to = new URLSearchParams(String(body)).get('to')));
    expect(await gw.dispatcher.dispatch(row.id)).toEqual({ kind: 'sent' });
    expect(to).toBe('+254733555666');
    gw.db.close();
  });
});
