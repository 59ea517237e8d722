/**
 * A dead letter the DLQ topic refuses as too large (its max.message.bytes is smaller than the record
 * plus our headers), on the real broker: the broker's refusal is recognised as about the record, a
 * stand-in is written in its place, and a replay leaves the stand-in out and names the original.
 */
import type { KafkaMessage } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { DeadLetterWriter, H, headerText } from '../../../src/pipeline/dlq.js';
import { readDeadLetters, replayDeadLetters } from '../../../src/pipeline/dlq-tools.js';
import { createKafka, createProducer } from '../../../src/pipeline/kafka.js';
import { newCounts, Reporter } from '../../../src/pipeline/report.js';
import type { Log } from '../../../src/pipeline/types.js';
import { BROKERS, deleteTopics, testKafka, uniqueName } from '../../helpers/stack.js';

const topics: string[] = [];
afterAll(async () => deleteTopics(topics));
const log: Log = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

describe('stand-in dead letters (real broker)', () => {
  it('a record too large for the DLQ topic gets a stand-in; the next one is dead-lettered as usual; replay leaves the stand-in out', async () => {
    const topic = uniqueName('big');
    const dlqTopic = `${topic}.dlq`;
    topics.push(topic, dlqTopic);
    const admin = testKafka().admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: 1 },
        { topic: dlqTopic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '4096' }] },
      ],
    });
    await admin.disconnect();
    const kafka = createKafka({ brokers: BROKERS, clientId: 'standin-test', ssl: false });
    const producer = createProducer(kafka);
    await producer.connect();
    try {
      const counts = newCounts();
      const reporter = new Reporter(new DeadLetterWriter(producer, dlqTopic, 'g'), dlqTopic, log, counts);
      const rec = (offset: string, size: number): KafkaMessage =>
        ({
          offset,
          key: Buffer.from('u1'),
          value: Buffer.alloc(size, 120),
          timestamp: '1',
          headers: {},
        }) as unknown as KafkaMessage;
      const rejected = { kind: 'rejected', reason: 'invalid_event', message: 'no userId' } as const;
      await reporter.report(
        topic,
        0,
        [{ message: rec('7', 10_000) }, { message: rec('8', 100) }],
        [rejected, rejected],
      );
      expect(counts.deadLettered).toBe(2);

      const dead = await readDeadLetters(kafka, dlqTopic, {}, 30_000);
      expect(dead).toHaveLength(2);
      const [standIn, normal] = dead;
      expect(standIn!.value).toBeNull();
      expect(headerText(standIn!.headers, H.standIn)).toBe('10000');
      expect(headerText(standIn!.headers, H.offset)).toBe('7');
      expect(headerText(standIn!.headers, H.reason)).toBe('invalid_event');
      expect(standIn!.message).toContain(`${topic}/0/7`);
      expect(normal!.value?.length).toBe(100);

      const s = await replayDeadLetters(kafka, { dlqTopic, sourceTopic: topic, timeoutMs: 30_000 });
      expect(s.replayed).toBe(1);
      expect(s.standIns).toEqual([{ partition: 0, offset: standIn!.offset, original: `${topic}/0/7` }]);
    } finally {
      await producer.disconnect();
    }
  }, 90_000);
});
