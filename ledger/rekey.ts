// Re-keying every stored voter key in one transaction: ledger migration 0008 (gateway keys to
// ledger keys) and `sauti ledger rotate-voter-secret` (one ledger secret to the next). The chain
// covers each entry's voter key, so the entries are re-sealed (every hash made again over the new
// keys) and a `ledger.rekeyed` entry is appended that names the head before: an auditor sees that
// it happened, when, how many entries, and can tie a head noted earlier to it.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import { SautiError } from '../src/domain/errors.ts';
import { chainHash, GENESIS_HASH } from '../src/domain/protocol.ts';
import { appendLedgerEntry } from './publication.ts';
import type { LedgerTables } from './schema.ts';
import type { LedgerConnection } from './connect.ts';
import { CHECK_KEY, LAYERS_KEY, LEDGER_VOTER_LABEL, ledgerVoterKey, newVoterSecret, sealLayers, secretCheck } from './voter-secret.ts';

/** The chain entry type of a re-keying. */
export const REKEYED = 'ledger.rekeyed';
const PAGE = 2000;
/** Rows per UPDATE: SQLite allows 500 terms in one compound SELECT. */
const UPDATE_ROWS = 500;

export interface RekeyOutcome {
  entries: number;
  ballots: number;
  /** The head before re-sealing, recorded in the new chain entry. */
  previousHead: string;
  /** The `ledger.rekeyed` entry's sequence number. */
  entrySeq: number;
}

/**
 * Maps every stored voter key through `rekey` and re-seals the chain, inside the caller's
 * transaction, which must hold the chain head. Only links that held are made again: a link that
 * was broken (a changed or removed row) stays broken, so `sauti ledger verify` names the same
 * entry after as before: re-keying neither hides a break nor makes one.
 */
