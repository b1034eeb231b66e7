// The ballot as gateways download it and the ledger keeps its versions: the deployment's
// categories, wards and cycles, as JSON the deployment file's schema reads. Merged into a
// deployment, it replaces those three parts and keeps the rest (languages, channels, sync).
import { describeIssues } from './errors.ts';
import { deploymentSchema, type Deployment } from './schema.ts';

/** The parts of a deployment a ballot version holds. */
export type BallotDoc = Pick<Deployment, 'categories' | 'wards' | 'cycles'>;

/** A deployment's ballot as plain JSON data (dates as ISO text), ready to edit or store. */
export function ballotDocOf(d: Deployment): BallotDoc {
  const { categories, wards, cycles } = d;
  return JSON.parse(JSON.stringify({ categories, wards, cycles })) as BallotDoc;
}

/**
 * `local` with its categories, wards and cycles replaced by `doc`, checked by the deployment
 * schema as a whole (codes unique, a title in every language, …); the problems named otherwise.
 */
export function mergeBallot(local: Deployment, doc: unknown): { ok: true; deployment: Deployment } | { ok: false; problems: string[] } {
  if (typeof doc !== 'object' || doc === null) return { ok: false, problems: ['the ballot is not an object'] };
  const { categories, wards, cycles } = doc as Record<string, unknown>;
  // The local file round-trips through JSON (dates become ISO text) so the schema sees input again.
  const parsed = deploymentSchema.safeParse({ ...JSON.parse(JSON.stringify(local)), categories, wards, cycles });
  if (!parsed.success) return { ok: false, problems: describeIssues(parsed.error.issues) };
  return { ok: true, deployment: parsed.data };
}
