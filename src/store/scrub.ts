// Erasing what is no longer needed, from every file SQLite writes. Rows are deleted with
// `secure_delete` on (openDatabase), which zeroes the freed bytes in the database pages; the WAL
// still holds the old page images until a checkpoint copies them back and truncates it.
import type { Database } from 'better-sqlite3';
import { isSealed, type Seal } from '../domain/phone-seal.ts';
import { RECORDING_OWNERS_SQL } from '../domain/protocol.ts';

/** What one scrub erased, counted (never the values). */
export interface ScrubCounts {
  sessions: number;
  conversations: number;
  /** Spoken ideas' recordings erased because the ledger holds them. */
  recordings: number;
}

/**
 * Deletes USSD sessions untouched since `before` (over, or abandoned, and past the window in
 * which a provider retry or a resume could still need them), SMS conversations that expired, and
 * recordings the ledger has held since `recordingsBefore` (see purgeDeliveredRecordings).
 * Must run inside a transaction.
 */
export function purgeExpired(db: Database, before: string, now: string, recordingsBefore: string): ScrubCounts {
  return {
    sessions: db.prepare('DELETE FROM ussd_sessions WHERE updated_at < ?').run(before).changes,
    conversations: db.prepare('DELETE FROM sms_conversations WHERE expires_at <= ?').run(now).changes,
    recordings: purgeDeliveredRecordings(db, recordingsBefore),
  };
}

/**
 * Deletes recordings (audio and row) whose bytes the ledger said it holds at or before
 * `storedBefore` (its signed answer, or acknowledgement file) and whose event (proposal or report) it has
 * acknowledged. A recording the ledger never acknowledged, or refused, stays.
 */
export function purgeDeliveredRecordings(db: Database, storedBefore: string): number {
  return db
    .prepare(
      `DELETE FROM voice_recordings WHERE ledger_stored_at IS NOT NULL AND ledger_stored_at <= ?
        AND (EXISTS (SELECT 1 FROM events e WHERE e.type IN (${RECORDING_OWNERS_SQL})
            AND json_extract(e.payload, '$.audio.sha256') = voice_recordings.sha256 AND e.acked_at IS NOT NULL)
          OR EXISTS (SELECT 1 FROM events e WHERE e.type = 'proposal.submitted'
            AND json_extract(e.payload, '$.photo.sha256') = voice_recordings.sha256 AND e.acked_at IS NOT NULL))`,
    )
    .run(storedBefore).changes;
}

/** Seals the keypresses and last screen of sessions stored in plaintext by an older Sauti; returns how many. */
export function sealSessionPlaintext(db: Database, seal: Seal): number {
  const rows = db.prepare('SELECT session_id, last_text, last_reply FROM ussd_sessions').all() as {
    session_id: string;
    last_text: string;
    last_reply: string;
  }[];
  const update = db.prepare('UPDATE ussd_sessions SET last_text = ?, last_reply = ? WHERE session_id = ?');
  let n = 0;
  for (const r of rows) {
    if (isSealed(r.last_text) && isSealed(r.last_reply)) continue;
    const text = isSealed(r.last_text) ? r.last_text : seal.seal(r.last_text);
    const reply = isSealed(r.last_reply) ? r.last_reply : seal.seal(r.last_reply);
    update.run(text, reply, r.session_id);
    n++;
  }
  return n;
}

/** Changes made on this connection since it opened: a sweep with nothing new to erase skips the checkpoint. */
export function totalChanges(db: Database): number {
  return db.prepare('SELECT total_changes()').pluck().get() as number;
}

/**
 * Copies the WAL into the database file and truncates it to zero bytes, so page images that held
 * erased values are gone from the disk. Returns false when another connection's read held it back
 * (the next sweep tries again). Never inside a transaction.
 */
export function checkpointTruncate(db: Database): boolean {
  if (db.inTransaction) return false;
  const [r] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
  return r !== undefined && r.busy === 0;
}

/**
 * Rewrites the whole file once (VACUUM, its temporary copy kept in memory): pages freed before
 * `secure_delete` was on, by an older Sauti, may still hold numbers. Recorded in `meta`, so it
 * runs once per database. Returns whether it ran. Never inside a transaction.
 */
export function vacuumOnce(db: Database, at: string): boolean {
  if (db.prepare("SELECT 1 FROM meta WHERE key = 'privacy_vacuumed_at'").get()) return false;
  const temp = db.pragma('temp_store', { simple: true });
  db.pragma('temp_store = MEMORY');
  try {
    db.exec('VACUUM');
  } finally {
    db.pragma(`temp_store = ${Number(temp)}`);
  }
  db.prepare("INSERT INTO meta (key, value) VALUES ('privacy_vacuumed_at', ?)").run(at);
  return true;
}
