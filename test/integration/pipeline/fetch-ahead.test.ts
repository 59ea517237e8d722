/**
 * Fetching ahead against the real broker (issue 15's fetch waves): a slow Zendesk call on one partition
 * no longer holds back the fetching and processing of other partitions' later events, and what is
 * handed over and not settled stays within the in-flight bound (fetching pauses at it).
 */
import { describe, expect, it } from 'vitest';
import { SegmentPipeline, type Destination } from '../../../src/pipeline/consumer.js';
import type { SegmentEvent } from '../../../src/segment/event.js';
import type { SegmentCodec } from '../../../src/segment/codec.js';
import { testKafka, uniqueName } from '../../helpers/stack.js';
import { codecFor, pipelineTopics, quietLog, waitUntil } from '../../helpers/pipeline.js';

const fixture = pipelineTopics('fa');
const setup = fixture.create;

/** Events sent to one partition (explicitly, whatever their key). */
async function sendTo(codec: SegmentCodec, topic: string, partition: number, events: SegmentEvent[]) {
  const messages = [];
  for (const e of events) messages.push({ key: e.userId!, value: (await codec.encode(e)).value, partition });
  await fixture.producer().send({ topic, acks: -1, messages });
}

const identify = (id: string, userId: string): SegmentEvent => ({
  type: 'identify',
  messageId: id,
  userId,
  traits: { name: userId },
});

/** `n` distinct users to each of partitions 0 and 1 (`<prefix><partition>-<i>`). */
async function sendUsers(codec: SegmentCodec, topic: string, prefix: string, n: number) {
  for (const part of [0, 1])
    await sendTo(
      codec,
      topic,
      part,
      Array.from({ length: n }, (_, i) => identify(`${prefix}${part}-${i}`, `${prefix}${part}-${i}`)),
    );
}

function member(
  topic: string,
  dlqTopic: string,
  destination: Destination,
  extra: Partial<ConstructorParameters<typeof SegmentPipeline>[0]> = {},
) {
  return new SegmentPipeline({
    kafka: testKafka('fa'),
    topic,
    dlqTopic,
    groupId: uniqueName('grp'),
    fromBeginning: true,
    codec: codecFor(topic),
    destination,
    log: quietLog,
    sessionTimeoutMs: 10_000,
    shutdownTimeoutMs: 5000,
    drainMs: 1000,
    ...extra,
  });
}

describe('fetching ahead (real broker)', () => {
  it("a slow event on one partition does not hold back other partitions' later events", async () => {
    const { topic, dlqTopic, codec } = await setup(2);
    const SLOW_MS = 5000;
    const doneAt = new Map<string, number>();
    let slowStarted = false;
    const dest: Destination = {
      async process(e) {
        if (e.userId === 'slow') {
          slowStarted = true;
          await new Promise((r) => setTimeout(r, SLOW_MS));
        }
        doneAt.set(e.messageId!, Date.now());
        return { kind: 'delivered' };
      },
    };
    // Partition 0: the slow event; partition 1: one event now, then more once the slow call is under way.
    await sendTo(codec, topic, 0, [identify('slow', 'slow')]);
    await sendTo(codec, topic, 1, [identify('b0', 'b0')]);
    const p = member(topic, dlqTopic, dest);
    try {
      await p.start();
      await waitUntil(() => slowStarted && doneAt.has('b0'), 30_000, 'the slow call under way and b0 done');
      const later = Array.from({ length: 20 }, (_, i) => identify(`b${i + 1}`, `b${i + 1}`));
      const sentAt = Date.now();
      await sendTo(codec, topic, 1, later);
      await waitUntil(() => doneAt.has('slow'), 30_000, 'the slow event');
      const bDone = later.map((e) => doneAt.get(e.messageId!));
      // Every later event of partition 1 settled while the slow call of partition 0 was still running.
      expect(bDone.every((t) => t !== undefined && t < doneAt.get('slow')!)).toBe(true);
      expect(Math.max(...(bDone as number[])) - sentAt).toBeLessThan(SLOW_MS / 2);
    } finally {
      await p.stop();
    }
  }, 90_000);

  it('pauses fetching at the in-flight bound: events handed over never exceed it, and all are delivered', async () => {
    const { topic, dlqTopic, codec } = await setup(2);
    const PER_PARTITION = 7;
    const TOTAL = 10;
    const N = 40; // per partition, each a different user: every event handed over is at Zendesk at once
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const now = new Map<number, number>();
    let total = 0;
    let maxTotal = 0;
    const maxPer = new Map<number, number>();
    const delivered = new Set<string>();
    const dest: Destination = {
      async process(e) {
        const part = Number(e.userId!.split('-')[0]!.slice(1));
        now.set(part, (now.get(part) ?? 0) + 1);
        maxPer.set(part, Math.max(maxPer.get(part) ?? 0, now.get(part)!));
        maxTotal = Math.max(maxTotal, ++total);
        await gate;
        now.set(part, now.get(part)! - 1);
        total--;
        delivered.add(e.messageId!);
        return { kind: 'delivered' };
      },
    };
    await sendUsers(codec, topic, 'p', N);
    const p = member(topic, dlqTopic, dest, {
      inFlightLimits: { partitionEvents: PER_PARTITION, totalEvents: TOTAL },
    });
    try {
      await p.start();
      await waitUntil(() => total >= TOTAL, 30_000, `${TOTAL} events at Zendesk`);
      // Fetching goes on (other batches, heartbeats) but nothing more is handed over while the bound is reached.
      await new Promise((r) => setTimeout(r, 3000));
      expect(total).toBe(TOTAL);
      release();
      await waitUntil(() => delivered.size === 2 * N, 60_000, 'every event delivered');
      expect(maxTotal).toBe(TOTAL);
      expect(Math.max(...maxPer.values())).toBeLessThanOrEqual(PER_PARTITION);
    } finally {
      await p.stop();
    }
  }, 120_000);

  it('a partition resumed below its bound gets its next batch at once, even when every partition was paused', async () => {
    // KafkaJS sleeps its fetch max wait when no partition may be fetched; at its 5 s default a partition
    // resumed meanwhile waited up to 5 s for its next batch while its lanes ran dry (the ceiling run's
    // in-flight saw-tooth). Rounds: both partitions at their bound, then everything settles at once.
    const { topic, dlqTopic, codec } = await setup(2);
    const N = 40;
    let release!: () => void;
    let gate = new Promise<void>((r) => (release = r));
    let atZendesk = 0;
    let lastStart = 0;
    const dest: Destination = {
      async process() {
        atZendesk++;
        lastStart = Date.now();
        await gate;
        atZendesk--;
        return { kind: 'delivered' };
      },
    };
    await sendUsers(codec, topic, 'r', N);
    const p = member(topic, dlqTopic, dest, { inFlightLimits: { partitionEvents: 5, totalEvents: 10 } });
    const refills: number[] = [];
    try {
      await p.start();
      for (let round = 0; round < 4; round++) {
        await waitUntil(() => atZendesk === 10, 30_000, 'both partitions at their bound');
        // Both paused: KafkaJS finds nothing to fetch and sleeps.
        await new Promise((r) => setTimeout(r, 700));
        const releasedAt = Date.now();
        const open = release;
        gate = new Promise<void>((r) => (release = r));
        open();
        await waitUntil(() => lastStart > releasedAt, 30_000, 'the next batch');
        refills.push(lastStart - releasedAt);
      }
      release();
    } finally {
      await p.stop();
    }
    expect(Math.max(...refills)).toBeLessThan(1500);
  }, 180_000);
});
