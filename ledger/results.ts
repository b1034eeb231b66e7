// Results from what the ledger holds: one ballot per voter and cycle (ledger_ballots), counted
// per ward with the cycle's rule. Published results are frozen in ledger_results, so a bundle
// that arrives after publication cannot change what residents were told.
import type { Cycle, Deployment } from '../src/config/schema.ts';
import { SautiError } from '../src/domain/errors.ts';
import { pointsByCode } from '../src/domain/ballot.ts';
import { wardProjects } from '../src/domain/cycle.ts';
import { ProfileBuilder, type Instance, type VoteType } from '../tally/profile.ts';
import { count, type RuleName, type RuleOptions } from '../tally/rules.ts';
import { greedy } from '../tally/greedy.ts';
import { conflictsOf } from '../tally/exclusive.ts';
import { cycleTallies, tallyTotals, type StoredTally, type TallyTotals } from './paper-tallies.ts';
import { fractionToDecimal } from '../tally/rational.ts';
import { demographicTurnout, type DemographicTurnout } from './demographics.ts';
import type { LedgerDb } from './schema.ts';

export interface ProjectResult {
  code: number;
  title: Record<string, string>;
  short: Record<string, string>;
  cost: number;
  /** Ballots listing the project. */
  votes: number;
  /** Points (ranked and cumulative ballots); equal to votes otherwise. */
  score: number;
  selected: boolean;
  /** 1 for the first project funded, 2 for the next… */
  fundedOrder: number | null;
  /** Equal Shares: the most any supporter paid, in currency units (rounded to cents for people). */
  sharePaid: string | null;
  /** Votes from paper tally sheets, apart from `votes` (individual ballots); only in a cycle with tally sheets. */
  tallied?: number;
}

export interface WardResult {
  wardId: string;
  name: Record<string, string>;
  budget: number;
  ballots: number;
  used: number;
  /** Projects ranked as the rule saw them: by score, ties in code order. */
  projects: ProjectResult[];
  /** The ward's paper tally sheets, when it has any (their valid ballots are not in `ballots`). */
  tallied?: TallyTotals;
}

export interface CycleResult {
  cycleId: string;
  name: Record<string, string>;
  rule: RuleName;
  options: RuleOptions;
  rankedBy: 'votes' | 'score';
  currency: string;
  /** When voting closed; results are only published after it. */
  votingClosed: string;
  computedAt: string;
  publishedAt: string | null;
  /** The last ledger entry counted. */
  throughSeq: number;
  turnout: Turnout;
  wards: WardResult[];
  /** Published before every registered gateway had delivered its votes: why, and which gateways. */
  forced?: ForcedPublication;
  /**
   * Paper tally sheets (per-meeting totals), when the cycle has any: their totals, and whether the
   * rule counted their votes (`counted`: the greedy rules, which need only each project's votes;
   * Equal Shares and the comparisons need individual ballots, so sheets are shown, not counted).
   */
  paperTallies?: TallyTotals & { counted: boolean };
}

/** The PB team's reason for publishing early, and the gateways it did not wait for (as they stood then). */
export interface ForcedPublication {
  reason: string;
  gateways: { gatewayId: string; lastSeenAt: string | null; backlog: number | null }[];
}

/** Where a count reads ballots: the live counted ballots, or the set frozen when the cycle was published. */
export type BallotSource = 'ledger_ballots' | 'ledger_published_ballots';

/**
 * Ballots by ward and channel; by age band and by gender (per cycle, small groups hidden) only
 * when some ballot of the cycle has them. Results published before these existed lack them. The
 * valid ballots of paper tally sheets count in `total` and `byWard`, and under the channel
 * `paper-tally` (individual paper ballots are `paper`); age band and gender cover individual ballots only.
 */
export type Turnout = { total: number; byWard: Record<string, number>; byChannel: Record<string, number> } & DemographicTurnout;

/** Channel name turnout gives the valid ballots of paper tally sheets. */
export const TALLY_CHANNEL = 'paper-tally';

/** Whether a rule counts tally sheets' votes: greedy ranks by each project's votes, which a sheet gives. */
export function countsTallies(rule: RuleName): boolean {
  return rule === 'greedy' || rule === 'greedy-no-skip' || rule === 'greedy-threshold';
}

/** Adds tally sheets' valid ballots to a turnout (total, ward, channel `paper-tally`). */
export function addTalliesToTurnout<T extends Pick<Turnout, 'total' | 'byWard' | 'byChannel'>>(turnout: T, tallies: readonly StoredTally[]): T {
  for (const t of tallies) {
    turnout.total += t.valid;
    turnout.byWard[t.wardId] = (turnout.byWard[t.wardId] ?? 0) + t.valid;
    turnout.byChannel[TALLY_CHANNEL] = (turnout.byChannel[TALLY_CHANNEL] ?? 0) + t.valid;
  }
  return turnout;
}

/** A ballot as stored: the ward and picks, and the channel it came through. */
export interface StoredBallot {
  voterKey: string;
  wardId: string;
  picks: number[];
  channel: string;
}

