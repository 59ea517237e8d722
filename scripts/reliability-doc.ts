/**
 * Renders docs/reliability.md from the figures the fault and bad-input suites wrote in their last run
 * (.stack/reliability.json, .stack/bad-input.json):   npx tsx scripts/reliability-doc.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';

import type { BadInputRow, FaultCaseResult } from './reliability-types.js';

const faults: FaultCaseResult[] = JSON.parse(readFileSync('.stack/reliability.json', 'utf8'));
const bad: BadInputRow[] = JSON.parse(readFileSync('.stack/bad-input.json', 'utf8'));
const date = new Date().toISOString().slice(0, 10);

const doc = `# Reliability: faults and bad input, measured

Figures from the last run of \`test/integration/faults/\` (${date}, a 2-core machine, the real Kafka 4.1
broker and Apicurio registry of \`scripts/stack.sh\`, the real \`zendesk-destination run\` process, the
sandbox standing in for Zendesk). Regenerate with \`npx vitest run test/integration/faults\` then
\`npx tsx scripts/reliability-doc.ts\`. Every case is seeded, bounded in time and stops by itself; CI runs
them all.

## Faults

Each case produces ${faults[0]?.eventsIn ?? 240} identify events (one per user), injects the fault once some
are delivered, holds it, heals it, and then checks: every event delivered or dead-lettered (lost = 0),
nothing dead-lettered because of an outage, and the sandbox holding exactly the expected users.
"Recovery" is the time from healing the fault to the last event delivered.

| case | fault | events in | delivered | dead-lettered | lost | recovery (s) | what happened |
|---|---|---:|---:|---:|---:|---:|---|
${faults.map((f) => `| ${f.name} | ${f.fault} | ${f.eventsIn} | ${f.delivered} | ${f.deadLettered} | **${f.lost}** | ${f.recoverSeconds.toFixed(1)} | ${f.observed} |`).join('\n')}

## Bad input

Through the real destination, the real client and the strict sandbox (\`test/integration/faults/bad-input.test.ts\`);
undecodable bytes (random bytes, truncated Avro, wrong magic byte, unknown schema id, a valid Avro record that
is not a Segment event) are covered by \`test/unit/segment\`, \`test/integration/foundation\` and the pipeline
tests, and always end as \`undecodable\` dead letters with the original bytes.

| input | outcome | note |
|---|---|---|
${bad.map((b) => `| ${b.input} | ${b.outcome} | ${b.note} |`).join('\n')}

After every case the test checks that \`Object.prototype\` was not polluted and the process did not crash.
`;
writeFileSync('docs/reliability.md', doc);
process.stdout.write('docs/reliability.md written\n');
