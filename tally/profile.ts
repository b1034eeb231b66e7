// What a count works on: projects with costs, a budget, and every ballot in a compact form.
// A million ballots are a few typed arrays, not a million objects, so counting stays in memory
// and fast. Nothing here knows where the ballots came from (ledger, .pb file, a test).

/** How a ballot expresses preference (Pabulib's vote types; knapsack ballots are approval ballots). */
export type VoteType = 'approval' | 'choose-1' | 'ordinal' | 'cumulative' | 'scoring';

export interface TallyProject {
  /** The project's id as published (a ledger project code, or a .pb project_id). */
  id: string;
  cost: number;
  name?: string;
}

/**
 * Ballots in compressed sparse rows: ballot `v` lists projects `picks[offsets[v]] …
 * picks[offsets[v+1] - 1]` (indices into `projects`), in the order the voter gave them, with
 * `points` beside them when the vote type has points.
 */
export interface Profile {
  voteType: VoteType;
  voters: number;
  offsets: Uint32Array;
  picks: Uint16Array;
  points?: Float64Array;
}

export interface Instance {
  projects: TallyProject[];
  budget: number;
  profile: Profile;
}

/** Per project: how many ballots list it, and its points (equal to votes for approval and choose-1). */
export interface Scores {
  votes: Float64Array;
  score: Float64Array;
}

/** Builds a profile ballot by ballot; `add` takes project indices and optional points. */
export class ProfileBuilder {
  private offsets: number[] = [0];
  private picks: number[] = [];
  private points: number[] = [];

  constructor(readonly voteType: VoteType) {}

  /** Adds a ballot: the first `length` project indices (all of them by default) and their points. */
  add(projectIndices: ArrayLike<number>, points?: ArrayLike<number>, length = projectIndices.length): void {
    for (let i = 0; i < length; i++) {
      this.picks.push(projectIndices[i]!);
      if (points) this.points.push(points[i]!);
    }
    this.offsets.push(this.picks.length);
  }

  get voters(): number {
    return this.offsets.length - 1;
  }

  build(): Profile {
    const hasPoints = this.points.length > 0;
    return {
      voteType: this.voteType,
      voters: this.offsets.length - 1,
      offsets: Uint32Array.from(this.offsets),
      picks: Uint16Array.from(this.picks),
      ...(hasPoints ? { points: Float64Array.from(this.points) } : {}),
    };
  }
}

/**
 * Votes and score per project. Points come from the ballot when it has them; an ordinal ballot
 * without points gives len, len−1, …, 1 by position (as Pabulib's checker does).
 */
export function scoreProfile(profile: Profile, projectCount: number): Scores {
  const votes = new Float64Array(projectCount);
  const score = new Float64Array(projectCount);
  const { offsets, picks, points, voteType } = profile;
  for (let v = 0; v < profile.voters; v++) {
    const start = offsets[v]!;
    const end = offsets[v + 1]!;
    for (let i = start; i < end; i++) {
      const p = picks[i]!;
      votes[p]! += 1;
      if (points) score[p]! += points[i]!;
      else if (voteType === 'ordinal') score[p]! += end - i;
      else score[p]! += 1;
    }
  }
  return { votes, score };
}

/** True when projects are ranked by points rather than by how many ballots list them. */
export function hasPoints(voteType: VoteType): boolean {
  return voteType === 'ordinal' || voteType === 'cumulative' || voteType === 'scoring';
}
