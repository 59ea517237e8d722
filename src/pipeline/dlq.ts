import type { IHeaders, KafkaMessage, Producer } from 'kafkajs';

/**
 * Dead-letter records: the original key, value bytes and headers, plus headers that say what happened.
 * Names follow Kafka Connect's `__connect.errors.*` idea (one dotted namespace, UTF-8 string values) under
 * our own prefix, so they never collide with the producer's headers and a replay can strip them exactly.
 */
export const DLQ_PREFIX = 'zd.dlq.';
export const H = {
  reason: `${DLQ_PREFIX}reason`,
  message: `${DLQ_PREFIX}error.message`,
  status: `${DLQ_PREFIX}zendesk.status`,
  details: `${DLQ_PREFIX}zendesk.details`,
  attempts: `${DLQ_PREFIX}attempts`,
  topic: `${DLQ_PREFIX}original.topic`,
  partition: `${DLQ_PREFIX}original.partition`,
  offset: `${DLQ_PREFIX}original.offset`,
  timestamp: `${DLQ_PREFIX}original.timestamp`,
  group: `${DLQ_PREFIX}consumer.group`,
  failedAt: `${DLQ_PREFIX}failed.at`,
  messageId: `${DLQ_PREFIX}message.id`,
  /**
   * On a stand-in dead letter (the record was too large for the dead-letter topic): its size in bytes.
   * A stand-in has no value and none of the original headers; the original stays on the source topic.
   */
  standIn: `${DLQ_PREFIX}standin.original.bytes`,
  /** How many times this record was replayed from the DLQ; carried in the replayed record's headers. */
  replayCount: `${DLQ_PREFIX}replay.count`,
} as const;

export interface DeadLetter {
  reason: string;
  message: string;
  status?: number;
  details?: unknown;
  attempts?: number;
  messageId?: string;
}

export interface SourceRecord {
  topic: string;
  partition: number;
  message: Pick<KafkaMessage, 'key' | 'value' | 'headers' | 'offset' | 'timestamp'>;
}

const MAX_HEADER_TEXT = 8 * 1024;
const clip = (s: string) => (s.length > MAX_HEADER_TEXT ? `${s.slice(0, MAX_HEADER_TEXT)}…` : s);

export function deadLetterHeaders(src: SourceRecord, dl: DeadLetter, groupId: string, now: Date): IHeaders {
  const h: IHeaders = { ...(src.message.headers ?? {}) };
  h[H.reason] = dl.reason;
  h[H.message] = clip(dl.message);
  if (dl.status !== undefined) h[H.status] = String(dl.status);
  if (dl.details !== undefined) h[H.details] = clip(JSON.stringify(dl.details));
  h[H.attempts] = String(dl.attempts ?? 1);
  h[H.topic] = src.topic;
  h[H.partition] = String(src.partition);
  h[H.offset] = src.message.offset;
  h[H.timestamp] = src.message.timestamp;
  h[H.group] = groupId;
  h[H.failedAt] = now.toISOString();
  if (dl.messageId) h[H.messageId] = dl.messageId;
  return h;
}

/** Headers of a replayed record: the original headers, without our dead-letter context, replay counter + 1. */
export function replayHeaders(dlqHeaders: IHeaders | undefined): IHeaders {
  const out: IHeaders = {};
  let count = 0;
  for (const [k, v] of Object.entries(dlqHeaders ?? {})) {
    if (k === H.replayCount) count = Number(String(v)) || 0;
    else if (!k.startsWith(DLQ_PREFIX)) out[k] = v;
  }
  out[H.replayCount] = String(count + 1);
  return out;
}

export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  if (v === undefined) return undefined;
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined ? undefined : Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
}

/** Writes dead letters; resolves only once the broker acknowledged (acks=-1), so the offset may then be committed. */
export class DeadLetterWriter {
  constructor(
    private readonly producer: Producer,
    private readonly dlqTopic: string,
    private readonly groupId: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * A small dead letter in place of a record the dead-letter topic refuses as too large: no value, none
   * of the original headers, our context headers (they name the source topic, partition and offset).
   */
  async writeStandIn(src: SourceRecord, dl: DeadLetter): Promise<void> {
    const size =
      (src.message.value?.length ?? 0) +
      Object.entries(src.message.headers ?? {}).reduce(
        (n, [k, v]) => n + k.length + (v === undefined ? 0 : String(v).length),
        0,
      );
    const headers = deadLetterHeaders(
      { ...src, message: { ...src.message, headers: {} } },
      {
        ...dl,
        message: `record too large for the dead-letter topic (${size} bytes); the original is at ${src.topic}/${src.partition}/${src.message.offset}. ${dl.message}`,
        details: undefined,
      },
      this.groupId,
      this.now(),
    );
    headers[H.standIn] = String(size);
    await this.producer.send({
      topic: this.dlqTopic,
      acks: -1,
      messages: [{ key: src.message.key, value: null, headers }],
    });
  }

  async write(src: SourceRecord, dl: DeadLetter): Promise<void> {
    await this.producer.send({
      topic: this.dlqTopic,
      acks: -1,
      messages: [
        {
          key: src.message.key,
          value: src.message.value,
          headers: deadLetterHeaders(src, dl, this.groupId, this.now()),
          // same partition as the source when the DLQ has as many partitions; kafkajs hashes the key otherwise
        },
      ],
    });
  }
}
