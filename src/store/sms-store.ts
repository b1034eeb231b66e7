// Prepared statements for the SMS tables: inbound log, conversations, outbound queue.
import { createHash } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import { isSealed, type Seal } from '../domain/phone-seal.ts';
import { SautiError } from '../domain/errors.ts';
import { smsCost } from '../domain/sms-encoding.ts';

import { OUTBOUND_RANK as RANK, type OutboundState } from '../domain/outbound-state.ts';

/** One outbound message row. */
export interface OutboundRow {
  id: number;
  provider: string;
  /** The recipient sealed (see phone-seal.ts); NULL once sent or failed. Read it with `recipient`. */
  to_phone: string | null;
  voter_key: string;
  body: string;
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  kind: string;
  source_ref: string;
  state: OutboundState;
  attempts: number;
  next_attempt_at: string;
  provider_message_id: string | null;
  lease_until: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

/** A message ready to send. */
export interface DueMessage {
  id: number;
  provider: string;
  kind: string;
}

/** A message to queue. */
export interface NewOutbound {
  provider: string;
  toPhone: string;
  voterKey: string;
  body: string;
  /** `stop` is the answer to STOP: the one message an opted-out number still gets. */
  kind: 'reply' | 'confirmation' | 'broadcast' | 'stop';
  sourceRef: string;
  /** A keyed hash of the inbound text a reply answers (see identicalSince); none for broadcasts. */
  cause?: string;
}

const hash = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 22);

/** Typed access to the SMS tables. */
export class SmsStore {
  private readonly s: Record<string, Statement>;

