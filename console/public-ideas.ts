// What the public results page shows of a cycle's ideas before its vote: how many each ward sent
// and where their review stands, and the titles the PB team approved for publication. A title is
// the resident's own words (it may name a person or a place too precisely), so none is public
// until a reviewer approves it; approving and withdrawing are audited like every console change
// (subject `title:<event id>`, state `{ title }`), and verifyConsoleTrail checks
// console_public_titles against the chain. Nothing else of a proposal is ever public here: no
// description, reference, channel, time or proposer.
import { SautiError } from '../src/domain/errors.ts';
import type { LedgerConnection } from '../ledger/connect.ts';
import type { LedgerDb } from '../ledger/schema.ts';
import { appendAudit, withChainHead } from './audit.ts';
import type { Actor } from './accounts.ts';
import { catchUpInbox, STATUSES, type Status } from './proposals.ts';

/** A published title's audited state: the words approved, as the proposal holds them. */
export const publicTitleState = (title: string) => ({ title });

/**
 * Approves (`publish: true`) or withdraws the title of proposal `eventId` for the public page.
 * 'unchanged' when it already is as asked (a form sent twice).
 */
export async function setPublicTitle(conn: LedgerConnection, actor: Actor, eventId: string, publish: boolean, now: Date): Promise<'changed' | 'unchanged'> {
  await catchUpInbox(conn.db);
  return withChainHead(conn, async (trx) => {
    const row = await trx.selectFrom('console_proposals').select(['event_id', 'title']).where('event_id', '=', eventId).executeTakeFirst();
    if (!row) throw new SautiError('console.no_proposal', `there is no proposal ${eventId}`);
    const held = await trx.selectFrom('console_public_titles').selectAll().where('event_id', '=', eventId).executeTakeFirst();
    if (Boolean(held) === publish) return 'unchanged';
    const state = publicTitleState(row.title);
    const seq = await appendAudit(trx, now, {
      actor: actor.name,
      action: publish ? 'proposal.title-published' : 'proposal.title-withdrawn',
      subject: `title:${eventId}`,
      before: held ? state : null,
      after: publish ? state : null,
    });
    if (publish) await trx.insertInto('console_public_titles').values({ event_id: eventId, audit_seq: seq }).execute();
    else await trx.deleteFrom('console_public_titles').where('event_id', '=', eventId).execute();
    return 'changed';
  });
}

/** Whether proposal `eventId`'s title is approved for the public page. */
export async function isTitlePublic(db: LedgerDb, eventId: string): Promise<boolean> {
  return Boolean(await db.selectFrom('console_public_titles').select('event_id').where('event_id', '=', eventId).executeTakeFirst());
}

/** A cycle's ideas as the public page shows them. */
export interface PublicIdeas {
  /** Per ward of the deployment (a ward without ideas has zeros), ideas by review status. */
  byWard: { wardId: string; total: number; byStatus: Record<Status, number> }[];
  /** Approved titles, oldest first, with their ward and review status. */
  titles: { wardId: string; title: string; status: Status }[];
}

const zeros = (): Record<Status, number> => Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
const asStatus = (s: string): Status => ((STATUSES as readonly string[]).includes(s) ? (s as Status) : 'received');

/**
 * The ideas of `cycleId` in wards `wardIds`. A duplicate merged into another counts once, as the
 * proposal it joined (console/merges.ts); grouped in the database, so a busy cycle reads no rows.
 */
export async function publicIdeas(db: LedgerDb, cycleId: string, wardIds: readonly string[]): Promise<PublicIdeas> {
  await catchUpInbox(db);
  const notMerged = db.selectFrom('console_merges').select('event_id');
  const counts = await db
    .selectFrom('console_proposals')
    .select(['ward_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('cycle_id', '=', cycleId)
    .where('event_id', 'not in', notMerged)
    .groupBy(['ward_id', 'status'])
    .execute();
  const byWard = wardIds.map((wardId) => {
    const byStatus = zeros();
    for (const c of counts) if (c.ward_id === wardId) byStatus[asStatus(c.status)] += Number(c.n);
    return { wardId, total: Object.values(byStatus).reduce((a, b) => a + b, 0), byStatus };
  });
  const titles = await db
    .selectFrom('console_public_titles as t')
    .innerJoin('console_proposals as p', 'p.event_id', 't.event_id')
    .select(['p.ward_id', 'p.title', 'p.status'])
    .where('p.cycle_id', '=', cycleId)
    .where('p.event_id', 'not in', notMerged)
    .orderBy('p.ledger_seq')
    .execute();
  return { byWard, titles: titles.map((t) => ({ wardId: t.ward_id, title: t.title, status: asStatus(t.status) })) };
}
