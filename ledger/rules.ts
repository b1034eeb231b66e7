// What the ledger accepts, and which of a voter's ballots counts. Pure: no storage, no clock.
import type { Cycle, Deployment, Project } from '../src/config/schema.ts';
import { checkBallot, type RuleViolation } from '../src/domain/ballot.ts';
import { wardProjects } from '../src/domain/cycle.ts';
import { describeTallyProblem, reconcileTally } from '../src/domain/paper.ts';
import type { ParsedEvent, RejectReason } from '../src/domain/protocol.ts';

/**
 * Gateway clock differences below this are network and queueing delay (which varies from batch
 * to batch on a slow link), not a wrong clock: no correction, so the same gateway's events keep
 * their own clock's order.
 */
export const SKEW_NOISE_MS = 60_000;

/** The time an event is ordered by: its capture time on the gateway clock, corrected by the skew measured for that gateway. */
export function orderedAt(capturedAt: string, skewMs: number | null): string {
  if (skewMs === null || Math.abs(skewMs) < SKEW_NOISE_MS) return capturedAt;
  return new Date(Date.parse(capturedAt) - skewMs).toISOString();
}

/** Why an event cannot enter the ledger, or null when it can. */
export function refusal(d: Deployment, e: ParsedEvent, ordered: string, allowanceMs: number): { reason: RejectReason; detail: string } | null {
  const cycle = d.cycles.find((c) => c.id === e.cycleId);
  if (!cycle) return { reason: 'unknown-cycle', detail: `no cycle '${e.cycleId}' on the published ballot` };
  const ward = d.wards.find((w) => w.id === e.payload.wardId);
  if (!ward) return { reason: 'unknown-ward', detail: `no ward '${e.payload.wardId}'` };
  if (e.type === 'survey.answered') return surveyRefusal(d, e, ordered, allowanceMs);
  // A report on a project comes after the vote, at any time: only the project must be that ward's.
  if (e.type === 'project.reported') {
    if (projectsOf(cycle, ward.id).some((p) => p.code === e.payload.code)) return null;
    return {
      reason: 'not-on-ballot',
      detail: `report ${e.payload.reference}: project ${e.payload.code} is not on the ballot of ward '${ward.id}' in cycle '${cycle.id}'`,
    };
  }
  const window = e.type === 'proposal.submitted' ? cycle.phases.proposals : cycle.phases.voting;
  const t = Date.parse(ordered);
  if (t < window.opens.getTime() - allowanceMs || t >= window.closes.getTime() + allowanceMs) {
    const phase = e.type === 'proposal.submitted' ? 'proposals' : 'voting';
    return {
      reason: 'outside-window',
      detail: `captured ${ordered} (gateway clock corrected), outside the ${phase} window ${window.opens.toISOString()} – ${window.closes.toISOString()} even with ${allowanceMs / 1000} s allowed skew`,
    };
  }
  // A proposal's category is a hint for the PB team's review (SMS ideas arrive as 'sms'), not a reason to refuse it.
  if (e.type === 'proposal.submitted') return null;
  const projects = projectsOf(cycle, ward.id);
  // A meeting's tally sheet must add up, checked again here as the gateway checked it.
  if (e.type === 'paper.tally') {
    const problem = reconcileTally(cycle.ballot, projects, ward.budget, e.payload);
    return problem
      ? {
          reason: problem.kind === 'unknown-project' ? 'not-on-ballot' : 'ballot-rule',
          detail: `tally sheet of meeting ${e.payload.meetingId}: ${describeTallyProblem(problem)}`,
        }
      : null;
  }
  const missing = e.payload.picks.find((code) => !projects.some((p) => p.code === code));
  if (missing !== undefined) return { reason: 'not-on-ballot', detail: `project ${missing} is not on the ballot of ward '${ward.id}' in cycle '${cycle.id}'` };
  const v = checkBallot(cycle.ballot, e.payload.picks, projects, ward.budget);
  if (v) return { reason: 'ballot-rule', detail: describeViolation(v, cycle.ballot.rule) };
  return null;
}

