// The ballot kept in the ledger (migration 0015): versions of `{ categories, wards, cycles }`
// edited by admins in the console, seeded from the deployment file the first time it is read.
// Every change makes a new draft version (audited); publishing one (audited, before and after)
// is what the ledger then serves to gateways and counts with (Ledger.refreshBallot). Once a
// cycle's voting has opened, only its projects' titles and menu titles may change.
import { ballotDocOf, mergeBallot, type BallotDoc } from '../src/config/ballot-doc.ts';
import type { Deployment } from '../src/config/schema.ts';
import { SautiError } from '../src/domain/errors.ts';
import { sha256Hex } from '../src/domain/protocol.ts';
import type { LedgerConnection } from '../ledger/connect.ts';
import { LEDGER_ORIGIN } from '../ledger/publication.ts';
import type { LedgerDb, LedgerTables } from '../ledger/schema.ts';
import type { Actor } from './accounts.ts';
import { AUDIT_PREFIX, appendAudit, draftState, withChainHead, type AuditPayload, type Trx } from './audit.ts';
import { MAX_SHORT, MAX_TITLE } from './drafts.ts';

export type BallotRow = LedgerTables['console_ballots'];

/** A project's menu title that does not fit where residents read it. */
export interface FitProblem {
  cycleId: string;
  code: number;
  lang: string;
  where: 'ussd' | 'sms';
  detail: string;
}

/** Checks every project's menu title of a deployment (flows/shared/title-fit.ts, passed in by the shell). */
export type TitleFit = (d: Deployment) => FitProblem[];

export type BallotErrorKey =
  | 'invalid'
  | 'votingOpened'
  | 'notLatest'
  | 'doesNotFit'
  | 'noProject'
  | 'tooLong'
  | 'textNeeded'
  | 'badCost'
  | 'noDraft'
  | 'badDate'
  | 'phaseOrder'
  | 'badNumber'
  | 'badFormula'
  | 'badId'
  | 'cycleInUse';

/** A change or publication refused, the field or rule named. */
export class BallotError extends SautiError {
  constructor(
    readonly field: string,
    readonly key: BallotErrorKey,
    message: string,
    readonly fit: FitProblem[] = [],
  ) {
    super('console.bad_ballot', message);
  }
}

const SEEDER = 'deployment-file';
const hashOf = (ballot: string) => sha256Hex(ballot);

/** The latest version, seeding version 1 (published: it is what gateways already had) from the file when there is none. */
async function latestIn(trx: Trx, d: Deployment, now: Date): Promise<BallotRow> {
  const row = await trx.selectFrom('console_ballots').selectAll().orderBy('version', 'desc').limit(1).executeTakeFirst();
  if (row) return row;
  const ballot = JSON.stringify(ballotDocOf(d));
  const sha256 = hashOf(ballot);
  const seq = await appendAudit(trx, now, { actor: SEEDER, action: 'ballot.seeded', subject: 'ballot:1', before: null, after: { version: 1, sha256 } });
  const published = await appendAudit(trx, now, {
    actor: SEEDER,
    action: 'ballot.published',
    subject: 'ballot:1',
    before: null,
    after: { version: 1, sha256, changes: ['seeded from the deployment file'] },
  });
  const seeded: BallotRow = {
    version: 1,
    ballot,
    sha256,
    created_at: now.toISOString(),
    audit_seq: seq,
    published_at: now.toISOString(),
    published_seq: published,
  };
  await trx.insertInto('console_ballots').values(seeded).execute();
  return seeded;
}

/** Every version, newest first (seeding the first from the file), and which one is published. */
export async function ballotVersions(
  conn: LedgerConnection,
  d: Deployment,
  now: Date,
): Promise<{ versions: BallotRow[]; latest: BallotRow; published: BallotRow | undefined }> {
  const some = await conn.db.selectFrom('console_ballots').select('version').limit(1).executeTakeFirst();
  if (!some) await withChainHead(conn, (trx) => latestIn(trx, d, now));
  const versions = await conn.db.selectFrom('console_ballots').selectAll().orderBy('version', 'desc').limit(50).execute();
  return { versions, latest: versions[0]!, published: versions.find((v) => v.published_seq !== null) };
}

