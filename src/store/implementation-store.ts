// Implementation updates downloaded from the ledger, the numbers that follow a project by SMS, and
// the numbers that reported on one (sealed at rest, as every number: src/domain/phone-seal.ts).
// Migrations 0019 and 0022.
import type { Database, Statement } from 'better-sqlite3';
import { reasonFromColumn, reasonToColumn, type ImplementationStatus, type ImplementationUpdate } from '../domain/implementation.ts';
import type { Seal } from '../domain/phone-seal.ts';

/** An update as the gateway keeps it (no photo: nothing shows one on a feature phone). */
export type StoredUpdate = Omit<ImplementationUpdate, 'photo'>;

/** A follower to text, the number opened for the send only. */
export interface Follower {
  voterKey: string;
  provider: string;
  phone: string;
  lang: string;
}

interface UpdateRow {
  ledger_seq: number;
  cycle_id: string;
  code: number;
  status: string;
  progress: number;
  milestone_date: string;
  milestone: string;
  reason: string | null;
  recorded_at: string;
}

const fromRow = (r: UpdateRow): StoredUpdate => ({
  seq: r.ledger_seq,
  cycleId: r.cycle_id,
  code: r.code,
  status: r.status as ImplementationStatus,
  progress: r.progress,
  date: r.milestone_date,
  milestone: JSON.parse(r.milestone) as Record<string, string>,
  reason: reasonFromColumn(r.reason),
  recordedAt: r.recorded_at,
});

export class ImplementationStore {
  private readonly s: Record<string, Statement>;

  constructor(
    readonly db: Database,
    private readonly sealer?: Seal,
  ) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      cursor: p('SELECT coalesce(max(ledger_seq), 0) FROM implementation_updates'),
      insert: p(`INSERT INTO implementation_updates (ledger_seq, cycle_id, code, status, progress, milestone_date, milestone, reason, recorded_at, received_at)
        VALUES (@seq, @cycleId, @code, @status, @progress, @date, @milestone, @reason, @recordedAt, @receivedAt) ON CONFLICT (ledger_seq) DO NOTHING`),
      latest: p('SELECT * FROM implementation_updates WHERE code = ? ORDER BY ledger_seq DESC LIMIT 1'),
      latestIn: p('SELECT * FROM implementation_updates WHERE cycle_id = ? AND code = ? ORDER BY ledger_seq DESC LIMIT 1'),
      follow: p(`INSERT INTO project_follows (voter_key, cycle_id, code, provider, phone, lang, followed_at) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (voter_key, cycle_id, code) DO UPDATE SET provider = excluded.provider, phone = excluded.phone, lang = excluded.lang`),
      followers: p('SELECT voter_key, provider, phone, lang FROM project_follows WHERE cycle_id = ? AND code = ? ORDER BY voter_key'),
      unfollowAll: p('DELETE FROM project_follows WHERE voter_key = ?'),
      follows: p('SELECT count(*) FROM project_follows'),
      keepReporter: p(`INSERT INTO report_contacts (reference, voter_key, provider, phone, lang, reported_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (reference) DO NOTHING`),
      reporter: p('SELECT voter_key, provider, phone, lang FROM report_contacts WHERE reference = ?'),
    };
  }

  /** The last chain entry downloaded: the feed is asked for what came after it. */
  cursor(): number {
    return this.s.cursor!.pluck().get() as number;
  }

  /** Keeps an update; false when it was already held (a repeated download). */
  insert(u: ImplementationUpdate, receivedAt: string): boolean {
    const { seq, cycleId, code, status, progress, date, recordedAt } = u;
    // Texts per language as JSON; an older update's single string as it is (src/domain/implementation.ts).
    const reason = reasonToColumn(u.reason);
    return (
      this.s.insert!.run({ seq, cycleId, code, status, progress, date, milestone: JSON.stringify(u.milestone), reason, recordedAt, receivedAt }).changes === 1
    );
  }

  /** The latest update of project `code` (in `cycleId`, or the latest in any cycle). */
  latest(code: number, cycleId?: string): StoredUpdate | null {
    const row = (cycleId ? this.s.latestIn!.get(cycleId, code) : this.s.latest!.get(code)) as UpdateRow | undefined;
    return row ? fromRow(row) : null;
  }

  /** Subscribes a number to a project's updates (again: its provider and language are refreshed). */
  follow(f: { voterKey: string; cycleId: string; code: number; provider: string; phone: string; lang: string }, at: string): void {
    this.s.follow!.run(f.voterKey, f.cycleId, f.code, f.provider, this.seal().seal(f.phone), f.lang, at);
  }

  /** The followers of a project, their numbers opened to send to. */
  followers(cycleId: string, code: number): Follower[] {
    const rows = this.s.followers!.all(cycleId, code) as { voter_key: string; provider: string; phone: string; lang: string }[];
    // A number sealed under another secret (the secret was replaced) cannot be opened: that
    // follower is skipped, never the whole update (which would hold back every other follower).
    return rows.flatMap((r) => {
      try {
        return [{ voterKey: r.voter_key, provider: r.provider, phone: this.seal().open(r.phone), lang: r.lang }];
      } catch {
        return [];
      }
    });
  }

  /** STOP: the number follows nothing any more (its sealed number is deleted). */
  unfollowAll(voterKey: string): void {
    this.s.unfollowAll!.run(voterKey);
  }

  /** Keeps who sent report `reference`, so the team's answer can be texted to them (see reporter). */
  keepReporter(r: { reference: string; voterKey: string; provider: string; phone: string; lang: string }, at: string): void {
    this.s.keepReporter!.run(r.reference, r.voterKey, r.provider, this.seal().seal(r.phone), r.lang, at);
  }

  /**
   * Who sent report `reference`, the number opened to send the team's answer to; null when this
   * gateway holds no such report, the number sent STOP since, or its seal's secret was replaced.
   */
  reporter(reference: string): Follower | null {
    const r = this.s.reporter!.get(reference) as { voter_key: string; provider: string; phone: string; lang: string } | undefined;
    if (!r) return null;
    try {
      return { voterKey: r.voter_key, provider: r.provider, phone: this.seal().open(r.phone), lang: r.lang };
    } catch {
      return null;
    }
  }

  followCount(): number {
    return this.s.follows!.pluck().get() as number;
  }

  private seal(): Seal {
    if (!this.sealer) throw new Error('this ImplementationStore was opened without the phone seal');
    return this.sealer;
  }
}
