// Prepared statements for the gateway's tables. Callers run these inside CommitQueue work.
import type { Database, Statement } from 'better-sqlite3';
import { receiptKey } from '../domain/protocol.ts';

/** One row of the event log. */
export interface EventRow {
  seq: number;
  id: string;
  type: string;
  cycle_id: string;
  voter_key: string;
  channel: string;
  gateway_id: string;
  captured_at: string;
  source_ref: string;
  payload: string;
  acked_at: string | null;
}

/** A new event, before the store assigns its sequence number. */
export type NewEvent = Omit<EventRow, 'seq' | 'acked_at'>;

interface SessionRow {
  session_id: string;
  voter_key: string;
  state: string;
  last_text: string;
  last_reply: string;
  last_end: 0 | 1;
  status: 'open' | 'ended' | 'superseded';
  created_at: string;
  updated_at: string;
}

interface BallotRow {
  cycle_id: string;
  voter_key: string;
  ward_id: string;
  picks: string;
  receipt: string;
  event_id: string;
  channel: string;
  cast_at: string;
}

/** A roll entry as stored: the pseudonym, never the number; age band and gender null when not collected. */
export interface RollEntry {
  voterId: string;
  voterKey: string;
  wardId: string;
  ageBand: string | null;
  gender: string | null;
}

/**
 * Where a vote stands with the city ledger, as this gateway last heard. pending: not yet
 * acknowledged; recorded: acknowledged, its standing not heard yet; counted; replaced (a later
 * vote counts) or superseded (an earlier one counts, refuse policy); late: it reached the ledger
 * after the results were published, so it is kept but not counted; refused: the ledger rejected
 * it; unknown: no such vote here.
 */
export type LedgerState = 'unknown' | 'pending' | 'recorded' | 'counted' | 'replaced' | 'superseded' | 'late' | 'refused';

/** A vote's ledger state, with the channel of the vote that counts instead when it was replaced or superseded. */
export interface LedgerStanding {
  state: LedgerState;
  countedChannel?: string;
}

/** Typed access to the gateway database. */
export class GatewayStore {
  private readonly s: Record<string, Statement>;

