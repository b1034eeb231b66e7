// Exclusive projects: projects that cannot both be funded (the same site, say). Given as groups
// of project indices, of which at most one may be selected. How each rule honours them:
//   - greedy (every variant): Pabulib's `greedy-exclusive` — walk the ranking as usual; a project
//     one of whose group-mates is already selected (or already funded, for a completion) is
//     skipped, whatever its cost, and the walk goes on (also for greedy-no-skip: only a project
//     that does not fit stops that walk);
//   - Equal Shares: when a project is bought, every project sharing a group with it leaves the
//     candidates, so it is never bought afterwards and its supporters keep their money for the
//     others; which of the group is bought is decided by the usual order (lowest ρ per cost
//     first). The comparison with greedy, add1's runs and the greedy completion all honour the
//     same groups.
// Pure: no I/O; the rules call `conflictsOf` once per count.

/** Exclusive groups of project indices. */
export type ExclusiveGroups = readonly (readonly number[])[];

/** For each of `projectCount` projects, the projects it cannot be funded with (empty when none). */
export function conflictsOf(groups: ExclusiveGroups | undefined, projectCount: number): number[][] | undefined {
  if (!groups || groups.length === 0) return undefined;
  const out: number[][] = Array.from({ length: projectCount }, () => []);
  for (const group of groups) {
    for (const p of group) {
      if (p < 0 || p >= projectCount) throw new RangeError(`exclusive group names project ${p}, but there are ${projectCount}`);
      for (const q of group) if (q !== p && !out[p]!.includes(q)) out[p]!.push(q);
    }
  }
  return out;
}

/** Whether `p` conflicts with a project in `chosen`. */
export function excluded(conflicts: readonly (readonly number[])[] | undefined, p: number, chosen: { has(q: number): boolean }): boolean {
  return conflicts !== undefined && conflicts[p]!.some((q) => chosen.has(q));
}
