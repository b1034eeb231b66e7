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

/**
 * The fixture after the open cycle's vote: it closed on 1 Dec 2026 (Nairobi time) and a next
 * cycle, "Next cycle", opens its vote on 1 Oct 2027. `edit` may change the raw object further.
 */
export const afterCloseDeployment = (edit: (raw: Record<string, any>) => void = () => {}) =>
  testDeployment((r) => {
    r.cycles[0].phases = {
      proposals: { opens: '2020-01-01T00:00:00+03:00', closes: '2026-06-01T00:00:00+03:00' },
      voting: { opens: '2026-11-01T06:00:00+03:00', closes: '2026-12-01T20:00:00+03:00' },
    };
    r.cycles.push({
      id: 'c-next',
      name: { en: 'Next cycle', sw: 'Mzunguko ujao', fr: 'Cycle suivant' },
      phases: {
        proposals: { opens: '2027-03-01T00:00:00+03:00', closes: '2027-05-31T00:00:00+03:00' },
        voting: { opens: '2027-10-01T06:00:00+03:00', closes: '2027-10-31T20:00:00+03:00' },
      },
      ballot: { rule: 'approval', max: 3 },
    });
    edit(r);
  });

/** An instant after the open cycle's vote closed in `afterCloseDeployment`, before the next opens. */
export const AFTER_CLOSE = new Date('2026-12-10T09:00:00Z');
