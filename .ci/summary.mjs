#!/usr/bin/env node
// CI's closing line, from vitest's own counts in its JSON report (`--reporter=json --outputFile.json=FILE`):
// `N passed, N failed, N skipped`. Exits 1 when the report is missing or no test ran, so an empty run is not a pass.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.log(`0 passed, 0 failed, 0 skipped (no vitest report at ${file}: ${err.code ?? err.message})`);
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
const failed = report.numFailedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
// A test file that fails to load has no failed test in it; say so rather than print a clean "0 failed".
const brokenFiles = (report.testResults ?? []).filter(
  (file) => file.status === 'failed' && (file.assertionResults ?? []).every((t) => t.status !== 'failed'),
).length;
if (brokenFiles > 0) console.log(`ci: ${brokenFiles} test file(s) failed outside any test (see above)`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (passed + failed === 0) process.exit(1);
