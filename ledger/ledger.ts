// The central ledger: registered gateways, ingest, receipts, the published ballot. Storage is
// whatever openLedger connected to; this class is the same for SQLite and PostgreSQL.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import type { Deployment } from '../src/config/schema.ts';
import { mergeBallot } from '../src/config/ballot-doc.ts';
import { displayCode } from '../src/domain/codes.ts';
import { SautiError } from '../src/domain/errors.ts';
import {
  parsePublicKey,
  publicKeyOf,
  receiptKey,
  sha256Hex,
  signAnswer,
  verifyBody,
  type AnswerKind,
  type BallotStanding,
  type BatchAnswer,
  type BatchHeader,
} from '../src/domain/protocol.ts';
import type { LedgerConnection } from './connect.ts';
import { demographicTurnout } from './demographics.ts';
import { ingestBatch, type Unlisted } from './ingest.ts';
import { eraseDueRecordings, type ErasureOutcome } from './recording-retention.ts';
import { readAttachment, storeAttachment, type AttachmentInput, type StoreOutcome, type StoredAttachment } from './attachments.ts';
import { openBallots, openDataFiles, openDataNames, type OpenDataFile } from './open-data.ts';
import { readPhoto, type StoredPhoto } from './photos.ts';
import { cycleUpdates, recordImplementation, updatesAfter, type ImplementationInput } from './implementation.ts';
import type { ImplementationUpdate } from '../src/domain/implementation.ts';
import type { Notice } from '../src/domain/notices.ts';
import { noticesAfter } from './notices.ts';
import { lateBallots, publish, publishedFile, publishedStatus, type LateBallots } from './publication.ts';
import { addTalliesToTurnout, selectedCodes, tallyCycle, type CycleResult } from './results.ts';
import { cycleTallies } from './paper-tallies.ts';
import type { RuleName } from '../tally/rules.ts';
import type { Transaction } from 'kysely';
import type { LedgerTables } from './schema.ts';

export interface GatewayView {
  gatewayId: string;
  label: string;
  addedAt: string;
  lastSeenAt: string | null;
  clockSkewMs: number | null;
  backlog: number | null;
  highestSeq: number;
  /** Every sequence number up to this one has arrived. */
  contiguousSeq: number;
  accepted: number;
  duplicates: number;
  rejected: number;
}

/** One ballot under a receipt code: where it is in the chain and whether it counts. */
export interface ReceiptMatch {
  cycleId: string;
  ledgerSeq: number;
  recordedAt: string;
  hash: string;
  /**
   * counted: this is the voter's ballot; replaced: a later one counts; superseded: an earlier
   * one counts (refuse policy); late: it arrived after the cycle's results were published and
   * is not counted in them.
   */
  status: 'counted' | 'replaced' | 'superseded' | 'late';
  /** When another ballot counts: the channel it was cast on (never its gateway, number or choices). */
  countedChannel?: string;
}

/** Most ballots one receipt lookup lists (codes are random: two is already rare). */
const MAX_RECEIPT_MATCHES = 20;

/**
 * A receipt lookup. The top-level fields are the oldest ballot under the code; `matches` lists
 * every ballot under it (oldest first, at most MAX_RECEIPT_MATCHES, `more` if there are others),
 * so a second ballot that drew the same code stays verifiable instead of hiding behind the first.
 */
export type ReceiptView = { found: false; receipt: string } | ({ found: true; receipt: string; matches: ReceiptMatch[]; more: boolean } & ReceiptMatch);

type PublishedBallot = { version: string; ballot: Pick<Deployment, 'categories' | 'wards' | 'cycles'> };

/** The ledger's own key pair (ledger migration 0005): the public key in its text form, the private key to sign with. */
export interface LedgerIdentity {
  publicKey: string;
  privateKey: KeyObject;
}

