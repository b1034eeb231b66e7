// Which cycle is open for what, at a given instant. Pure: `now` is always passed in.
import type { Cycle, Deployment, Project } from '../config/schema.ts';

/** Where a phase stands for the resident: open in a cycle, opening later, closed, or never. */
export type PhaseStatus =
  { kind: 'open'; cycle: Cycle } | { kind: 'upcoming'; cycle: Cycle; opens: Date } | { kind: 'closed'; cycle: Cycle; closed: Date } | { kind: 'none' };

/** Status of the voting or proposals phase across all cycles. */
export function phaseStatus(d: Deployment, phase: 'voting' | 'proposals', now: Date): PhaseStatus {
  const t = now.getTime();
  const open = d.cycles.find((c) => c.phases[phase].opens.getTime() <= t && t < c.phases[phase].closes.getTime());
  if (open) return { kind: 'open', cycle: open };
  const upcoming = d.cycles
    .filter((c) => c.phases[phase].opens.getTime() > t)
    .sort((a, b) => a.phases[phase].opens.getTime() - b.phases[phase].opens.getTime())[0];
  if (upcoming) return { kind: 'upcoming', cycle: upcoming, opens: upcoming.phases[phase].opens };
  const closed = lastClosedCycle(d, phase, now);
  if (closed) return { kind: 'closed', cycle: closed, closed: closed.phases[phase].closes };
  return { kind: 'none' };
}

/** The cycle whose `phase` closed most recently before `now`, whatever opens next. */
export function lastClosedCycle(d: Deployment, phase: 'voting' | 'proposals', now: Date): Cycle | undefined {
  return d.cycles
    .filter((c) => c.phases[phase].closes.getTime() <= now.getTime())
    .sort((a, b) => b.phases[phase].closes.getTime() - a.phases[phase].closes.getTime())[0];
}

/** The most recent cycle whose results are published at `now`, if any. */
export function publishedCycle(d: Deployment, now: Date): Cycle | undefined {
  return d.cycles
    .filter((c) => c.results && c.results.published.getTime() <= now.getTime())
    .sort((a, b) => b.results!.published.getTime() - a.results!.published.getTime())[0];
}

/** Projects of one ward in a cycle, in code order (the order menus list them). */
export function wardProjects(cycle: Cycle, wardId: string): Project[] {
  return cycle.projects.filter((p) => p.ward === wardId).sort((a, b) => a.code - b.code);
}

/** Budget of a ward, or 0 when unknown. */
export function wardBudget(d: Deployment, wardId: string): number {
  return d.wards.find((w) => w.id === wardId)?.budget ?? 0;
}

/** Projects of a ward that the published results selected, in code order. */
export function selectedProjects(cycle: Cycle, wardId: string): Project[] {
  const selected = new Set(cycle.results?.selected ?? []);
  return wardProjects(cycle, wardId).filter((p) => selected.has(p.code));
}

/**
 * The day a cycle's results declared in the deployment file (`results.published`) were
 * published, as YYYY-MM-DD in the deployment's time zone.
 */
export function declaredDay(d: Deployment, published: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: d.deployment.timezone }).format(published);
}

/**
 * Where the results of a cycle the deployment file declares (counted before this ledger) come
 * from, for a refusal's one line: "its results were published on 2025-10-15, before this ledger, …".
 */
export function declaredResultsNote(d: Deployment, cycle: Cycle): string {
  return `its results were published on ${declaredDay(d, cycle.results!.published)}, before this ledger, and come from the deployment file (its \`results\`)`;
}
