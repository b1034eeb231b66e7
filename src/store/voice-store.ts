// Voice calls on the gateway: keypad state per call, the last answer, and length and cost.
import type { Database, Statement } from 'better-sqlite3';

/** One stored call. */
export interface VoiceCallRow {
  provider: string;
  session_id: string;
  voter_key: string;
  state: string;
  hop: number;
  last_reply: string;
  status: 'open' | 'ended' | 'superseded';
  created_at: string;
  updated_at: string;
  duration_seconds: number | null;
  cost_amount: string | null;
  cost_currency: string | null;
  finished_at: string | null;
}

/** Prepared statements for voice_calls; writes run inside CommitQueue work. */
export class VoiceStore {
  private readonly get: Statement;
  private readonly save: Statement;
  private readonly resumable: Statement;
  private readonly supersede: Statement;
  private readonly finish: Statement;
  private readonly keep: Statement;
  private readonly recordingRow: Statement;

  constructor(db: Database) {
    this.get = db.prepare('SELECT * FROM voice_calls WHERE provider = ? AND session_id = ?');
    this.save = db.prepare(`INSERT INTO voice_calls (provider, session_id, voter_key, state, hop, last_reply, status, created_at, updated_at)
      VALUES (@provider, @session_id, @voter_key, @state, @hop, @last_reply, @status, @created_at, @updated_at)
      ON CONFLICT (provider, session_id) DO UPDATE SET state = excluded.state, hop = excluded.hop,
        last_reply = excluded.last_reply, status = excluded.status, updated_at = excluded.updated_at`);
    this.resumable = db.prepare(`SELECT * FROM voice_calls WHERE voter_key = ? AND status = 'open' AND updated_at >= ?
      AND NOT (provider = ? AND session_id = ?) ORDER BY updated_at DESC LIMIT 1`);
    this.supersede = db.prepare(`UPDATE voice_calls SET status = 'superseded' WHERE voter_key = ? AND status = 'open'
      AND NOT (provider = ? AND session_id = ?)`);
    // A call that ends stays as it was (open calls can be resumed); only its length and cost are added.
    this.finish = db.prepare(`UPDATE voice_calls SET duration_seconds = ?, cost_amount = ?, cost_currency = ?, finished_at = ?
      WHERE provider = ? AND session_id = ?`);
    this.keep = db.prepare(`INSERT INTO voice_recordings (sha256, bytes, content_type, audio, received_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (sha256) DO NOTHING`);
    this.recordingRow = db.prepare('SELECT sha256, bytes, content_type, received_at FROM voice_recordings WHERE sha256 = ?');
  }

  /** Keeps a recording by its digest (the same audio twice is kept once). */
  keepRecording(r: { sha256: string; bytes: number; contentType: string; audio: Uint8Array }, at: string): void {
    this.keep.run(r.sha256, r.bytes, r.contentType, r.audio, at);
  }

  /** A kept recording's digest, length and type (not the audio). */
  recording(sha256: string): { sha256: string; bytes: number; content_type: string; received_at: string } | undefined {
    return this.recordingRow.get(sha256) as { sha256: string; bytes: number; content_type: string; received_at: string } | undefined;
  }

  call(provider: string, sessionId: string): VoiceCallRow | undefined {
    return this.get.get(provider, sessionId) as VoiceCallRow | undefined;
  }

  saveCall(row: Omit<VoiceCallRow, 'duration_seconds' | 'cost_amount' | 'cost_currency' | 'finished_at'>): void {
    this.save.run(row);
  }

  /** The caller's latest open call since `since`, other than this one. */
  resumableCall(voterKey: string, since: string, provider: string, sessionId: string): VoiceCallRow | undefined {
    return this.resumable.get(voterKey, since, provider, sessionId) as VoiceCallRow | undefined;
  }

  /** Marks the caller's other open calls superseded: only one can be resumed. */
  supersedeCalls(voterKey: string, provider: string, sessionId: string): void {
    this.supersede.run(voterKey, provider, sessionId);
  }

  /** Records the call's length and cost; false when the call is unknown. */
  finishCall(provider: string, sessionId: string, durationSeconds: number | null, amount: string | null, currency: string | null, at: string): boolean {
    return this.finish.run(durationSeconds, amount, currency, at, provider, sessionId).changes > 0;
  }
}
