// Notices downloaded from the ledger (src/domain/notices.ts), each proposal's latest review status,
// and the sealed number of each idea's proposer, kept to text them each new status (migration 0021).
import type { Database, Statement } from 'better-sqlite3';
import type { Seal } from '../domain/phone-seal.ts';

/** A proposer to text, the number opened for the send only. */
export interface Proposer {
  voterKey: string;
  provider: string;
  phone: string;
  lang: string;
}

export class NoticeStore {
  private readonly s: Record<string, Statement>;

  constructor(
    readonly db: Database,
    private readonly sealer?: Seal,
  ) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      cursor: p('SELECT coalesce(max(ledger_seq), 0) FROM notices_received'),
      insert: p('INSERT INTO notices_received (ledger_seq, kind, received_at) VALUES (?, ?, ?) ON CONFLICT (ledger_seq) DO NOTHING'),
      proposal: p('SELECT event_id FROM proposals WHERE reference = ?'),
      // A notice older than the status held (two reviews downloaded out of order) changes nothing.
      setStatus: p(`UPDATE proposals SET status = @status, status_reason = @reason, status_seq = @seq
        WHERE reference = @reference AND coalesce(status_seq, 0) < @seq`),
      keep: p(`INSERT INTO proposal_contacts (reference, voter_key, provider, phone, lang, kept_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (reference) DO NOTHING`),
      contact: p('SELECT voter_key, provider, phone, lang FROM proposal_contacts WHERE reference = ?'),
    };
  }

  /** The last chain entry downloaded: the feed is asked for what came after it. */
  cursor(): number {
    return this.s.cursor!.pluck().get() as number;
  }

  /** Keeps a notice's identity; false when it was already held (a repeated download). */
  insert(seq: number, kind: string, receivedAt: string): boolean {
    return this.s.insert!.run(seq, kind, receivedAt).changes === 1;
  }

  /** The event of the proposal with this reference captured here, or null. */
  proposalEvent(reference: string): string | null {
    return (this.s.proposal!.pluck().get(reference) as string | undefined) ?? null;
  }

  /** Records a proposal's new status; false when a later notice already set one. */
  setStatus(reference: string, status: string, reason: Record<string, string>, seq: number): boolean {
    return this.s.setStatus!.run({ reference, status, reason: JSON.stringify(reason), seq }).changes === 1;
  }

  /** Keeps the number that sent idea `reference`, sealed, to tell it each new status. */
  keepProposer(c: { reference: string; voterKey: string; provider: string; phone: string; lang: string }, at: string): void {
    this.s.keep!.run(c.reference, c.voterKey, c.provider, this.seal().seal(c.phone), c.lang, at);
  }

  /** Who proposed `reference`, their number opened; null when unknown, stopped, or sealed under another secret. */
  proposer(reference: string): Proposer | null {
    const r = this.s.contact!.get(reference) as { voter_key: string; provider: string; phone: string; lang: string } | undefined;
    if (!r) return null;
    try {
      return { voterKey: r.voter_key, provider: r.provider, phone: this.seal().open(r.phone), lang: r.lang };
    } catch {
      return null;
    }
  }

  private seal(): Seal {
    if (!this.sealer) throw new Error('this NoticeStore was opened without the phone seal');
    return this.sealer;
  }
}