/** Reads a cycle's counted ballots in pages of the primary key, so memory holds rows, not result sets. */
export async function* cycleBallots(db: LedgerDb, cycleId: string, from: BallotSource = 'ledger_ballots', page = 20_000): AsyncGenerator<StoredBallot> {
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom(from)
      .select(['voter_key', 'ward_id', 'picks', 'channel'])
      .where('cycle_id', '=', cycleId)
      .where('voter_key', '>', after)
      .orderBy('voter_key')
      .limit(page)
      .execute();
    for (const r of rows) yield { voterKey: r.voter_key, wardId: r.ward_id, picks: JSON.parse(r.picks) as number[], channel: r.channel };
    if (rows.length < page) return;
    after = rows[rows.length - 1]!.voter_key;
  }
}

/** The vote type a cycle's ballot rule is counted as, and the points a ranked ballot gives. */
export function voteTypeOf(cycle: Cycle): { voteType: VoteType; rankPoints?: number[] } {
  const b = cycle.ballot;
  switch (b.rule) {
    case 'approval':
    case 'knapsack':
      return { voteType: 'approval' };
    case 'choose-1':
      return { voteType: 'choose-1' };
    case 'ranking':
      return { voteType: 'ordinal', rankPoints: b.points ?? Array.from({ length: b.k }, (_, i) => b.k - i) };
    case 'cumulative':
      return { voteType: 'cumulative' };
  }
}

/**
 * A stored ballot as counted: each project once, with its points when the vote type has them.
 * Ranked: the points of each place. Cumulative: a repeated code is another point, so [3, 3, 7]
 * is 3 with 2 points and 7 with 1 (projects in the order first picked).
 */
export function weighBallot(type: ReturnType<typeof voteTypeOf>, picks: readonly number[]): { codes: number[]; points?: number[] } {
  if (type.voteType === 'cumulative') {
    const byCode = pointsByCode(picks);
    return { codes: [...byCode.keys()], points: [...byCode.values()] };
  }
  if (type.rankPoints) return { codes: [...picks], points: picks.map((_, rank) => type.rankPoints![rank] ?? 0) };
  return { codes: [...picks] };
}

/** Builds one instance per ward (projects in code order) while the ballots stream past. */
export class WardInstances {
  private builders = new Map<string, ProfileBuilder>();
  private index = new Map<string, Map<number, number>>();
  readonly byChannel: Record<string, number> = {};
  private readonly type: ReturnType<typeof voteTypeOf>;

  constructor(
    private readonly deployment: Pick<Deployment, 'wards'>,
    private readonly cycle: Cycle,
  ) {
    this.type = voteTypeOf(cycle);
    for (const w of deployment.wards) {
      this.builders.set(w.id, new ProfileBuilder(this.type.voteType));
      this.index.set(w.id, new Map(wardProjects(cycle, w.id).map((p, i) => [p.code, i])));
    }
  }

  add(b: StoredBallot): void {
    const builder = this.builders.get(b.wardId);
    const index = this.index.get(b.wardId);
    // The ledger refused ballots for unknown wards and projects; a ballot that no longer
    // matches a changed ballot file is not silently dropped but stops the count.
    if (!builder || !index)
      throw new SautiError('results.stale_ballot', `a ballot in cycle ${this.cycle.id} is for ward '${b.wardId}', which the deployment file no longer has`);
    const { codes, points } = weighBallot(this.type, b.picks);
    const picks = codes.map((code) => {
      const i = index.get(code);
      if (i === undefined)
        throw new SautiError(
          'results.stale_ballot',
          `a ballot in cycle ${this.cycle.id}, ward ${b.wardId} picks project ${code}, which the deployment file no longer has`,
        );
      return i;
    });
    builder.add(picks, points);
    this.byChannel[b.channel] = (this.byChannel[b.channel] ?? 0) + 1;
  }

  instance(wardId: string): Instance {
    const ward = this.deployment.wards.find((w) => w.id === wardId)!;
    const projects = wardProjects(this.cycle, wardId).map((p) => ({ id: String(p.code), cost: p.cost, name: p.title.en ?? Object.values(p.title)[0] }));
    return { projects, budget: ward.budget, profile: this.builders.get(wardId)!.build() };
  }
}

/** A cycle's exclusive groups within one ward, as indices of the ward's projects (undefined when none). */
export function wardExclusive(cycle: Pick<Cycle, 'exclusive'>, projects: readonly { code: number }[]): number[][] | undefined {
  const at = new Map(projects.map((p, i) => [p.code, i]));
  // The deployment file's check keeps a group within one ward: a group of another ward has no index here.
  const groups = (cycle.exclusive ?? []).map((g) => g.map((code) => at.get(code))).filter((g): g is number[] => g.every((i) => i !== undefined));
  return groups.length ? groups : undefined;
}

