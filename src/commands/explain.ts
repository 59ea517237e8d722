import { createInterface } from 'node:readline';
import avro from 'avsc';
import { loadConfig, loadConfigWithoutZendesk } from '../config.js';
import { explainEvent, renderExplanation } from '../explain/explain.js';
import { createKafka } from '../pipeline/kafka.js';
import { readDeadLetters } from '../pipeline/dlq-tools.js';
import { createRegistry, loadCurrentSchema, SegmentCodec } from '../segment/codec.js';
import type { SegmentEvent } from '../segment/event.js';
import { fromRecord, toRecord } from '../segment/record.js';
import { maskEmails } from '../ops/redact.js';
import { ZendeskClient } from '../zendesk/client.js';

export interface ExplainArgs {
  offline?: boolean;
  json?: boolean;
  reveal?: boolean;
}

const DEAD_LETTER = /^(\d+):(\d+)$/;

/** The topic's current Avro type, read and compiled once (`explain -` converts every line with it). */
let currentType: avro.Type | undefined;

/** A JSON event as `run` would see it: through the topic's Avro schema, as the producer writes it. */
export function eventFromJson(text: string): SegmentEvent {
  const { record } = toRecord(JSON.parse(text));
  const type = (currentType ??= avro.Type.forSchema(loadCurrentSchema()));
  return fromRecord(type.fromBuffer(type.toBuffer(record)));
}

/**
 * `explain EVENT`: EVENT is a JSON event, `-` (JSON lines on standard input) or PARTITION:OFFSET of a
 * dead letter. Prints the plan and, unless --offline, what Zendesk holds and what would change. Writes
 * nothing anywhere. Exit 1 when an input cannot be explained (bad JSON, no such dead letter).
 */
export async function explainCommand(input: string, args: ExplainArgs): Promise<number> {
  const full = args.offline ? undefined : loadConfig();
  const config = full ?? loadConfigWithoutZendesk();
  const events: SegmentEvent[] = [];
  const position = DEAD_LETTER.exec(input);
  if (position) {
    const [, partition, offset] = position;
    const kafka = createKafka({ ...config.kafka });
    const found = (await readDeadLetters(kafka, config.kafka.dlqTopic)).find(
      (r) => r.partition === Number(partition) && r.offset === offset,
    );
    if (!found) throw new Error(`no dead letter at ${input} on ${config.kafka.dlqTopic}`);
    if (!found.value)
      throw new Error(`the dead letter at ${input} is a stand-in with no event (${found.message})`);
    const codec = new SegmentCodec(
      createRegistry(config.schemaRegistry),
      SegmentCodec.subjectFor(config.kafka.topic),
    );
    events.push(await codec.decode(found.value));
    process.stderr.write(`dead letter ${input}: ${found.reason}: ${found.message}\n`);
  } else if (input === '-') {
    for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity }))
      if (line.trim()) events.push(eventFromJson(line));
  } else events.push(eventFromJson(input));

  const z = full?.zendesk;
  const client = z
    ? new ZendeskClient({
        baseUrl: z.baseUrl,
        auth: z.auth,
        concurrency: z.concurrency,
        requestTimeoutMs: z.requestTimeoutMs,
        // A person waits at the terminal: an outage answers within seconds (exit 1), not after the
        // service's retry budget.
        maxRetryTimeMs: Math.min(z.maxRetryTimeMs, 10_000),
        accountRatePerMinute: z.ratePerMinute,
        timeScale: z.timeScale,
      })
    : undefined;
  try {
    for (const event of events) {
      const x = await explainEvent(event, config.destination, client);
      const text = args.json ? JSON.stringify(x) : renderExplanation(x);
      process.stdout.write(`${args.reveal ? text : maskEmails(text)}\n`);
    }
  } finally {
    await client?.close();
  }
  if (!args.reveal && !args.json) process.stderr.write('(emails masked; --reveal to show them)\n');
  return 0;
}
