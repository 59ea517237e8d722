import type { Producer } from 'kafkajs';
import { createRegistry, SegmentCodec } from '../../src/segment/codec.js';
import { partitionKey, type SegmentEvent } from '../../src/segment/event.js';
import { REGISTRY_URL, testKafka } from './stack.js';
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
