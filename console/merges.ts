// Duplicate proposals: a proposal merged into another (the same idea sent twice, by one resident
// or by several) stays in the chain and the inbox with its proposer; console_merges links it to
// the proposal it joins, so every proposer stays attached to the one that is reviewed. Splitting
// undoes a merge. Both are audited like every console change (subject `merge:<event id>`, state
// `{ into }`), and verifyConsoleTrail checks console_merges against the chain.
import { SautiError } from '../src/domain/errors.ts';
import type { LedgerConnection } from '../ledger/connect.ts';
import type { LedgerDb } from '../ledger/schema.ts';
import { appendAudit, withChainHead } from './audit.ts';
import type { Actor } from './accounts.ts';
import { catchUpInbox, type ProposalRow } from './proposals.ts';

/** A refused merge or split, with the label that explains it. */
export class MergeError extends SautiError {
  constructor(
    readonly key: 'mergeUnknown' | 'mergeSelf' | 'mergeCycle' | 'mergeChained' | 'mergeHasDuplicates' | 'notMerged',
    message: string,
  ) {
    super('console.bad_merge', message);
  }
}

/** A merge's audited state. */
export const mergeState = (intoId: string) => ({ into: intoId });

/**
 * Merges proposal `eventId` into the proposal whose reference is `intoReference` (as the page
 * shows it). Refused: an unknown reference, itself, another cycle, a target that is itself merged
 * (merge into the one it joined), or a proposal others were merged into (split them first).
 */
export async function mergeProposal(conn: LedgerConnection, actor: Actor, eventId: string, intoReference: string, now: Date): Promise<'changed' | 'unchanged'> {
  await catchUpInbox(conn.db);
  return withChainHead(conn, async (trx) => {
    const row = await trx.selectFrom('console_proposals').selectAll().where('event_id', '=', eventId).executeTakeFirst();
    if (!row) throw new SautiError('console.no_proposal', `there is no proposal ${eventId}`);
    const ref = intoReference.trim().toUpperCase();
    const into = await trx
      .selectFrom('console_proposals')
      .selectAll()
      .where('reference', '=', ref)
      .where('cycle_id', '=', row.cycle_id)
      .orderBy('ledger_seq')
      .executeTakeFirst();
    if (!into) {
      const elsewhere = await trx.selectFrom('console_proposals').select('event_id').where('reference', '=', ref).executeTakeFirst();
      if (elsewhere) throw new MergeError('mergeCycle', `proposal ${ref} is in another cycle`);
      throw new MergeError('mergeUnknown', `no proposal has the reference ${ref || '(empty)'}`);
    }
    if (into.event_id === eventId) throw new MergeError('mergeSelf', 'a proposal cannot be merged into itself');
    const held = await trx.selectFrom('console_merges').selectAll().where('event_id', '=', eventId).executeTakeFirst();
    if (held?.into_id === into.event_id) return 'unchanged';
    const targetMerged = await trx.selectFrom('console_merges').select('into_id').where('event_id', '=', into.event_id).executeTakeFirst();
    if (targetMerged) throw new MergeError('mergeChained', `proposal ${ref} is itself merged into another: merge into that one`);
    const duplicates = await trx.selectFrom('console_merges').select('event_id').where('into_id', '=', eventId).limit(1).execute();
    if (duplicates.length) throw new MergeError('mergeHasDuplicates', 'other proposals are merged into this one: split them first');
    const seq = await appendAudit(trx, now, {
      actor: actor.name,
      action: 'proposal.merged',
      subject: `merge:${eventId}`,
      before: held ? mergeState(held.into_id) : null,
      after: mergeState(into.event_id),
    });
    if (held) await trx.updateTable('console_merges').set({ into_id: into.event_id, audit_seq: seq }).where('event_id', '=', eventId).execute();
    else await trx.insertInto('console_merges').values({ event_id: eventId, into_id: into.event_id, audit_seq: seq }).execute();
    return 'changed';
  });
}

/** Splits a merged proposal off again: it stands alone in the inbox, as received. */
export async function splitProposal(conn: LedgerConnection, actor: Actor, eventId: string, now: Date): Promise<void> {
  return withChainHead(conn, async (trx) => {
    const held = await trx.selectFrom('console_merges').selectAll().where('event_id', '=', eventId).executeTakeFirst();
    if (!held) throw new MergeError('notMerged', 'this proposal is not merged into another');
    await appendAudit(trx, now, { actor: actor.name, action: 'proposal.split', subject: `merge:${eventId}`, before: mergeState(held.into_id), after: null });
    await trx.deleteFrom('console_merges').where('event_id', '=', eventId).execute();
  });
}

/** What a proposal's page shows: the proposal it was merged into, or those merged into it (each with its proposer's channel). */
export async function mergesOf(db: LedgerDb, eventId: string): Promise<{ into?: ProposalRow; duplicates: ProposalRow[] }> {
  const held = await db.selectFrom('console_merges').select('into_id').where('event_id', '=', eventId).executeTakeFirst();
  const into = held ? await db.selectFrom('console_proposals').selectAll().where('event_id', '=', held.into_id).executeTakeFirst() : undefined;
  const duplicates = await db
    .selectFrom('console_merges as m')
    .innerJoin('console_proposals as p', 'p.event_id', 'm.event_id')
    .selectAll('p')
    .where('m.into_id', '=', eventId)
    .orderBy('p.ledger_seq')
    .execute();
  return { ...(into ? { into } : {}), duplicates };
}
