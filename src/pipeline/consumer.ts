import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import pLimit from 'p-limit';
import type { SegmentEvent } from '../segment/event.js';
import type { SegmentCodec } from '../segment/codec.js';
import { DecodeError, RegistryUnavailableError } from '../segment/errors.js';
import type { Outcome } from '../destination/outcome.js';
import { isZendeskError } from '../zendesk/errors.js';
import { DeadLetterWriter } from './dlq.js';
import { closeLeftoverConnections, createProducer } from './kafka.js';
import { groupIntoLanes, PrefixTracker } from './lanes.js';

export interface Destination {
  process(event: SegmentEvent): Promise<Outcome>;
  /**
   * Coalescing (optional): consecutive events of one lane with the same non-null merge key may be
   * delivered together by `processRun`, which returns one outcome per event, in order.
   */
  mergeKey?(event: SegmentEvent): string | null;
  processRun?(events: SegmentEvent[]): Promise<Outcome[]>;
}

export interface Log {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
  /** When present, the per-event debug lines are built only if it says debug is on. */
  isLevelEnabled?(level: string): boolean;
}

/** What the pipeline reports, for metrics. All optional. */
export interface PipelineObserver {
  consumed?(topic: string, partition: number): void;
  outcome?(
    outcome: Outcome,
    src: { topic: string; partition: number; offset: string; timestamp: string; messageId?: string },
  ): void;
  deadLettered?(reason: string): void;
  paused?(topic: string, partition: number, reason: string, delayMs: number): void;
  resumed?(topic: string, partition: number): void;
  lag?(topic: string, partition: number, lag: number): void;
  inFlight?(delta: number): void;
  committed?(topic: string, partition: number, offset: string): void;
}

export interface PipelineOptions {
  kafka: Kafka;
  topic: string;
  groupId: string;
  dlqTopic: string;
  fromBeginning: boolean;
  codec: SegmentCodec;
  destination: Destination;
  log: Log;
  observer?: PipelineObserver;
  /** Partitions processed at once by this member (default 4). */
  partitionsConcurrently?: number;
  /** Lanes (distinct keys) in flight per partition (default 256): cheap waiting promises; Zendesk calls are limited by the client, and bulk calls fill up only when many lanes wait together. */
  laneConcurrency?: number;
  /** Merge runs of consecutive mergeable events in a lane (default true; the naive baseline turns it off). */
  coalesce?: boolean;
  /** Most events merged into one run (default 50). */
  maxRun?: number;
  outageBackoff?: { initialMs: number; maxMs: number };
  sessionTimeoutMs?: number;
  /** How long a stop() may wait for in-flight events before leaving the group anyway. */
  shutdownTimeoutMs?: number;
  /** KafkaJS gave up and will not restart the consumer by itself (a non-retriable error). */
  onFatal?: (error: Error) => void;
}

/** A failure that is not about one event: Zendesk down or refusing the account, registry or broker trouble. */
export class OutageError extends Error {
  override readonly name = 'OutageError';
}

const isOutage = (e: unknown): boolean =>
  (isZendeskError(e) && e.action !== 'reject') ||
  e instanceof RegistryUnavailableError ||
  e instanceof OutageError;

interface PartitionState {
  /** Offsets above the committed watermark that already have an outcome (survive a pause, not a rebalance). */
  done: Set<string>;
  outages: number;
  pausedUntil?: number;
  timer?: NodeJS.Timeout;
}

/**
 * The consumer group: eachBatch, lanes by key within a partition (one user's events in order, different
 * users concurrently), offsets resolved only up to the watermark of finished events, dead letters
 * acknowledged before their offset is committed, partitions paused with backoff on an outage.
 * A per-event failure never throws out of eachBatch, so KafkaJS never restarts into a poison loop.
 */
export class SegmentPipeline {
  private consumer?: Consumer;
  private producer?: Producer;
  private dlq?: DeadLetterWriter;
  private readonly partitions = new Map<string, PartitionState>();
  private stopping = false;
  private joined = false;
  private crashed?: Error;
  private inFlight = 0;
  private readonly o: Required<
    Pick<
      PipelineOptions,
      | 'partitionsConcurrently'
      | 'laneConcurrency'
      | 'outageBackoff'
      | 'sessionTimeoutMs'
      | 'shutdownTimeoutMs'
      | 'coalesce'
      | 'maxRun'
    >
  > &
    PipelineOptions;
  readonly counts = { consumed: 0, delivered: 0, skipped: 0, deadLettered: 0, outages: 0 };