  constructor(readonly db: Database) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      insertEvent: p(`INSERT INTO events (id, type, cycle_id, voter_key, channel, gateway_id, captured_at, source_ref, payload)
        VALUES (@id, @type, @cycle_id, @voter_key, @channel, @gateway_id, @captured_at, @source_ref, @payload)`),
      upsertBallot: p(`INSERT INTO ballots (cycle_id, voter_key, ward_id, picks, receipt, event_id, channel, cast_at)
        VALUES (@cycle_id, @voter_key, @ward_id, @picks, @receipt, @event_id, @channel, @cast_at)
        ON CONFLICT (cycle_id, voter_key) DO UPDATE SET ward_id = excluded.ward_id, picks = excluded.picks,
          receipt = excluded.receipt, event_id = excluded.event_id, channel = excluded.channel, cast_at = excluded.cast_at`),
      latestBallot: p('SELECT * FROM ballots WHERE voter_key = ? ORDER BY cast_at DESC LIMIT 1'),
      currentBallot: p('SELECT b.event_id, b.cast_at, e.seq FROM ballots b JOIN events e ON e.id = b.event_id WHERE b.cycle_id = ? AND b.voter_key = ?'),
      // With the voter's ballot here, if a later vote of theirs (not refused by the ledger) holds it now.
      ledgerState: p(`SELECT e.acked_at, r.reason, s.status, s.counted_channel,
          CASE WHEN e.type = 'vote.cast' AND b.event_id <> e.id AND rb.event_id IS NULL THEN b.channel END AS replaced_by
        FROM events e LEFT JOIN sync_rejections r ON r.event_id = e.id
        LEFT JOIN ballot_standing s ON s.event_id = e.id
        LEFT JOIN ballots b ON b.cycle_id = e.cycle_id AND b.voter_key = e.voter_key
        LEFT JOIN sync_rejections rb ON rb.event_id = b.event_id
        WHERE e.id = ?`),
      recheckStanding: p(`UPDATE ballot_standing SET checked_at = '' WHERE event_id = ? AND status = 'counted'`),
      receiptEvent: p(`SELECT e.id FROM events e WHERE e.type = 'vote.cast' AND replace(e.payload ->> '$.receipt', '-', '') = ? ORDER BY e.seq DESC LIMIT 1`),
      insertProposal: p(`INSERT INTO proposals (reference, event_id, cycle_id, voter_key, ward_id, category, title, description, submitted_at)
        VALUES (@reference, @event_id, @cycle_id, @voter_key, @ward_id, @category, @title, @description, @submitted_at)`),
      voterLang: p('SELECT lang FROM voters WHERE voter_key = ?'),
      setVoterLang: p(`INSERT INTO voters (voter_key, lang, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (voter_key) DO UPDATE SET lang = excluded.lang, updated_at = excluded.updated_at`),
      optedOut: p('SELECT opted_out FROM voters WHERE voter_key = ?'),
      setOptOut: p(`INSERT INTO voters (voter_key, lang, opted_out, updated_at) VALUES (?, '', ?, ?)
        ON CONFLICT (voter_key) DO UPDATE SET opted_out = excluded.opted_out, updated_at = excluded.updated_at`),
      rollEntry: p('SELECT ward_id FROM roll WHERE voter_key = ?'),
      rollDemographics: p('SELECT age_band, gender FROM roll WHERE voter_key = ?'),
      upsertRoll: p(`INSERT INTO roll (voter_id, voter_key, ward_id, age_band, gender) VALUES (@voterId, @voterKey, @wardId, @ageBand, @gender)
        ON CONFLICT (voter_id) DO UPDATE SET voter_key = excluded.voter_key, ward_id = excluded.ward_id,
          age_band = excluded.age_band, gender = excluded.gender`),
      session: p('SELECT * FROM ussd_sessions WHERE session_id = ?'),
      saveSession: p(`INSERT INTO ussd_sessions (session_id, voter_key, state, last_text, last_reply, last_end, status, created_at, updated_at)
        VALUES (@session_id, @voter_key, @state, @last_text, @last_reply, @last_end, @status, @created_at, @updated_at)
        ON CONFLICT (session_id) DO UPDATE SET state = excluded.state, last_text = excluded.last_text,
          last_reply = excluded.last_reply, last_end = excluded.last_end, status = excluded.status, updated_at = excluded.updated_at`),
      updateSession: p(`UPDATE ussd_sessions SET state = @state, last_text = @last_text, last_reply = @last_reply, last_end = @last_end,
        status = @status, updated_at = @updated_at WHERE session_id = @session_id`),
      resumable: p(`SELECT * FROM ussd_sessions WHERE voter_key = ? AND status = 'open' AND updated_at >= ?
        AND session_id <> ? ORDER BY updated_at DESC LIMIT 1`),
      supersede: p(`UPDATE ussd_sessions SET status = 'superseded' WHERE voter_key = ? AND status = 'open' AND session_id <> ?`),
      meta: p('SELECT value FROM meta WHERE key = ?'),
      setMeta: p('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING'),
    };
  }

  /** Appends an event; returns its sequence number. */
  appendEvent(e: NewEvent): number {
    return Number(this.s.insertEvent!.run(e).lastInsertRowid);
  }

  upsertBallot(b: BallotRow): void {
    this.s.upsertBallot!.run(b);
  }

  /**
   * Puts a vote the ledger said counts first in line to be asked again (StandingBook.counted
   * asks the longest unchecked first): the voter's later vote here has just replaced it.
   */
  recheckStanding(eventId: string): void {
    this.s.recheckStanding!.run(eventId);
  }

  /** Where an event stands with the city ledger, as this gateway last heard. */
  ledgerState(eventId: string): LedgerStanding {
    const row = this.s.ledgerState!.get(eventId) as
      | {
          acked_at: string | null;
          reason: string | null;
          status: 'counted' | 'replaced' | 'superseded' | 'late' | null;
          counted_channel: string | null;
          replaced_by: string | null;
        }
      | undefined;
    if (!row) return { state: 'unknown' };
    if (row.reason) return { state: 'refused' };
    if (!row.acked_at) return { state: 'pending' };
    // The ledger said it counts (or has not said yet), but the voter has voted again here since,
    // and that vote replaced it here: "counts" would be stale until the ledger is asked again, and
    // the ledger applies the same rule (src/domain/ballot-order.ts).
    if (row.replaced_by && (row.status === null || row.status === 'counted')) return { state: 'replaced', countedChannel: row.replaced_by };
    if (!row.status) return { state: 'recorded' };
    return row.counted_channel ? { state: row.status, countedChannel: row.counted_channel } : { state: row.status };
  }

  /** The ledger state of the vote that got receipt `code` here (any spacing, dashes or case). */
  receiptState(code: string): LedgerStanding {
    const id = this.s.receiptEvent!.pluck().get(receiptKey(code)) as string | undefined;
    return id ? this.ledgerState(id) : { state: 'unknown' };
  }

  /** The voter's current ballot in a cycle here, with its event's sequence number (its place in the ballot order). */
  currentBallot(cycleId: string, voterKey: string): { event_id: string; cast_at: string; seq: number } | undefined {
    return this.s.currentBallot!.get(cycleId, voterKey) as { event_id: string; cast_at: string; seq: number } | undefined;
  }

  latestBallot(voterKey: string): BallotRow | undefined {
    return this.s.latestBallot!.get(voterKey) as BallotRow | undefined;
  }

  insertProposal(p: Record<string, string>): void {
    this.s.insertProposal!.run(p);
  }

  /** The remembered language, if one was ever chosen ('' marks a row created by STOP alone). */
  voterLang(voterKey: string): string | undefined {
    return (this.s.voterLang!.get(voterKey) as { lang: string } | undefined)?.lang || undefined;
  }

  setVoterLang(voterKey: string, lang: string, at: string): void {
    this.s.setVoterLang!.run(voterKey, lang, at);
  }

  /**
   * A proposal's review status by reference as the ledger's notices last said ('submitted' until
   * the first), with the reason per language for `not-feasible`; or null.
   */
  proposal(reference: string): { status: string; reason: Record<string, string> } | null {
    // Prepared on first use, so a store opened on a schema before migration 0021 still works.
    const row = (this.s.proposal ??= this.db.prepare('SELECT status, status_reason FROM proposals WHERE reference = ?')).get(reference) as
      { status: string; status_reason: string | null } | undefined;
    return row ? { status: row.status, reason: row.status_reason ? (JSON.parse(row.status_reason) as Record<string, string>) : {} } : null;
  }

  /** The latest `limit` ideas of a number, newest first, with their review status and reason (USSD's "My ideas"). */
  ideasOf(voterKey: string, limit: number): { reference: string; status: string; reason: Record<string, string> }[] {
    const rows = (this.s.ideasOf ??= this.db.prepare(
      'SELECT reference, status, status_reason FROM proposals WHERE voter_key = ? ORDER BY submitted_at DESC, reference LIMIT ?',
    )).all(voterKey, limit) as { reference: string; status: string; status_reason: string | null }[];
    return rows.map((r) => ({
      reference: r.reference,
      status: r.status,
      reason: r.status_reason ? (JSON.parse(r.status_reason) as Record<string, string>) : {},
    }));
  }

  optedOut(voterKey: string): boolean {
    return (this.s.optedOut!.pluck().get(voterKey) as number | undefined) === 1;
  }

  /** STOP also ends every FOLLOW of the number and every idea's news: its sealed number leaves project_follows, proposal_contacts and sms_held. */
  setOptOut(voterKey: string, optedOut: boolean, at: string): void {
    this.s.setOptOut!.run(voterKey, optedOut ? 1 : 0, at);
    // Prepared on first use (STOP is rare), so a store opened on an older schema still works.
    if (optedOut) {
      (this.s.dropFollows ??= this.db.prepare('DELETE FROM project_follows WHERE voter_key = ?')).run(voterKey);
      // …and forgets the numbers behind its reports and ideas: a team's answer or a review is a message like any other.
      (this.s.dropReporters ??= this.db.prepare('DELETE FROM report_contacts WHERE voter_key = ?')).run(voterKey);
      (this.s.dropContacts ??= this.db.prepare('DELETE FROM proposal_contacts WHERE voter_key = ?')).run(voterKey);
      // …and the news held for it while no provider sent SMS (src/engine/held-sms.ts).
      (this.s.dropHeld ??= this.db.prepare('DELETE FROM sms_held WHERE voter_key = ?')).run(voterKey);
    }
  }

  rollWard(voterKey: string): string | undefined {
    return (this.s.rollEntry!.get(voterKey) as { ward_id: string } | undefined)?.ward_id;
  }

  /** The voter's age band and gender from the roll, only those it holds (empty when not listed). */
  rollDemographics(voterKey: string): { ageBand?: string; gender?: string } {
    const row = this.s.rollDemographics!.get(voterKey) as { age_band: string | null; gender: string | null } | undefined;
    return { ...(row?.age_band ? { ageBand: row.age_band } : {}), ...(row?.gender ? { gender: row.gender } : {}) };
  }

  /** Replaces nothing else: rows are upserted by voter id inside one transaction. */
  importRoll(rows: RollEntry[]): void {
    this.db.transaction(() => rows.forEach((r) => this.s.upsertRoll!.run(r)))();
  }

  session(sessionId: string): SessionRow | undefined {
    return this.s.session!.get(sessionId) as SessionRow | undefined;
  }

  /**
   * Stores a session's row. `existing`: the caller read the row in this transaction, so a plain
   * UPDATE by key does (cheaper than the upsert's failed insert, on every hop but a session's first).
   */
  saveSession(row: SessionRow, existing = false): void {
    if (existing && this.s.updateSession!.run(row).changes === 1) return;
    this.s.saveSession!.run(row);
  }

  /** The latest open session of this voter since `since`, other than `sessionId`. */
  resumableSession(voterKey: string, since: string, sessionId: string): SessionRow | undefined {
    return this.s.resumable!.get(voterKey, since, sessionId) as SessionRow | undefined;
  }

  supersedeSessions(voterKey: string, keep: string): void {
    this.s.supersede!.run(voterKey, keep);
  }

  meta(key: string): string | undefined {
    return (this.s.meta!.get(key) as { value: string } | undefined)?.value;
  }

  /** Sets a meta key only if absent; returns the stored value. */
  metaOnce(key: string, value: string): string {
    this.s.setMeta!.run(key, value);
    return this.meta(key)!;
  }
}
export type { SessionRow, BallotRow };
