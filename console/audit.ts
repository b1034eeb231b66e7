// The console's audit trail: every operator action is an entry of the ledger's own hash chain
// (`type: "console.<action>"`, written by appendLedgerEntry like a publication), holding who,
// what, when, and the state before and after. Accounts and reviews keep the number of the entry
// that last changed them, so `sauti ledger verify` can tell that what is stored is what the
// chain says (verifyConsoleTrail): a row changed behind the console's back is named.
import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { sha256Hex } from '../src/domain/protocol.ts';
import type { LedgerConnection } from '../ledger/connect.ts';
import { appendLedgerEntry, LEDGER_ORIGIN } from '../ledger/publication.ts';
import type { LedgerDb, LedgerTables } from '../ledger/schema.ts';

export type Trx = Transaction<LedgerTables>;

/** Chain entry types of the console start with this. */
export const AUDIT_PREFIX = 'console.';

/** What an audit entry's payload holds. `before`/`after` are null where there is no state (a sign-in). */
export interface AuditPayload {
  actor: string;
  action: string;
  /** `user:<name>`, `proposal:<event id>`, `draft:<event id>`, `merge:<event id>`, `title:<event id>`, `results:<cycle id>`, or `session:<name>`. */
  subject: string;
  before: unknown;
  after: unknown;
}

/** One audit entry as listed on the audit page. */
export interface AuditEntry extends AuditPayload {
  seq: number;
  at: string;
  hash: string;
}

/**
 * Runs `fn` in one transaction holding the chain head (FOR UPDATE on PostgreSQL, the write lock
 * on SQLite), as ingest and publication do: the audit entry and the change it records commit
 * together or not at all.
 */
export function withChainHead<T>(conn: LedgerConnection, fn: (trx: Trx) => Promise<T>): Promise<T> {
  return conn.db.transaction().execute(async (trx) => {
    if (conn.dialect === 'postgres') await trx.selectFrom('ledger_head').select('seq').where('id', '=', 1).forUpdate().execute();
    else
      await trx
        .updateTable('ledger_head')
        .set((eb) => ({ seq: eb.ref('seq') }))
        .where('id', '=', 1)
        .execute();
    return fn(trx);
  });
}

/** Appends one audit entry inside a transaction that holds the chain head; returns its sequence number. */
export function appendAudit(trx: Trx, at: Date, entry: AuditPayload): Promise<number> {
  const { actor, action, subject, before, after } = entry;
  return appendLedgerEntry(trx, {
    type: `${AUDIT_PREFIX}${action}`,
    cycleId: '',
    key: `console/${randomUUID()}`,
    at: at.toISOString(),
    payload: JSON.stringify({ actor, action, subject, before, after }),
  });
}

/**
 * The query behind the audit page: the ledger's own entries by the (gateway_id, gateway_seq)
 * index (an entry of `@ledger` has its seq as gateway_seq), so it reads a page of them, not the
 * whole chain of votes.
 */
export function auditQuery(db: LedgerDb, opts: { below?: number; limit: number }) {
  let q = db
    .selectFrom('ledger_events')
    .select(['seq', 'received_at', 'payload', 'hash'])
    .where('gateway_id', '=', LEDGER_ORIGIN)
    .where('type', 'like', `${AUDIT_PREFIX}%`);
  if (opts.below !== undefined) q = q.where('gateway_seq', '<', opts.below);
  return q.orderBy('gateway_seq', 'desc').limit(opts.limit);
}

/** Audit entries, newest first, `limit` of them below sequence number `below` (all when undefined). */
export async function listAudit(db: LedgerDb, opts: { below?: number; limit: number }): Promise<AuditEntry[]> {
  const rows = await auditQuery(db, opts).execute();
  return rows.map((r) => ({ seq: Number(r.seq), at: r.received_at, hash: r.hash, ...(JSON.parse(r.payload) as AuditPayload) }));
}

/**
 * The audit entries about one subject (a proposal's reviews, its draft), oldest first. Read among
 * the ledger's own entries only (the index, as the audit page), matched on the payload's text.
 */