  constructor(opts: PipelineOptions) {
    this.o = {
      partitionsConcurrently: 4,
      laneConcurrency: 256,
      outageBackoff: { initialMs: 1000, maxMs: 60_000 },
      sessionTimeoutMs: 30_000,
      shutdownTimeoutMs: 30_000,
      coalesce: true,
      maxRun: 50,
      ...opts,
    };
  }

  /** Ready: joined the group, not crashed, and no partition paused by an outage. */
  readiness(): { ready: boolean; reason?: string } {
    if (this.crashed) return { ready: false, reason: `consumer crashed: ${this.crashed.message}` };
    if (!this.joined) return { ready: false, reason: 'not joined to the consumer group' };
    const paused = [...this.partitions.entries()]
      .filter(([, s]) => s.pausedUntil !== undefined)
      .map(([k]) => k);
    if (paused.length) return { ready: false, reason: `paused by an outage: ${paused.join(', ')}` };
    return { ready: true };
  }

  async start(): Promise<void> {
    const { kafka, log } = this.o;
    this.producer = createProducer(kafka);
    await this.producer.connect();
    this.dlq = new DeadLetterWriter(this.producer, this.o.dlqTopic, this.o.groupId);
    const consumer = kafka.consumer({
      groupId: this.o.groupId,
      sessionTimeout: this.o.sessionTimeoutMs,
      heartbeatInterval: 3000,
      allowAutoTopicCreation: false,
      // A bound on what a backlog holds in memory: at most 512 KB per partition per fetch (KafkaJS
      // default 1 MB) and 4 MB per fetch; a batch of a few thousand events still fills bulk calls.
      maxBytesPerPartition: 512 * 1024,
      maxBytes: 4 * 1024 * 1024,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.joined = true;
      // Partitions may have moved: outcomes remembered above the watermark are no longer ours to trust.
      for (const s of this.partitions.values()) if (s.timer) clearTimeout(s.timer);
      this.partitions.clear();
      log.info('joined consumer group', {
        groupId: this.o.groupId,
        memberId: e.payload.memberId,
        leader: e.payload.isLeader,
        assignment: e.payload.memberAssignment,
      });
    });
    consumer.on(consumer.events.REBALANCING, () =>
      log.info('consumer group rebalancing', { groupId: this.o.groupId }),
    );
    consumer.on(consumer.events.CRASH, (e) => {
      log.error('consumer crashed', { error: e.payload.error.message, restart: e.payload.restart });
      if (!e.payload.restart) {
        this.crashed = e.payload.error;
        this.o.onFatal?.(e.payload.error);
      }
    });
    consumer.on(consumer.events.STOP, () => {
      this.joined = false;
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.o.topic, fromBeginning: this.o.fromBeginning });
    await consumer.run({
      eachBatchAutoResolve: false,
      autoCommit: true,
      autoCommitInterval: 5000,
      partitionsConsumedConcurrently: this.o.partitionsConcurrently,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /** Stop fetching, let in-flight events finish (bounded), commit what has an outcome, leave the group. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const s of this.partitions.values()) if (s.timer) clearTimeout(s.timer);
    const deadline = new Promise<'timeout'>((r) =>
      setTimeout(() => r('timeout'), this.o.shutdownTimeoutMs).unref(),
    );
    const done = (async () => {
      await this.consumer?.disconnect();
      await this.producer?.disconnect();
      return 'done' as const;
    })();
    const how = await Promise.race([done, deadline]);
    if (how === 'timeout')
      this.o.log.warn('shutdown deadline reached with work in flight; it will be redelivered', {
        inFlight: this.inFlight,
      });
    const leftover = closeLeftoverConnections(this.o.kafka);
    if (leftover)
      this.o.log.warn('closed broker connections KafkaJS left open after disconnecting', {
        connections: leftover,
      });
  }

  private state(topic: string, partition: number): PartitionState {
    const k = `${topic}:${partition}`;
    let s = this.partitions.get(k);
    if (!s) {
      s = { done: new Set(), outages: 0 };
      this.partitions.set(k, s);
    }
    return s;
  }

  private async eachBatch(p: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = p;
    const { topic, partition } = batch;
    if (!batch.messages.length) return;
    const st = this.state(topic, partition);
    const tracker = new PrefixTracker(batch.messages.map((m) => m.offset));
    const pending: KafkaMessage[] = [];
    for (const m of batch.messages) {
      if (st.done.has(m.offset)) tracker.markDone(m.offset);
      else pending.push(m);
    }
    let lastResolved: string | null = null;
    /** Resolves the offset up to the watermark; true when it moved. */
    const advance = (): boolean => {
      const w = tracker.watermark();
      if (w === null || w === lastResolved) return false;
      resolveOffset(w);
      lastResolved = w;
      this.o.observer?.lag?.(
        topic,
        partition,
        Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(w) - 1n)),
      );
      return true;
    };
    advance();
    let outage: unknown = null;
    // KafkaJS has no background heartbeat: keep the member alive while lanes wait on Zendesk.
    const hb = setInterval(() => void heartbeat().catch(() => undefined), 2000);
    try {
      // Every pending message decoded (and keyed) once, up front: synchronously while its schema is
      // known, so a batch costs a promise per run, not per message. A registry outage pauses the
      // partition before anything of the batch is delivered.
      let decoded: Decoded[];
      try {
        decoded = await this.decodeAll(pending);
      } catch (e) {
        outage = e;
        decoded = [];
      }
      const limit = pLimit(this.o.laneConcurrency);
      const lanes = groupIntoLanes(decoded, (d) => (d.message.key ? d.message.key.toString('latin1') : null));
      const runLane = async (lane: Decoded[]): Promise<void> => {
        let i = 0;
        while (i < lane.length) {
          if (outage || this.stopping || !isRunning() || isStale()) return;
          const run = this.nextRun(lane, i);
          try {
            await this.deliver(topic, partition, run);
          } catch (e) {
            outage ??= e;
            return;
          }
          st.outages = 0;
          for (const d of run) tracker.markDone(d.message.offset);
          i += run.length;
          if (advance()) await commitOffsetsIfNecessary().catch(() => undefined);
        }
      };
      await Promise.all(lanes.map((lane) => limit(runLane, lane)));
    } finally {
      clearInterval(hb);
    }
    advance();
    // Outcomes above the watermark survive a pause (the batch is fetched again from the watermark).
    const w = tracker.watermark();
    const above = (o: string) => w === null || BigInt(o) > BigInt(w);
    st.done = new Set([...st.done, ...tracker.doneOffsets()].filter(above));
    if (outage && !this.stopping && isRunning() && !isStale()) this.pauseForOutage(topic, partition, outage);
  }

