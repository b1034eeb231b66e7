// Who is heard: a cycle's ideas, ballots and money funded per ward, and each per 1,000 residents
// (the ward's population in the ballot), so a ward that proposes, votes or wins less than its
// size stands out. Read from what the ledger holds; nothing here changes anything.
import type { Cycle, Deployment, Ward } from '../src/config/schema.ts';
import type { CycleResult } from '../ledger/results.ts';
import type { LedgerDb } from '../ledger/schema.ts';
import { catchUpInbox } from './proposals.ts';

/** One ward's figures; the per-1,000 ones are null without a population. */
export interface WardEquity {
  wardId: string;
  name: Record<string, string>;
  population: number | null;
  need: number | null;
  budget: number;
  ideas: number;
  /** Counted ballots (the published result's when published); null when the ledger holds none of a cycle counted elsewhere. */
  ballots: number | null;
  /** Cost of the projects funded, once results are known; null before. */
  funded: number | null;
  per1000: { ideas: number; ballots: number | null; funded: number | null } | null;
}

/** Where the funded amounts come from. */
export type FundedFrom = 'published' | 'deployment' | null;

export interface CycleEquity {
  cycleId: string;
  wards: WardEquity[];
  fundedFrom: FundedFrom;
  totals: { population: number | null; ideas: number; ballots: number | null; funded: number | null };
}

/** `n` per 1,000 of `population`, to one decimal place. */
export const per1000 = (n: number, population: number) => Math.round((n * 10_000) / population) / 10;

const countBy = async (rows: Promise<{ ward_id: string; n: number | string | bigint }[]>) =>
  new Map((await rows).map((r) => [r.ward_id, Number(r.n)] as const));

/**
 * The cycle's figures per ward of `d` (the ballot the ledger serves). Ideas are the proposals of
 * the cycle (duplicates merged in the console still count: each is a resident heard). Money
 * funded: the published result's selected projects, else the deployment file's `results`
 * (a cycle counted before the ledger), else not yet known.
 */
export async function cycleEquity(db: LedgerDb, d: Deployment, cycle: Cycle, published: CycleResult | undefined): Promise<CycleEquity> {
  await catchUpInbox(db);
  const ideas = await countBy(
    db
      .selectFrom('console_proposals')
      .select(['ward_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('cycle_id', '=', cycle.id)
      .groupBy('ward_id')
      .execute(),
  );
  const counted = await countBy(
    db
      .selectFrom('ledger_ballots')
      .select(['ward_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('cycle_id', '=', cycle.id)
      .groupBy('ward_id')
      .execute(),
  );
  const fundedFrom: FundedFrom = published ? 'published' : cycle.results ? 'deployment' : null;
  const funded = new Map<string, number>();
  if (published) {
    for (const w of published.wards)
      funded.set(
        w.wardId,
        w.projects.filter((p) => p.selected).reduce((a, p) => a + p.cost, 0),
      );
  } else if (cycle.results) {
    const selected = new Set(cycle.results.selected);
    for (const p of cycle.projects) if (selected.has(p.code)) funded.set(p.ward, (funded.get(p.ward) ?? 0) + p.cost);
  }
  // A cycle counted before the ledger (results in the file, no ballots here): its ballots are not known.
  const ballotsKnown = published !== undefined || !cycle.results || counted.size > 0;
  const ballotsOf = (w: Ward) => (!ballotsKnown ? null : published ? (published.turnout.byWard[w.id] ?? 0) : (counted.get(w.id) ?? 0));
  const wards = d.wards.map((w): WardEquity => {
    const b = ballotsOf(w);
    const f = fundedFrom ? (funded.get(w.id) ?? 0) : null;
    const i = ideas.get(w.id) ?? 0;
    const pop = w.population ?? null;
    return {
      wardId: w.id,
      name: w.name,
      population: pop,
      need: w.need ?? null,
      budget: w.budget,
      ideas: i,
      ballots: b,
      funded: f,
      per1000: pop ? { ideas: per1000(i, pop), ballots: b === null ? null : per1000(b, pop), funded: f === null ? null : Math.round((f * 1000) / pop) } : null,
    };
  });
  const sum = (xs: (number | null)[]) => (xs.some((x) => x === null) ? null : xs.reduce<number>((a, x) => a + x!, 0));
  return {
    cycleId: cycle.id,
    wards,
    fundedFrom,
    totals: {
      population: sum(wards.map((w) => w.population)),
      ideas: wards.reduce((a, w) => a + w.ideas, 0),
      ballots: sum(wards.map((w) => w.ballots)),
      funded: sum(wards.map((w) => w.funded)),
    },
  };
}
