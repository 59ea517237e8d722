import type { Producer } from 'kafkajs';
import { createRegistry, SegmentCodec } from '../../src/segment/codec.js';
import { partitionKey, type SegmentEvent } from '../../src/segment/event.js';
import { afterAll, beforeAll } from 'vitest';
import { REGISTRY_URL, createTopics, deleteTopics, testKafka, uniqueName } from './stack.js';
import { mulberry32 } from '../../src/sandbox/random.js';

export function codecFor(topic: string): SegmentCodec {
  return new SegmentCodec(createRegistry({ url: REGISTRY_URL }), SegmentCodec.subjectFor(topic));
}

export async function produceEvents(
  producer: Producer,
  codec: SegmentCodec,
  topic: string,
  events: (SegmentEvent | { raw: Buffer; key: string })[],
): Promise<void> {
  const messages = [];
  for (const e of events) {
    if ('raw' in e) messages.push({ key: e.key, value: e.raw });
    else messages.push({ key: partitionKey(e) ?? 'none', value: (await codec.encode(e)).value });
  }
  for (let i = 0; i < messages.length; i += 500)
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 500) });
}

export async function connectedProducer(): Promise<Producer> {
  const p = testKafka('test-producer').producer();
  await p.connect();
  return p;
}

export async function waitUntil(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const quietLog = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

/** Seeded PRNG (the sandbox's mulberry32), so workloads are reproducible. */
export const seeded = mulberry32;

/**
 * A test file's producer and topics: the producer connects before the file's tests, disconnects after
 * them, and every topic made through `topics` is deleted then.
 */
export function pipelineTopics(prefix: string) {
  let producer: Producer | undefined;
  const made: string[] = [];
  beforeAll(async () => {
    producer = await connectedProducer();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await deleteTopics(made);
  });
  return {
    producer: (): Producer => producer!,
    /** A new topic `<prefix>-…` and its `.dlq`, with `partitions` partitions each, and its codec. */
    async create(partitions: number) {
      const topic = uniqueName(prefix);
      const dlqTopic = `${topic}.dlq`;
      made.push(topic, dlqTopic);
      await createTopics([topic, dlqTopic], partitions);
      return { topic, dlqTopic, codec: codecFor(topic) };
    },
  };
}
