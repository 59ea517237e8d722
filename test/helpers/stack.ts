/**
 * Access to the real local stack (scripts/stack.sh up) for integration tests: a real Kafka broker and a
 * real schema registry. Each test file works on its own topics and groups, so files can run in parallel.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type AdminConfig, type Consumer, type KafkaMessage } from 'kafkajs';

export const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
export const REGISTRY_URL = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7';

export function testKafka(clientId = 'test'): Kafka {
  return new Kafka({ brokers: BROKERS, clientId, logLevel: logLevel.NOTHING, retry: { retries: 5 } });
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function createTopics(names: string[], partitions = 1): Promise<void> {
  const admin = testKafka('test-admin').admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: names.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(names: string[]): Promise<void> {
  const admin = testKafka('test-admin').admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: names }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

/** Read every message of a topic from the beginning until `count` arrived or the deadline passed. */
export async function readAll(
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<(KafkaMessage & { partition: number })[]> {
  const consumer: Consumer = testKafka('test-reader').consumer({ groupId: uniqueName('reader') });
  const out: (KafkaMessage & { partition: number })[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`readAll(${topic}): ${out.length}/${count} after ${timeoutMs} ms`)),
        timeoutMs,
      );
      if (count === 0) {
        clearTimeout(timer);
        resolve();
        return;
      }
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          out.push({ ...message, partition });
          if (out.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/**
 * Creates a topic, produces one record and reads the high watermark back ('1'): the whole round trip
 * through a client (a security listener's, say); the topic is deleted again.
 */
export async function roundTrip(kafka: Kafka, prefix: string, adminConfig?: AdminConfig): Promise<string> {
  const admin = kafka.admin(adminConfig);
  await admin.connect();
  const topic = uniqueName(prefix);
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k', value: 'v' }] });
    await producer.disconnect();
    return (await admin.fetchTopicOffsets(topic))[0]!.high;
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}
