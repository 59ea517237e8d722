/**
 * A rebalance heard while the member is idle in a fetch (everything fetched, runs in flight at a slow
 * Zendesk, no batch in eachBatch to hold back), against the real broker: a second member joins. The
 * first member must not rejoin while its runs are in flight: otherwise the next owner of a revoked
 * partition sends those events again, and a run still in flight at the first member lands after the
 * next owner's newer write of the same user (Zendesk keeps the older traits).
 */
import { describe, expect, it } from 'vitest';
import { SegmentPipeline, type Destination } from '../../../src/pipeline/consumer.js';
import type { SegmentCodec } from '../../../src/segment/codec.js';
import type { SegmentEvent } from '../../../src/segment/event.js';
import { testKafka, uniqueName } from '../../helpers/stack.js';
import { pipelineTopics, quietLog, waitUntil } from '../../helpers/pipeline.js';

const fixture = pipelineTopics('rbi');

const USERS_PER_PARTITION = 4;
const SLOW_MS = 8000;

/** Two identifies per user (v1 then v2), each user's on one partition. */
async function produce(codec: SegmentCodec, topic: string) {
  for (const partition of [0, 1]) {
    const messages = [];
    for (const v of ['v1', 'v2'])
      for (let u = 0; u < USERS_PER_PARTITION; u++) {
        const userId = `p${partition}-u${u}`;
        const e: SegmentEvent = { type: 'identify', messageId: `${userId}-${v}`, userId, traits: { v } };
        messages.push({ key: userId, value: (await codec.encode(e)).value, partition });
      }
    await fixture.producer().send({ topic, acks: -1, messages });
  }
}

/**
 * Zendesk as both members see it: a write lands when its call ends (the first member's calls are
 * slow, the second's quick); `state` is what a user holds, `deliveries` counts writes per event.
 */
function zendesk() {
  const deliveries = new Map<string, number>();
  const state = new Map<string, string>();
  let started = 0;
  const member = (ms: number): Destination => ({
    async process(e) {
      started++;
      await new Promise((r) => setTimeout(r, ms));
      deliveries.set(e.messageId!, (deliveries.get(e.messageId!) ?? 0) + 1);
      state.set(e.userId!, String((e.traits as { v: string }).v));
      return { kind: 'delivered' };
    },
  });
  return { deliveries, state, member, started: () => started };
}

describe('a rebalance heard while idle in a fetch (real broker)', () => {
  it('the first member rejoins only once its runs in flight have ended: no event twice, no older write last', async () => {
    const { topic, dlqTopic, codec } = await fixture.create(2);
    await produce(codec, topic);
    const groupId = uniqueName('grp');
    const z = zendesk();
    // Each member is told its part of the group's work at every join (its partitions ÷ the topic's).
    const parts = { a: [] as number[], b: [] as number[] };
    const pipeline = (destination: Destination, told: number[]) =>
      new SegmentPipeline({
        onPartOfWork: (part) => told.push(part),
        kafka: testKafka('rbi'),
        topic,
        dlqTopic,
        groupId,
        fromBeginning: true,
        codec,
        destination,
        log: quietLog,
        sessionTimeoutMs: 10_000,
        shutdownTimeoutMs: 5000,
        drainMs: 20_000,
      });
    const a = pipeline(z.member(SLOW_MS), parts.a);
    const b = pipeline(z.member(20), parts.b);
    try {
      await a.start();
      // Every user's v1 in flight at the first member (its v2 waits in the lane); nothing left to fetch.
      await waitUntil(() => z.started() === 2 * USERS_PER_PARTITION, 30_000, 'the v1 runs in flight');
      await b.start();
      const users = [0, 1].flatMap((p) =>
        Array.from({ length: USERS_PER_PARTITION }, (_, u) => `p${p}-u${u}`),
      );
      await waitUntil(() => users.every((u) => z.deliveries.has(`${u}-v2`)), 60_000, 'every v2 delivered');
      // Any run of the first member still in flight lands within SLOW_MS.
      await new Promise((r) => setTimeout(r, SLOW_MS + 1000));
      expect({
        deliveredTwice: [...z.deliveries].filter(([, n]) => n > 1).map(([id]) => id),
        holdingAnOlderWrite: users.filter((u) => z.state.get(u) !== 'v2'),
      }).toEqual({ deliveredTwice: [], holdingAnOlderWrite: [] });
      // Alone, the first member had both partitions; once the second joined, each has one of two.
      expect(parts.a[0]).toBe(1);
      expect({ a: parts.a.at(-1), b: parts.b.at(-1) }).toEqual({ a: 0.5, b: 0.5 });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 120_000);
});
