// Prints each failed test (and each test file that failed to run) from vitest JSON reports, with the
// first lines of its failure, so the end of a CI log names what failed after the stack's log tails.
//   node scripts/failed-tests.mjs <report.json> [...]
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

// The message and the first frames outside node_modules: where in our code it failed.
const brief = (text) =>
  text
    .split('\n')
    .filter((l) => !/^\s+at .*node_modules/.test(l))
    .slice(0, 4)
    .join('\n      ');

const lines = [];
for (const file of process.argv.slice(2)) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    continue; // no report: the caller already says that run did not finish
  }
  for (const suite of report.testResults ?? []) {
    const name = relative(process.cwd(), suite.name);
    const failed = (suite.assertionResults ?? []).filter((t) => t.status === 'failed');
    for (const t of failed) {
      const first = brief((t.failureMessages ?? []).join('\n'));
      lines.push(
        `FAILED ${name} > ${t.fullName}${t.duration ? ` (${Math.round(t.duration)} ms)` : ''}\n      ${first}`,
      );
    }
    if (suite.status === 'failed' && failed.length === 0) {
      lines.push(`FAILED ${name} (the file failed outside its tests)\n      ${brief(suite.message ?? '')}`);
    }
  }
}
if (lines.length > 0) console.error(`--- failed tests\n${lines.join('\n')}`);