export async function rekeyStoredVoters(
  db: Kysely<LedgerTables>,
  rekey: (key: string) => string,
  note: { reason: string; at: string; layers: number },
): Promise<RekeyOutcome> {
  const head = await db.selectFrom('ledger_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
  let oldPrev = GENESIS_HASH;
  let newPrev = GENESIS_HASH;
  let after = 0;
  let entries = 0;
  for (;;) {
    const rows = await db.selectFrom('ledger_events').selectAll().where('seq', '>', after).orderBy('seq').limit(PAGE).execute();
    if (rows.length === 0) break;
    const updates: { seq: number; key: string; prev: string; hash: string }[] = [];
    for (const r of rows) {
      const key = r.voter_key === '' ? '' : rekey(r.voter_key);
      const prev = r.prev_hash === oldPrev ? newPrev : r.prev_hash;
      const hash = chainHash(r.prev_hash, r) === r.hash ? chainHash(prev, { ...r, voter_key: key }) : r.hash;
      updates.push({ seq: r.seq, key, prev, hash });
      oldPrev = r.hash;
      newPrev = hash;
      if (key !== '') entries += 1;
    }
    for (let i = 0; i < updates.length; i += UPDATE_ROWS) {
      const rowsSql = updates.slice(i, i + UPDATE_ROWS).map((u) => sql`SELECT CAST(${u.seq} AS bigint) AS seq, ${u.key} AS k, ${u.prev} AS p, ${u.hash} AS h`);
      await sql`UPDATE ledger_events SET voter_key = v.k, prev_hash = v.p, hash = v.h
        FROM (${sql.join(rowsSql, sql` UNION ALL `)}) AS v WHERE ledger_events.seq = v.seq`.execute(db);
    }
    after = rows[rows.length - 1]!.seq;
  }
  if (head.hash === oldPrev) await db.updateTable('ledger_head').set({ hash: newPrev }).where('id', '=', 1).execute();
  // A counted ballot carries its event's key, so it takes the event's new one.
  let ballots = 0;
  for (const table of ['ledger_ballots', 'ledger_published_ballots'] as const) {
    const { numAffectedRows } =
      await sql`UPDATE ${sql.table(table)} SET voter_key = (SELECT e.voter_key FROM ledger_events e WHERE e.event_id = ${sql.table(table)}.event_id)
      WHERE EXISTS (SELECT 1 FROM ledger_events e WHERE e.event_id = ${sql.table(table)}.event_id)`.execute(db);
    if (table === 'ledger_ballots') ballots = Number(numAffectedRows ?? 0);
    // None in a real ledger (a ballot comes from an accepted event); re-keyed all the same.
    const { rows: orphans } = await sql<{ event_id: string; voter_key: string }>`SELECT event_id, voter_key FROM ${sql.table(table)} t
      WHERE NOT EXISTS (SELECT 1 FROM ledger_events e WHERE e.event_id = t.event_id)`.execute(db);
    for (const o of orphans)
      await sql`UPDATE ${sql.table(table)} SET voter_key = ${rekey(o.voter_key)} WHERE event_id = ${o.event_id} AND voter_key = ${o.voter_key}`.execute(db);
  }
  const payload = {
    reason: note.reason,
    entries,
    ballots,
    previousHead: head.hash,
    previousSeq: head.seq,
    label: LEDGER_VOTER_LABEL.trim(),
    layers: note.layers,
  };
  const entrySeq = await appendLedgerEntry(db, {
    type: REKEYED,
    cycleId: '',
    key: `rekeyed/${head.seq}/${note.at}`,
    at: note.at,
    payload: JSON.stringify(payload),
  });
  return { entries, ballots, previousHead: head.hash, entrySeq };
}

export interface Rotation extends RekeyOutcome {
  /** The ledger keeps its own secret (SQLite without SAUTI_LEDGER_VOTER_SECRET): nothing for the operator to swap. */
  kept: boolean;
  /** How many secrets now stand under the current one. */
  layers: number;
}

/**
 * `sauti ledger rotate-voter-secret`: re-keys every stored voter key from the current secret to
 * `next` in one transaction. Without `next`, a ledger that keeps its own secret makes a new one
 * (written beside the old as `.next` first, renamed after the commit: a crash in between is
 * finished at the next start); a ledger keyed from the environment needs it.
 */
export async function rotateVoterSecret(conn: LedgerConnection, now: Date, next?: string): Promise<Rotation> {
  const kept = conn.keptSecretFile;
  if (next === undefined && !kept)
    throw new SautiError('ledger.voter_secret', 'set SAUTI_LEDGER_NEXT_VOTER_SECRET to the new secret (at least 32 characters) and run this again');
  const secret = next ?? newVoterSecret();
  if (kept && next === undefined) writeFileSync(`${kept}.next`, `${secret}\n`, { mode: 0o600 });
  const rekeyed = conn.db.transaction().execute(async (trx) => {
    // Every batch under way holds the check row FOR SHARE (PostgreSQL), SQLite's write lock otherwise.
    if (conn.dialect === 'postgres') await trx.selectFrom('ledger_meta').select('value').where('key', '=', CHECK_KEY).forUpdate().execute();
    else
      await trx
        .updateTable('ledger_head')
        .set((eb) => ({ seq: eb.ref('seq') }))
        .where('id', '=', 1)
        .execute();
    if (conn.dialect === 'postgres') await trx.selectFrom('ledger_head').select('seq').where('id', '=', 1).forUpdate().execute();
    const rows = await trx.selectFrom('ledger_meta').select(['key', 'value']).where('key', 'in', [CHECK_KEY, LAYERS_KEY]).execute();
    const check = rows.find((r) => r.key === CHECK_KEY)?.value;
    const keys = conn.voterKeys.forCheck(check, rows.find((r) => r.key === LAYERS_KEY)?.value ?? '');
    if (secretCheck(secret) === check)
      throw new SautiError('ledger.voter_secret', 'SAUTI_LEDGER_NEXT_VOTER_SECRET is the secret the ledger uses now: give a new one');
    const layers = [...keys.layers(), keys.current];
    const done = await rekeyStoredVoters(trx, (k) => ledgerVoterKey(secret, k), {
      reason: 'rotation of the ledger voter secret',
      at: now.toISOString(),
      layers: layers.length,
    });
    await trx
      .updateTable('ledger_meta')
      .set({ value: secretCheck(secret) })
      .where('key', '=', CHECK_KEY)
      .execute();
    await trx
      .updateTable('ledger_meta')
      .set({ value: sealLayers(secret, layers) })
      .where('key', '=', LAYERS_KEY)
      .execute();
    return { ...done, layers: layers.length };
  });
  // Refused or failed: nothing was re-keyed, and the secret made for it must not linger.
  const outcome = await rekeyed.catch((err: unknown) => {
    if (kept && next === undefined) rmSync(`${kept}.next`, { force: true });
    throw err;
  });
  if (kept && next === undefined) renameSync(`${kept}.next`, kept);
  return { ...outcome, kept: kept !== undefined && next === undefined };
}
