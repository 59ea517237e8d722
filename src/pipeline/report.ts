/**
 * Stage 3: outcomes → where they show. A rejected event is dead-lettered (acknowledged by the broker
 * before its offset may be committed); every outcome is counted, logged and observed. A record the
 * dead-letter topic refuses as too large gets a small stand-in dead letter; only a dead-letter topic
 * that cannot be written at all is an outage.
 */
import type { DeadLetterWriter, SourceRecord } from './dlq.js';
import {
  kafkaErrorType,
  OutageError,
  type Decoded,
  type Log,
  type Outcome,
  type PipelineObserver,
} from './types.js';

/** Broker answers that are about the record, not the topic: the record can never be written as it is. */
const RECORD_TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD']);

export interface Counts {
  consumed: number;
  delivered: number;
  skipped: number;
  deadLettered: number;
  outages: number;
}

export const newCounts = (): Counts => ({
  consumed: 0,
  delivered: 0,
  skipped: 0,
  deadLettered: 0,
  outages: 0,
});

export class Reporter {
  constructor(
    private readonly dlq: Pick<DeadLetterWriter, 'write' | 'writeStandIn'>,
    private readonly dlqTopic: string,
    private readonly log: Log,
    private readonly counts: Counts,
    private readonly observer?: PipelineObserver,
  ) {}

  /** Reports each message's outcome, in order. Rejects (an outage) only when the DLQ cannot be written. */
  async report(topic: string, partition: number, run: Decoded[], outcomes: Outcome[]): Promise<void> {
    const { log, observer } = this;
    const debug = log.isLevelEnabled?.('debug') !== false;
    for (let i = 0; i < run.length; i++) {
      const d = run[i]!;
      const m = d.message;
      const outcome = outcomes[i]!;
      const messageId = d.event?.messageId ?? undefined;
      if (outcome.kind === 'rejected') {
        await this.deadLetter({ topic, partition, message: m }, outcome, messageId);
        this.counts.deadLettered++;
        observer?.deadLettered?.(outcome.reason);
        log.warn('event dead-lettered', {
          topic,
          partition,
          offset: m.offset,
          messageId,
          reason: outcome.reason,
          error: outcome.message,
          status: outcome.status,
        });
      } else if (outcome.kind === 'skipped') {
        this.counts.skipped++;
        if (debug)
          log.debug('event skipped', {
            topic,
            partition,
            offset: m.offset,
            messageId,
            reason: outcome.reason,
          });
      } else {
        this.counts.delivered++;
        if (debug)
          log.debug('event delivered', {
            topic,
            partition,
            offset: m.offset,
            messageId,
            notes: outcome.notes,
          });
      }
      if (!observer?.outcomes)
        observer?.outcome?.(outcome, {
          topic,
          partition,
          offset: m.offset,
          timestamp: m.timestamp,
          messageId,
        });
    }
    observer?.outcomes?.(topic, partition, run, outcomes);
  }

  private async deadLetter(
    src: SourceRecord,
    outcome: Extract<Outcome, { kind: 'rejected' }>,
    messageId: string | undefined,
  ): Promise<void> {
    const dl = {
      reason: outcome.reason,
      message: outcome.message,
      status: outcome.status,
      details: outcome.details,
      attempts: outcome.attempts,
      messageId,
    };
    try {
      await this.dlq.write(src, dl);
      return;
    } catch (e) {
      const type = kafkaErrorType(e);
      if (!type || !RECORD_TOO_LARGE.has(type)) throw this.outage(e, type);
      this.log.warn('dead letter too large for the dead-letter topic: writing a stand-in', {
        topic: src.topic,
        partition: src.partition,
        offset: src.message.offset,
        messageId,
        error: type,
      });
    }
    try {
      await this.dlq.writeStandIn(src, dl);
    } catch (e) {
      throw this.outage(e, kafkaErrorType(e));
    }
  }

  private outage(e: unknown, type: string | undefined): OutageError {
    const why =
      type === 'UNKNOWN_TOPIC_OR_PARTITION'
        ? `dead-letter topic ${this.dlqTopic} does not exist (create it, or start with KAFKA_CREATE_TOPICS=true)`
        : `dead-letter topic ${this.dlqTopic} unavailable: ${(e as Error)?.message ?? String(e)}`;
    return new OutageError(why);
  }
}