export async function auditOf(db: LedgerDb, subjects: string[]): Promise<AuditEntry[]> {
  const rows = await db
    .selectFrom('ledger_events')
    .select(['seq', 'received_at', 'payload', 'hash'])
    .where('gateway_id', '=', LEDGER_ORIGIN)
    .where('type', 'like', `${AUDIT_PREFIX}%`)
    .where((eb) => eb.or(subjects.map((subject) => eb('payload', 'like', `%${JSON.stringify({ subject }).slice(1, -1)}%`))))
    .orderBy('gateway_seq')
    .limit(200)
    .execute();
  return rows
    .map((r) => ({ seq: Number(r.seq), at: r.received_at, hash: r.hash, ...(JSON.parse(r.payload) as AuditPayload) }))
    .filter((e) => subjects.includes(e.subject));
}

/** An account's audited state: never the password hash itself, only a digest of it. */
export function userState(u: Pick<LedgerTables['console_users'], 'role' | 'disabled' | 'must_change' | 'password_hash'>) {
  return { role: u.role, disabled: Boolean(u.disabled), mustChange: Boolean(u.must_change), password: sha256Hex(u.password_hash).slice(0, 16) };
}

/** A proposal's audited review state. */
export function reviewState(p: Pick<LedgerTables['console_proposals'], 'status' | 'reason' | 'cost' | 'cost_note'>) {
  return { status: p.status, reason: JSON.parse(p.reason) as Record<string, string>, cost: p.cost === null ? null : Number(p.cost), costNote: p.cost_note };
}

