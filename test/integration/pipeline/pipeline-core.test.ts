/**
 * The consumer pipeline against the real broker and registry, with a recording destination double
 * (the Zendesk side is covered by the end-to-end tests): per-key order under concurrency, poison
 * records dead-lettered with their context, outages pausing instead of dead-lettering.
 */
import { describe, expect, it } from 'vitest';
import { SegmentPipeline, type Destination } from '../../../src/pipeline/consumer.js';
import { H, headerText } from '../../../src/pipeline/dlq.js';
import type { SegmentEvent } from '../../../src/segment/event.js';
import type { Outcome } from '../../../src/destination/outcome.js';
import { ZendeskError } from '../../../src/zendesk/errors.js';
import { readAll, testKafka, uniqueName } from '../../helpers/stack.js';
import {
  codecFor,
  pipelineTopics,
  produceEvents,
  quietLog,
  seeded,
  waitUntil,
} from '../../helpers/pipeline.js';

const fixture = pipelineTopics('pl');
const setup = fixture.create;

function pipeline(
  topic: string,
  dlqTopic: string,
  destination: Destination,
  extra: Partial<ConstructorParameters<typeof SegmentPipeline>[0]> = {},
) {
  return new SegmentPipeline({
    kafka: testKafka('pl'),
    topic,
    dlqTopic,
    groupId: uniqueName('grp'),
    fromBeginning: true,
    codec: codecFor(topic),
    destination,
    log: quietLog,
    outageBackoff: { initialMs: 200, maxMs: 1000 },
    sessionTimeoutMs: 10_000,
    ...extra,
  });
}