  private pauseForOutage(topic: string, partition: number, err: unknown): void {
    const st = this.state(topic, partition);
    st.outages++;
    this.counts.outages++;
    const { initialMs, maxMs } = this.o.outageBackoff;
    const delay = Math.min(maxMs, initialMs * 2 ** Math.min(st.outages - 1, 20));
    st.pausedUntil = Date.now() + delay;
    const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    this.o.log.warn('partition paused: outage', {
      topic,
      partition,
      reason,
      retryInMs: delay,
      attempt: st.outages,
    });
    this.o.observer?.paused?.(topic, partition, reason, delay);
    this.consumer?.pause([{ topic, partitions: [partition] }]);
    st.timer = setTimeout(() => {
      st.pausedUntil = undefined;
      st.timer = undefined;
      if (this.stopping) return;
      try {
        this.consumer?.resume([{ topic, partitions: [partition] }]);
        this.o.log.info('partition resumed', { topic, partition });
        this.o.observer?.resumed?.(topic, partition);
      } catch (e) {
        this.o.log.warn('could not resume partition', { topic, partition, error: (e as Error).message });
      }
    }, delay);
  }

  /** A message that can never decode: its outcome (dead letter) is already known. */
  private undecodable(m: KafkaMessage, e: DecodeError): Decoded {
    return {
      message: m,
      outcome: { kind: 'rejected', reason: 'undecodable', message: `${e.kind}: ${e.message}` },
    };
  }