/** A ballot draft's audited state. */
export function draftState(r: Pick<LedgerTables['console_drafts'], 'cycle_id' | 'ward_id' | 'category' | 'title' | 'short' | 'cost'>) {
  return {
    cycleId: r.cycle_id,
    wardId: r.ward_id,
    category: r.category,
    title: JSON.parse(r.title) as Record<string, string>,
    short: JSON.parse(r.short) as Record<string, string>,
    cost: Number(r.cost),
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Checks every account, reviewed proposal, ballot draft, merged duplicate and public title against the chain: each must name, in `audit_seq`,
 * the last audit entry about it, and be exactly the state that entry recorded; a proposal never
 * reviewed must be as received. Returns the first problem, or null. The chain's own links are
 * verifyChain's business (ledger/verify.ts); this is what ties the console's tables to it.
 */
export async function verifyConsoleTrail(db: LedgerDb): Promise<{ seq: number | null; problem: string } | null> {
  const last = new Map<string, { seq: number; after: unknown }>();
  const PAGE = 5000;
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('ledger_events')
      .select(['seq', 'payload'])
      .where('gateway_id', '=', LEDGER_ORIGIN)
      .where('gateway_seq', '>', after)
      .where('type', 'like', `${AUDIT_PREFIX}%`)
      .orderBy('gateway_seq')
      .limit(PAGE)
      .execute();
    for (const r of rows) {
      const p = JSON.parse(r.payload) as AuditPayload;
      if (p.after !== null || last.has(p.subject)) last.set(p.subject, { seq: Number(r.seq), after: p.after });
    }
    if (rows.length < PAGE) break;
    after = Number(rows[rows.length - 1]!.seq);
  }
  const seen = new Set<string>();
  for (const u of await db.selectFrom('console_users').selectAll().orderBy('name').execute()) {
    const subject = `user:${u.name}`;
    seen.add(subject);
    const entry = last.get(subject);
    if (!entry) return { seq: null, problem: `account ${u.name} is in the console's tables but no audit entry created it (added behind the console's back)` };
    if (Number(u.audit_seq) !== entry.seq)
      return { seq: entry.seq, problem: `account ${u.name} names audit entry ${u.audit_seq}, but its last audit entry is ${entry.seq}` };
    if (!same(userState(u), entry.after))
      return { seq: entry.seq, problem: `account ${u.name} is not as its last audit entry recorded it (the row was changed)` };
  }
  const proposals = await db
    .selectFrom('console_proposals')
    .select(['event_id', 'status', 'reason', 'cost', 'cost_note', 'audit_seq'])
    .where('audit_seq', 'is not', null)
    .execute();
  const unreviewed = await db
    .selectFrom('console_proposals')
    .select(['event_id', 'status', 'reason', 'cost', 'cost_note'])
    .where('audit_seq', 'is', null)
    .where((eb) => eb.or([eb('status', '!=', 'received'), eb('reason', '!=', '{}'), eb('cost', 'is not', null), eb('cost_note', '!=', '')]))
    .limit(1)
    .execute();
  if (unreviewed[0]) return { seq: null, problem: `proposal ${unreviewed[0].event_id} has a review that no audit entry recorded (the row was changed)` };
  for (const p of proposals) {
    const subject = `proposal:${p.event_id}`;
    seen.add(subject);
    const entry = last.get(subject);
    if (!entry || Number(p.audit_seq) !== entry.seq)
      return {
        seq: entry?.seq ?? null,
        problem: `the review of proposal ${p.event_id} names audit entry ${p.audit_seq}, but its last audit entry is ${entry?.seq ?? 'none'}`,
      };
    if (!same(reviewState(p), entry.after))
      return { seq: entry.seq, problem: `the review of proposal ${p.event_id} is not as its last audit entry recorded it (the row was changed)` };
  }
  for (const r of await db.selectFrom('console_drafts').selectAll().orderBy('event_id').execute()) {
    const subject = `draft:${r.event_id}`;
    seen.add(subject);
    const entry = last.get(subject);
    if (!entry || Number(r.audit_seq) !== entry.seq)
      return {
        seq: entry?.seq ?? null,
        problem: `the ballot draft of proposal ${r.event_id} names audit entry ${r.audit_seq}, but its last audit entry is ${entry?.seq ?? 'none'}`,
      };
    if (!same(draftState(r), entry.after))
      return { seq: entry.seq, problem: `the ballot draft of proposal ${r.event_id} is not as its last audit entry recorded it (the row was changed)` };
  }
  // Merged duplicates (console/merges.ts): each link as its last entry says; a split leaves none.
  for (const m of await db.selectFrom('console_merges').selectAll().orderBy('event_id').execute()) {
    const subject = `merge:${m.event_id}`;
    seen.add(subject);
    const entry = last.get(subject);
    if (!entry || Number(m.audit_seq) !== entry.seq)
      return {
        seq: entry?.seq ?? null,
        problem: `the merge of proposal ${m.event_id} names audit entry ${m.audit_seq}, but its last audit entry is ${entry?.seq ?? 'none'}`,
      };
    if (!same({ into: m.into_id }, entry.after))
      return { seq: entry.seq, problem: `the merge of proposal ${m.event_id} is not as its last audit entry recorded it (the row was changed)` };
  }
  // Titles approved for the public page (console/public-ideas.ts): each as its last entry says, the
  // proposal's words exactly as approved; a withdrawal leaves none.
  const titles = await db
    .selectFrom('console_public_titles as t')
    .leftJoin('console_proposals as p', 'p.event_id', 't.event_id')
    .select(['t.event_id', 't.audit_seq', 'p.title'])
    .orderBy('t.event_id')
    .execute();
  for (const r of titles) {
    const subject = `title:${r.event_id}`;
    seen.add(subject);
    const entry = last.get(subject);
    if (!entry || Number(r.audit_seq) !== entry.seq)
      return {
        seq: entry?.seq ?? null,
        problem: `the public title of proposal ${r.event_id} names audit entry ${r.audit_seq}, but its last audit entry is ${entry?.seq ?? 'none'}`,
      };
    if (r.title === null || !same({ title: r.title }, entry.after))
      return { seq: entry.seq, problem: `the public title of proposal ${r.event_id} is not as its last audit entry approved it (the row was changed)` };
  }
  for (const [subject, entry] of last) {
    if (subject.startsWith('title:') && entry.after !== null && !seen.has(subject)) {
      return {
        seq: entry.seq,
        problem: `the public title of proposal ${subject.slice(6)} was approved by audit entry ${entry.seq} but is gone from the console's tables (the row was deleted)`,
      };
    }
    if (subject.startsWith('merge:') && entry.after !== null && !seen.has(subject)) {
      return {
        seq: entry.seq,
        problem: `the merge of proposal ${subject.slice(6)} was recorded by audit entry ${entry.seq} but is gone from the console's tables (the row was deleted)`,
      };
    }
    if (/^(user|proposal|draft):/.test(subject) && !seen.has(subject)) {
      return {
        seq: entry.seq,
        problem: `${subject.replace(':', ' ')} was recorded by audit entry ${entry.seq} but is gone from the console's tables (the row was deleted)`,
      };
    }
  }
  return null;
}
