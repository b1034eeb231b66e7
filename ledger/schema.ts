// The ledger's tables, for SQLite and PostgreSQL alike (Kysely's schema builder emits each
// dialect's SQL). Times are ISO 8601 UTC text, so they sort the same way in both.
import { randomBytes } from 'node:crypto';
import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import { newKeyPair, type ChainedFields } from '../src/domain/protocol.ts';
import { rekeyStoredVoters } from './rekey.ts';
import { CHECK_KEY, LAYERS_KEY, ledgerVoterKey, secretCheck } from './voter-secret.ts';

export interface LedgerTables {
  /** The chain's tip: one row (id = 1). Ingest locks it, so appends are serial even across replicas. */
  ledger_head: { id: number; seq: number; hash: string };
  /** Accepted events, append-only, each chained to the one before (the chained fields, then the rest). */
  ledger_events: ChainedFields & {
    /** captured_at corrected by the gateway's measured clock skew: what ballots are ordered by. */
    ordered_at: string;
    receipt: string | null;
    prev_hash: string;
    hash: string;
  };
  /** Events refused, so a resend gets the same answer and the PB team can see why. */
  ledger_rejections: {
    event_id: string;
    gateway_id: string;
    gateway_seq: number | null;
    reason: string;
    detail: string;
    received_at: string;
  };
  /** The ballot that counts per voter and cycle, by the cycle's revote policy. */
  ledger_ballots: {
    cycle_id: string;
    voter_key: string;
    event_id: string;
    ward_id: string;
    picks: string;
    channel: string;
    ordered_at: string;
    ledger_seq: number;
    /** Where the counted vote was cast: with `ordered_at`, its place in the ballot order (src/domain/ballot-order.ts). */
    gateway_id: string;
    gateway_seq: number;
    /** From the vote, when the deployment's demographics list it; null otherwise. Never exported per ballot. */
    age_band: string | null;
    gender: string | null;
  };
  ledger_gateways: {
    gateway_id: string;
    public_key: string;
    label: string;
    added_at: string;
    last_seen_at: string | null;
    clock_skew_ms: number | null;
    backlog: number | null;
    max_seq: number;
    contiguous_seq: number;
    accepted_count: number;
    duplicate_count: number;
    rejected_count: number;
  };
  /** Every batch and bundle received: a replayed batch id is refused. */
  ledger_batches: {
    batch_id: string;
    gateway_id: string;
    source: string;
    received_at: string;
    event_count: number;
    answer: string | null;
  };
  /** A cycle's results once published: frozen, so ballots arriving later cannot change them. */
  ledger_results: {
    cycle_id: string;
    published_at: string;
    rule: string;
    /** The last ledger entry counted. */
    through_seq: number;
    /** The CycleResult as JSON, exactly as published. */
    result: string;
    /** The chain entry recording the publication (null for results published before 0007). */
    entry_seq: number | null;
  };
  /** The ballots a published result counted, copied at publication: every open data file is made from these. */
  ledger_published_ballots: {
    cycle_id: string;
    voter_key: string;
    event_id: string;
    ward_id: string;
    picks: string;
    channel: string;
    ledger_seq: number;
  };
  /**
   * A published cycle's open data files, exactly as first served (ledger migration 0009): every
   * later download sends these bytes, counted and exported once. `lang` is '' for a file that
   * reads the same in every language. late.csv, which grows, is never stored.
   */
  ledger_published_files: {
    cycle_id: string;
    name: string;
    lang: string;
    content_type: string;
    body: string;
  };
  /**
   * Ledger-wide settings; `export_key` keys the per-cycle voter ids in open data, `ledger_private_key`
   * signs answers, `voter_secret_check` names the secret the voter keys were made with (never the
   * secret itself) and `voter_secret_layers` holds the earlier ones sealed under it (ledger/voter-secret.ts).
   */
  ledger_meta: { key: string; value: string };
  /**
   * The PB team's accounts (ledger migration 0011, console/accounts.ts). `audit_seq` is the chain
   * entry that recorded the row as it is: `sauti ledger verify` checks the two agree.
   */
  console_users: {
    name: string;
    role: string;
    /** argon2id, PHC string; never in a chain entry (its SHA-256 is, so a swapped hash shows). */
    password_hash: string;
    /** A one-time password set by the command line or an admin: changed at the next sign-in. */
    must_change: number;
    disabled: number;
    created_at: string;
    audit_seq: number;
  };
  /** Signed-in browsers: the SHA-256 of the cookie's token (never the token), its CSRF token and expiry. */
  console_sessions: {
    token_hash: string;
    user_name: string;
    csrf: string;
    lang: string;
    created_at: string;
    last_seen_at: string;
    expires_at: string;
  };
  /**
   * The inbox: one row per proposal.submitted entry of the chain (copied as they arrive, see
   * console/proposals.ts) with its feasibility review; `audit_seq` null until first reviewed.
   */
  console_proposals: {
    event_id: string;
    ledger_seq: number;
    cycle_id: string;
    ward_id: string;
    category: string;
    channel: string;
    reference: string;
    title: string;
    received_at: string;
    status: string;
    /** JSON: the not-feasible reason per language code ('{}' when none). */
    reason: string;
    cost: number | null;
    cost_note: string;
    audit_seq: number | null;
  };
  /**
   * Ballot project drafts made from feasible proposals (console/drafts.ts): titles and short
   * titles per language (JSON) and the cost, for the deployment file's `projects` until the
   * ballot is edited in the ledger. `audit_seq` as for accounts.
   */
  console_drafts: {
    event_id: string;
    cycle_id: string;
    ward_id: string;
    category: string;
    title: string;
    short: string;
    cost: number;
    created_at: string;
    audit_seq: number;
  };
  /**
   * Duplicate proposals merged into another (console/merges.ts, ledger migration 0016): the
   * duplicate's event, the proposal it joins, and the audit entry that merged it. Splitting deletes
   * the row. Both proposals stay in the chain and the inbox, proposers and all.
   */
  console_merges: {
    event_id: string;
    into_id: string;
    audit_seq: number;
  };
  /**
   * Proposal titles the PB team approved for the public results page (console/public-ideas.ts,
   * ledger migration 0021), with the audit entry that approved them. Withdrawing deletes the row.
   */
  console_public_titles: {
    event_id: string;
    audit_seq: number;
  };
  /**
   * The ballot kept in the ledger (migration 0015, console/ballot.ts): each version is the whole
   * `{ categories, wards, cycles }` gateways download (JSON, as the deployment file's schema
   * reads it), made by one audited console change (`audit_seq`, `sha256` of `ballot`). A version
   * is published when `published_seq` names the audit entry that published it; the ledger
   * serves and counts with the latest published one.
   */
  console_ballots: {
    version: number;
    ballot: string;
    sha256: string;
    created_at: string;
    audit_seq: number;
    published_at: string | null;
    published_seq: number | null;
  };
  /**
   * Meetings' paper tally sheets (ledger migration 0012), one per meeting and cycle: the first
   * accepted holds it; another sheet for the same meeting is refused (`tally-conflict`). Counted
   * apart from individual ballots (ledger/paper-tallies.ts). `counts` is JSON `[{ code, votes }]`.
   */
  ledger_paper_tallies: {
    cycle_id: string;
    meeting_id: string;
    event_id: string;
    ward_id: string;
    issued: number;
    valid: number;
    spoiled: number;
    counts: string;
    ledger_seq: number;
  };
  /**
   * Spoken ideas' recordings (ledger migration 0010), by SHA-256: each kept once, with the event
   * that first named it (its gateway's `proposal.submitted`, whose payload carries the digest and
   * length the bytes were checked against).
   */
  /**
   * Winning projects' implementation updates (ledger migration 0014), one row per update: a copy,
   * for queries, of its chain entry's payload (`entry_seq`); `sauti ledger verify` checks each row
   * against its entry (ledger/implementation.ts). `milestone` is JSON `{ <lang>: text }`.
   */
  ledger_implementation: {
    entry_seq: number;
    cycle_id: string;
    code: number;
    status: string;
    progress: number;
    milestone_date: string;
    milestone: string;
    reason: string | null;
    photo_sha256: string | null;
    recorded_at: string;
  };
  /**
   * Residents' reports on winning projects (ledger migration 0020, console/reports.ts): a copy of
   * each accepted project.reported entry (`ledger_seq`), made by ingest in the same transaction,
   * with the PB team's handling: `status` (new, acknowledged, resolved) and `answer`, JSON
   * `{ <lang>: text }`, set by the audit entry `audit_seq` (null until first handled). The gateway
   * that holds the reporter's number is `gateway_id`; the ledger never sees the number.
   */
  ledger_reports: {
    event_id: string;
    ledger_seq: number;
    cycle_id: string;
    ward_id: string;
    code: number;
    reference: string;
    channel: string;
    gateway_id: string;
    lang: string;
    text: string;
    received_at: string;
    status: string;
    answer: string;
    /** When, and by which audit entry, the answer text was last changed (a status change alone sends nothing). */
    answered_at: string | null;
    answer_seq: number | null;
    audit_seq: number | null;
  };
  /**
   * Notices for gateways (ledger migration 0018, ledger/notices.ts): one row per decision a
   * gateway must tell residents of, keyed by the chain entry that decided it (a review's audit
   * entry); `body` is JSON (src/domain/notices.ts). Gateways download them as a feed.
   */
  ledger_notices: {
    seq: number;
    kind: string;
    cycle_id: string;
    body: string;
    recorded_at: string;
  };
  /**
   * Milestone photos of implementation updates (ledger migration 0022, ledger/photos.ts), by
   * SHA-256: public, kept for good, each named by the `photo` of an update's chained payload.
   * Apart from ledger_attachments, which holds residents' own recordings and is never public.
   */
  ledger_photos: {
    sha256: string;
    bytes: number;
    content_type: string;
    data: Uint8Array;
    stored_at: string;
  };
  ledger_attachments: {
    sha256: string;
    bytes: number;
    content_type: string;
    audio: Uint8Array;
    event_id: string;
    gateway_id: string;
    received_at: string;
    /** When the retention rule erased the audio (emptied; the row stays so a resend is not kept again), or null (migration 0017). */
    erased_at: string | null;
    /** The chain entry that records the erasure. */
    erased_seq: number | null;
  };
}