/**
 * A survey's answers enter the ledger when the survey is in the deployment, of this cycle, run in
 * that ward, and the answers were taken inside its window. What each answer holds was checked by
 * the gateway against the questions; the ledger keeps them as sent.
 */
function surveyRefusal(
  d: Deployment,
  e: Extract<ParsedEvent, { type: 'survey.answered' }>,
  ordered: string,
  allowanceMs: number,
): { reason: RejectReason; detail: string } | null {
  const survey = d.surveys.find((s) => s.id === e.payload.surveyId && s.cycle === e.cycleId);
  if (!survey) return { reason: 'unknown-cycle', detail: `no survey '${e.payload.surveyId}' in cycle '${e.cycleId}'` };
  if (survey.wards && !survey.wards.includes(e.payload.wardId))
    return { reason: 'unknown-ward', detail: `survey '${survey.id}' is not run in ward '${e.payload.wardId}'` };
  const t = Date.parse(ordered);
  if (t < survey.opens.getTime() - allowanceMs || t >= survey.closes.getTime() + allowanceMs) {
    return {
      reason: 'outside-window',
      detail: `captured ${ordered} (gateway clock corrected), outside survey '${survey.id}' ${survey.opens.toISOString()} – ${survey.closes.toISOString()}`,
    };
  }
  return null;
}

// A ward's projects, worked out once per published ballot rather than once per vote (a new
// ballot is a new object, so an outdated list is never used).
const projectLists = new WeakMap<Cycle, Map<string, Project[]>>();
function projectsOf(cycle: Cycle, wardId: string): Project[] {
  let byWard = projectLists.get(cycle);
  if (!byWard) projectLists.set(cycle, (byWard = new Map()));
  let projects = byWard.get(wardId);
  if (!projects) byWard.set(wardId, (projects = wardProjects(cycle, wardId)));
  return projects;
}

function describeViolation(v: RuleViolation, rule: string): string {
  switch (v.kind) {
    case 'too-many':
      return `${rule} ballot allows at most ${v.max} picks`;
    case 'too-few':
      return `${rule} ballot needs at least ${v.min} picks`;
    case 'over-budget':
      return `picks cost more than the ward budget`;
    case 'duplicate':
      return `project ${v.code} is picked twice`;
    case 'unknown-project':
      return `project ${v.code} is not on the ballot`;
    case 'over-points':
      return `${rule} ballot gives more than ${v.points} points`;
    case 'project-points':
      return `${rule} ballot gives project ${v.code} more than ${v.max} points`;
  }
}

/**
 * Ordering times that never go back along one gateway's sequence, so that the ballot order
 * (src/domain/ballot-order.ts: sequence within a gateway, ordering time across gateways) is one
 * total order the ledger can keep as a max/min. A gateway clock stepped back, or a skew
 * correction that differs from one batch to the next, would otherwise put a later ballot of a
 * gateway before an earlier one. Each new event's time is raised to its predecessor's and lowered
 * to its successor's (already stored events of the same gateway, or events earlier in the batch).
 * `fresh` in any order; returns each fresh sequence number's ordering time.
 */
export function monotoneOrderedAt(fresh: { seq: number; corrected: string }[], stored: { seq: number; orderedAt: string }[]): Map<number, string> {
  const all = [
    ...stored.map((s) => ({ seq: s.seq, time: s.orderedAt, stored: true })),
    ...fresh.map((f) => ({ seq: f.seq, time: f.corrected, stored: false })),
  ].sort((a, b) => a.seq - b.seq);
  // The next stored time above each position: an upper bound a fresh event must not pass.
  const upper: (string | undefined)[] = new Array(all.length);
  let next: string | undefined;
  for (let i = all.length - 1; i >= 0; i--) {
    upper[i] = next;
    if (all[i]!.stored) next = all[i]!.time;
  }
  const out = new Map<number, string>();
  let lower = '';
  all.forEach((e, i) => {
    if (!e.stored) {
      let t = e.time < lower ? lower : e.time;
      const cap = upper[i];
      if (cap !== undefined && t > cap) t = cap < lower ? lower : cap;
      out.set(e.seq, t);
      e.time = t;
    }
    if (e.time > lower) lower = e.time;
  });
  return out;
}
