// The SQLite store: migrations, immutability of the event log, indexes, group commit.
import { once } from 'node:events';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/tmp.ts';
import { CommitQueue } from './commit-queue.ts';
import { openDatabase } from './db.ts';
import { GatewayStore, type NewEvent } from './gateway-store.ts';
import { migrate, migrations } from './migrate.ts';
import { VoiceStore } from './voice-store.ts';
import { SmsStore } from './sms-store.ts';
import { phoneSeal } from '../domain/phone-seal.ts';

const dir = tempDir();
let n = 0;
const freshDb = () => openDatabase(join(dir, `t${n++}.db`));

const event = (i: number, over: Partial<NewEvent> = {}): NewEvent => ({
  id: `0191e0b6-0000-7000-8000-${String(i).padStart(12, '0')}`,
  type: 'vote.cast',
  cycle_id: 'c1',
  voter_key: 'k1',
  channel: 'ussd',
  gateway_id: 'gw-test',
  captured_at: '2026-11-22T09:00:00.000Z',
  source_ref: `ussd:s${i}:1*1#0`,
  payload: '{"picks":[1]}',
  ...over,
});

describe('migrations', () => {
  it('bring a new file to the latest version with WAL and full sync', () => {
    const db = freshDb();
    expect(db.pragma('user_version', { simple: true })).toBe(migrations().at(-1)![0]);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
  });

  it('are idempotent when run again', () => {
    const db = freshDb();
    expect(migrate(db)).toBe(migrations().at(-1)![0]);
  });

  it('refuse a database newer than the code', () => {
    const file = join(dir, 'newer.db');
    const raw = new Database(file);
    raw.pragma('user_version = 999');
    raw.close();
    expect(() => openDatabase(file)).toThrow(/schema version 999/);
  });

  it('0001 creates STRICT tables that reject wrong types; 0002 adds the SMS tables', () => {
    const db = new Database(':memory:');
    expect(migrate(db, 1)).toBe(1);
    const tables = db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string; sql: string }[];
    expect(tables.map((t) => t.name).sort()).toEqual(['ballots', 'events', 'meta', 'proposals', 'roll', 'ussd_sessions', 'voters']);
    expect(migrate(db, 2)).toBe(2);
    const sms = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'sms%' ORDER BY name").pluck().all();
    expect(sms).toEqual(['sms_conversations', 'sms_early_reports', 'sms_inbound', 'sms_outbound']);
    expect(() =>
      db
        .prepare(
          "INSERT INTO sms_outbound (provider, voter_key, body, body_hash, encoding, segments, kind, priority, source_ref, state, next_attempt_at, created_at, updated_at) VALUES ('p','k','b','h','GSM-7',1,'reply',0,'r','lost','n','c','u')",
        )
        .run(),
    ).toThrow(/CHECK constraint/);
    for (const t of tables) expect(t.sql, t.name).toMatch(/STRICT/);
    expect(() => db.prepare('INSERT INTO meta (key, value) VALUES (1, ?)').run(Buffer.from('x'))).toThrow(/cannot store BLOB/);
  });
});

