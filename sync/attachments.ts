// The gateway's side of attachments: which kept recordings (spoken ideas and reports) and photos
// (field ideas) are due to go to the ledger, and what the ledger said of each. Both live in
// voice_recordings and travel alike: one is due once the event that names it (`audio.sha256` or
// `photo.sha256`) has
// been acknowledged and not rejected, so the ledger already holds the event it binds the bytes to.
import type { Database, Statement } from 'better-sqlite3';
import { FINAL_ATTACHMENT_REFUSALS, RECORDING_OWNERS_SQL, sha256Hex, type AttachmentAck } from '../src/domain/protocol.ts';

/** A recording due to be sent, with the event that names it. */
export interface DueRecording {
  sha256: string;
  bytes: number;
  contentType: string;
  eventId: string;
}

/** What `sauti sync status` shows of recordings. */
export interface RecordingCounts {
  /** Kept here, not yet held by the ledger. */
  waiting: number;
  /** Held by the ledger, erased here by the privacy sweep after the grace period. */
  stored: number;
  /** Refused (by the ledger or, for damaged or oversize ones, by this gateway). */
  refused: number;
}

const FINAL = [...FINAL_ATTACHMENT_REFUSALS].map((r) => `'${r}'`).join(', ');

/** What makes a kept recording or photo due, with the event `e` naming it (@unacked: include unacknowledged events, 0 or 1). */
const DUE_WHERE = `r.ledger_stored_at IS NULL AND (r.refused_reason IS NULL OR r.refused_reason NOT IN (${FINAL}))
    AND (e.acked_at IS NOT NULL OR @unacked) AND NOT EXISTS (SELECT 1 FROM sync_rejections j WHERE j.event_id = e.id)`;

/**
 * Recordings and photos due, with the first event naming each (parameters @unacked: include
 * unacknowledged events, 0 or 1; @limit). Reads the events that may name one through their partial
 * indexes, never the votes: a recording's proposal or report by its audio digest (migration 0026),
 * a field idea by its photo digest (migration 0024).
 */
// Two joins, not one with OR: each reads its own partial index (an OR across both made SQLite scan every event).
export const DUE_RECORDINGS_SQL = `SELECT sha256, bytes, contentType, min(eventId) AS eventId FROM (
  SELECT r.sha256, r.bytes, r.content_type AS contentType, r.received_at, e.id AS eventId
    FROM voice_recordings r JOIN events e ON e.type IN (${RECORDING_OWNERS_SQL}) AND json_extract(e.payload, '$.audio.sha256') = r.sha256
    WHERE ${DUE_WHERE}
  UNION ALL
  SELECT r.sha256, r.bytes, r.content_type AS contentType, r.received_at, e.id AS eventId
    FROM voice_recordings r JOIN events e ON e.type = 'proposal.submitted' AND json_extract(e.payload, '$.photo.sha256') = r.sha256
    WHERE ${DUE_WHERE}
) GROUP BY sha256 ORDER BY received_at, sha256 LIMIT @limit`;

/** Reads and marks recordings for the relay and bundles. */
export class AttachmentBook {
  private readonly s: Record<'due' | 'audio' | 'stored' | 'refused', Statement>;

  constructor(readonly db: Database) {
    this.s = {
      due: db.prepare(DUE_RECORDINGS_SQL),
      audio: db.prepare('SELECT audio FROM voice_recordings WHERE sha256 = ?').pluck(),
      stored: db.prepare(
        'UPDATE voice_recordings SET ledger_stored_at = coalesce(ledger_stored_at, ?), refused_reason = NULL, refused_detail = NULL, refused_at = NULL WHERE sha256 = ?',
      ),
      refused: db.prepare('UPDATE voice_recordings SET refused_reason = ?, refused_detail = ?, refused_at = ? WHERE sha256 = ? AND ledger_stored_at IS NULL'),
    };
  }

  /**
   * Recordings to send, oldest first: their event acknowledged (for a push), or merely written
   * (`withPending`, for a bundle, which carries the event too), and not refused for good.
   */
  due(limit: number, withPending = false): DueRecording[] {
    return this.s.due.all({ unacked: withPending ? 1 : 0, limit }) as DueRecording[];
  }

  /**
   * The recording's bytes, or null when they no longer hash to its digest (damaged on this
   * gateway's disk: the caller marks it with `damaged`, and it is kept and never sent). Writes nothing.
   */
  audio(sha256: string): Buffer | null {
    const audio = this.s.audio.get(sha256) as Buffer | undefined;
    return audio && sha256Hex(audio) === sha256 ? audio : null;
  }

  /** Marks a recording whose bytes no longer match its digest: kept for the operator, never sent. */
  damaged(sha256: string, at: Date): void {
    this.refused(sha256, 'damaged', 'the stored bytes no longer match their digest: kept on the gateway, not sent', at);
  }

  /** The ledger said it holds the recording (signed). */
  stored(sha256: string, at: Date): void {
    this.s.stored.run(at.toISOString(), sha256);
  }

  refused(sha256: string, reason: string, detail: string, at: Date): void {
    this.s.refused.run(reason, detail.slice(0, 300), at.toISOString(), sha256);
  }

  /** Applies what a verified acknowledgement file says of the attachments its bundle carried. */
  applyAck(list: readonly AttachmentAck[], at: Date): { stored: number; refused: number } {
    let stored = 0;
    let refused = 0;
    for (const a of list) {
      if (a.status === 'stored') {
        this.stored(a.sha256, at);
        stored += 1;
      } else {
        this.refused(a.sha256, a.reason ?? 'refused', a.detail ?? '', at);
        refused += 1;
      }
    }
    return { stored, refused };
  }

  counts(): RecordingCounts {
    return this.db
      .prepare(
        `SELECT count(*) FILTER (WHERE ledger_stored_at IS NULL AND refused_reason IS NULL) AS waiting,
          count(*) FILTER (WHERE ledger_stored_at IS NOT NULL) AS stored,
          count(*) FILTER (WHERE ledger_stored_at IS NULL AND refused_reason IS NOT NULL) AS refused
        FROM voice_recordings`,
      )
      .get() as RecordingCounts;
  }
}