/** When a cycle's voting has opened (by the deployment as it now stands), structural changes to it are refused. */
const votingOpened = (doc: BallotDoc, cycleId: string, now: Date) => {
  const c = doc.cycles.find((x) => x.id === cycleId);
  return c !== undefined && new Date(c.phases.voting.opens as unknown as string) <= now;
};

/** A cycle without the texts that may be corrected during the vote (titles, menu titles). */
const structure = (doc: BallotDoc, cycleId: string) => {
  const c = doc.cycles.find((x) => x.id === cycleId);
  return c ? JSON.stringify({ ...c, projects: c.projects.map(({ title: _t, short: _s, ...rest }) => rest) }) : '';
};

/**
 * What may not change between `from` and `to` once voting opened: a cycle's projects (added,
 * removed, cost, ward, category, code), its rule, phases and selection, and ward budgets while
 * such a cycle has no results. Returns the refusal, or null.
 */
function votingGuard(from: BallotDoc, to: BallotDoc, now: Date): string | null {
  for (const c of from.cycles) {
    if (!votingOpened(from, c.id, now)) continue;
    if (structure(from, c.id) !== structure(to, c.id))
      return `voting in ${c.id} has opened: only project titles and menu titles may be corrected now, not projects, costs, wards, phase dates or the rule`;
    const budgets = (doc: BallotDoc) => JSON.stringify(doc.wards.map((w) => [w.id, w.budget]));
    if (!c.results && budgets(from) !== budgets(to))
      return `voting in ${c.id} has opened and its results are not in the ballot: ward budgets may not change now`;
  }
  return null;
}

/** A short line per difference between two ballots, for the publish entry's `after`. */
export function ballotChanges(from: BallotDoc, to: BallotDoc): string[] {
  const out: string[] = [];
  for (const w of to.wards) {
    const was = from.wards.find((x) => x.id === w.id);
    if (!was) {
      out.push(`ward ${w.id} added`);
      continue;
    }
    if (was.budget !== w.budget) out.push(`ward ${w.id} budget ${was.budget} → ${w.budget}`);
    if (JSON.stringify(was.name) !== JSON.stringify(w.name)) out.push(`ward ${w.id} name changed`);
    if (was.population !== w.population) out.push(`ward ${w.id} population ${was.population ?? '—'} → ${w.population ?? '—'}`);
    if (was.need !== w.need) out.push(`ward ${w.id} need index ${was.need ?? '—'} → ${w.need ?? '—'}`);
  }
  for (const c of to.cycles) {
    const was = from.cycles.find((x) => x.id === c.id);
    if (!was) {
      out.push(`cycle ${c.id} added`);
      continue;
    }
    for (const phase of ['proposals', 'voting'] as const)
      for (const edge of ['opens', 'closes'] as const)
        if (String(was.phases[phase][edge]) !== String(c.phases[phase][edge]))
          out.push(`cycle ${c.id} ${phase} ${edge} ${String(was.phases[phase][edge])} → ${String(c.phases[phase][edge])}`);
    if (JSON.stringify(was.ballot) !== JSON.stringify(c.ballot)) out.push(`cycle ${c.id} rule ${JSON.stringify(was.ballot)} → ${JSON.stringify(c.ballot)}`);
    for (const p of c.projects) {
      const old = was.projects.find((x) => x.code === p.code);
      if (!old) out.push(`cycle ${c.id} project ${p.code} added`);
      else if (JSON.stringify(old) !== JSON.stringify(p)) out.push(`cycle ${c.id} project ${p.code} changed`);
    }
    for (const p of was.projects) if (!c.projects.some((x) => x.code === p.code)) out.push(`cycle ${c.id} project ${p.code} removed`);
  }
  return out;
}

