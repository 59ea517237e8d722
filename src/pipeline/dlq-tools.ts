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
  /** The dead-letter record's own Kafka timestamp (ms), for dead letters without a failed-at header. */
  timestamp: string;
}

export interface DlqFilter {
  reason?: string;
  limit?: number;
  /** Dead-lettered at or after this time (the failed-at header, else the record's timestamp). */
  since?: Date;
  /** Dead-lettered before this time. */
  until?: Date;
}

/** When the record was dead-lettered, in ms. */
export function deadLetteredAt(r: Pick<DeadLetterRecord, 'failedAt' | 'timestamp'>): number {
  const at = r.failedAt !== undefined ? Date.parse(r.failedAt) : Number.NaN;
  return Number.isNaN(at) ? Number(r.timestamp) : at;
}

export function matches(r: DeadLetterRecord, filter: DlqFilter): boolean {
  if (filter.reason && r.reason !== filter.reason) return false;
  if (!filter.since && !filter.until) return true;
  const at = deadLetteredAt(r);
  return (!filter.since || at >= filter.since.getTime()) && (!filter.until || at < filter.until.getTime());
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
  timestamp: m.timestamp,
});

/**
 * Calls `onMessage` for every record of `topics` from their beginning to their end as they are now (end
 * offsets taken first), in one pass with a throw-away consumer group that is deleted afterwards: reading
 * never moves anyone's offsets. A topic that does not exist reads as empty.
 */
async function readTopics(
  kafka: Kafka,
  topics: string[],
  onMessage: (topic: string, partition: number, message: KafkaMessage) => void,
  timeoutMs: number,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `zendesk-destination-dlq-reader-${randomUUID()}`;
  try {
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    const remaining = new Map<string, bigint>(); // `topic:partition` → end offset
    for (const topic of present)
      for (const p of await admin.fetchTopicOffsets(topic))
        if (BigInt(p.high) > BigInt(p.low)) remaining.set(`${topic}:${p.partition}`, BigInt(p.high));
    if (remaining.size === 0) return;
    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: present, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`reading ${present.join(', ')} timed out after ${timeoutMs} ms`)),
          timeoutMs,
        );
        void consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ topic, partition, message }) => {
              const at = `${topic}:${partition}`;
              const end = remaining.get(at);
              if (end === undefined || BigInt(message.offset) >= end) return;
              onMessage(topic, partition, message);
              if (BigInt(message.offset) >= end - 1n) remaining.delete(at);
              if (remaining.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

/** Collects the dead letters matching `filter` (reason and time, then limit), oldest first per partition. */
function collector(filter: DlqFilter): {
  out: DeadLetterRecord[];
  add: (partition: number, message: KafkaMessage) => void;
} {
  const out: DeadLetterRecord[] = [];
  return {
    out,
    add: (partition, message) => {
      const rec = toRecord(partition, message);
      const full = filter.limit !== undefined && out.length >= filter.limit;
      if (!full && matches(rec, filter)) out.push(rec);
    },
  };
}

/** The dead-letter topic as it is now, oldest first per partition, filtered by reason and limited. */
export async function readDeadLetters(
  kafka: Kafka,
  dlqTopic: string,
  filter: DlqFilter = {},
  timeoutMs = 60_000,
): Promise<DeadLetterRecord[]> {
  const dead = collector(filter);
  await readTopics(kafka, [dlqTopic], (_t, partition, message) => dead.add(partition, message), timeoutMs);
  return dead.out.sort(byPosition);
}

const byPosition = (a: DeadLetterRecord, b: DeadLetterRecord): number =>
  a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1);

/**
 * Where replays are recorded: a compacted topic beside the DLQ, one record per replayed original record,
 * so a second `dlq replay` does not send the same records again.
 */
export const replayLogTopic = (dlqTopic: string): string => `${dlqTopic}.replayed`;

/**
 * The replay log's key: the ORIGINAL record's topic, partition and offset (from the dead letter's
 * context headers), so a record dead-lettered twice (redelivered after a crash before its commit) is
 * replayed once. A dead letter without them falls back to its own position in the DLQ.
 */
export function replayKey(r: Pick<DeadLetterRecord, 'partition' | 'offset' | 'headers'>): string {
  const topic = headerText(r.headers, H.topic);
  const partition = headerText(r.headers, H.partition);
  const offset = headerText(r.headers, H.offset);
  return topic !== undefined && partition !== undefined && offset !== undefined
    ? `${topic}/${partition}/${offset}`
    : dlqPositionKey(r);
}

/** The key replay logs written before version 0.2 used: the dead letter's own position. */
const dlqPositionKey = (r: { partition: number; offset: string }): string => `${r.partition}:${r.offset}`;

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
  /** Dead letters this replay sends (or would send, in a dry run): matching, not replayed before, limited. */
  matched: number;
  replayed: number;
  /** Matching dead letters left out because an earlier replay sent them (none with `again`). */
  replayedBefore: number;
  /** Matching dead letters of an original record that another matching dead letter already stands for. */
  duplicates: number;
  /**
   * Matching stand-ins left out: dead letters written in place of records too large for the DLQ. They
   * carry no value; each names where its original is on the source topic.
   */
  standIns: { partition: number; offset: string; original: string }[];
  byReason: Record<string, number>;
  dryRun: boolean;
}