describe('migration 0004: roll demographics', () => {
  it('adds nullable age_band and gender to the roll, keeping rows imported before', () => {
    const db = new Database(':memory:');
    expect(migrate(db, 3)).toBe(3);
    db.prepare("INSERT INTO roll (voter_id, voter_key, ward_id) VALUES ('V1', 'k1', 'north')").run();
    expect(migrate(db, 4)).toBe(4);
    expect(db.prepare('SELECT * FROM roll').all()).toEqual([{ voter_id: 'V1', voter_key: 'k1', ward_id: 'north', age_band: null, gender: null }]);
    migrate(db); // the store's statements need the latest schema
    const store = new GatewayStore(db);
    expect(db.prepare('SELECT * FROM roll').all()).toEqual([{ voter_id: 'V1', voter_key: 'k1', ward_id: 'north', age_band: null, gender: null }]);
    expect(store.rollDemographics('k1')).toEqual({});
    // A re-import fills them in (upsert by voter id) and can empty them again.
    store.importRoll([{ voterId: 'V1', voterKey: 'k1', wardId: 'north', ageBand: '25-34', gender: 'female' }]);
    expect(store.rollDemographics('k1')).toEqual({ ageBand: '25-34', gender: 'female' });
    store.importRoll([{ voterId: 'V1', voterKey: 'k1', wardId: 'north', ageBand: null, gender: 'female' }]);
    expect(store.rollDemographics('k1')).toEqual({ gender: 'female' });
    expect(store.rollDemographics('not-listed')).toEqual({});
    expect(db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'roll'").pluck().get() as string).toMatch(/STRICT/);
    expect(() => db.prepare("UPDATE roll SET gender = ? WHERE voter_id = 'V1'").run(Buffer.from('x'))).toThrow(/cannot store BLOB/);
  });
});

describe('event log', () => {
  it('assigns increasing sequence numbers', () => {
    const store = new GatewayStore(freshDb());
    expect(store.appendEvent(event(1))).toBe(1);
    expect(store.appendEvent(event(2))).toBe(2);
  });

  it('stores a provider request once: a second insert with the same source_ref fails', () => {
    const store = new GatewayStore(freshDb());
    store.appendEvent(event(1));
    expect(() => store.appendEvent(event(2, { source_ref: event(1).source_ref }))).toThrow(/UNIQUE constraint failed: events.source_ref/);
  });

  it('refuses to change or delete an event, but lets the outbox acknowledge it once', () => {
    const db = freshDb();
    new GatewayStore(db).appendEvent(event(1));
    expect(() => db.prepare("UPDATE events SET payload = '{}'").run()).toThrow(/immutable/);
    expect(() => db.prepare('DELETE FROM events').run()).toThrow(/immutable/);
    db.prepare("UPDATE events SET acked_at = '2026-11-22T10:00:00Z'").run();
    expect(() => db.prepare("UPDATE events SET acked_at = '2026-11-23T10:00:00Z'").run()).toThrow(/immutable/);
  });

  it('rejects a payload that is not JSON', () => {
    const store = new GatewayStore(freshDb());
    expect(() => store.appendEvent(event(1, { payload: 'not json' }))).toThrow(/CHECK constraint/);
  });
});

describe('indexes', () => {
  const plan = (db: Database.Database, sql: string, ...args: unknown[]) =>
    (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join('; ');

  it('the outbox scan uses the partial index', () => {
    expect(plan(freshDb(), 'SELECT * FROM events WHERE acked_at IS NULL AND seq > ? ORDER BY seq LIMIT ?', 0, 10)).toMatch(/USING INDEX events_outbox/);
  });

  it('looking for a resumable session uses the open-sessions index', () => {
    const sql = "SELECT * FROM ussd_sessions WHERE voter_key = ? AND status = 'open' AND updated_at >= ? AND session_id <> ? ORDER BY updated_at DESC LIMIT 1";
    expect(plan(freshDb(), sql, 'k', '2026', 's')).toMatch(/USING INDEX ussd_sessions_open_by_voter/);
  });

  it('the outbound SMS queue reads due rows through its partial index', () => {
    const sql = `SELECT id, provider, kind FROM sms_outbound WHERE state = 'queued' AND provider = ?
      AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?) ORDER BY priority, next_attempt_at LIMIT ?`;
    const p = plan(freshDb(), sql, 'africastalking', '2026', '2026', 10);
    expect(p).toMatch(/USING INDEX sms_outbound_due/);
    expect(p).not.toMatch(/TEMP B-TREE/); // no sort of the backlog
  });

  it('a hop loads its session by primary key', () => {
    expect(plan(freshDb(), 'SELECT * FROM ussd_sessions WHERE session_id = ?', 's')).toMatch(/USING INDEX sqlite_autoindex_ussd_sessions_1/);
  });
});

describe('CommitQueue', () => {
  it('commits work from one turn in one transaction and resolves after commit', async () => {
    const db = freshDb();
    const store = new GatewayStore(db);
    const queue = new CommitQueue(db);
    const seen: boolean[] = [];
    const all = [1, 2, 3].map((i) =>
      queue.run(() => {
        seen.push(db.inTransaction);
        return store.appendEvent(event(i));
      }),
    );
    expect(await Promise.all(all)).toEqual([1, 2, 3]);
    expect(seen).toEqual([true, true, true]);
    expect(db.inTransaction).toBe(false);
  });

  it('waits for another connection that writes the same file, rather than fail with "database is locked"', async () => {
    const db = freshDb();
    const store = new GatewayStore(db);
    const queue = new CommitQueue(db);
    // Another thread writing the file all the while, as the embedded ledger's thread acknowledges the outbox.
    const writer = new Worker(
      `const Database = require('better-sqlite3');
      const { workerData, parentPort } = require('node:worker_threads');
      const db = new Database(workerData.file);
      db.pragma('busy_timeout = 2000');
      const set = db.prepare("INSERT INTO sync_state (key, value) VALUES ('other', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
      parentPort.postMessage('writing');
      const until = Date.now() + workerData.ms;
      let n = 0;
      while (Date.now() < until) set.run(String(n++));
      db.close();
      parentPort.postMessage(n);`,
      { eval: true, workerData: { file: db.name, ms: 1500 } },
    );
    await once(writer, 'message');
    const written = once(writer, 'message');
    let units = 0;
    // Each unit reads before it writes, as a hop loads its session before it stores the vote.
    for (let i = 1; units < 200; i++, units++) await queue.run(() => store.meta('gateway_id') ?? store.appendEvent(event(i)));
    const [otherCommits] = await written;
    expect(otherCommits).toBeGreaterThan(100);
    expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(200);
  });

  it('rolls back only the unit that failed', async () => {
    const db = freshDb();
    const store = new GatewayStore(db);
    const queue = new CommitQueue(db);
    const ok1 = queue.run(() => store.appendEvent(event(1)));
    const bad = queue.run(() => {
      store.appendEvent(event(2));
      throw new Error('boom');
    });
    const ok2 = queue.run(() => store.appendEvent(event(3)));
    await expect(bad).rejects.toThrow('boom');
    await Promise.all([ok1, ok2]);
    const ids = db.prepare('SELECT id FROM events ORDER BY seq').pluck().all();
    expect(ids).toEqual([event(1).id, event(3).id]);
  });

  it('settles a durable unit only after an fsync, and leaves the connection at synchronous=FULL', async () => {
    const db = freshDb();
    const store = new GatewayStore(db);
    const queue = new CommitQueue(db);
    await queue.run(() => store.appendEvent(event(1)));
    expect(queue.commits).toEqual({ batches: 1, syncs: 0 });
    expect(store.meta('last_durable_commit')).toBeUndefined();
    let settled = false;
    const durable = queue
      .run((commit) => {
        commit.durable();
        return store.appendEvent(event(2));
      })
      .then((seq) => ((settled = true), seq));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    // Committed, but not yet fsynced: the promise waits.
    expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(2);
    expect(settled).toBe(false);
    expect(await durable).toBe(2);
    expect(queue.commits).toEqual({ batches: 2, syncs: 1 });
    expect(store.meta('last_durable_commit')).toMatch(/^\d{4}-/);
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
  });

  it('lets durable units of several batches share one fsync', async () => {
    const db = freshDb();
    const store = new GatewayStore(db);
    const queue = new CommitQueue(db, { lingerMs: 50 });
    const durably = (i: number) => queue.run((c) => (c.durable(), store.appendEvent(event(i))));
    const first = durably(1);
    await new Promise((r) => setTimeout(r, 5)); // a later batch, within the linger
    await Promise.all([first, durably(2)]);
    expect(queue.commits).toEqual({ batches: 2, syncs: 1 });
  });

  it('rejects every unit when the commit itself fails, so nobody is told "recorded"', async () => {
    const db = freshDb();
    const queue = new CommitQueue(db);
    // A deferred foreign key violation surfaces only at COMMIT.
    db.pragma('defer_foreign_keys = ON');
    const store = new GatewayStore(db);
    const a = queue.run(() => {
      db.pragma('defer_foreign_keys = ON');
      store.upsertBallot({ cycle_id: 'c', voter_key: 'k', ward_id: 'w', picks: '[1]', receipt: 'R', event_id: 'missing', channel: 'ussd', cast_at: 'now' });
    });
    const b = queue.run(() => store.appendEvent(event(9)));
    await expect(a).rejects.toThrow(/FOREIGN KEY/);
    await expect(b).rejects.toThrow(/FOREIGN KEY/);
    expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(0);
  });
});

describe('migration 0006: ballot standing', () => {
  it('keeps where each vote stands in the ledger, only for events that exist, only known statuses', () => {
    const db = freshDb();
    const store = new GatewayStore(db);
    store.appendEvent(event(1));
    store.appendEvent(event(2));
    db.prepare('UPDATE events SET acked_at = ? WHERE seq IN (1, 2)').run('2026-11-22T09:01:00.000Z');
    const stand = db.prepare('INSERT INTO ballot_standing (event_id, status, counted_channel, checked_at) VALUES (?, ?, ?, ?)');
    stand.run(event(1).id, 'replaced', 'sms', '2026-11-22T09:02:00.000Z');
    expect(store.ledgerState(event(1).id)).toEqual({ state: 'replaced', countedChannel: 'sms' });
    expect(store.ledgerState(event(2).id)).toEqual({ state: 'recorded' });
    expect(() => stand.run(event(2).id, 'maybe', null, '2026-11-22T09:02:00.000Z')).toThrow(/CHECK/);
    expect(() => stand.run('no-such-event', 'counted', null, '2026-11-22T09:02:00.000Z')).toThrow(/FOREIGN KEY/);
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT event_id FROM ballot_standing WHERE status = 'counted' ORDER BY checked_at LIMIT 10").all() as {
      detail: string;
    }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING INDEX ballot_standing_counted/);
  });
});