export type LedgerDb = Kysely<LedgerTables>;

/** SQLite stores rows by an integer key; PostgreSQL wants bigint for numbers that may pass 2^31. */
const initial = (dialect: 'sqlite' | 'postgres'): Migration => ({
  async up(db: Kysely<unknown>) {
    // On SQLite an INTEGER PRIMARY KEY is the row id itself: one b-tree fewer per event.
    const seqType = dialect === 'sqlite' ? 'integer' : 'bigint';
    await db.schema
      .createTable('ledger_head')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('ledger_events')
      .addColumn('seq', seqType, (c) => c.primaryKey())
      .addColumn('event_id', 'text', (c) => c.notNull().unique())
      .addColumn('gateway_id', 'text', (c) => c.notNull())
      .addColumn('gateway_seq', 'bigint', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('cycle_id', 'text', (c) => c.notNull())
      .addColumn('voter_key', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('captured_at', 'text', (c) => c.notNull())
      .addColumn('ordered_at', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addColumn('receipt', 'text')
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addUniqueConstraint('ledger_events_gateway_seq', ['gateway_id', 'gateway_seq'])
      .execute();
    await db.schema.createIndex('ledger_events_receipt').on('ledger_events').column('receipt').execute();
    await db.schema
      .createTable('ledger_rejections')
      .addColumn('event_id', 'text', (c) => c.primaryKey())
      .addColumn('gateway_id', 'text', (c) => c.notNull())
      .addColumn('gateway_seq', 'bigint')
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('detail', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('ledger_rejections_gateway_seq').on('ledger_rejections').columns(['gateway_id', 'gateway_seq']).execute();
    await db.schema
      .createTable('ledger_ballots')
      .addColumn('cycle_id', 'text', (c) => c.notNull())
      .addColumn('voter_key', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('ward_id', 'text', (c) => c.notNull())
      .addColumn('picks', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('ordered_at', 'text', (c) => c.notNull())
      .addColumn('ledger_seq', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('ledger_ballots_pk', ['cycle_id', 'voter_key'])
      // Looked up and replaced by its key only: on SQLite, store rows in the key's b-tree.
      .$call((t) => (dialect === 'sqlite' ? t.modifyEnd(sql`without rowid`) : t))
      .execute();
    await db.schema
      .createTable('ledger_gateways')
      .addColumn('gateway_id', 'text', (c) => c.primaryKey())
      .addColumn('public_key', 'text', (c) => c.notNull())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('added_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text')
      .addColumn('clock_skew_ms', 'bigint')
      .addColumn('backlog', 'bigint')
      .addColumn('max_seq', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('contiguous_seq', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('accepted_count', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('duplicate_count', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('rejected_count', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createTable('ledger_batches')
      .addColumn('batch_id', 'text', (c) => c.primaryKey())
      .addColumn('gateway_id', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addColumn('event_count', 'bigint', (c) => c.notNull())
      .addColumn('answer', 'text')
      .execute();
    await sql`INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, ${'0'.repeat(64)})`.execute(db);
  },
});

const results: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('ledger_results')
      .addColumn('cycle_id', 'text', (c) => c.primaryKey())
      .addColumn('published_at', 'text', (c) => c.notNull())
      .addColumn('rule', 'text', (c) => c.notNull())
      .addColumn('through_seq', 'bigint', (c) => c.notNull())
      .addColumn('result', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('ledger_meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
    // Made here, once, and never exported: without it nobody can link a voter across cycles.
    await sql`INSERT INTO ledger_meta (key, value) VALUES ('export_key', ${randomBytes(32).toString('base64url')})`.execute(db);
  },
};

/**
 * SQLite: counted ballots move from a WITHOUT ROWID table (whole rows in a b-tree keyed by the
 * random voter pseudonym) to an ordinary table with a unique index on the key. A new ballot
 * then appends its row and dirties one page of a narrow index instead of one page of a wide
 * tree: about a third fewer pages written per event at a million voters (docs/benchmarks.md).
 * PostgreSQL already stores rows apart from its primary-key index: nothing to do.
 */
const narrowBallotIndex = (dialect: 'sqlite' | 'postgres'): Migration => ({
  async up(db: Kysely<unknown>) {
    if (dialect !== 'sqlite') return;
    await sql`CREATE TABLE ledger_ballots_new (
      cycle_id text NOT NULL, voter_key text NOT NULL, event_id text NOT NULL, ward_id text NOT NULL,
      picks text NOT NULL, channel text NOT NULL, ordered_at text NOT NULL, ledger_seq bigint NOT NULL,
      CONSTRAINT ledger_ballots_pk UNIQUE (cycle_id, voter_key))`.execute(db);
    await sql`INSERT INTO ledger_ballots_new (cycle_id, voter_key, event_id, ward_id, picks, channel, ordered_at, ledger_seq)
      SELECT cycle_id, voter_key, event_id, ward_id, picks, channel, ordered_at, ledger_seq FROM ledger_ballots ORDER BY ledger_seq`.execute(db);
    await sql`DROP TABLE ledger_ballots`.execute(db);
    await sql`ALTER TABLE ledger_ballots_new RENAME TO ledger_ballots`.execute(db);
  },
});

/**
 * Age band and gender of the counted ballot, for turnout by age band and gender. Nullable: older
 * ballots, and votes from a roll without them, have none. Added columns, so both dialects keep
 * every row as it is (SQLite's ALTER TABLE takes one column at a time).
 */
const demographics: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('ledger_ballots').addColumn('age_band', 'text').execute();
    await db.schema.alterTable('ledger_ballots').addColumn('gender', 'text').execute();
  },
};

/**
 * The ledger's Ed25519 identity: it signs every answer and acknowledgement file, so a gateway
 * lets an event leave its outbox only on this ledger's word. Made here, once, for every process
 * sharing this storage; the private key never leaves `ledger_meta` (`sauti ledger identity`
 * prints the public key).
 */
const identity: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`INSERT INTO ledger_meta (key, value) VALUES ('ledger_private_key', ${newKeyPair().privatePem})`.execute(db);
  },
};

/**
 * The ballot order (src/domain/ballot-order.ts) needs where the counted vote came from: its
 * gateway and that gateway's sequence number, copied from its event. Existing rows are filled
 * from ledger_events; the holder chosen under the old tie-break (smaller event id) stays until
 * the voter's next vote.
 */
const ballotOrder = (dialect: 'sqlite' | 'postgres'): Migration => ({
  async up(db: Kysely<unknown>) {
    // Gateway ids break ties by byte order, as in src/domain/ballot-order.ts, whatever the
    // database's locale (SQLite compares text by bytes already).
    const idType = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
    await db.schema
      .alterTable('ledger_ballots')
      .addColumn('gateway_id', idType, (c) => c.notNull().defaultTo(''))
      .execute();
    await db.schema
      .alterTable('ledger_ballots')
      .addColumn('gateway_seq', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    await sql`UPDATE ledger_ballots SET
      gateway_id = COALESCE((SELECT e.gateway_id FROM ledger_events e WHERE e.event_id = ledger_ballots.event_id), ''),
      gateway_seq = COALESCE((SELECT e.gateway_seq FROM ledger_events e WHERE e.event_id = ledger_ballots.event_id), 0)`.execute(db);
  },
});

/**
 * The published ballot set, frozen: open data is made from it, never from the live
 * ledger_ballots, which later ballots still change. Results published before this migration get
 * their set back from what the ledger holds: a ballot counted now that arrived before publication
 * (ledger_seq ≤ through_seq) was counted then too; a voter whose ballot was replaced by one that
 * arrived later gets back the latest of their earlier ballots (revote: replace, the default —
 * the migration cannot read the deployment file; under `refuse` that rare voter may be off).
 * A publication entry in the chain only exists from here on (entry_seq null before).
 */
const publication: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('ledger_published_ballots')
      .addColumn('cycle_id', 'text', (c) => c.notNull())
      .addColumn('voter_key', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('ward_id', 'text', (c) => c.notNull())
      .addColumn('picks', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('ledger_seq', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('ledger_published_ballots_pk', ['cycle_id', 'voter_key'])
      .execute();
    await db.schema.alterTable('ledger_results').addColumn('entry_seq', 'bigint').execute();
    await sql`INSERT INTO ledger_published_ballots (cycle_id, voter_key, event_id, ward_id, picks, channel, ledger_seq)
      SELECT b.cycle_id, b.voter_key, b.event_id, b.ward_id, b.picks, b.channel, b.ledger_seq
      FROM ledger_ballots b JOIN ledger_results r ON r.cycle_id = b.cycle_id WHERE b.ledger_seq <= r.through_seq`.execute(db);
    const { rows } = await sql<{ seq: number; event_id: string; cycle_id: string; voter_key: string; channel: string; ordered_at: string; payload: string }>`
      SELECT e.seq, e.event_id, e.cycle_id, e.voter_key, e.channel, e.ordered_at, e.payload
      FROM ledger_events e JOIN ledger_results r ON r.cycle_id = e.cycle_id
      WHERE e.type = 'vote.cast' AND e.seq <= r.through_seq
        AND NOT EXISTS (SELECT 1 FROM ledger_published_ballots p WHERE p.cycle_id = e.cycle_id AND p.voter_key = e.voter_key)`.execute(db);
    const best = new Map<string, (typeof rows)[number]>();
    for (const e of rows) {
      const key = `${e.cycle_id}\u0000${e.voter_key}`;
      const held = best.get(key);
      if (!held || e.ordered_at > held.ordered_at || (e.ordered_at === held.ordered_at && e.event_id < held.event_id)) best.set(key, e);
    }
    for (const e of best.values()) {
      const p = JSON.parse(e.payload) as { wardId: string; picks: number[] };
      await sql`INSERT INTO ledger_published_ballots (cycle_id, voter_key, event_id, ward_id, picks, channel, ledger_seq)
        VALUES (${e.cycle_id}, ${e.voter_key}, ${e.event_id}, ${p.wardId}, ${JSON.stringify(p.picks)}, ${e.channel}, ${Number(e.seq)})`.execute(db);
    }
  },
};

/**
 * Published open data files, frozen. A cycle published before this migration gets its files on
 * first request, made once from its frozen result and ballots (the deployment file, which gives
 * titles and names, cannot be read here).
 */
const publishedFiles: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('ledger_published_files')
      .addColumn('cycle_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('lang', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('ledger_published_files_pk', ['cycle_id', 'name', 'lang'])
      .execute();
  },
};

/**
 * Voter keys re-keyed with the ledger's own secret (ledger/voter-secret.ts): until now the ledger
 * stored the gateway's HMAC(SAUTI_VOTER_KEY_SECRET, phone), which every gateway can compute. Every
 * stored key becomes HMAC(ledger secret, label + key) and the chain is re-sealed over them, with a
 * `ledger.rekeyed` entry naming the head before (ledger/rekey.ts); an empty ledger only records
 * which secret it uses. The open data key is replaced too: with the old one, ids in files frozen
 * before could be made again from a gateway key. SQLite is vacuumed after (ledger/connect.ts), so
 * the old keys do not stay in free pages or the log. Released after 0009: a ledger already at
 * 0009 gets it too (allowUnorderedMigrations).
 */
const rekey = (dialect: 'sqlite' | 'postgres', voterSecret: string | undefined): Migration => ({
  async up(db: Kysely<unknown>) {
    if (voterSecret === undefined) throw new Error('ledger migration 0008 needs the ledger voter secret (SAUTI_LEDGER_VOTER_SECRET)');
    // Kysely runs SQLite migrations outside a transaction: this one must be all or nothing, and a
    // run whose record was lost after the commit must not re-key twice (the check says it ran).
    const once = async (ledger: Kysely<LedgerTables>) => {
      if (await ledger.selectFrom('ledger_meta').select('value').where('key', '=', CHECK_KEY).executeTakeFirst()) return;
      await rekeyAll(ledger, voterSecret);
    };
    if (dialect === 'sqlite') await (db as Kysely<LedgerTables>).transaction().execute(once);
    else await once(db as Kysely<LedgerTables>);
  },
});

async function rekeyAll(db: Kysely<LedgerTables>, voterSecret: string): Promise<void> {
  const head = await db.selectFrom('ledger_head').select('seq').where('id', '=', 1).executeTakeFirstOrThrow();
  if (head.seq > 0) {
    const note = { reason: 'migration 0008: gateway voter keys re-keyed with the ledger voter secret', at: new Date().toISOString(), layers: 0 };
    await rekeyStoredVoters(db, (k) => ledgerVoterKey(voterSecret, k), note);
  }
  await sql`UPDATE ledger_meta SET value = ${randomBytes(32).toString('base64url')} WHERE key = 'export_key'`.execute(db);
  await sql`INSERT INTO ledger_meta (key, value) VALUES (${CHECK_KEY}, ${secretCheck(voterSecret)}), (${LAYERS_KEY}, '')`.execute(db);
}

/**
 * The PB team's console: accounts, sessions, the proposal inbox with its reviews, and ballot
 * project drafts made from feasible proposals. Every change
 * to an account or a review is also a chain entry (console/audit.ts); sessions are not state
 * anyone audits, only sign-ins and sign-outs are.
 */
const consoleTables: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('console_users')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('must_change', 'integer', (c) => c.notNull())
      .addColumn('disabled', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('audit_seq', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('console_sessions')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_name', 'text', (c) => c.notNull())
      .addColumn('csrf', 'text', (c) => c.notNull())
      .addColumn('lang', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('console_sessions_user').on('console_sessions').column('user_name').execute();
    await db.schema
      .createTable('console_proposals')
      .addColumn('event_id', 'text', (c) => c.primaryKey())
      .addColumn('ledger_seq', 'bigint', (c) => c.notNull().unique())
      .addColumn('cycle_id', 'text', (c) => c.notNull())
      .addColumn('ward_id', 'text', (c) => c.notNull())
      .addColumn('category', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('reference', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('cost', 'bigint')
      .addColumn('cost_note', 'text', (c) => c.notNull())
      .addColumn('audit_seq', 'bigint')
      .execute();
    await db.schema
      .createTable('console_drafts')
      .addColumn('event_id', 'text', (c) => c.primaryKey())
      .addColumn('cycle_id', 'text', (c) => c.notNull())
      .addColumn('ward_id', 'text', (c) => c.notNull())
      .addColumn('category', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('short', 'text', (c) => c.notNull())
      .addColumn('cost', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('audit_seq', 'bigint', (c) => c.notNull())
      .execute();
  },
};

/** Paper tally sheets, one per meeting and cycle (see LedgerTables.ledger_paper_tallies). */
const paper: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('ledger_paper_tallies')
      .addColumn('cycle_id', 'text', (c) => c.notNull())
      .addColumn('meeting_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull().unique())
      .addColumn('ward_id', 'text', (c) => c.notNull())
      .addColumn('issued', 'bigint', (c) => c.notNull())
      .addColumn('valid', 'bigint', (c) => c.notNull())
      .addColumn('spoiled', 'bigint', (c) => c.notNull())
      .addColumn('counts', 'text', (c) => c.notNull())
      .addColumn('ledger_seq', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('ledger_paper_tallies_pk', ['cycle_id', 'meeting_id'])
      .execute();
  },
};

/** Implementation updates of winning projects: read by cycle and project, newest last. */
const implementation: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('ledger_implementation')
      .addColumn('entry_seq', 'bigint', (c) => c.primaryKey())
      .addColumn('cycle_id', 'text', (c) => c.notNull())
      .addColumn('code', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('progress', 'integer', (c) => c.notNull())
      .addColumn('milestone_date', 'text', (c) => c.notNull())
      .addColumn('milestone', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('photo_sha256', 'text')
      .addColumn('recorded_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('ledger_implementation_project').on('ledger_implementation').columns(['cycle_id', 'code', 'entry_seq']).execute();
  },
};

/**
 * Recordings of spoken ideas, sent after the events that name them (docs/architecture.md,
 * "Attachments"). Bytes in the database (BLOB, bytea), so a backup of the ledger carries them.
 */
const attachments = (dialect: 'sqlite' | 'postgres'): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('ledger_attachments')
      .addColumn('sha256', 'text', (c) => c.primaryKey())
      .addColumn('bytes', 'bigint', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('audio', dialect === 'sqlite' ? 'blob' : 'bytea', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('gateway_id', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .execute();
  },
});

/**
 * The console's live turnout (console/turnout.ts) groups a cycle's ballots by ward, channel and
 * hour: this index holds all four, so the count reads the index alone, in its order (no table
 * rows, no sort), never the wide ballot rows of a million-vote cycle. And console_merges: the
 * inbox's duplicate proposals merged into another.
 */
const consoleVote: Migration = {
  async up(db: Kysely<unknown>) {
    // The hour as an expression (the cast time's first 13 characters, `2026-11-22T09`), so the
    // grouping follows the index's order instead of sorting every ballot; ordered_at itself last,
    // so SQLite sees every column the query reads in the index (a covering index, no row lookups).
    await sql`CREATE INDEX ledger_ballots_turnout ON ledger_ballots (cycle_id, ward_id, channel, substr(ordered_at, 1, 13), ordered_at)`.execute(db);
    await db.schema
      .createTable('console_merges')
      .addColumn('event_id', 'text', (c) => c.primaryKey())
      .addColumn('into_id', 'text', (c) => c.notNull())
      .addColumn('audit_seq', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('console_merges_into').on('console_merges').column('into_id').execute();
  },
};

/** Ballot versions edited and published in the console (see LedgerTables.console_ballots). */
const ballots: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('console_ballots')
      .addColumn('version', 'integer', (c) => c.primaryKey())
      .addColumn('ballot', 'text', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('audit_seq', 'bigint', (c) => c.notNull())
      .addColumn('published_at', 'text')
      .addColumn('published_seq', 'bigint')
      .execute();
  },
};

/** Residents' reports on winning projects, read by project and by status (see LedgerTables.ledger_reports). */
const reports: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('ledger_reports')
      .addColumn('event_id', 'text', (c) => c.primaryKey())
      .addColumn('ledger_seq', 'bigint', (c) => c.notNull())
      .addColumn('cycle_id', 'text', (c) => c.notNull())
      .addColumn('ward_id', 'text', (c) => c.notNull())
      .addColumn('code', 'integer', (c) => c.notNull())
      .addColumn('reference', 'text', (c) => c.notNull().unique())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('gateway_id', 'text', (c) => c.notNull())
      .addColumn('lang', 'text', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('answer', 'text', (c) => c.notNull())
      .addColumn('answered_at', 'text')
      .addColumn('answer_seq', 'bigint')
      .addColumn('audit_seq', 'bigint')
      .execute();
    await db.schema.createIndex('ledger_reports_project').on('ledger_reports').columns(['cycle_id', 'code', 'ledger_seq']).execute();
    await db.schema.createIndex('ledger_reports_status').on('ledger_reports').columns(['status', 'ledger_seq']).execute();
    // Answers by gateway in the order they were given (the notice feed now carries each answer as
    // a `report.answered` notice, ledger/notices.ts; the index is kept: a migration never changes).
    await db.schema.createIndex('ledger_reports_answers').on('ledger_reports').columns(['gateway_id', 'answer_seq']).execute();
  },
};

/** Proposal titles approved for the public page (see LedgerTables.console_public_titles). */
const publicTitles: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('console_public_titles')
      .addColumn('event_id', 'text', (c) => c.primaryKey())
      .addColumn('audit_seq', 'bigint', (c) => c.notNull())
      .execute();
  },
};

/** Notices for gateways (see LedgerTables.ledger_notices), read in order of their chain entry. */
const notices: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('ledger_notices')
      .addColumn('seq', 'bigint', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('cycle_id', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('recorded_at', 'text', (c) => c.notNull())
      .execute();
  },
};

/**
 * The retention rule for recordings (ledger/recording-retention.ts): when the audio was erased and
 * the chain entry saying so. The row is kept, emptied, so a gateway resending it is not stored again.
 */
const recordingRetention: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('ledger_attachments').addColumn('erased_at', 'text').execute();
    await db.schema.alterTable('ledger_attachments').addColumn('erased_seq', 'bigint').execute();
  },
};

/** Milestone photos (see LedgerTables.ledger_photos): bytes in the database, so a backup carries them. */
const photos = (dialect: 'sqlite' | 'postgres'): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('ledger_photos')
      .addColumn('sha256', 'text', (c) => c.primaryKey())
      .addColumn('bytes', 'bigint', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('data', dialect === 'sqlite' ? 'blob' : 'bytea', (c) => c.notNull())
      .addColumn('stored_at', 'text', (c) => c.notNull())
      .execute();
  },
});

/** The ledger's migrations in order; names are never changed once released. */
const migrations = (dialect: 'sqlite' | 'postgres', voterSecret?: string): Record<string, Migration> => ({
  '0001-ledger': initial(dialect),
  '0002-results': results,
  '0003-narrow-ballot-index': narrowBallotIndex(dialect),
  '0004-demographics': demographics,
  '0005-ledger-identity': identity,
  '0006-ballot-order': ballotOrder(dialect),
  '0007-publication': publication,
  '0008-ledger-rekey': rekey(dialect, voterSecret),
  '0009-published-files': publishedFiles,
  '0010-attachments': attachments(dialect),
  '0011-console': consoleTables,
  '0012-paper': paper,
  '0014-implementation': implementation,
  '0015-ballot': ballots,
  '0016-console-vote': consoleVote,
  '0017-recording-retention': recordingRetention,
  '0018-notices': notices,
  '0020-reports': reports,
  '0021-public-titles': publicTitles,
  '0022-photos': photos(dialect),
});

/** The names of every migration this code knows, for a check that applies none (connect.ts, openLedgerToRead). */
export function ledgerMigrationNames(dialect: 'sqlite' | 'postgres'): string[] {
  return Object.keys(migrations(dialect));
}

export interface MigrateOptions {
  /** The secret migration 0008 re-keys with; needed only when it runs. */
  voterSecret?: string;
  /** Migrations left out, for tests building a ledger as an older release did (0009 without 0008). */
  without?: readonly string[];
}

/**
 * Brings the ledger schema up to date (or up to `upTo`, for migration tests); throws with the
 * failing migration's error. Returns the names of the migrations it applied.
 */
export async function migrateLedger(
  db: Kysely<unknown>,
  dialect: 'sqlite' | 'postgres',
  schema?: string,
  upTo?: string,
  opts: MigrateOptions = {},
): Promise<string[]> {
  const all = migrations(dialect, opts.voterSecret);
  for (const name of opts.without ?? []) delete all[name];
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => all },
    // 0008 was released after 0009: a ledger at 0009 must still get it, in its place.
    allowUnorderedMigrations: true,
    migrationTableName: 'ledger_migrations',
    migrationLockTableName: 'ledger_migrations_lock',
    // Named on PostgreSQL: Kysely otherwise finds these tables in any schema and skips creating them.
    migrationTableSchema: schema,
  });
  const { error, results } = upTo ? await migrator.migrateTo(upTo) : await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
