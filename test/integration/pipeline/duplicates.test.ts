/**
 * Issue 17 against the real broker: outcomes above the watermark (a slow event holds the watermark while
 * later track events are delivered) travel with the commit, so neither a rebalance (a second member
 * joins) nor a clean restart sends those track events again. The destination double counts deliveries
 * per messageId: a second delivery of a track event is what Zendesk would show twice.
 */
import { describe, expect, it } from 'vitest';
import { SegmentPipeline, type Destination } from '../../../src/pipeline/consumer.js';
import type { SegmentEvent } from '../../../src/segment/event.js';
import { testKafka, uniqueName } from '../../helpers/stack.js';
import { pipelineTopics, produceEvents, quietLog, waitUntil } from '../../helpers/pipeline.js';

const fixture = pipelineTopics('dup');

const N = 60;

/** A slow identify first (it holds the watermark), then N track events of other users. */
const stream = (tag: string): SegmentEvent[] => [
  { type: 'identify', messageId: `${tag}-slow`, userId: 'slow', traits: { name: 'Slow' } },
  ...Array.from({ length: N }, (_, i) => ({
    type: 'track' as const,
    event: 'Order Completed',
    messageId: `${tag}-t${i}`,
    userId: `u${i}`,
    properties: { i },
    timestamp: '2024-01-02T03:04:05.000Z',
  })),
];

/** Deliveries per messageId, shared by every member; the slow event waits for `release`. */
function recorder() {
  const deliveries = new Map<string, number>();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const dest: Destination = {
    async process(e) {
      if (e.userId === 'slow') await gate;
      deliveries.set(e.messageId!, (deliveries.get(e.messageId!) ?? 0) + 1);
      return { kind: 'delivered' };
    },
  };
  const tracks = () => [...deliveries].filter(([id]) => !id.endsWith('-slow'));
  return {
    dest,
    release,
    deliveries,
    delivered: () => tracks().length,
    duplicates: () => tracks().reduce((n, [, times]) => n + times - 1, 0),
  };
}

async function setup() {
  const { topic, dlqTopic, codec } = await fixture.create(1);
  await produceEvents(fixture.producer(), codec, topic, stream(topic));
  const groupId = uniqueName('grp');
  const member = (dest: Destination) =>
    new SegmentPipeline({
      kafka: testKafka('dup'),
      topic,
      dlqTopic,
      groupId,
      fromBeginning: true,
      codec,
      destination: dest,
      log: quietLog,
      sessionTimeoutMs: 10_000,
      drainMs: 1000,
      shutdownTimeoutMs: 5000,
    });
  return { member };
}

describe('duplicates: offsets done above the watermark travel with the commit (real broker)', () => {
  it('a rebalance (a second member joins) sends no track event twice', async () => {
    const { member } = await setup();
    const r = recorder();
    const a = member(r.dest);
    const b = member(r.dest);
    try {
      await a.start();
      await waitUntil(() => r.delivered() === N, 30_000, 'the track events delivered by the first member');
      // the slow event still holds the watermark: everything delivered is above it
      await b.start();
      // the first member's batch ends on the rebalance (its slow run abandoned); then the slow one heals
      await waitUntil(() => a.readiness().ready && b.readiness().ready, 30_000, 'both members joined');
      r.release();
      await waitUntil(() => (r.deliveries.get(`${topicOf(r)}-slow`) ?? 0) >= 1, 30_000, 'the slow event');
      await new Promise((res) => setTimeout(res, 2000));
      expect(r.delivered()).toBe(N);
      expect(r.duplicates(), 'track events delivered twice').toBe(0);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 90_000);

  it('a clean restart (stop, start) sends no track event twice', async () => {
    const { member } = await setup();
    const r = recorder();
    const first = member(r.dest);
    await first.start();
    await waitUntil(() => r.delivered() === N, 30_000, 'the track events delivered');
    await first.stop();
    r.release();
    const second = member(r.dest);
    try {
      await second.start();
      await waitUntil(
        () => second.counts.delivered >= 1,
        30_000,
        'the slow event delivered after the restart',
      );
      await new Promise((res) => setTimeout(res, 1000));
      expect(second.counts.delivered, 'only the slow event is delivered again').toBe(1);
      expect(r.duplicates(), 'track events delivered twice').toBe(0);
    } finally {
      await second.stop();
    }
  }, 90_000);
});

const topicOf = (r: ReturnType<typeof recorder>) => [...r.deliveries.keys()][0]!.replace(/-t\d+$/, '');