describe('consumer pipeline (real broker)', () => {
  it.each([1, 2])(
    'keeps each user in order with concurrent lanes and random latency (seed %i)',
    async (seed) => {
      const { topic, dlqTopic, codec } = await setup(4);
      const rnd = seeded(seed);
      const events: SegmentEvent[] = Array.from({ length: 2000 }, (_, i) => ({
        type: 'identify',
        messageId: `m${i}`,
        userId: `user-${Math.floor(rnd() * 50)}`,
        traits: { seq: i },
      }));
      await produceEvents(fixture.producer(), codec, topic, events);
      const seenByUser = new Map<string, number[]>();
      let inFlight = 0;
      let maxInFlight = 0;
      const dest: Destination = {
        async process(e): Promise<Outcome> {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((r) => setTimeout(r, Math.floor(rnd() * 5)));
          const list = seenByUser.get(e.userId!) ?? [];
          list.push((e.traits as { seq: number }).seq);
          seenByUser.set(e.userId!, list);
          inFlight--;
          return { kind: 'delivered' };
        },
      };
      const committed = new Map<number, number>();
      const p = pipeline(topic, dlqTopic, dest, {
        observer: { committed: (_t, partition, offset) => committed.set(partition, Number(offset)) },
      });
      await p.start();
      await waitUntil(() => p.counts.delivered >= 2000, 60_000, '2000 outcomes');
      await p.stop();
      // committed_offset comes from the pipeline's commits (KafkaJS's COMMIT_OFFSETS event): the next offset of each partition, all 2000 in all
      expect([...committed.values()].reduce((a, b) => a + b, 0)).toBe(2000);
      for (const [user, seqs] of seenByUser) {
        const expected = events
          .filter((e) => e.userId === user)
          .map((e) => (e.traits as { seq: number }).seq);
        expect(seqs, user).toEqual(expected);
      }
      expect(p.counts).toMatchObject({ consumed: 2000, delivered: 2000, deadLettered: 0 });
      expect(maxInFlight).toBeGreaterThan(1); // lanes really ran concurrently
    },
  );

  it('coalesces consecutive events of one key into runs, in order, one outcome each', async () => {
    const { topic, dlqTopic, codec } = await setup(2);
    const events: SegmentEvent[] = Array.from({ length: 600 }, (_, i) => ({
      type: i % 10 === 9 ? 'track' : 'identify',
      event: 'x',
      messageId: `c${i}`,
      userId: `user-${i % 7}`,
      traits: { seq: i },
    }));
    await produceEvents(fixture.producer(), codec, topic, events);
    const seen = new Map<string, number[]>();
    const runSizes: number[] = [];
    const record = (e: SegmentEvent) =>
      seen.set(e.userId!, [...(seen.get(e.userId!) ?? []), Number(e.messageId!.slice(1))]);
    const dest: Destination = {
      mergeKey: (e) => (e.type === 'identify' ? `u:${e.userId}` : null),
      async processRun(run) {
        runSizes.push(run.length);
        expect(new Set(run.map((e) => e.userId)).size).toBe(1);
        run.forEach(record);
        return run.map(() => ({ kind: 'delivered' }));
      },
      async process(e) {
        runSizes.push(1);
        record(e);
        return { kind: 'delivered' };
      },
    };
    const p = pipeline(topic, dlqTopic, dest, { maxRun: 20 });
    await p.start();
    await waitUntil(() => p.counts.delivered >= 600, 60_000, '600 outcomes');
    await p.stop();
    expect(p.counts).toMatchObject({ consumed: 600, delivered: 600 });
    expect(Math.max(...runSizes)).toBeGreaterThan(1);
    expect(Math.max(...runSizes)).toBeLessThanOrEqual(20);
    for (const [user, seqs] of seen) {
      expect(seqs, user).toEqual(
        events.filter((e) => e.userId === user).map((e) => Number(e.messageId!.slice(1))),
      );
    }
  });

  it('dead-letters poison records with reason and context headers, and delivers the events behind them', async () => {
    const { topic, dlqTopic, codec } = await setup(1);
    const good = (i: number): SegmentEvent => ({
      type: 'identify',
      messageId: `g${i}`,
      userId: 'u1',
      traits: { i },
    });
    await produceEvents(fixture.producer(), codec, topic, [
      good(1),
      { raw: Buffer.from('not avro at all'), key: 'u1' },
      good(2),
      { type: 'identify', messageId: 'bad-1', userId: 'u1' }, // the double rejects this one
      good(3),
    ]);
    const delivered: string[] = [];
    const dest: Destination = {
      async process(e) {
        if (e.messageId === 'bad-1')
          return {
            kind: 'rejected',
            reason: 'invalid_event',
            message: 'no traits',
            status: 422,
            details: { x: 1 },
          };
        delivered.push(e.messageId!);
        return { kind: 'delivered' };
      },
    };
    const p = pipeline(topic, dlqTopic, dest);
    await p.start();
    await waitUntil(() => p.counts.consumed >= 5, 30_000, '5 outcomes');
    await p.stop();
    expect(delivered).toEqual(['g1', 'g2', 'g3']);
    const dl = await readAll(dlqTopic, 2);
    const byReason = new Map(dl.map((m) => [headerText(m.headers, H.reason), m]));
    const undecodable = byReason.get('undecodable')!;
    expect(undecodable.value!.toString()).toBe('not avro at all'); // original bytes untouched
    expect(undecodable.key!.toString()).toBe('u1');
    expect(headerText(undecodable.headers, H.message)).toMatch(/wrong_magic_byte/);
    expect(headerText(undecodable.headers, H.topic)).toBe(topic);
    expect(headerText(undecodable.headers, H.partition)).toBe('0');
    expect(headerText(undecodable.headers, H.offset)).toBe('1');
    const invalid = byReason.get('invalid_event')!;
    expect(headerText(invalid.headers, H.status)).toBe('422');
    expect(JSON.parse(headerText(invalid.headers, H.details)!)).toEqual({ x: 1 });
    expect(headerText(invalid.headers, H.messageId)).toBe('bad-1');
    expect(headerText(invalid.headers, H.offset)).toBe('3');
    expect(Date.parse(headerText(invalid.headers, H.failedAt)!)).not.toBeNaN();
  });

  it('pauses on an outage, dead-letters nothing, and resumes by itself', async () => {
    const { topic, dlqTopic, codec } = await setup(2);
    const events: SegmentEvent[] = Array.from({ length: 60 }, (_, i) => ({
      type: 'identify',
      messageId: `o${i}`,
      userId: `u${i % 6}`,
      traits: { i },
    }));
    await produceEvents(fixture.producer(), codec, topic, events);
    let down = true;
    const delivered = new Set<string>();
    const perUser = new Map<string, number[]>();
    const dest: Destination = {
      async process(e) {
        if (down) throw new ZendeskError('outage', 'Zendesk said 401 for the account', { status: 401 });
        delivered.add(e.messageId!);
        perUser.set(e.userId!, [...(perUser.get(e.userId!) ?? []), (e.traits as { i: number }).i]);
        return { kind: 'delivered' };
      },
    };
    const p = pipeline(topic, dlqTopic, dest);
    await p.start();
    await waitUntil(() => p.counts.outages >= 2, 30_000, 'two pauses');
    expect(p.readiness().ready).toBe(false);
    expect(p.counts.deadLettered).toBe(0);
    down = false;
    await waitUntil(() => delivered.size === 60, 30_000, 'all 60 delivered after the outage');
    await waitUntil(() => p.readiness().ready, 10_000, 'ready again');
    await p.stop();
    expect(p.counts.deadLettered).toBe(0);
    for (const [u, seq] of perUser) expect(seq, u).toEqual([...seq].sort((a, b) => a - b));
  });
});
