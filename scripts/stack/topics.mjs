// Create the source topic and its dead-letter topic (idempotent), partition count from KAFKA_PARTITIONS.
import kafkajs from 'kafkajs';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const topic = process.env.KAFKA_TOPIC ?? 'segment-events';
const dlq = process.env.KAFKA_DLQ_TOPIC ?? `${topic}.dlq`;
const partitions = Number(process.env.KAFKA_PARTITIONS ?? '6');

const kafka = new kafkajs.Kafka({ brokers, clientId: 'stack-topics', logLevel: kafkajs.logLevel.ERROR });
const admin = kafka.admin();
await admin.connect();
try {
  const existing = new Set(await admin.listTopics());
  const wanted = [
    { topic, numPartitions: partitions, replicationFactor: 1 },
    { topic: dlq, numPartitions: partitions, replicationFactor: 1 },
  ].filter((t) => !existing.has(t.topic));
  if (wanted.length) await admin.createTopics({ topics: wanted, waitForLeaders: true });
  console.error(`[stack] topics: ${topic} and ${dlq} (${partitions} partitions)`);
} finally {
  await admin.disconnect();
}
