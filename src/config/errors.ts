// Start-up configuration errors: one message per bad key, naming the file and the key.
import type { z } from 'zod';

/** Raised when a config file or environment variable is invalid; start-up stops with its message. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Formats zod issues as `path.to[0].key: message` lines. */
export function describeIssues(issues: z.core.$ZodIssue[]): string[] {
  return issues.map((i) => `${formatPath(i.path) || '(top level)'}: ${i.message}`);
}

function formatPath(path: PropertyKey[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`)).join('');
}
