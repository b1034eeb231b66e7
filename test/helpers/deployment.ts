// Test deployments: the fixture file, optionally with parts replaced, validated by the real schema.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { deploymentSchema, type Deployment } from '../../src/config/schema.ts';

export const FIXTURE = fileURLToPath(new URL('../fixtures/deployment.yaml', import.meta.url));

/** The raw fixture as a plain object, for tests that break one key. */
export function rawFixture(): Record<string, any> {
  return parse(readFileSync(FIXTURE, 'utf8'));
}

/** The fixture deployment; `edit` may change the raw object before validation. */
export function testDeployment(edit: (raw: Record<string, any>) => void = () => {}): Deployment {
  const raw = rawFixture();
  edit(raw);
  return deploymentSchema.parse(raw);
}

/** Sets the open cycle's ballot rule. */
export const withBallot = (ballot: Record<string, unknown>, revote: 'replace' | 'refuse' = 'replace') =>
  testDeployment((r) => {
    r.cycles[0].ballot = ballot;
    r.cycles[0].revote = revote;
  });

/** An instant inside the open cycle's windows. */
export const NOW = new Date('2026-11-22T09:00:00Z');