export class Ledger {
  private tail: Promise<unknown> = Promise.resolve();
  private identityLoaded: Promise<LedgerIdentity> | undefined;
  private published: { source: Deployment; stamp: string; value: PublishedBallot } | undefined;
  /** The latest ballot version published in the console (console_ballots), merged into the file's deployment. */
  private kept: { version: number; doc: unknown; file: Deployment; merged: Deployment } | undefined;
  /** A published version that did not fit the deployment file, logged once. */
  private unfit: number | undefined;

  constructor(
    readonly conn: LedgerConnection,
    private file: () => Deployment,
    private readonly clock: () => Date = () => new Date(),
    private readonly logger?: Logger,
  ) {}

  /**
   * The deployment the ledger works with: the deployment file, whose categories, wards and
   * cycles are replaced by the latest ballot version published in the console once there is one
   * (refreshBallot reads it).
   */
  private ballot(): Deployment {
    const file = this.file();
    if (!this.kept) return file;
    if (this.kept.file !== file) {
      const merged = mergeBallot(file, this.kept.doc);
      // A file reloaded with languages the published ballot lacks keeps the last good merge.
      if (merged.ok) this.kept = { ...this.kept, file, merged: merged.deployment };
      else this.logger?.error({ problems: merged.problems }, 'the published ballot does not fit the deployment file; serving the last good one');
    }
    return this.kept.merged;
  }

  /**
   * Reads which ballot version is published now (another replica may have published one) and,
   * when it changed, loads it. Called before serving or counting with the ballot.
   */
  async refreshBallot(): Promise<void> {
    const latest = await this.conn.db
      .selectFrom('console_ballots')
      .select('version')
      .where('published_seq', 'is not', null)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst()
      .catch((err: unknown) => {
        // A ledger opened on a schema from before migration 0015 (re-keying tests build one) has no versions: the file is the ballot.
        if (/no such table|does not exist/.test(String((err as Error).message))) return undefined;
        throw err;
      });
    if (!latest || Number(latest.version) === this.kept?.version || Number(latest.version) === this.unfit) return;
    const row = await this.conn.db.selectFrom('console_ballots').select(['version', 'ballot']).where('version', '=', latest.version).executeTakeFirstOrThrow();
    const doc: unknown = JSON.parse(row.ballot);
    const file = this.file();
    const merged = mergeBallot(file, doc);
    if (!merged.ok) {
      // A deployment file changed under a published ballot (a language added without its titles):
      // the ledger keeps what it had rather than stop taking votes; the console's publish checks prevent it otherwise.
      if (this.unfit !== Number(row.version))
        this.logger?.error(
          { version: Number(row.version), problems: merged.problems },
          'the published ballot does not fit the deployment file; keeping the previous one',
        );
      this.unfit = Number(row.version);
      return;
    }
    this.kept = { version: Number(row.version), doc, file, merged: merged.deployment };
    this.logger?.info({ version: this.kept.version }, 'serving the ballot version published in the console');
  }

  /** The ledger's clock. */
  now(): Date {
    return this.clock();
  }

  /** The ledger's identity, read once from `ledger_meta`. */
  identity(): Promise<LedgerIdentity> {
    this.identityLoaded ??= this.conn.db
      .selectFrom('ledger_meta')
      .select('value')
      .where('key', '=', 'ledger_private_key')
      .executeTakeFirstOrThrow()
      .then(({ value }) => ({ publicKey: publicKeyOf(value), privateKey: createPrivateKey(value) }));
    return this.identityLoaded;
  }

  /** Signs the exact bytes of an answer to `gatewayId` for batch or bundle `answerFor`: the gateway acts on nothing else. */
  async signAnswer(gatewayId: string, answerFor: string, body: Uint8Array, kind: AnswerKind = 'answer'): Promise<string> {
    return signAnswer((await this.identity()).privateKey, gatewayId, answerFor, body, kind);
  }

