// Turnout by age band and gender, where the roll collected them. A vote's values count only if
// the ledger's deployment lists them (anything else counts as not recorded, never refuses the
// vote). What leaves the ledger is per-cycle totals with small groups hidden: a group of two
// 18-24 year olds in a small ward can point at a person, and so can a hidden group that is the
// total minus the groups shown.
import type { Deployment } from '../src/config/schema.ts';
import type { LedgerDb } from './schema.ts';

/** One group of a breakdown. `value` null: ballots without it. `ballots` null: hidden (see suppressSmallCells). */
export interface TurnoutCell {
  value: string | null;
  ballots: number | null;
}

/** A per-cycle breakdown of ballots: every configured value in order, then "not recorded". */
export interface TurnoutBreakdown {
  /** Groups below this were hidden. */
  minCell: number;
  cells: TurnoutCell[];
}

export interface DemographicTurnout {
  byAgeBand?: TurnoutBreakdown;
  byGender?: TurnoutBreakdown;
}

type Lists = Deployment['demographics'];
const FIELDS = [
  { column: 'age_band', list: 'ageBands' },
  { column: 'gender', list: 'genders' },
] as const;

const listed = (values: readonly string[] | undefined, v: unknown): v is string => typeof v === 'string' && (values?.includes(v) ?? false);

/** A vote payload's values as stored in ledger_ballots: null unless the deployment lists them. */
export function demographicColumns(
  d: Pick<Deployment, 'demographics'>,
  payload: { ageBand?: string; gender?: string },
): { age_band: string | null; gender: string | null } {
  const lists: Lists = d.demographics;
  return {
    age_band: listed(lists?.ageBands, payload.ageBand) ? payload.ageBand : null,
    gender: listed(lists?.genders, payload.gender) ? payload.gender : null,
  };
}

/**
 * Hides groups with 1 to minCell − 1 ballots. Every breakdown adds up to the published total, so
 * a single hidden group could be worked out by subtraction: then the smallest other group is
 * hidden too. Empty groups stay visible (they single nobody out) unless needed for that.
 */
export function suppressSmallCells(counts: { value: string | null; n: number }[], minCell: number): TurnoutCell[] {
  const hidden = counts.map((c) => c.n > 0 && c.n < minCell);
  if (hidden.filter(Boolean).length === 1) {
    let other = -1;
    counts.forEach((c, i) => {
      if (!hidden[i] && (other < 0 || c.n < counts[other]!.n)) other = i;
    });
    if (other >= 0) hidden[other] = true;
  }
  return counts.map((c, i) => ({ value: c.value, ballots: hidden[i] ? null : c.n }));
}

/**
 * A cycle's ballots by age band and by gender, each only when some ballot has a listed value.
 * Per cycle only: never by ward, nor age band by gender, which would make the groups small.
 */
export async function demographicTurnout(db: LedgerDb, d: Pick<Deployment, 'demographics'>, cycleId: string): Promise<DemographicTurnout> {
  const lists = d.demographics;
  if (!lists) return {};
  const rows = await db
    .selectFrom('ledger_ballots')
    .select(['age_band', 'gender', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('cycle_id', '=', cycleId)
    .groupBy(['age_band', 'gender'])
    .execute();
  const out: DemographicTurnout = {};
  for (const { column, list } of FIELDS) {
    const values = lists[list];
    const counts = new Map<string | null, number>([...values.map((v): [string, number] => [v, 0]), [null, 0]]);
    for (const r of rows) {
      // A value the deployment no longer lists counts as not recorded, as at ingest.
      const v = r[column];
      const key = v !== null && counts.has(v) ? v : null;
      counts.set(key, counts.get(key)! + Number(r.n));
    }
    if ([...counts].every(([v, n]) => v === null || n === 0)) continue;
    const breakdown = {
      minCell: lists.minCell,
      cells: suppressSmallCells(
        [...counts].map(([value, n]) => ({ value, n })),
        lists.minCell,
      ),
    };
    if (list === 'ageBands') out.byAgeBand = breakdown;
    else out.byGender = breakdown;
  }
  return out;
}
