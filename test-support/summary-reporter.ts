// Prints one plain closing line, "N passed, N failed[, N skipped]", that any CI log reader
// understands, after vitest's own summary.
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      // A file that failed to load, or whose hook failed (its tests then read as skipped), is a failure
      // of its own: the closing line must never say "0 failed" on a red run.
      const fileFailed = m.state() === 'failed' || m.errors().length > 0;
      if (fileFailed && ![...m.children.allTests()].some((t) => t.result().state === 'failed'))
        failed++;
    }
    process.stdout.write(
      `\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`,
    );
  }
}