/** Counts a cycle from the ledger with its configured rule (or `override`), from the live ballots unless told otherwise. */
export async function tallyCycle(
  db: LedgerDb,
  deployment: Deployment,
  cycleId: string,
  now: Date,
  override?: RuleName,
  from: BallotSource = 'ledger_ballots',
): Promise<CycleResult> {
  const cycle = deployment.cycles.find((c) => c.id === cycleId);
  if (!cycle)
    throw new SautiError('results.unknown_cycle', `no cycle '${cycleId}' in the deployment file (cycles: ${deployment.cycles.map((c) => c.id).join(', ')})`);
  const head = await db.selectFrom('ledger_head').select('seq').where('id', '=', 1).executeTakeFirstOrThrow();
  const wards = new WardInstances(deployment, cycle);
  for await (const b of cycleBallots(db, cycleId, from)) wards.add(b);
  const rule = override ?? cycle.selection.rule;
  // A project nobody voted for is never funded, whatever money is left: every rule gets a floor of 1.
  const options: RuleOptions = { completion: cycle.selection.completion, threshold: Math.max(1, cycle.selection.threshold ?? 1) };
  let rankedBy: CycleResult['rankedBy'] = 'votes';
  // A published count reads the sheets chained before its publication, as it reads the frozen ballots.
  const frozenAt =
    from === 'ledger_published_ballots'
      ? (await db.selectFrom('ledger_results').select('through_seq').where('cycle_id', '=', cycleId).executeTakeFirst())?.through_seq
      : undefined;
  const tallies = await cycleTallies(db, cycleId, frozenAt === undefined ? undefined : Number(frozenAt));
  const withTallies = tallies.length > 0;
  const results = deployment.wards.map((w): WardResult => {
    const instance = wards.instance(w.id);
    const projects = wardProjects(cycle, w.id);
    const exclusive = wardExclusive(cycle, projects);
    const outcome = count(instance, rule, { ...options, ...(exclusive ? { exclusive } : {}) });
    rankedBy = outcome.rankedBy;
    const wardTallies = tallies.filter((t) => t.wardId === w.id);
    const tallied = projects.map((p) => wardTallies.reduce((sum, t) => sum + (t.counts.find((c) => c.code === p.code)?.votes ?? 0), 0));
    let ranking: ArrayLike<number> = outcome.rankedBy === 'score' ? outcome.scores.score : outcome.scores.votes;
    let selected = outcome.selected;
    if (wardTallies.length > 0 && countsTallies(rule)) {
      // Greedy needs only each project's votes: a sheet's votes add to the ballots' and the walk is made again.
      const votes = outcome.scores.votes;
      ranking = projects.map((_, i) => votes[i]! + tallied[i]!);
      const conflicts = conflictsOf(exclusive, projects.length);
      selected = greedy(
        { costs: projects.map((p) => p.cost), ranking, budget: w.budget, threshold: options.threshold, ...(conflicts ? { conflicts } : {}) },
        rule === 'greedy-no-skip' ? 'no-skip' : 'skip',
      );
    }
    const order = projects.map((_, i) => i).sort((a, b) => ranking[b]! - ranking[a]! || a - b);
    const payments = new Map(outcome.equalShares?.purchases.map((p) => [p.project, fractionToDecimal(p.payment)]) ?? []);
    return {
      wardId: w.id,
      name: w.name,
      budget: w.budget,
      ballots: instance.profile.voters,
      used: selected.reduce((sum, i) => sum + projects[i]!.cost, 0),
      ...(wardTallies.length > 0 ? { tallied: tallyTotals(wardTallies) } : {}),
      projects: order.map((i) => ({
        code: projects[i]!.code,
        title: projects[i]!.title,
        short: projects[i]!.short,
        cost: projects[i]!.cost,
        votes: outcome.scores.votes[i]!,
        score: outcome.scores.score[i]!,
        selected: selected.includes(i),
        fundedOrder: selected.includes(i) ? selected.indexOf(i) + 1 : null,
        sharePaid: payments.get(i) ?? null,
        ...(withTallies ? { tallied: tallied[i]! } : {}),
      })),
    };
  });
  const byWard = Object.fromEntries(results.map((w) => [w.wardId, w.ballots]));
  const turnout = addTalliesToTurnout({ total: results.reduce((s, w) => s + w.ballots, 0), byWard, byChannel: wards.byChannel }, tallies);
  return {
    cycleId,
    name: cycle.name,
    rule,
    options,
    rankedBy,
    currency: deployment.deployment.currency,
    votingClosed: cycle.phases.voting.closes.toISOString(),
    computedAt: now.toISOString(),
    publishedAt: null,
    throughSeq: head.seq,
    turnout: { ...turnout, ...(await demographicTurnout(db, deployment, cycleId)) },
    wards: results,
    ...(withTallies ? { paperTallies: { ...tallyTotals(tallies), counted: countsTallies(rule) } } : {}),
  };
}

/** Selected project codes per cycle, from the published results. */
export function selectedCodes(result: CycleResult): number[] {
  return result.wards.flatMap((w) => w.projects.filter((p) => p.selected).map((p) => p.code)).sort((a, b) => a - b);
}
