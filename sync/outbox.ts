// The gateway's side of sync in its SQLite file: events the ledger has not acknowledged yet (in
// sequence order), the ledger's answers, refused events kept for the operator, and sync state.
import type { Database, Statement } from 'better-sqlite3';
import type { BatchAnswer } from '../src/domain/protocol.ts';
import type { EventRow } from '../src/store/gateway-store.ts';
import type { SignedBatch } from './batch.ts';

export interface Rejection {
  event_id: string;
  seq: number;
  reason: string;
  detail: string;
  rejected_at: string;
}

/** An answer or acknowledgement file the gateway did not act on (unsigned, wrong key, naming other events), for `sauti sync status`. */
export interface RefusedAnswer {
  at: string;
  /** `push` (an HTTP answer) or `ack-file`. */
  source: 'push' | 'ack-file';
  /** The batch or bundle it claimed to answer. */
  answerFor: string;
  problem: string;
}

/** Reads and acknowledges outbox events. */
export class Outbox {
  private readonly s: Record<'pending' | 'from' | 'count' | 'ack' | 'ackRange' | 'reject' | 'state' | 'setState', Statement>;

  constructor(readonly db: Database) {
    this.s = {
      pending: db.prepare('SELECT * FROM events WHERE acked_at IS NULL AND seq > ? ORDER BY seq LIMIT ?'),
      from: db.prepare('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?'),
      count: db.prepare('SELECT count(*) FROM events WHERE acked_at IS NULL').pluck(),
      ack: db.prepare('UPDATE events SET acked_at = ? WHERE id = ? AND acked_at IS NULL'),
      ackRange: db.prepare('UPDATE events SET acked_at = ? WHERE seq BETWEEN ? AND ? AND acked_at IS NULL'),
      reject: db.prepare(`INSERT INTO sync_rejections (event_id, seq, reason, detail, rejected_at)
        SELECT id, seq, ?, ?, ? FROM events WHERE id = ? ON CONFLICT (event_id) DO NOTHING`),
      state: db.prepare('SELECT value FROM sync_state WHERE key = ?').pluck(),
      setState: db.prepare('INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    };
  }

  /** Up to `limit` unacknowledged events after sequence `afterSeq`, oldest first. */
  pending(limit: number, afterSeq = 0): EventRow[] {
    return this.s.pending.all(afterSeq, limit) as EventRow[];
  }

  /** Up to `limit` events after sequence `afterSeq`, acknowledged or not: what `sauti sync resend` sends again. */
  everything(limit: number, afterSeq: number): EventRow[] {
    return this.s.from.all(afterSeq, limit) as EventRow[];
  }

  /** Number of events still to send. */
  pendingCount(): number {
    return this.s.count.get() as number;
  }

  /**
   * Records the ledger's answer in one transaction: every event it answered for leaves the
   * outbox; refused ones are kept with their reason. Ids not in the outbox change nothing.
   * Callers pass only an answer already verified (relay.ts, bundle.ts): signed by the trusted
   * ledger for this batch or bundle, naming only its events.
   * `sent` is the batch the answer is for, when known: an answer naming every one of its events
   * acknowledges its sequence range in one statement instead of one lookup per id. (The batch
   * was every unacknowledged event in that range, and new events only get higher numbers.)
   */
  recordAnswer(
    answer: Pick<BatchAnswer, 'accepted' | 'duplicates' | 'rejected' | 'receivedAt'>,
    at: Date,
    sent?: Pick<SignedBatch, 'firstSeq' | 'lastSeq' | 'ids'>,
  ): { acknowledged: number; rejected: number } {
    const when = at.toISOString();
    return this.db
      .transaction(() => {
        let rejected = 0;
        for (const r of answer.rejected) if (r.id) rejected += this.s.reject.run(r.reason, r.detail, answer.receivedAt, r.id).changes;
        if (sent && sent.ids.length > 0 && answersAll(answer, sent.ids)) {
          return { acknowledged: this.s.ackRange.run(when, sent.firstSeq, sent.lastSeq).changes, rejected };
        }
        let acknowledged = 0;
        for (const a of answer.accepted) acknowledged += this.s.ack.run(when, a.id).changes;
        for (const id of answer.duplicates) acknowledged += this.s.ack.run(when, id).changes;
        for (const r of answer.rejected) if (r.id) acknowledged += this.s.ack.run(when, r.id).changes;
        return { acknowledged, rejected };
      })
      .immediate();
  }

  /** Keeps an answer the gateway refused to act on (the last 20, and a count), for the operator. */
  refuseAnswer(refused: RefusedAnswer): void {
    const list = [refused, ...this.refusedAnswers()].slice(0, 20);
    this.setState({ refused_answers: JSON.stringify(list), refused_answer_count: String(this.refusedAnswerCount() + 1) });
  }

  /** Refused answers, newest first (at most 20). */
  refusedAnswers(): RefusedAnswer[] {
    return JSON.parse(this.state('refused_answers') || '[]') as RefusedAnswer[];
  }

  refusedAnswerCount(): number {
    return Number(this.state('refused_answer_count') || 0);
  }

  rejections(limit = 50): Rejection[] {
    return this.db.prepare('SELECT * FROM sync_rejections ORDER BY seq DESC LIMIT ?').all(limit) as Rejection[];
  }

  rejectionCount(): number {
    return this.db.prepare('SELECT count(*) FROM sync_rejections').pluck().get() as number;
  }

  state(key: string): string | undefined {
    return this.s.state.get(key) as string | undefined;
  }

  setState(entries: Record<string, string>): void {
    this.db.transaction(() => {
      for (const [k, v] of Object.entries(entries)) this.s.setState.run(k, v);
    })();
  }
}

/** Ids an answer names that were not among `ids` (the batch or bundle it answers): a sound answer names none. */
export function namedOutside(answer: Pick<BatchAnswer, 'accepted' | 'duplicates' | 'rejected'>, ids: ReadonlySet<string>): string[] {
  const outside: string[] = [];
  for (const a of answer.accepted) if (!ids.has(a.id)) outside.push(a.id);
  for (const id of answer.duplicates) if (!ids.has(id)) outside.push(id);
  for (const r of answer.rejected) if (!ids.has(r.id)) outside.push(r.id);
  return outside;
}

/** Whether the answer names every id sent (and nothing else), whatever list each is in. */
function answersAll(answer: Pick<BatchAnswer, 'accepted' | 'duplicates' | 'rejected'>, ids: readonly string[]): boolean {
  const named = new Set<string>();
  for (const a of answer.accepted) named.add(a.id);
  for (const id of answer.duplicates) named.add(id);
  for (const r of answer.rejected) named.add(r.id);
  return named.size === ids.length && ids.every((id) => named.has(id));
}
