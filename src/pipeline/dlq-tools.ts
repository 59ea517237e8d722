import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { H, headerText, replayHeaders } from './dlq.js';
import { createProducer } from './kafka.js';

export interface DeadLetterRecord {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  reason: string;
  message: string;
  failedAt?: string;
  originalTopic?: string;
}

export interface DlqFilter {
  reason?: string;
  limit?: number;
}

const toRecord = (partition: number, m: KafkaMessage): DeadLetterRecord => ({
  partition,
  offset: m.offset,
  key: m.key,
  value: m.value,
  headers: m.headers ?? {},
  reason: headerText(m.headers, H.reason) ?? 'unknown',
  message: headerText(m.headers, H.message) ?? '',
  failedAt: headerText(m.headers, H.failedAt),
  originalTopic: headerText(m.headers, H.topic),
});

/**
 * Read the dead-letter topic from its beginning to its end as it is now (end offsets taken first), with a
 * throw-away consumer group that is deleted afterwards: reading never moves anyone's offsets.
 */
export async function readDeadLetters(
  kafka: Kafka,
  dlqTopic: string,
  filter: DlqFilter = {},
  timeoutMs = 60_000,
): Promise<DeadLetterRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `zendesk-destination-dlq-reader-${randomUUID()}`;
  try {
    const ends = await admin.fetchTopicOffsets(dlqTopic);
    const remaining = new Map<number, bigint>();
    for (const p of ends) if (BigInt(p.high) > BigInt(p.low)) remaining.set(p.partition, BigInt(p.high));
    const out: DeadLetterRecord[] = [];
    if (remaining.size === 0) return out;
    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: dlqTopic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`reading ${dlqTopic} timed out after ${timeoutMs} ms`)),
          timeoutMs,
        );
        const finish = () => {
          clearTimeout(timer);
          resolve();
        };
        void consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              const end = remaining.get(partition);
              if (end === undefined || BigInt(message.offset) >= end) return;
              const rec = toRecord(partition, message);
              const full = filter.limit !== undefined && out.length >= filter.limit;
              if (!full && (!filter.reason || rec.reason === filter.reason)) out.push(rec);
              if (BigInt(message.offset) >= end - 1n) remaining.delete(partition);
              if (remaining.size === 0) finish();
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    out.sort((a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
    return out;
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

export interface DlqSummary {
  total: number;
  byReason: Record<string, number>;
  oldest: string | null;
  newest: string | null;
}

export function summarize(records: DeadLetterRecord[]): DlqSummary {
  const byReason: Record<string, number> = {};
  let oldest: string | null = null;
  let newest: string | null = null;
  for (const r of records) {
    byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
    if (r.failedAt) {
      if (oldest === null || r.failedAt < oldest) oldest = r.failedAt;
      if (newest === null || r.failedAt > newest) newest = r.failedAt;
    }
  }
  return { total: records.length, byReason, oldest, newest };
}

export interface ReplaySummary {
  matched: number;
  replayed: number;
  byReason: Record<string, number>;
  dryRun: boolean;
}

/**
 * Re-produce dead letters to the source topic: original key (so the same partition and order lane),
 * original value bytes and headers, our context headers removed and a replay counter added.
 */
export async function replayDeadLetters(
  kafka: Kafka,
  opts: {
    dlqTopic: string;
    sourceTopic: string;
    filter?: DlqFilter;
    dryRun?: boolean;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<ReplaySummary> {
  const records = await readDeadLetters(kafka, opts.dlqTopic, opts.filter);
  const summary: ReplaySummary = {
    matched: records.length,
    replayed: 0,
    byReason: {},
    dryRun: !!opts.dryRun,
  };
  for (const r of records) summary.byReason[r.reason] = (summary.byReason[r.reason] ?? 0) + 1;
  if (opts.dryRun || records.length === 0) return summary;
  const producer = createProducer(kafka);
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += 200) {
      const chunk = records.slice(i, i + 200);
      await producer.send({
        topic: opts.sourceTopic,
        acks: -1,
        messages: chunk.map((r) => ({ key: r.key, value: r.value, headers: replayHeaders(r.headers) })),
      });
      summary.replayed += chunk.length;
      opts.onProgress?.(summary.replayed, records.length);
    }
  } finally {
    await producer.disconnect();
  }
  return summary;
}
