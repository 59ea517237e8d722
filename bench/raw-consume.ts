/** The ceiling: plain kafkajs consume-and-discard of a topic (no decode, no work). Prints one JSON line. */
import { Kafka, logLevel } from 'kafkajs';

const [topic, countArg] = process.argv.slice(2);
const expected = Number(countArg);
const kafka = new Kafka({
  brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  clientId: 'raw',
  logLevel: logLevel.NOTHING,
});
const consumer = kafka.consumer({ groupId: `raw-${Date.now()}` });
await consumer.connect();
await consumer.subscribe({ topic: topic!, fromBeginning: true });
let n = 0;
let first = 0;
const done = new Promise<void>((resolve) => {
  void consumer.run({
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch }) => {
      if (!first) first = performance.now();
      n += batch.messages.length;
      if (n >= expected) resolve();
    },
  });
});
const timeout = setTimeout(() => {
  process.stdout.write(JSON.stringify({ error: `timeout after ${n}` }) + '\n');
  process.exit(1);
}, 120_000);
await done;
const seconds = (performance.now() - first) / 1000;
clearTimeout(timeout);
process.stdout.write(JSON.stringify({ events: n, seconds, eventsPerSec: n / seconds }) + '\n');
await consumer.disconnect();
