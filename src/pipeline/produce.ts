import type { Producer } from 'kafkajs';
import { partitionKey } from '../segment/event.js';
import type { SegmentCodec } from '../segment/codec.js';
import { InvalidInputError } from '../segment/errors.js';

export interface ProduceError {
  line: number;
  reason: string;
}
export interface ProduceSummary {
  read: number;
  produced: number;
  failed: number;
  errors: ProduceError[];
  droppedKeys: string[];
}

/**
 * JSON lines of Segment events → Avro records on the topic, keyed by userId (falling back to
 * anonymousId) so one user's events land on one partition in order. A bad line is reported with its
 * line number and reason and does not stop the good ones. Blank lines are ignored.
 */
export async function produceLines(
  lines: AsyncIterable<string> | Iterable<string>,
  opts: {
    codec: SegmentCodec;
    producer: Producer;
    topic: string;
    batchSize?: number;
    onError?: (e: ProduceError) => void;
    onProgress?: (s: ProduceSummary) => void;
  },
): Promise<ProduceSummary> {
  const batchSize = opts.batchSize ?? 500;
  const summary: ProduceSummary = { read: 0, produced: 0, failed: 0, errors: [], droppedKeys: [] };
  const dropped = new Set<string>();
  let batch: { key: string; value: Buffer }[] = [];
  const fail = (line: number, reason: string) => {
    const e = { line, reason };
    summary.failed++;
    if (summary.errors.length < 1000) summary.errors.push(e);
    opts.onError?.(e);
  };
  const flush = async () => {
    if (!batch.length) return;
    // acks -1: a record counts as produced only once the broker has it.
    await opts.producer.send({ topic: opts.topic, messages: batch, acks: -1 });
    summary.produced += batch.length;
    batch = [];
    opts.onProgress?.(summary);
  };
  let lineNo = 0;
  for await (const raw of lines) {
    lineNo++;
    const text = raw.trim();
    if (!text) continue;
    summary.read++;
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch (e) {
      fail(lineNo, `not valid JSON: ${(e as Error).message}`);
      continue;
    }
    try {
      const key = partitionKey((event ?? {}) as { userId?: string; anonymousId?: string });
      if (key === null) throw new InvalidInputError('neither "userId" nor "anonymousId" is set');
      const { value, dropped: d } = await opts.codec.encode(event);
      d.forEach((k) => dropped.add(k));
      batch.push({ key, value });
    } catch (e) {
      if (e instanceof InvalidInputError) {
        fail(lineNo, e.message);
        continue;
      }
      throw e;
    }
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  summary.droppedKeys = [...dropped].sort();
  return summary;
}
