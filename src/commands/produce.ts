import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { KafkaSideConfig } from '../config.js';
import { createKafka, createProducer } from '../pipeline/kafka.js';
import { requireTopic } from '../pipeline/preflight.js';
import { produceLines } from '../pipeline/produce.js';
import { createRegistry, SegmentCodec } from '../segment/codec.js';
import { Progress } from './progress.js';

/** `produce [FILE|-]`: JSON lines of Segment events → Avro records on the source topic. Exit code 1 if any line failed. */
export async function produceCommand(config: KafkaSideConfig, file: string | undefined): Promise<number> {
  const path = file && file !== '-' ? file : undefined;
  const input = path ? createReadStream(path) : process.stdin;
  const size = path ? statSync(path).size : undefined;
  const kafka = createKafka({ ...config.kafka });
  const producer = createProducer(kafka);
  const codec = new SegmentCodec(
    createRegistry(config.schemaRegistry),
    SegmentCodec.subjectFor(config.kafka.topic),
  );
  const progress = new Progress('produce');
  await requireTopic(kafka, config.kafka.topic, 'topic (KAFKA_TOPIC)');
  await producer.connect();
  try {
    await codec.register();
    // Created only now: a readline interface whose input ends before iteration starts never yields.
    const lines = createInterface({ input, crlfDelay: Infinity });
    const summary = await produceLines(lines, {
      codec,
      producer,
      topic: config.kafka.topic,
      onError: (e) => process.stderr.write(`line ${e.line}: ${e.reason}\n`),
      onProgress: (s) => progress.update(s.produced, undefined, size ? input.bytesRead / size : undefined),
    });
    progress.done(summary.produced);
    if (summary.droppedKeys.length)
      process.stderr.write(
        `note: top-level keys not in the schema were not carried: ${summary.droppedKeys.join(', ')}\n`,
      );
    process.stdout.write(
      `${summary.produced} produced, ${summary.failed} failed (of ${summary.read} events) to ${config.kafka.topic}\n`,
    );
    return summary.failed ? 1 : 0;
  } finally {
    await producer.disconnect();
  }
}
