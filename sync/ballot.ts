// The ballot this gateway serves: its deployment file, with cycles, wards, projects and phases
// replaced by the last version published by the ledger. Kept in the gateway database, so a
// gateway offline for weeks keeps serving what it last downloaded.
import { deploymentSchema, type Deployment } from '../src/config/schema.ts';
import { describeIssues } from '../src/config/errors.ts';
import type { Outbox } from './outbox.ts';

export class BallotCache {
  private deployment: Deployment;

  constructor(
    private readonly local: Deployment,
    private readonly outbox: Outbox,
  ) {
    this.deployment = local;
    const stored = outbox.state('ballot');
    if (stored) {
      const merged = this.merge(JSON.parse(stored));
      if (merged.ok) this.deployment = merged.deployment;
    }
  }

  /** What the menus use now. */
  readonly current = (): Deployment => this.deployment;

  version(): string | undefined {
    return this.outbox.state('ballot_version') || undefined;
  }

  /** Validates and keeps a downloaded ballot; a bad one is refused and the last good one stays. */
  apply(version: string, ballot: unknown): { ok: true } | { ok: false; problem: string } {
    const merged = this.merge(ballot);
    if (!merged.ok) return merged;
    this.outbox.setState({ ballot: JSON.stringify(ballot), ballot_version: version, ballot_at: new Date().toISOString() });
    this.deployment = merged.deployment;
    return { ok: true };
  }

  private merge(ballot: unknown): { ok: true; deployment: Deployment } | { ok: false; problem: string } {
    if (typeof ballot !== 'object' || ballot === null) return { ok: false, problem: 'the ballot is not an object' };
    const { categories, wards, cycles } = ballot as Record<string, unknown>;
    // The local file round-trips through JSON (dates become ISO text) so the schema sees input again.
    const input = { ...JSON.parse(JSON.stringify(this.local)), categories, wards, cycles };
    const parsed = deploymentSchema.safeParse(input);
    if (!parsed.success) return { ok: false, problem: describeIssues(parsed.error.issues).join('; ') };
    return { ok: true, deployment: parsed.data };
  }
}
