// Which winning project a resident names by number (STATUS 7, FOLLOW 7, REPORT 7 by SMS; "Project
// progress" on USSD), so every channel answers the same project.
import type { Cycle, Deployment } from '../../src/config/schema.ts';
import type { ImplementationUpdate } from '../../src/domain/implementation.ts';

type Update = Omit<ImplementationUpdate, 'photo'>;

/**
 * The winning project a number names: in the cycle of its latest update, else the latest cycle
 * (in the deployment's order) whose results select it. Null when no published cycle selected it.
 */
export function winningProject(code: number, deployment: Deployment, projectUpdate?: (code: number) => Update | null) {
  const update = projectUpdate?.(code) ?? null;
  const cycle = update
    ? deployment.cycles.find((c) => c.id === update.cycleId)
    : [...deployment.cycles].reverse().find((c) => c.results?.selected.includes(code) && c.projects.some((p) => p.code === code));
  const project = cycle?.projects.find((p) => p.code === code);
  return cycle && project ? { cycleId: cycle.id, project, update } : null;
}

/**
 * The projects a ballot chose that the voter can follow after voting (each once, in the order
 * chosen): all of them while the cycle's winners are unknown (a project that does not win never
 * gets an update, so following it costs nothing), only the winners once they are published.
 */
export function followableCodes(cycle: Cycle, picks: readonly number[], now: Date): number[] {
  const distinct = [...new Set(picks)];
  if (!cycle.results || cycle.results.published.getTime() > now.getTime()) return distinct;
  return distinct.filter((code) => cycle.results!.selected.includes(code));
}
