// Who supports what, in compact arrays built once per count and shared by every Equal Shares run
// (add1 runs it hundreds of times over the same ballots).
import type { Profile } from './profile.ts';

/** Supporters per project and distinct projects per voter, built once and reused by every run. */
export interface SupportIndex {
  voters: number;
  /** Projects per voter (each once), CSR over voters. */
  voterOffsets: Uint32Array;
  voterProjects: Uint16Array;
  supporterCount: Uint32Array;
  /** Voters per project, CSR over projects. */
  projectOffsets: Uint32Array;
  projectVoters: Uint32Array;
}

/** Every project on a ballot counts as supported by that voter (once, whatever its points). */
export function supportIndex(profile: Profile, projectCount: number): SupportIndex {
  const { voters, offsets, picks } = profile;
  const seen = new Int32Array(projectCount).fill(-1);
  const voterOffsets = new Uint32Array(voters + 1);
  const voterProjects = new Uint16Array(picks.length);
  const supporterCount = new Uint32Array(projectCount);
  let n = 0;
  for (let v = 0; v < voters; v++) {
    for (let i = offsets[v]!; i < offsets[v + 1]!; i++) {
      const p = picks[i]!;
      if (seen[p] === v) continue;
      seen[p] = v;
      voterProjects[n++] = p;
      supporterCount[p]!++;
    }
    voterOffsets[v + 1] = n;
  }
  const projectOffsets = new Uint32Array(projectCount + 1);
  for (let p = 0; p < projectCount; p++) projectOffsets[p + 1] = projectOffsets[p]! + supporterCount[p]!;
  const fill = projectOffsets.slice(0, projectCount);
  const projectVoters = new Uint32Array(n);
  for (let v = 0; v < voters; v++) {
    for (let i = voterOffsets[v]!; i < voterOffsets[v + 1]!; i++) projectVoters[fill[voterProjects[i]!]!++] = v;
  }
  return { voters, voterOffsets, voterProjects: voterProjects.subarray(0, n), supporterCount, projectOffsets, projectVoters };
}
