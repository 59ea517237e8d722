/**
 * Proof that kafkajs 2.2.4 works against the Kafka 4.1 broker of the local stack: a consumer group
 * joins, commits offsets that a later member resumes from, and rebalances between two members.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Consumer, EachMessagePayload } from 'kafkajs';
import { createTopics, deleteTopics, testKafka, uniqueName } from '../../helpers/stack.js';

const topic = uniqueName('grp');
const kafka = testKafka('grp-test');

async function waitFor(cond: () => boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  await createTopics([topic], 4);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
  });
  await producer.disconnect();
});
afterAll(async () => deleteTopics([topic]));

describe('kafkajs against the real Kafka 4.x broker', () => {
  it('joins a group, commits, and a new member resumes after the committed offsets', async () => {
    const groupId = uniqueName('g');
    const seen: string[] = [];
    const c1 = kafka.consumer({ groupId });
    await c1.connect();
    await c1.subscribe({ topic, fromBeginning: true });
    await c1.run({
      eachMessage: async ({ message }: EachMessagePayload) => void seen.push(message.value!.toString()),
    });
    await waitFor(() => seen.length === 40, 30_000, '40 messages');
    await c1.disconnect(); // commits resolved offsets and leaves the group

    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    await admin.disconnect();
    const committed = offsets[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0);
    expect(committed).toBe(40);

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'late', value: 'late' }] });
    await producer.disconnect();
    const seen2: string[] = [];
    const c2 = kafka.consumer({ groupId });
    await c2.connect();
    await c2.subscribe({ topic, fromBeginning: true });
    await c2.run({ eachMessage: async ({ message }) => void seen2.push(message.value!.toString()) });
    await waitFor(() => seen2.length >= 1, 30_000, 'the late message');
    await new Promise((r) => setTimeout(r, 500));
    await c2.disconnect();
    expect(seen2).toEqual(['late']);
  });

  it('rebalances partitions between two members and back', async () => {
    const groupId = uniqueName('g');
    const assignments = new Map<string, number[]>();
    const member = async (name: string): Promise<Consumer> => {
      const c = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500 });
      c.on(c.events.GROUP_JOIN, (e) => assignments.set(name, e.payload.memberAssignment[topic] ?? []));
      await c.connect();
      await c.subscribe({ topic, fromBeginning: true });
      await c.run({ eachMessage: async () => {} });
      return c;
    };
    const a = await member('a');
    await waitFor(() => assignments.get('a')?.length === 4, 30_000, 'a owning all 4 partitions');
    const b = await member('b');
    await waitFor(
      () => (assignments.get('a')?.length ?? 0) === 2 && (assignments.get('b')?.length ?? 0) === 2,
      30_000,
      'a 2/2 split',
    );
    expect([...assignments.get('a')!, ...assignments.get('b')!].sort()).toEqual([0, 1, 2, 3]);
    await b.disconnect();
    await waitFor(() => assignments.get('a')?.length === 4, 30_000, 'a owning all 4 again');
    await a.disconnect();
  });
});