  /** Registers a gateway's public key. The same key again changes nothing; another key needs `replace`. */
  async addGateway(gatewayId: string, publicKey: string, opts: { label?: string; replace?: boolean } = {}): Promise<'added' | 'unchanged' | 'replaced'> {
    parsePublicKey(publicKey);
    const { db } = this.conn;
    const existing = await db.selectFrom('ledger_gateways').select(['public_key', 'max_seq']).where('gateway_id', '=', gatewayId).executeTakeFirst();
    if (existing?.public_key === publicKey) return 'unchanged';
    if (existing && !opts.replace) {
      throw new SautiError('ledger.key_conflict', `gateway ${gatewayId} is registered with another key; pass --replace only if it has not synced anything yet`);
    }
    if (existing) {
      if (existing.max_seq > 0) {
        throw new SautiError(
          'ledger.key_conflict',
          `gateway ${gatewayId} already has events up to sequence ${existing.max_seq} here; a re-installed gateway starts its numbering again, so give it a new SAUTI_GATEWAY_ID instead`,
        );
      }
      await db.updateTable('ledger_gateways').set({ public_key: publicKey }).where('gateway_id', '=', gatewayId).execute();
      return 'replaced';
    }
    await db
      .insertInto('ledger_gateways')
      .values({
        gateway_id: gatewayId,
        public_key: publicKey,
        label: opts.label ?? gatewayId,
        added_at: this.clock().toISOString(),
        last_seen_at: null,
        clock_skew_ms: null,
        backlog: null,
        max_seq: 0,
        contiguous_seq: 0,
        accepted_count: 0,
        duplicate_count: 0,
        rejected_count: 0,
      })
      .execute();
    return 'added';
  }

  /** Checks that `signature` is the registered gateway's over `body`. Throws sync.unknown_gateway / sync.bad_signature. */
  async authenticate(gatewayId: string, body: Uint8Array, signature: string): Promise<void> {
    this.verify(gatewayId, await this.gatewayKey(gatewayId), body, signature);
  }

  /** A registered gateway's public key, asked before its upload is read. Throws sync.unknown_gateway. */
  async gatewayKey(gatewayId: string): Promise<KeyObject> {
    const row = await this.conn.db.selectFrom('ledger_gateways').select('public_key').where('gateway_id', '=', gatewayId).executeTakeFirst();
    if (!row) throw new SautiError('sync.unknown_gateway', `gateway ${gatewayId} is not registered here (sauti ledger add-gateway)`);
    return parsePublicKey(row.public_key);
  }

  /** Throws sync.bad_signature unless `signature` is `key`'s over `body`. */
  verify(gatewayId: string, key: KeyObject, body: Uint8Array, signature: string): void {
    if (!verifyBody(key, gatewayId, body, signature))
      throw new SautiError('sync.bad_signature', `the signature does not match gateway ${gatewayId}'s key and this body`);
  }