  /** `seal` is needed to queue and to send; readers of counts and lists (CLI) go without. */
  constructor(
    readonly db: Database,
    private readonly sealer?: Seal,
  ) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      inbound: p('SELECT command FROM sms_inbound WHERE provider = ? AND provider_id = ?'),
      saveInbound: p('INSERT INTO sms_inbound (provider, provider_id, voter_key, received_at, command) VALUES (?, ?, ?, ?, ?)'),
      conversation: p('SELECT state FROM sms_conversations WHERE voter_key = ? AND expires_at > ?'),
      saveConversation: p(`INSERT INTO sms_conversations (voter_key, state, expires_at) VALUES (?, ?, ?)
        ON CONFLICT (voter_key) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at`),
      dropConversation: p('DELETE FROM sms_conversations WHERE voter_key = ?'),
      identicalSince: p(`SELECT count(*) AS total, count(*) FILTER (WHERE cause_hash = ?) AS sameCause FROM sms_outbound
        WHERE voter_key = ? AND body_hash = ? AND created_at >= ?`),
      enqueue: p(`INSERT INTO sms_outbound (provider, to_phone, voter_key, body, body_hash, cause_hash, encoding, segments, kind, priority,
          source_ref, state, next_attempt_at, created_at, updated_at)
        VALUES (@provider, @to_phone, @voter_key, @body, @body_hash, @cause_hash, @encoding, @segments, @kind, @priority, @source_ref,
          'queued', @now, @now, @now)
        ON CONFLICT (source_ref) DO NOTHING`),
      get: p('SELECT * FROM sms_outbound WHERE id = ?'),
      // Answers first: a 10,000-number broadcast must not hold up a receipt. The index order is
      // the ORDER BY, so a long backlog is never sorted.
      due: p(`SELECT id, provider, kind FROM sms_outbound WHERE state = 'queued' AND provider = ?
        AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)
        ORDER BY priority, next_attempt_at LIMIT ?`),
      claim: p(`UPDATE sms_outbound SET lease_until = ?, attempts = attempts + 1, updated_at = ?
        WHERE id = ? AND state = 'queued' AND (lease_until IS NULL OR lease_until < ?)`),
      // Once sent, nothing will be sent again: the number is no longer needed and is erased.
      markSent: p(`UPDATE sms_outbound SET state = 'sent', to_phone = NULL, provider_message_id = ?, lease_until = NULL, error = NULL, updated_at = ?
        WHERE id = ? AND state = 'queued'`),
      retryLater: p(`UPDATE sms_outbound SET next_attempt_at = ?, lease_until = NULL, error = ?, updated_at = ? WHERE id = ? AND state = 'queued'`),
      fail: p(`UPDATE sms_outbound SET state = 'failed', to_phone = NULL, lease_until = NULL, error = ?, updated_at = ? WHERE id = ? AND state = 'queued'`),
      report: p(`UPDATE sms_outbound SET state = @state, error = coalesce(@error, error), updated_at = @now,
          to_phone = CASE WHEN @final THEN NULL ELSE to_phone END
        WHERE provider = @provider AND provider_message_id = @pid
          AND (CASE state WHEN 'queued' THEN 0 WHEN 'sent' THEN 1 ELSE 2 END) < @rank`),
      early: p(`INSERT INTO sms_early_reports (provider, provider_message_id, state, error, received_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (provider, provider_message_id) DO UPDATE SET state = excluded.state, error = excluded.error
        WHERE (CASE sms_early_reports.state WHEN 'sent' THEN 1 ELSE 2 END) < (CASE excluded.state WHEN 'sent' THEN 1 ELSE 2 END)`),
      takeEarly: p('DELETE FROM sms_early_reports WHERE provider = ? AND provider_message_id = ? RETURNING state, error'),
      list: p('SELECT * FROM sms_outbound ORDER BY id DESC LIMIT ?'),
      bySource: p('SELECT * FROM sms_outbound WHERE source_ref = ?'),
      known: p('SELECT 1 FROM sms_outbound WHERE provider = ? AND provider_message_id = ?'),
      counts: p('SELECT state, count(*) AS n FROM sms_outbound GROUP BY state'),
      withRecipient: p('SELECT id, to_phone FROM sms_outbound WHERE to_phone IS NOT NULL'),
      setRecipient: p('UPDATE sms_outbound SET to_phone = ? WHERE id = ?'),
    };
  }

  /** The command logged for an inbound message already seen, if any. */
  inbound(provider: string, providerId: string): string | undefined {
    return this.s.inbound!.pluck().get(provider, providerId) as string | undefined;
  }

  saveInbound(provider: string, providerId: string, voterKey: string, at: string, command: string): void {
    this.s.saveInbound!.run(provider, providerId, voterKey, at, command);
  }

  conversation(voterKey: string, now: string): unknown {
    const state = this.s.conversation!.pluck().get(voterKey, now) as string | undefined;
    return state === undefined ? null : JSON.parse(state);
  }

  saveConversation(voterKey: string, state: unknown | null, expiresAt: string): void {
    if (state === null) this.s.dropConversation!.run(voterKey);
    else this.s.saveConversation!.run(voterKey, JSON.stringify(state), expiresAt);
  }

  /** How many messages with this exact body went to this voter since `since`: in all, and in answer to `cause`. */
  identicalSince(voterKey: string, body: string, cause: string, since: string): { total: number; sameCause: number } {
    return this.s.identicalSince!.get(cause, voterKey, hash(body), since) as { total: number; sameCause: number };
  }

  /** Queues a message (once per source_ref); returns its id, or null if it was queued before. */
  enqueue(m: NewOutbound, now: string): number | null {
    const cost = smsCost(m.body);
    const r = this.s.enqueue!.run({
      provider: m.provider,
      // Sealed before it is written: the plaintext never reaches the file or its WAL.
      to_phone: this.seal().seal(m.toPhone),
      voter_key: m.voterKey,
      body: m.body,
      body_hash: hash(m.body),
      cause_hash: m.cause ?? null,
      encoding: cost.encoding,
      segments: cost.segments,
      kind: m.kind,
      priority: m.kind === 'broadcast' ? 1 : 0,
      source_ref: m.sourceRef,
      now,
    });
    return r.changes === 1 ? Number(r.lastInsertRowid) : null;
  }

  /**
   * Holds a message no provider can send yet (none is configured to send SMS): kept with its
   * number sealed until released (src/engine/held-sms.ts); false when it was held or queued before.
   * `m.provider` is the one the resident came by ('' when not SMS).
   */
  hold(m: NewOutbound, now: string): boolean {
    if (this.s.bySource!.get(m.sourceRef)) return false;
    const hold = (this.s.hold ??= this.db.prepare(`INSERT INTO sms_held (source_ref, provider, to_phone, voter_key, body, kind, held_at)
      VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_ref) DO NOTHING`));
    return hold.run(m.sourceRef, m.provider, this.seal().seal(m.toPhone), m.voterKey, m.body, m.kind, now).changes === 1;
  }

  /** The messages held, oldest first, their numbers opened (one sealed under a replaced secret is dropped: it can never be sent). */
  heldMessages(): NewOutbound[] {
    const rows = (this.s.held ??= this.db.prepare('SELECT * FROM sms_held ORDER BY held_at, source_ref')).all() as {
      source_ref: string;
      provider: string;
      to_phone: string;
      voter_key: string;
      body: string;
      kind: NewOutbound['kind'];
    }[];
    return rows.flatMap((r) => {
      try {
        return [{ provider: r.provider, toPhone: this.seal().open(r.to_phone), voterKey: r.voter_key, body: r.body, kind: r.kind, sourceRef: r.source_ref }];
      } catch {
        this.dropHeld(r.source_ref);
        return [];
      }
    });
  }

  /** Forgets a held message (queued now, or its number opted out). */
  dropHeld(sourceRef: string): void {
    (this.s.dropHeld ??= this.db.prepare('DELETE FROM sms_held WHERE source_ref = ?')).run(sourceRef);
  }

  heldCount(): number {
    return (this.s.heldCount ??= this.db.prepare('SELECT count(*) FROM sms_held')).pluck().get() as number;
  }

  /** The number a queued message goes to, unsealed just before it is handed to the provider. */
  recipient(row: OutboundRow): string {
    if (row.to_phone === null) throw new SautiError('sms.no_recipient', `message ${row.id} has no recipient left`, { retryable: false });
    return this.seal().open(row.to_phone);
  }

  /**
   * Seals every number still stored in plaintext (written by a Sauti from before sealing);
   * returns how many. Run at start-up, before anything is sent.
   */
  sealPlaintext(): number {
    const rows = this.s.withRecipient!.all() as { id: number; to_phone: string }[];
    let n = 0;
    for (const r of rows) {
      if (isSealed(r.to_phone)) continue;
      this.s.setRecipient!.run(this.seal().seal(r.to_phone), r.id);
      n++;
    }
    return n;
  }

  private seal(): Seal {
    if (!this.sealer) throw new SautiError('sms.no_seal', 'this SmsStore was opened without the phone seal', { retryable: false });
    return this.sealer;
  }

  get(id: number): OutboundRow | undefined {
    return this.s.get!.get(id) as OutboundRow | undefined;
  }

  /** One provider's queued messages whose time has come and that no sender holds, replies first. */
  due(provider: string, now: string, limit: number): DueMessage[] {
    return this.s.due!.all(provider, now, now, limit) as DueMessage[];
  }

  /** Takes the row for one send attempt until `leaseUntil`; false if another sender has it or it is done. */
  claim(id: number, now: string, leaseUntil: string): boolean {
    return this.s.claim!.run(leaseUntil, now, id, now).changes === 1;
  }

  /** Records the provider's acceptance, then applies any report that arrived first. */
  markSent(id: number, providerMessageId: string, now: string): void {
    this.s.markSent!.run(providerMessageId, now, id);
    const row = this.get(id)!;
    const early = this.s.takeEarly!.get(row.provider, providerMessageId) as { state: OutboundState; error: string | null } | undefined;
    if (early) this.report(row.provider, providerMessageId, early.state, early.error, now);
  }

  retryLater(id: number, at: string, error: string, now: string): void {
    this.s.retryLater!.run(at, error, now, id);
  }

  fail(id: number, error: string, now: string): void {
    this.s.fail!.run(error, now, id);
  }

  /**
   * Applies a delivery report, forward only: a late "sent" never overwrites "delivered".
   * Returns false when no sent message has that provider id yet (kept for when it has).
   */
  report(provider: string, pid: string, state: OutboundState, error: string | null, now: string): boolean {
    const rank = RANK[state];
    const r = this.s.report!.run({ provider, pid, state, error, now, rank, final: rank === 2 ? 1 : 0 });
    if (r.changes === 1) return true;
    const known = this.s.known!.get(provider, pid);
    if (!known && state !== 'queued') this.s.early!.run(provider, pid, state, error, now);
    return Boolean(known);
  }

  bySource(sourceRef: string): OutboundRow | undefined {
    return this.s.bySource!.get(sourceRef) as OutboundRow | undefined;
  }

  list(limit: number): OutboundRow[] {
    return this.s.list!.all(limit) as OutboundRow[];
  }

  counts(): Record<OutboundState, number> {
    const out: Record<OutboundState, number> = { queued: 0, sent: 0, delivered: 0, failed: 0 };
    for (const r of this.s.counts!.all() as { state: OutboundState; n: number }[]) out[r.state] = r.n;
    return out;
  }
}