/**
 * Applies `edit` to a copy of the latest version and stores the result as the next version, with
 * its audit entry, in one transaction. `edit` returns what changed (before and after) or throws.
 * Every ballot edit goes through here (console/ballot-wards.ts too), so each is checked by the
 * deployment schema and the voting guard.
 */
export async function changeBallot(
  conn: LedgerConnection,
  d: Deployment,
  actor: Actor,
  now: Date,
  action: string,
  edit: (doc: BallotDoc, trx: Trx) => { before: unknown; after: unknown } | Promise<{ before: unknown; after: unknown }>,
): Promise<'changed' | 'unchanged'> {
  return withChainHead(conn, async (trx) => {
    const latest = await latestIn(trx, d, now);
    const from = JSON.parse(latest.ballot) as BallotDoc;
    const to = JSON.parse(latest.ballot) as BallotDoc;
    const what = await edit(to, trx);
    const ballot = JSON.stringify(to);
    if (ballot === latest.ballot) return 'unchanged';
    const merged = mergeBallot(d, to);
    if (!merged.ok) throw new BallotError('ballot', 'invalid', merged.problems.join('; '));
    const refused = votingGuard(from, to, now);
    if (refused) throw new BallotError('ballot', 'votingOpened', refused);
    const version = Number(latest.version) + 1;
    const sha256 = hashOf(ballot);
    const seq = await appendAudit(trx, now, {
      actor: actor.name,
      action,
      subject: `ballot:${version}`,
      before: { version: Number(latest.version), ...(what.before as object) },
      after: { version, sha256, ...(what.after as object) },
    });
    await trx
      .insertInto('console_ballots')
      .values({ version, ballot, sha256, created_at: now.toISOString(), audit_seq: seq, published_at: null, published_seq: null })
      .execute();
    return 'changed';
  });
}

const cycleIn = (doc: BallotDoc, cycleId: string) => {
  const c = doc.cycles.find((x) => x.id === cycleId);
  if (!c) throw new BallotError('cycle', 'noProject', `there is no cycle ${cycleId}`);
  return c;
};

/** Titles, menu titles and cost of a project as the form sends them. */
export interface ProjectInput {
  title: Record<string, string>;
  short: Record<string, string>;
  cost: string;
}

function texts(d: Deployment, input: ProjectInput) {
  const title: Record<string, string> = {};
  const short: Record<string, string> = {};
  for (const { code } of d.languages) {
    const t = (input.title[code] ?? '').trim();
    const s = (input.short[code] ?? '').trim();
    if (!t) throw new BallotError(`title.${code}`, 'textNeeded', `title.${code}: a project needs its title in every language`);
    if (t.length > MAX_TITLE) throw new BallotError(`title.${code}`, 'tooLong', `title.${code}: at most ${MAX_TITLE} characters`);
    if (!s) throw new BallotError(`short.${code}`, 'textNeeded', `short.${code}: a project needs its menu title in every language`);
    if (s.length > MAX_SHORT) throw new BallotError(`short.${code}`, 'tooLong', `short.${code}: at most ${MAX_SHORT} characters`);
    title[code] = t;
    short[code] = s;
  }
  const cost = Number(input.cost.trim());
  if (!/^\d{1,15}$/.test(input.cost.trim()) || !Number.isSafeInteger(cost)) throw new BallotError('cost', 'badCost', 'cost: a whole amount, digits only');
  return { title, short, cost };
}

/** Changes a project's titles, menu titles and cost (only texts once voting opened). */
export function editProject(conn: LedgerConnection, d: Deployment, actor: Actor, cycleId: string, code: number, input: ProjectInput, now: Date) {
  const values = texts(d, input);
  return changeBallot(conn, d, actor, now, 'ballot.project-changed', (doc) => {
    const p = cycleIn(doc, cycleId).projects.find((x) => x.code === code);
    if (!p) throw new BallotError('code', 'noProject', `there is no project ${code} in ${cycleId}`);
    const before = { cycleId, project: { ...p } };
    Object.assign(p, values);
    return { before, after: { cycleId, project: p } };
  });
}