/**
 * Re-produce dead letters to the source topic (or `targetTopic`, a retry topic the consumer also reads,
 * so other consumers of the source topic do not see the replays): original key (so the same partition and order lane),
 * original value bytes and headers, our context headers removed and a replay counter added. Each one
 * sent is then recorded in the replay log (`replayLogTopic`), and dead letters found there are left out
 * unless `again`: running the same replay twice does not send a track event to Zendesk twice. A crash
 * between the send and its record means those few are sent again next time (at least once).
 */
export async function replayDeadLetters(
  kafka: Kafka,
  opts: {
    dlqTopic: string;
    sourceTopic: string;
    /** Where the replays go (default the source topic). */
    targetTopic?: string;
    filter?: DlqFilter;
    dryRun?: boolean;
    again?: boolean;
    onProgress?: (done: number, total: number) => void;
    timeoutMs?: number;
  },
): Promise<ReplaySummary> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  // The dead letters and the replay log, read in one pass (the log only when it is to be honoured).
  const dead = collector({ ...opts.filter, limit: undefined });
  const before = new Set<string>();
  const log = replayLogTopic(opts.dlqTopic);
  await readTopics(
    kafka,
    opts.again ? [opts.dlqTopic] : [opts.dlqTopic, log],
    (topic, partition, message) => {
      if (topic === log) {
        if (message.key) before.add(message.key.toString());
      } else dead.add(partition, message);
    },
    timeoutMs,
  );
  const all = dead.out.sort(byPosition);
  const isStandIn = (r: DeadLetterRecord) => headerText(r.headers, H.standIn) !== undefined;
  const standIns = all.filter(isStandIn).map((r) => ({
    partition: r.partition,
    offset: r.offset,
    original: `${r.originalTopic}/${headerText(r.headers, H.partition)}/${headerText(r.headers, H.offset)}`,
  }));
  // Within this replay too, each original record goes once: the earliest of its dead letters.
  const seen = new Set<string>();
  let replayedBefore = 0;
  let duplicates = 0;
  const fresh = all.filter((r) => {
    if (isStandIn(r)) return false;
    const key = replayKey(r);
    if (before.has(key) || before.has(dlqPositionKey(r))) replayedBefore++;
    else if (seen.has(key)) duplicates++;
    else {
      seen.add(key);
      return true;
    }
    return false;
  });
  const records = opts.filter?.limit !== undefined ? fresh.slice(0, opts.filter.limit) : fresh;
  const summary: ReplaySummary = {
    matched: records.length,
    replayed: 0,
    replayedBefore,
    duplicates,
    standIns,
    byReason: {},
    dryRun: !!opts.dryRun,
  };
  for (const r of records) summary.byReason[r.reason] = (summary.byReason[r.reason] ?? 0) + 1;
  if (opts.dryRun || records.length === 0) return summary;
  const target = opts.targetTopic ?? opts.sourceTopic;
  await ensureReplayLog(kafka, opts.dlqTopic);
  const producer = createProducer(kafka);
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += 200) {
      const chunk = records.slice(i, i + 200);
      await producer.send({
        topic: target,
        acks: -1,
        messages: chunk.map((r) => ({ key: r.key, value: r.value, headers: replayHeaders(r.headers) })),
      });
      const at = new Date().toISOString();
      await producer.send({
        topic: replayLogTopic(opts.dlqTopic),
        acks: -1,
        messages: chunk.map((r) => ({
          key: replayKey(r),
          value: JSON.stringify({
            replayedAt: at,
            to: target,
            reason: r.reason,
            deadLetter: dlqPositionKey(r),
          }),
        })),
      });
      summary.replayed += chunk.length;
      opts.onProgress?.(summary.replayed, records.length);
    }
  } finally {
    await producer.disconnect();
  }
  return summary;
}

/** Creates the replay log (compacted, broker-default replication) if it is not there yet. */
async function ensureReplayLog(kafka: Kafka, dlqTopic: string): Promise<void> {
  const topic = replayLogTopic(dlqTopic);
  const admin = kafka.admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(topic)) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    });
  } catch (e) {
    throw new Error(
      `cannot create the replay log topic ${topic} (compacted); create it, or allow this client to: ${(e as Error).message}`,
      { cause: e },
    );
  } finally {
    await admin.disconnect();
  }
}
