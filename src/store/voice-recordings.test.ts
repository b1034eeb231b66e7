// Migration 0015: a recording kept before it (version 14) keeps its audio and waits to be sent;
// the ledger's word and a refusal are recorded on it; the privacy sweep's purge erases only one
// the ledger holds, past the grace period, whose proposal event it acknowledged.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from './migrate.ts';
import { purgeDeliveredRecordings } from './scrub.ts';

describe('migration 0015: recordings sent to the ledger, then erased', () => {
  it('keeps earlier recordings waiting, and purges only those the ledger holds with their event acknowledged', () => {
    const db = new Database(':memory:');
    migrate(db, 14);
    const keep = db.prepare('INSERT INTO voice_recordings (sha256, bytes, content_type, audio, received_at) VALUES (?, 3, ?, ?, ?)');
    keep.run('a'.repeat(64), 'audio/mpeg', Buffer.from('abc'), '2026-11-22T09:00:00.000Z');
    expect(migrate(db)).toBeGreaterThanOrEqual(15);
    expect(db.prepare('SELECT ledger_stored_at, refused_reason FROM voice_recordings').get()).toEqual({ ledger_stored_at: null, refused_reason: null });
    keep.run('b'.repeat(64), 'audio/mpeg', Buffer.from('def'), '2026-11-22T09:00:00.000Z');
    const event = db.prepare(`INSERT INTO events (id, type, cycle_id, voter_key, channel, gateway_id, captured_at, source_ref, payload)
      VALUES (?, 'proposal.submitted', 'c', 'k', 'voice', 'g', 't', ?, ?)`);
    event.run('e-a', 'voice:a', JSON.stringify({ audio: { sha256: 'a'.repeat(64), bytes: 3 } }));
    event.run('e-b', 'voice:b', JSON.stringify({ audio: { sha256: 'b'.repeat(64), bytes: 3 } }));
    // Both held by the ledger since 09:10; only a's event is acknowledged.
    db.prepare('UPDATE voice_recordings SET ledger_stored_at = ?').run('2026-11-22T09:10:00.000Z');
    db.prepare("UPDATE events SET acked_at = 't' WHERE id = 'e-a'").run();
    expect(purgeDeliveredRecordings(db, '2026-11-22T09:09:59.999Z')).toBe(0); // within the grace period
    expect(purgeDeliveredRecordings(db, '2026-11-22T09:10:00.000Z')).toBe(1);
    expect(db.prepare('SELECT sha256 FROM voice_recordings').pluck().all()).toEqual(['b'.repeat(64)]);
  });
});
