/**
 * The skip-heavy run's yardstick: kafkajs consume plus the Avro decode of every message (through the
 * service's own codec and registry client), no other work. Prints one JSON line.
 */
import { Kafka, logLevel } from 'kafkajs';
import { createRegistry, SegmentCodec } from '../src/segment/codec.js';

const [topic, countArg] = process.argv.slice(2);
const expected = Number(countArg);
const kafka = new Kafka({
  brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  clientId: 'decode-only',
  logLevel: logLevel.NOTHING,
});
const codec = new SegmentCodec(
  createRegistry({ url: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7' }),
  SegmentCodec.subjectFor(topic!),
);
// The service's fetch bounds, so both read the topic the same way.
const consumer = kafka.consumer({
  groupId: `decode-${Date.now()}`,
  maxBytesPerPartition: 512 * 1024,
  maxBytes: 4 * 1024 * 1024,
});
await consumer.connect();
await consumer.subscribe({ topic: topic!, fromBeginning: true });
let n = 0;
let first = 0;
let sink = 0;
let cpuAtFirst = process.cpuUsage();
const done = new Promise<void>((resolve) => {
  void consumer.run({
    partitionsConsumedConcurrently: 8,
    eachBatch: async ({ batch }) => {
      if (!first) {
        first = performance.now();
        cpuAtFirst = process.cpuUsage();
      }
      for (const m of batch.messages) {
        const e = codec.decodeKnown(m.value) ?? (await codec.decode(m.value));
        sink += e.type.length;
      }
      n += batch.messages.length;
      if (n >= expected) resolve();
    },
  });
});
const timeout = setTimeout(() => {
  process.stdout.write(JSON.stringify({ error: `timeout after ${n}` }) + '\n');
  process.exit(1);
}, 300_000);
await done;
const seconds = (performance.now() - first) / 1000;
const cpu = process.cpuUsage(cpuAtFirst);
clearTimeout(timeout);
const cpuUsPerEvent = (cpu.user + cpu.system) / n;
process.stdout.write(
  JSON.stringify({ events: n, seconds, eventsPerSec: n / seconds, cpuUsPerEvent, sink }) + '\n',
);
await consumer.disconnect();
