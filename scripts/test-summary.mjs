// Prints the closing line CI reads, `N passed, N failed`, from Vitest's JSON report.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'test-results/vitest.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  console.error(`test-summary: cannot read ${file}: ${error.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
// Suites that failed to load count as failures too: a broken test file must not pass silently.
const brokenFiles = (report.testResults ?? []).filter(
  // A file whose setup failed (e.g. PostgreSQL unreachable under CI=true) reports its tests as
  // skipped and none as failed: count the file itself as one failure.
  (result) =>
    result.status === 'failed' &&
    !(result.assertionResults ?? []).some((assertion) => assertion.status === 'failed'),
).length;
const failed = (report.numFailedTests ?? 0) + brokenFiles;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