describe('migration 0010: what an SMS reply answers', () => {
  it('adds cause_hash (NULL on replies queued before) and counts identical replies in all and per answered text', () => {
    const db = new Database(':memory:');
    migrate(db, 6);
    db.prepare(
      `INSERT INTO sms_outbound (provider, voter_key, body, body_hash, encoding, segments, kind, priority, source_ref, state, next_attempt_at, created_at, updated_at)
      VALUES ('p', 'k', 'old', 'h', 'GSM-7', 1, 'reply', 0, 'r0', 'sent', 'n', '2026-11-22T08:00:00.000Z', 'u')`,
    ).run();
    expect(migrate(db)).toBe(migrations().at(-1)![0]);
    expect(db.prepare('SELECT cause_hash FROM sms_outbound').pluck().get()).toBeNull();
    const sms = new SmsStore(db, phoneSeal('store-test-secret-0123456789'));
    const queue = (ref: string, cause: string | undefined, at: string) =>
      sms.enqueue({ provider: 'p', toPhone: '+254711000001', voterKey: 'k', body: 'Sorry', kind: 'reply', sourceRef: ref, ...(cause ? { cause } : {}) }, at);
    queue('r1', 'c-hello', '2026-11-22T09:00:00.000Z');
    queue('r2', 'c-hello', '2026-11-22T09:01:00.000Z');
    queue('r3', 'c-what', '2026-11-22T09:02:00.000Z');
    queue('r4', undefined, '2026-11-22T09:03:00.000Z');
    expect(sms.identicalSince('k', 'Sorry', 'c-hello', '2026-11-22T08:59:00.000Z')).toEqual({ total: 4, sameCause: 2 });
    expect(sms.identicalSince('k', 'Sorry', 'c-what', '2026-11-22T09:01:30.000Z')).toEqual({ total: 2, sameCause: 1 });
    expect(sms.identicalSince('k', 'Other', 'c-hello', '2026-11-22T08:59:00.000Z')).toEqual({ total: 0, sameCause: 0 });
    const plan = db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT count(*), count(*) FILTER (WHERE cause_hash = 'c') FROM sms_outbound WHERE voter_key = 'k' AND body_hash = 'h' AND created_at >= 'x'",
      )
      .all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING INDEX sms_outbound_recent \(voter_key=\? AND body_hash=\? AND created_at>\?\)/);
  });
});