  /**
   * Messages → decoded events with their merge keys, in order. Throws only for an outage (registry
   * unreachable); an undecodable message gets its dead-letter outcome.
   */
  private async decodeAll(messages: KafkaMessage[]): Promise<Decoded[]> {
    const { codec, destination: dest } = this.o;
    const merging = this.o.coalesce && dest.mergeKey !== undefined && dest.processRun !== undefined;
    const ok = (m: KafkaMessage, event: SegmentEvent): Decoded => ({
      message: m,
      event,
      key: merging ? dest.mergeKey!(event) : null,
    });
    const out: Decoded[] = new Array<Decoded>(messages.length);
    let waiting: Promise<void>[] | undefined;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      try {
        const event = codec.decodeKnown(m.value);
        if (event) {
          out[i] = ok(m, event);
          continue;
        }
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        out[i] = this.undecodable(m, e);
        continue;
      }
      // A schema id not seen yet: ask the registry (one look-up per id, shared by the batch).
      (waiting ??= []).push(
        codec.decode(m.value).then(
          (event) => {
            out[i] = ok(m, event);
          },
          (e: unknown) => {
            if (e instanceof DecodeError) out[i] = this.undecodable(m, e);
            else throw e instanceof RegistryUnavailableError ? e : new OutageError((e as Error).message);
          },
        ),
      );
    }
    if (waiting) await Promise.all(waiting);
    return out;
  }

  /**
   * The next unit of work of a lane: one message, or the longest run (at most maxRun) of consecutive
   * decodable events with the same merge key (coalescing).
   */
  private nextRun(lane: Decoded[], from: number): Decoded[] {
    const first = lane[from]!;
    if (first.key == null) return [first];
    let to = from + 1;
    while (to < lane.length && to - from < this.o.maxRun && lane[to]!.key === first.key) to++;
    return lane.slice(from, to);
  }

  /** A run of messages to one outcome each. Throws only for an outage (the caller pauses the partition). */
  private async deliver(topic: string, partition: number, run: Decoded[]): Promise<void> {
    const { log, observer, destination } = this.o;
    this.counts.consumed += run.length;
    for (let k = 0; k < run.length; k++) observer?.consumed?.(topic, partition);
    this.inFlight += run.length;
    observer?.inFlight?.(run.length);
    try {
      const outcomes: Outcome[] = [];
      const debug = log.isLevelEnabled?.('debug') !== false;
      const events = run.filter((d) => d.event).map((d) => d.event!);
      let delivered: Outcome[] = [];
      if (events.length) {
        try {
          delivered =
            events.length > 1 && destination.processRun
              ? await destination.processRun(events)
              : [await destination.process(events[0]!)];
        } catch (e) {
          if (isOutage(e)) throw e;
          const o: Outcome = isZendeskError(e)
            ? {
                kind: 'rejected',
                reason: 'rejected_by_zendesk',
                message: e.message,
                status: e.status,
                details: e.details,
              }
            : { kind: 'rejected', reason: 'internal_error', message: (e as Error)?.message ?? String(e) };
          if (!isZendeskError(e))
            log.error('internal error while processing an event', {
              topic,
              partition,
              offset: run[0]!.message.offset,
              error: (e as Error)?.stack ?? String(e),
            });
          delivered = events.map(() => o);
        }
      }
      let k = 0;
      for (const d of run) outcomes.push(d.outcome ?? delivered[k++]!);
      for (let idx = 0; idx < run.length; idx++) {
        const m = run[idx]!.message;
        const outcome = outcomes[idx]!;
        const src = {
          topic,
          partition,
          offset: m.offset,
          timestamp: m.timestamp,
          messageId: run[idx]!.event?.messageId ?? undefined,
        };
        if (outcome.kind === 'rejected') {
          try {
            await this.dlq!.write(
              { topic, partition, message: m },
              {
                reason: outcome.reason,
                message: outcome.message,
                status: outcome.status,
                details: outcome.details,
                attempts: outcome.attempts,
                messageId: src.messageId,
              },
            );
          } catch (e) {
            throw new OutageError(`dead-letter topic unavailable: ${(e as Error).message}`);
          }
          this.counts.deadLettered++;
          observer?.deadLettered?.(outcome.reason);
          log.warn('event dead-lettered', {
            topic,
            partition,
            offset: m.offset,
            reason: outcome.reason,
            error: outcome.message,
            status: outcome.status,
          });
        } else if (outcome.kind === 'skipped') {
          this.counts.skipped++;
          if (debug)
            log.debug('event skipped', { topic, partition, offset: m.offset, reason: outcome.reason });
        } else {
          this.counts.delivered++;
          if (debug) log.debug('event delivered', { topic, partition, offset: m.offset });
        }
        observer?.outcome?.(outcome, src);
      }
    } finally {
      this.inFlight -= run.length;
      observer?.inFlight?.(-run.length);
    }
  }
}

interface Decoded {
  message: KafkaMessage;
  event?: SegmentEvent;
  /** Set when the message cannot be decoded: its outcome is already known. */
  outcome?: Outcome;
  /** The destination's merge key (null: never merged), computed once. */
  key?: string | null;
}
