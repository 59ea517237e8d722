/**
 * Renders docs/reliability.md from the figures the fault and bad-input suites wrote in their last run
 * (.stack/reliability.json, .stack/bad-input.json):   npx tsx scripts/reliability-doc.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';

import type { BadInputRow, FaultCaseResult } from './reliability-types.js';

const faults: FaultCaseResult[] = JSON.parse(readFileSync('.stack/reliability.json', 'utf8'));
for (const f of faults)
  if (typeof f.stalled !== 'number' && !(f.stalled === null && f.stalledNote))
    throw new Error(`${f.name}: no stalled figure (an older run?); run the fault suite again`);
const bad: BadInputRow[] = JSON.parse(readFileSync('.stack/bad-input.json', 'utf8'));
const date = new Date().toISOString().slice(0, 10);

/** Track events sent twice, and dead letters written twice when there are any; "n/a" for a result recorded before issue 17. */
const duplicates = (f: FaultCaseResult): string =>
  f.duplicates === undefined
    ? 'n/a'
    : `**${f.duplicates}**${f.duplicateDeadLetters ? ` (+${f.duplicateDeadLetters} dead letters)` : ''}`;

const doc = `# Reliability: faults and bad input, measured

Figures from the last run of \`test/integration/faults/\` (${date}, a 2-core machine, the real Kafka 4.1
broker and Apicurio registry of \`scripts/stack.sh\`, the real \`zendesk-destination run\` process, the
sandbox standing in for Zendesk). Regenerate with \`npx vitest run test/integration/faults\` then
\`npx tsx scripts/reliability-doc.ts\`. Every case is seeded, bounded in time and stops by itself; CI runs
them all.

## Faults

Each case produces 240 identify events (one per user), each plain one followed by a track event of the
same user (${faults[0]?.eventsIn ?? 480} events in all), and injects its fault: most
once some events are delivered, held a few seconds and then healed; some never heal (a poison event, an
oversized dead letter, a 403 on field creation, a broker that refuses commit metadata, the broker down
through a SIGTERM, a wrong TLS CA) and some stop the service, which is then started again. A service
that must not start (the wrong CA) is asserted to exit 1 with one line naming the setting, never healthy
meanwhile, with nothing consumed or committed: its row has no stalled figure or recovery. Every case then checks
that every event is delivered or dead-lettered with its expected reason (lost = 0); that every partition
of the consumer group committed up to its end offset, within 90 s while the last instance still ran and
again after it stopped on SIGTERM (exit 0): a partition short of its end stopped committing while its
events had no outcome (stalled = 0); that the service's own \`zendesk_destination_stalled_partitions\`
gauge is 0; that the sandbox holds exactly the expected users; and that no instance's log says
"process still running 3 s after the command ended" (a leaked handle). "Recovery" is the time from
healing the fault (or the restart) to the last event delivered. Each sentence under "what the case
saw" is asserted by that case; the count of error answers is measured from the sandbox's request log.
"Duplicates" are the track events Zendesk received more than once (the sandbox's count: same user, type,
timestamp and properties), plus any dead letter written twice; upserts repeat harmlessly and are not
counted. Rebalance and SIGTERM-restart cases assert 0; SIGKILL asserts at most the events in flight at
the kill; the README's "Duplicates" section explains each figure.

| case | fault | events in | delivered | dead-lettered | lost | stalled | duplicates | recovery (s) | what the case saw |
|---|---|---:|---:|---:|---:|---:|---:|---:|---|
${faults.map((f) => `| ${f.name} | ${f.fault} | ${f.eventsIn} | ${f.delivered} | ${f.deadLettered} | **${f.lost}** | ${f.stalled === null ? f.stalledNote : `**${f.stalled}**`} | ${duplicates(f)} | ${f.recoverSeconds?.toFixed(1) ?? 'n/a'} | ${f.observed} |`).join('\n')}

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