describe('migration 0012: no keypress or number left by older code', () => {
  it('renames USSD events named by their keypresses, erases numbers of final replies, and keeps the log immutable', () => {
    const db = new Database(':memory:');
    migrate(db, 10);
    const store = new GatewayStore(db);
    store.appendEvent(event(1, { source_ref: 'ussd:s1:1*2*Call 0733555888*x*1#0', type: 'proposal.submitted' }));
    store.appendEvent(event(2, { source_ref: 'ussd:s2:1*1*1*3*99*1#1' }));
    store.appendEvent(event(3, { channel: 'sms', source_ref: 'sms:africastalking:ATXid_1#0' }));
    const row = (ref: string, state: string) =>
      db
        .prepare(
          `INSERT INTO sms_outbound (provider, to_phone, voter_key, body, body_hash, encoding, segments, kind, priority, source_ref, state, next_attempt_at, created_at, updated_at)
        VALUES ('p', '+254711000001', 'k', 'b', 'h', 'GSM-7', 1, 'reply', 0, ?, ?, 'n', 'c', 'u')`,
        )
        .run(ref, state);
    row('sent-before', 'sent');
    row('waiting', 'queued');
    expect(migrate(db)).toBe(migrations().at(-1)![0]);
    expect(db.prepare('SELECT source_ref FROM events ORDER BY seq').pluck().all()).toEqual([
      'ussd:legacy:1#0',
      'ussd:legacy:2#1',
      'sms:africastalking:ATXid_1#0',
    ]);
    // The waiting one is sealed at start-up (PrivacySweep), which holds the key this SQL does not.
    expect(db.prepare('SELECT source_ref, to_phone FROM sms_outbound ORDER BY id').all()).toEqual([
      { source_ref: 'sent-before', to_phone: null },
      { source_ref: 'waiting', to_phone: '+254711000001' },
    ]);
    expect(() => db.prepare("UPDATE events SET source_ref = 'x' WHERE seq = 1").run()).toThrow(/events are immutable/);
    expect(() => db.prepare('DELETE FROM events').run()).toThrow(/events are immutable/);
    expect(() => store.appendEvent(event(4, { source_ref: 'ussd:legacy:1#0' }))).toThrow(/UNIQUE/);
  });

  it('opens with secure_delete on', () => {
    expect(freshDb().pragma('secure_delete', { simple: true })).toBe(1);
  });
});

