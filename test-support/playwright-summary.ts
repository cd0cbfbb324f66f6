// Prints one plain closing line for the Playwright run, "e2e: N passed, N failed[, N skipped]", so a CI
// log reader sees the browser suite's count as the last line of `npm test` (vitest's own line comes
// earlier, from summary-reporter.ts).
import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';

export default class PlaywrightSummary implements Reporter {
  private readonly final = new Map<string, TestResult['status']>();

  onTestEnd(test: TestCase, result: TestResult): void {
    this.final.set(test.id, result.status); // a retry overwrites the earlier result
  }

  onEnd(result: FullResult): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const s of this.final.values()) {
      if (s === 'passed') passed++;
      else if (s === 'skipped') skipped++;
      else failed++;
    }
    // A run that died outside any test (global setup, a crashed worker) is a failure too.
    if (result.status !== 'passed' && failed === 0) failed++;
    process.stdout.write(
      `\ne2e: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`,
    );
  }
}
