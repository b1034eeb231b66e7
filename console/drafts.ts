// Promoting a feasible proposal to a ballot project draft: its title and short menu title in
// every language and its cost, audited like every console change. The ballot itself is still the
// deployment file's `projects` (gateways download it from there); the drafts page gives each
// draft as the YAML lines to add, with the lowest free project codes suggested.
import { stringify } from 'yaml';
import type { Deployment } from '../src/config/schema.ts';
import { SautiError } from '../src/domain/errors.ts';
import type { LedgerConnection } from '../ledger/connect.ts';
import type { LedgerDb, LedgerTables } from '../ledger/schema.ts';
import { appendAudit, draftState, withChainHead } from './audit.ts';
import type { Actor } from './accounts.ts';
import { catchUpInbox } from './proposals.ts';

export type DraftRow = LedgerTables['console_drafts'];

/** The longest title and short title, as the deployment file's schema allows them (src/config/schema.ts). */
export const MAX_TITLE = 160;
export const MAX_SHORT = 22;

/** A bad field of the promotion form, named. */
export class DraftError extends SautiError {
  constructor(
    readonly field: string,
    readonly key: 'notFeasible' | 'titleNeeded' | 'shortNeeded' | 'tooLong',
    message: string,
  ) {
    super('console.bad_draft', message);
  }
}

/** Makes (or updates) the draft of a feasible proposal; `title`/`short` are per language code, as the form sends them. */
export async function promoteProposal(
  conn: LedgerConnection,
  d: Deployment,
  actor: Actor,
  eventId: string,
  input: { title: Record<string, string>; short: Record<string, string> },
  now: Date,
): Promise<'changed' | 'unchanged'> {
  const title: Record<string, string> = {};
  const short: Record<string, string> = {};
  for (const { code } of d.languages) {
    const t = (input.title[code] ?? '').trim();
    const s = (input.short[code] ?? '').trim();
    if (!t) throw new DraftError(`title.${code}`, 'titleNeeded', `title.${code}: a project needs its title in every language`);
    if (t.length > MAX_TITLE) throw new DraftError(`title.${code}`, 'tooLong', `title.${code}: at most ${MAX_TITLE} characters`);
    if (!s) throw new DraftError(`short.${code}`, 'shortNeeded', `short.${code}: a project needs its short menu title in every language`);
    if (s.length > MAX_SHORT)
      throw new DraftError(`short.${code}`, 'tooLong', `short.${code}: at most ${MAX_SHORT} characters (it shares a 182-character USSD screen)`);
    title[code] = t;
    short[code] = s;
  }
  await catchUpInbox(conn.db);
  return withChainHead(conn, async (trx) => {
    const p = await trx.selectFrom('console_proposals').selectAll().where('event_id', '=', eventId).executeTakeFirst();
    if (!p) throw new SautiError('console.no_proposal', `there is no proposal ${eventId}`);
    if (p.status !== 'feasible' || p.cost === null)
      throw new DraftError('status', 'notFeasible', 'only a proposal reviewed as feasible, with its cost, can become a ballot project');
    const row = {
      cycle_id: p.cycle_id,
      ward_id: p.ward_id,
      category: p.category,
      title: JSON.stringify(title),
      short: JSON.stringify(short),
      cost: Number(p.cost),
    };
    const held = await trx.selectFrom('console_drafts').selectAll().where('event_id', '=', eventId).executeTakeFirst();
    const before = held ? draftState(held) : null;
    if (before && JSON.stringify(before) === JSON.stringify(draftState(row))) return 'unchanged';
    const seq = await appendAudit(trx, now, { actor: actor.name, action: 'proposal.promoted', subject: `draft:${eventId}`, before, after: draftState(row) });
    if (held)
      await trx
        .updateTable('console_drafts')
        .set({ ...row, audit_seq: seq })
        .where('event_id', '=', eventId)
        .execute();
    else
      await trx
        .insertInto('console_drafts')
        .values({ event_id: eventId, ...row, created_at: now.toISOString(), audit_seq: seq })
        .execute();
    return 'changed';
  });
}

export function listDrafts(db: LedgerDb): Promise<(DraftRow & { reference: string; status: string })[]> {
  return db
    .selectFrom('console_drafts as d')
    .innerJoin('console_proposals as p', 'p.event_id', 'd.event_id')
    .selectAll('d')
    .select(['p.reference', 'p.status'])
    .orderBy('d.created_at')
    .orderBy('d.event_id')
    .execute();
}

/**
 * The drafts of a cycle as YAML lines for its `projects:` in the deployment file, each with the
 * lowest project code that neither the file nor an earlier draft uses (a suggestion: codes are
 * what residents key in, the team may choose others).
 */
export function draftsYaml(d: Deployment, cycleId: string, drafts: DraftRow[]): string {
  const cycle = d.cycles.find((c) => c.id === cycleId);
  const used = new Set(cycle?.projects.map((p) => p.code) ?? []);
  const next = () => {
    let code = 1;
    while (used.has(code)) code += 1;
    used.add(code);
    return code;
  };
  const projects = drafts
    .filter((r) => r.cycle_id === cycleId)
    .map((r) => {
      const s = draftState(r);
      // An SMS idea's category is 'sms' (the resident named none): the file takes only its own categories.
      const category = d.categories.some((c) => c.id === s.category) ? { category: s.category } : {};
      return { code: next(), ward: s.wardId, cost: s.cost, ...category, title: s.title, short: s.short };
    });
  return projects.length ? stringify(projects) : '';
}