describe('migration 0013: voice calls', () => {
  it('keeps one row per provider call, finds the open call to resume by index, and adds length and cost', () => {
    const db = new Database(':memory:');
    migrate(db, 10);
    expect(migrate(db)).toBe(migrations().at(-1)![0]);
    const calls = new VoiceStore(db);
    const row = (session: string, status: 'open' | 'ended', at: string) => ({
      provider: 'africastalking',
      session_id: session,
      voter_key: 'k',
      state: '{}',
      hop: 1,
      last_reply: '{"end":false}',
      status,
      created_at: at,
      updated_at: at,
    });
    calls.saveCall(row('a', 'open', '2026-11-22T09:00:00.000Z'));
    calls.saveCall(row('b', 'ended', '2026-11-22T09:05:00.000Z'));
    expect(calls.resumableCall('k', '2026-11-22T08:50:00.000Z', 'africastalking', 'c')?.session_id).toBe('a');
    expect(calls.resumableCall('k', '2026-11-22T09:01:00.000Z', 'africastalking', 'c')).toBeUndefined();
    expect(calls.finishCall('africastalking', 'a', 47, '2.3500', 'KES', '2026-11-22T09:06:00.000Z')).toBe(true);
    expect(calls.finishCall('twilio', 'a', 1, null, null, 'x')).toBe(false);
    expect(calls.call('africastalking', 'a')).toMatchObject({ status: 'open', duration_seconds: 47, cost_amount: '2.3500', cost_currency: 'KES' });
    expect(() => calls.saveCall({ ...row('d', 'open', 'x'), state: 'not json' })).toThrow(/CHECK/);
    const plan = db
      .prepare("EXPLAIN QUERY PLAN SELECT * FROM voice_calls WHERE voter_key = 'k' AND status = 'open' AND updated_at >= 'x' ORDER BY updated_at DESC LIMIT 1")
      .all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING INDEX voice_calls_open_by_voter/);
  });
});