  /** Ingests one authenticated batch in one transaction; batches are applied one at a time. */
  ingest(header: BatchHeader, lines: unknown[], source: 'push' | 'bundle', arrivedAt = this.clock()): Promise<BatchAnswer & { replayOf?: true }> {
    const run = async () => {
      await this.refreshBallot();
      const ballot = this.ballot();
      const { answer, unlisted } = await this.conn.db.transaction().execute((trx) =>
        ingestBatch(
          trx,
          { header, lines, source },
          {
            ballot,
            allowanceMs: ballot.sync.maxClockSkewSeconds * 1000,
            now: this.clock(),
            arrivedAt,
            lockHead: this.conn.dialect === 'postgres',
            voterKeys: this.conn.voterKeys,
          },
        ),
      );
      this.logUnlisted(header.gatewayId, answer.batchId, unlisted);
      return answer;
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * Ingests a bundle's chunks in ONE transaction, all or nothing: a chunk refused (a sequence
   * number the ledger holds for another event, another bundle under this id) rolls back every
   * chunk before it. `chunks` is read inside the transaction, one chunk at a time, so a large
   * bundle is never held whole; each chunk keeps its own id and answer, as a push does.
   */
  ingestBundle(
    bundle: { id: string; sha256: string },
    chunks: AsyncIterable<{ header: BatchHeader; lines: unknown[] }>,
    onAnswer?: (answer: BatchAnswer & { replayOf?: true }, events: number) => void,
  ): Promise<{ answers: (BatchAnswer & { replayOf?: true })[]; unlisted: Unlisted }> {
    const run = async () => {
      await this.refreshBallot();
      const ballot = this.ballot();
      const ctx = {
        ballot,
        allowanceMs: ballot.sync.maxClockSkewSeconds * 1000,
        now: this.clock(),
        arrivedAt: this.clock(),
        lockHead: this.conn.dialect === 'postgres',
        voterKeys: this.conn.voterKeys,
      };
      const unlisted: Unlisted = { ageBand: 0, gender: 0 };
      let gatewayId = '';
      const answers = await this.conn.db.transaction().execute(async (trx) => {
        const out: (BatchAnswer & { replayOf?: true })[] = [];
        for await (const { header, lines } of chunks) {
          gatewayId = header.gatewayId;
          const r = await ingestBatch(trx, { header, lines, source: 'bundle', bundle }, ctx);
          unlisted.ageBand += r.unlisted.ageBand;
          unlisted.gender += r.unlisted.gender;
          out.push(r.answer);
          onAnswer?.(r.answer, lines.length);
        }
        return out;
      });
      this.logUnlisted(gatewayId, bundle.id, unlisted);
      return { answers, unlisted };
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * Keeps a spoken idea's recording if it is bound by digest and length to a proposal this
   * gateway sent (ledger/attachments.ts); applied in turn with batches. A refusal stores nothing
   * and is logged with the gateway, event, digest and reason.
   */
  storeAttachment(input: AttachmentInput, source: 'push' | 'bundle'): Promise<StoreOutcome> {
    const run = async () => {
      const outcome = await storeAttachment(this.conn.db, input, this.ballot().sync.maxAttachmentBytes, this.clock());
      const fields = { gatewayId: input.gatewayId, eventId: input.eventId, sha256: input.sha256, source };
      if (outcome.status === 'refused') this.logAttachmentRefusal({ ...fields, reason: outcome.reason }, outcome.detail);
      else this.logger?.info({ component: 'ledger', ...fields, bytes: input.audio.length, duplicate: outcome.duplicate }, 'attachment stored');
      return outcome;
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Logs a refused attachment: gateway, event, digest and reason (never the bytes). */
  logAttachmentRefusal(
    fields: { gatewayId: string; sha256: string; reason: string; source: 'push' | 'bundle'; eventId?: string },
    detail = fields.reason,
  ): void {
    this.logger?.warn({ component: 'ledger', ...fields }, `attachment refused: ${detail}`);
  }

  /** A stored recording by digest, for the PB team (the console plays it; `sauti ledger attachment` writes it to a file). */
  attachment(sha256: string): Promise<StoredAttachment | undefined> {
    return readAttachment(this.conn.db, sha256);
  }

  /**
   * Votes were accepted and counted, but an age band or gender their deployment does not list
   * counts as not recorded. Says which gateway and how many, never which voter or what value.
   */
  private logUnlisted(gatewayId: string, batchId: string, unlisted: Unlisted): void {
    for (const [field, list] of [
      ['ageBand', 'ageBands'],
      ['gender', 'genders'],
    ] as const) {
      if (unlisted[field] === 0) continue;
      this.logger?.warn(
        { component: 'ledger', gatewayId, batchId, field, votes: unlisted[field] },
        `votes counted without their ${field}: the value is not in demographics.${list} of the ledger's deployment file (compare it with the gateway's)`,
      );
    }
  }

  async gateways(): Promise<GatewayView[]> {
    const rows = await this.conn.db.selectFrom('ledger_gateways').selectAll().orderBy('gateway_id').execute();
    return rows.map((r) => ({
      gatewayId: r.gateway_id,
      label: r.label,
      addedAt: r.added_at,
      lastSeenAt: r.last_seen_at,
      clockSkewMs: r.clock_skew_ms,
      backlog: r.backlog,
      highestSeq: r.max_seq,
      contiguousSeq: r.contiguous_seq,
      accepted: r.accepted_count,
      duplicates: r.duplicate_count,
      rejected: r.rejected_count,
    }));
  }

  /** Whether a receipt is in the ledger and counts — never which projects it chose. */
  async receipt(code: string): Promise<ReceiptView> {
    const receipt = receiptKey(code);
    const { db } = this.conn;
    const rows = await db
      .selectFrom('ledger_events')
      .select(['seq', 'event_id', 'cycle_id', 'voter_key', 'received_at', 'hash'])
      .where('receipt', '=', receipt)
      .orderBy('seq')
      .limit(MAX_RECEIPT_MATCHES + 1)
      .execute();
    if (rows.length === 0) return { found: false, receipt: displayCode(receipt) };
    const matches: ReceiptMatch[] = [];
    for (const row of rows.slice(0, MAX_RECEIPT_MATCHES)) {
      const counted = await db
        .selectFrom('ledger_ballots')
        .select(['event_id', 'channel'])
        .where('cycle_id', '=', row.cycle_id)
        .where('voter_key', '=', row.voter_key)
        .executeTakeFirst();
      const { countedChannel } = this.standing(row, counted);
      const policy = this.ballot().cycles.find((c) => c.id === row.cycle_id)?.revote ?? 'replace';
      // Once published, the published count decides, not the live table later ballots still change.
      const published = await publishedStatus(db, row);
      const isCounted = published ? published === 'counted' : counted?.event_id === row.event_id;
      const status = published === 'late' ? 'late' : isCounted ? 'counted' : policy === 'replace' ? 'replaced' : 'superseded';
      matches.push({
        cycleId: row.cycle_id,
        ledgerSeq: row.seq,
        recordedAt: row.received_at,
        hash: row.hash,
        status,
        ...(status !== 'counted' && status !== 'late' && countedChannel ? { countedChannel } : {}),
      });
    }
    return { found: true, receipt: displayCode(receipt), ...matches[0]!, matches, more: rows.length > MAX_RECEIPT_MATCHES };
  }

  /**
   * Where each of these votes stands now, in the order asked. A gateway asks about its own
   * ballots, so that what it tells residents follows the ledger: a ballot counted yesterday is
   * `replaced` once a later vote from another gateway arrives.
   */
  async ballotStanding(ids: readonly string[]): Promise<BallotStanding[]> {
    const { db } = this.conn;
    const events = new Map<string, { seq: number; event_id: string; cycle_id: string; voter_key: string }>();
    const holders = new Map<string, { event_id: string; channel: string }>();
    const lower = [...new Set(ids.map((id) => id.toLowerCase()))];
    for (let i = 0; i < lower.length; i += 500) {
      const rows = await db
        .selectFrom('ledger_events')
        .select(['seq', 'event_id', 'cycle_id', 'voter_key'])
        .where('event_id', 'in', lower.slice(i, i + 500))
        .where('type', '=', 'vote.cast')
        .execute();
      for (const r of rows) events.set(r.event_id, r);
      // Grouped by cycle, so each lookup uses the (cycle_id, voter_key) key.
      for (const cycleId of new Set(rows.map((r) => r.cycle_id))) {
        const voters = rows.filter((r) => r.cycle_id === cycleId).map((r) => r.voter_key);
        const counted = await db
          .selectFrom('ledger_ballots')
          .select(['voter_key', 'event_id', 'channel'])
          .where('cycle_id', '=', cycleId)
          .where('voter_key', 'in', voters)
          .execute();
        for (const c of counted) holders.set(`${cycleId}\u0000${c.voter_key}`, c);
      }
    }
    // Once a cycle is published, its published count decides (as for receipts): a vote that
    // arrived afterwards is `late`, whatever the live table says.
    const published = new Set((await this.publishedCycles()).map((c) => c.cycleId));
    const answers: BallotStanding[] = [];
    for (const id of ids) {
      const e = events.get(id.toLowerCase());
      if (!e) {
        answers.push({ id, status: 'unknown' });
        continue;
      }
      const live = this.standing(e, holders.get(`${e.cycle_id}\u0000${e.voter_key}`));
      const frozen = published.has(e.cycle_id) ? await publishedStatus(db, e) : null;
      if (frozen === 'late') answers.push({ id, status: 'late' });
      else if (frozen === 'counted') answers.push({ id, status: 'counted' });
      else if (frozen === 'not-counted' && live.status === 'counted') answers.push({ id, ...this.standing(e, undefined) });
      else answers.push({ id, ...live });
    }
    return answers;
  }

  /** A vote's standing given the ballot that counts for its voter and cycle. */
  private standing(vote: { event_id: string; cycle_id: string }, counted: { event_id: string; channel: string } | undefined) {
    if (counted?.event_id === vote.event_id) return { status: 'counted' as const };
    const policy = this.ballot().cycles.find((c) => c.id === vote.cycle_id)?.revote ?? 'replace';
    return {
      status: policy === 'replace' ? ('replaced' as const) : ('superseded' as const),
      countedChannel: counted?.channel as BallotStanding['countedChannel'],
    };
  }

  /**
   * The ballot gateways download: cycles, wards, projects, phases — and, for cycles whose
   * results are published here, the selected projects — with a version that changes with them.
   */
  async publishedBallot(): Promise<PublishedBallot> {
    await this.refreshBallot();
    const source = this.ballot();
    // A cycle the deployment file declares results for keeps them, whatever was stored for it here.
    const published = (await this.conn.db.selectFrom('ledger_results').select(['cycle_id', 'published_at', 'result']).orderBy('cycle_id').execute()).filter(
      (r) => !this.declared(r.cycle_id),
    );
    const stamp = published.map((r) => `${r.cycle_id}@${r.published_at}`).join(',');
    // Gateways ask every round; the version hash is computed once per deployment and publication.
    if (this.published?.source !== source || this.published.stamp !== stamp) {
      const results = new Map(
        published.map((r) => [r.cycle_id, { published: new Date(r.published_at), selected: selectedCodes(JSON.parse(r.result) as CycleResult) }]),
      );
      const { categories, wards } = source;
      const cycles = source.cycles.map((c) => (results.has(c.id) ? { ...c, results: results.get(c.id)! } : c));
      const ballot = { categories, wards, cycles };
      this.published = { source, stamp, value: { version: sha256Hex(JSON.stringify(ballot)).slice(0, 16), ballot } };
    }
    return this.published.value;
  }

  /**
   * A cycle's results: as published when they are, otherwise a provisional count of the ledger
   * now. Another rule on a published cycle counts the published ballots (with their turnout).
   */
  async results(cycleId: string, override?: RuleName): Promise<CycleResult> {
    await this.refreshBallot();
    const row = this.declared(cycleId)
      ? undefined
      : await this.conn.db.selectFrom('ledger_results').select(['result']).where('cycle_id', '=', cycleId).executeTakeFirst();
    const published = row ? (JSON.parse(row.result) as CycleResult) : undefined;
    if (published && !override) return published;
    const recount = await tallyCycle(this.conn.db, this.ballot(), cycleId, this.clock(), override, published ? 'ledger_published_ballots' : 'ledger_ballots');
    return published ? { ...recount, throughSeq: published.throughSeq, turnout: published.turnout } : recount;
  }

  /** One open data file of a published cycle, as frozen at publication (see publishedFile). */
  publishedFile(cycleId: string, name: string, lang: string): ReturnType<typeof publishedFile> {
    return publishedFile(this.conn.db, this.ballot(), cycleId, name, lang);
  }

  /**
   * A cycle's open data files in `lang` (not late.csv): once published, the frozen ones, byte for
   * byte what is downloaded; before, made from the provisional count `result`.
   */
  async openData(cycleId: string, lang: string, result: CycleResult): Promise<OpenDataFile[]> {
    const d = this.ballot();
    if (!result.publishedAt) return openDataFiles(d, result, await openBallots(this.conn.db, d, cycleId), lang);
    const files: OpenDataFile[] = [];
    for (const name of openDataNames(d).filter((n) => n !== 'late.csv')) {
      const found = await this.publishedFile(cycleId, name, lang);
      if (found.published && found.file) files.push(found.file);
    }
    return files;
  }

  /** Ballots of a published cycle that arrived after publication: stored, not counted, listed apart. */
  lateBallots(cycleId: string): Promise<LateBallots> {
    return lateBallots(this.conn.db, cycleId);
  }

  /**
   * Counts and freezes a cycle's results, with the ballots counted, and records it in the chain.
   * Only after voting has closed, only once, and only when every registered gateway has synced
   * since the close with nothing waiting — unless `force` says why not.
   */
  /** `record` runs in the publication's transaction (the console's audit entry commits with it). */
  async publishResults(
    cycleId: string,
    opts: { force?: { reason: string }; record?: (trx: Transaction<LedgerTables>, result: CycleResult) => Promise<unknown> } = {},
  ): Promise<CycleResult> {
    await this.refreshBallot();
    const cycle = this.ballot().cycles.find((c) => c.id === cycleId);
    const now = this.clock();
    if (cycle && now < cycle.phases.voting.closes) {
      throw new SautiError(
        'results.voting_open',
        `voting in ${cycleId} is open until ${cycle.phases.voting.closes.toISOString()}; results can be published after it closes`,
      );
    }
    // Counted and stored in one transaction holding the chain head, as ingest does: nothing is
    // appended meanwhile, so what is published is exactly what was counted, up to throughSeq.
    return this.conn.db.transaction().execute(async (trx) => {
      if (this.conn.dialect === 'postgres') await trx.selectFrom('ledger_head').select('seq').where('id', '=', 1).forUpdate().execute();
      else
        await trx
          .updateTable('ledger_head')
          .set((eb) => ({ seq: eb.ref('seq') }))
          .where('id', '=', 1)
          .execute();
      const result = await publish(trx, this.ballot(), cycleId, now, opts.force);
      await opts.record?.(trx, result);
      return result;
    });
  }

  /**
   * Records an implementation update of a winning project, chained like a publication (in one
   * transaction holding the chain head). Throws SautiError naming what was refused.
   */
  async recordImplementation(cycleId: string, input: ImplementationInput): Promise<ImplementationUpdate> {
    return (await this.recordImplementationOnce(cycleId, input, { unlessSameAsLast: false }))!;
  }

  /**
   * As recordImplementation, for the console: null (nothing written) when the update would repeat
   * the project's last one (`unlessSameAsLast`, a form sent twice); `record` runs in the same
   * transaction after the update (the console's audit entry commits with it).
   */
  async recordImplementationOnce(
    cycleId: string,
    input: ImplementationInput,
    opts: { unlessSameAsLast: boolean; record?: (trx: Transaction<LedgerTables>, u: ImplementationUpdate) => Promise<unknown> },
  ): Promise<ImplementationUpdate | null> {
    const now = this.clock();
    return this.conn.db.transaction().execute(async (trx) => {
      if (this.conn.dialect === 'postgres') await trx.selectFrom('ledger_head').select('seq').where('id', '=', 1).forUpdate().execute();
      else
        await trx
          .updateTable('ledger_head')
          .set((eb) => ({ seq: eb.ref('seq') }))
          .where('id', '=', 1)
          .execute();
      const u = await recordImplementation(trx, this.ballot(), cycleId, input, now, { unlessSameAsLast: opts.unlessSameAsLast });
      if (u) await opts.record?.(trx, u);
      return u;
    });
  }

  /** Applies the retention rule for recordings now (ledger.recordingRetentionDays of the deployment). */
  eraseRecordings(): Promise<ErasureOutcome> {
    return eraseDueRecordings(this.conn, this.deployment().ledger.recordingRetentionDays, this.clock());
  }

  /** A milestone photo by its SHA-256 (ledger/photos.ts), for the public page and the console. */
  photo(sha256: string): Promise<StoredPhoto | undefined> {
    return readPhoto(this.conn.db, sha256);
  }

  /** A cycle's implementation updates, oldest first. */
  implementation(cycleId: string): Promise<ImplementationUpdate[]> {
    return cycleUpdates(this.conn.db, cycleId);
  }

  /** The implementation feed after chain entry `after` (GET /v1/implementation). */
  implementationFeed(after: number): Promise<{ updates: ImplementationUpdate[]; more: boolean }> {
    return updatesAfter(this.conn.db, after);
  }

  /** The notices feed after chain entry `after` (GET /v1/notices): proposal status changes for the gateways holding the proposers. */
  noticesFeed(after: number): Promise<{ items: Notice[]; more: boolean }> {
    return noticesAfter(this.conn.db, after);
  }

  /** Ballots so far by ward and channel (and age band and gender where collected): what the public sees before results are published. */
  async turnout(cycleId: string): Promise<CycleResult['turnout']> {
    await this.refreshBallot();
    const rows = await this.conn.db
      .selectFrom('ledger_ballots')
      .select(['ward_id', 'channel', (eb) => eb.fn.countAll<number>().as('n')])
      .where('cycle_id', '=', cycleId)
      .groupBy(['ward_id', 'channel'])
      .execute();
    const turnout: CycleResult['turnout'] = { total: 0, byWard: Object.fromEntries(this.ballot().wards.map((w) => [w.id, 0])), byChannel: {} };
    for (const r of rows) {
      const n = Number(r.n);
      turnout.total += n;
      turnout.byWard[r.ward_id] = (turnout.byWard[r.ward_id] ?? 0) + n;
      turnout.byChannel[r.channel] = (turnout.byChannel[r.channel] ?? 0) + n;
    }
    addTalliesToTurnout(turnout, await cycleTallies(this.conn.db, cycleId));
    return { ...turnout, ...(await demographicTurnout(this.conn.db, this.ballot(), cycleId)) };
  }

  /**
   * Cycles whose results are published here, newest first. Not a cycle whose results the
   * deployment file declares (counted before this ledger): those stand, and a publication stored
   * for one before publishing it was refused (it counted no ballots) is ignored.
   */
  async publishedCycles(): Promise<{ cycleId: string; publishedAt: string }[]> {
    const rows = await this.conn.db.selectFrom('ledger_results').select(['cycle_id', 'published_at']).orderBy('published_at', 'desc').execute();
    return rows.filter((r) => !this.declared(r.cycle_id)).map((r) => ({ cycleId: r.cycle_id, publishedAt: r.published_at }));
  }

  /** Whether the deployment file declares the results of `cycleId` (counted before this ledger). */
  private declared(cycleId: string): boolean {
    return Boolean(this.ballot().cycles.find((c) => c.id === cycleId)?.results);
  }

  /** The deployment the ledger counts with. */
  deployment(): Deployment {
    return this.ballot();
  }

  /** Replaces the deployment file (a reload); a ballot published in the console still replaces its ballot. */
  setBallot(file: () => Deployment): void {
    this.file = file;
  }

  close(): Promise<void> {
    return this.conn.close();
  }
}
