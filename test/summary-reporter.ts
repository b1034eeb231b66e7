// Prints one plain closing line, "Tests: N passed, N failed, N skipped", that any CI reader
// understands, after vitest's own summary; before it, one line per service that was missing
// (test/helpers/services.ts), however many test files needed it.
import type { Reporter, TestModule } from 'vitest/node';

/** The note requireService skips with (test/helpers/services.ts). */
const MISSING_SERVICE = / is not available: start it with /;

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const missing = new Set<string>();
    for (const m of modules) {
      for (const test of m.children.allTests()) {
        const result = test.result();
        const state = result.state;
        if (state === 'skipped' && result.note && MISSING_SERVICE.test(result.note)) missing.add(result.note);
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') counts.failed++;
        else counts.skipped++;
      }
      if (m.state() === 'failed' && m.children.size === 0) counts.failed++; // a file that did not load
    }
    for (const note of missing) process.stdout.write(`\nSkipped tests: ${note}`);
    process.stdout.write(`\nTests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