/** Takes a project off the next version (refused once voting opened). */
export function removeProject(conn: LedgerConnection, d: Deployment, actor: Actor, cycleId: string, code: number, now: Date) {
  return changeBallot(conn, d, actor, now, 'ballot.project-removed', (doc) => {
    const c = cycleIn(doc, cycleId);
    const p = c.projects.find((x) => x.code === code);
    if (!p) throw new BallotError('code', 'noProject', `there is no project ${code} in ${cycleId}`);
    c.projects = c.projects.filter((x) => x.code !== code);
    return { before: { cycleId, project: p }, after: { cycleId, project: null } };
  });
}

/** Sets a ward's budget (refused while a cycle whose voting opened has no results). */
export function setWardBudget(conn: LedgerConnection, d: Deployment, actor: Actor, wardId: string, budgetText: string, now: Date) {
  const budget = Number(budgetText.trim());
  if (!/^\d{1,15}$/.test(budgetText.trim()) || !Number.isSafeInteger(budget))
    return Promise.reject(new BallotError('budget', 'badCost', 'budget: a whole amount, digits only'));
  return changeBallot(conn, d, actor, now, 'ballot.budget-changed', (doc) => {
    const w = doc.wards.find((x) => x.id === wardId);
    if (!w) throw new BallotError('ward', 'noProject', `there is no ward ${wardId}`);
    const before = { wardId, budget: w.budget };
    w.budget = budget;
    return { before, after: { wardId, budget } };
  });
}

/** Sets a cycle's ballot rule from the form's fields (checked by the deployment schema). */
export function setBallotRule(conn: LedgerConnection, d: Deployment, actor: Actor, cycleId: string, fields: Record<string, string>, now: Date) {
  const rule: Record<string, unknown> = { rule: fields.rule };
  for (const key of ['min', 'max', 'k', 'points', 'maxPerProject']) {
    const v = (fields[key] ?? '').trim();
    if (v !== '') rule[key] = Number(v);
  }
  return changeBallot(conn, d, actor, now, 'ballot.rule-changed', (doc) => {
    const c = cycleIn(doc, cycleId);
    const before = { cycleId, rule: c.ballot };
    (c as { ballot: unknown }).ballot = rule;
    return { before, after: { cycleId, rule } };
  });
}

/** Adds a ballot draft (console/drafts.ts) to the next version, with the lowest code its cycle does not use. */
export function addDraft(conn: LedgerConnection, d: Deployment, actor: Actor, eventId: string, now: Date) {
  return changeBallot(conn, d, actor, now, 'ballot.project-added', async (doc, trx) => {
    const row = await trx.selectFrom('console_drafts').selectAll().where('event_id', '=', eventId).executeTakeFirst();
    if (!row) throw new BallotError('draft', 'noDraft', `there is no ballot draft of proposal ${eventId}`);
    const s = draftState(row);
    const c = cycleIn(doc, s.cycleId);
    let code = 1;
    while (c.projects.some((p) => p.code === code)) code += 1;
    // An SMS idea's category is 'sms' (the resident named none): the ballot takes only its own categories.
    const category = doc.categories.some((x) => x.id === s.category) ? { category: s.category } : {};
    const project = { code, ward: s.wardId, title: s.title, short: s.short, cost: s.cost, ...category };
    c.projects.push(project);
    return { before: { cycleId: s.cycleId, project: null, draft: eventId }, after: { cycleId: s.cycleId, project, draft: eventId } };
  });
}

/**
 * Publishes the latest version: what gateways download next. Refused when it is not the latest,
 * when a menu title does not fit (each failing project and language named), or when it changes
 * more than titles of a cycle whose voting has opened since the published version.
 */
