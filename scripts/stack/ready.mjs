// Exit 0 only when the Kafka admin API answers and the registry's Confluent API answers.
import kafkajs from 'kafkajs';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const registry = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7';

const what = process.env.READY_WHAT ?? 'all';
if (what !== 'registry') {
  const kafka = new kafkajs.Kafka({
    brokers,
    clientId: 'stack-ready',
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 2000,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    await admin.listTopics();
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
if (what !== 'kafka') {
  const res = await fetch(`${registry}/subjects`, { signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`registry answered ${res.status}`);
}