export async function publishBallot(
  conn: LedgerConnection,
  d: Deployment,
  actor: Actor,
  version: number,
  fit: TitleFit,
  now: Date,
): Promise<'changed' | 'unchanged'> {
  return withChainHead(conn, async (trx) => {
    const latest = await latestIn(trx, d, now);
    if (Number(latest.version) !== version)
      throw new BallotError('version', 'notLatest', `version ${version} is not the latest (${latest.version}): publish the latest`);
    if (latest.published_seq !== null) return 'unchanged';
    const to = JSON.parse(latest.ballot) as BallotDoc;
    const merged = mergeBallot(d, to);
    if (!merged.ok) throw new BallotError('ballot', 'invalid', merged.problems.join('; '));
    const problems = fit(merged.deployment);
    if (problems.length)
      throw new BallotError(
        'ballot',
        'doesNotFit',
        problems.map((p) => `${p.cycleId} project ${p.code} (${p.lang}, ${p.where}): ${p.detail}`).join('; '),
        problems,
      );
    const current = await trx
      .selectFrom('console_ballots')
      .selectAll()
      .where('published_seq', 'is not', null)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    const from = JSON.parse(current.ballot) as BallotDoc;
    const refused = votingGuard(from, to, now);
    if (refused) throw new BallotError('ballot', 'votingOpened', refused);
    const seq = await appendAudit(trx, now, {
      actor: actor.name,
      action: 'ballot.published',
      subject: `ballot:${version}`,
      before: { version: Number(current.version), sha256: current.sha256 },
      after: { version, sha256: latest.sha256, changes: ballotChanges(from, to) },
    });
    await trx.updateTable('console_ballots').set({ published_at: now.toISOString(), published_seq: seq }).where('version', '=', version).execute();
    return 'changed';
  });
}

/**
 * Ties the ballot versions to the chain, for `sauti ledger verify`: each version's text must hash
 * to its `sha256`, which its creating entry recorded (`audit_seq`); a published version must name
 * the publish entry that recorded that hash, and every publish entry's version must be published.
 */
export async function verifyBallotTrail(db: LedgerDb): Promise<{ seq: number | null; problem: string } | null> {
  const entries = await db
    .selectFrom('ledger_events')
    .select(['seq', 'payload'])
    .where('gateway_id', '=', LEDGER_ORIGIN)
    .where('type', 'like', `${AUDIT_PREFIX}ballot.%`)
    .orderBy('gateway_seq')
    .execute();
  const made = new Map<number, { seq: number; sha256: string }>();
  const published = new Map<number, { seq: number; sha256: string }>();
  for (const e of entries) {
    const p = JSON.parse(e.payload) as AuditPayload & { after: { version: number; sha256: string } };
    (p.action === 'ballot.published' ? published : made).set(p.after.version, { seq: Number(e.seq), sha256: p.after.sha256 });
  }
  const rows = await db.selectFrom('console_ballots').selectAll().orderBy('version').execute();
  for (const r of rows) {
    const v = Number(r.version);
    const entry = made.get(v);
    if (!entry || Number(r.audit_seq) !== entry.seq)
      return {
        seq: entry?.seq ?? null,
        problem: `ballot version ${v} names audit entry ${r.audit_seq}, but the entry that made it is ${entry?.seq ?? 'none'}`,
      };
    if (hashOf(r.ballot) !== r.sha256 || r.sha256 !== entry.sha256)
      return { seq: entry.seq, problem: `ballot version ${v} is not as its audit entry recorded it (the row was changed)` };
    const pub = published.get(v);
    if ((r.published_seq === null) !== (pub === undefined) || (pub && Number(r.published_seq) !== pub.seq)) {
      return {
        seq: pub?.seq ?? null,
        problem: `ballot version ${v} is ${r.published_seq === null ? 'not ' : ''}marked published, but the chain ${pub ? `published it in entry ${pub.seq}` : 'never published it'}`,
      };
    }
    if (pub && pub.sha256 !== r.sha256)
      return { seq: pub.seq, problem: `published ballot version ${v} is not the ballot its publish entry recorded (the row was changed)` };
  }
  for (const [v, entry] of made)
    if (!rows.some((r) => Number(r.version) === v))
      return { seq: entry.seq, problem: `ballot version ${v} was recorded by audit entry ${entry.seq} but is gone (the row was deleted)` };
  return null;
}
