/**
 * The consumer group, wired: KafkaJS consumer and producer, the stages (decode.ts, batch.ts, report.ts,
 * partitions.ts), the group's events, readiness, the stall watchdog and a bounded shutdown.
 */
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import type { SegmentCodec } from '../segment/codec.js';
import { runBatch, type BatchContext } from './batch.js';
import { decodeAll, prepareAll } from './decode.js';
import { DEFAULT_METADATA_MAX_BYTES } from './offset-metadata.js';
import { DeadLetterWriter } from './dlq.js';
import { Handover } from './handover.js';
import { consumerWithJoinGate } from './join-gate.js';
import type { InFlightLimits } from './inflight.js';
import { closeLeftoverConnections, createProducer } from './kafka.js';
import { Partitions } from './partitions.js';
import { newCounts, Reporter, type Counts } from './report.js';
import type { Destination, Log, PipelineObserver } from './types.js';
import { PartTeller } from './work-part.js';

export type { Destination, Log, PipelineObserver } from './types.js';
export { OutageError } from './types.js';

/** The bound from its two totals: a partition may hold half of each (so one partition never holds it all). */
export const inFlightLimits = (totalEvents: number, totalBytes: number): InFlightLimits => ({
  totalEvents,
  totalBytes,
  partitionEvents: Math.max(1, Math.floor(totalEvents / 2)),
  partitionBytes: Math.max(1, Math.floor(totalBytes / 2)),
});

/**
 * What may be handed over and not settled by default: enough users for 30 bulk jobs of 100 and the next
 * ones waiting, and a bound on the memory a backlog holds (events in flight and the fetches behind them).
 */
export const DEFAULT_IN_FLIGHT_LIMITS: InFlightLimits = inFlightLimits(4000, 8 * 1024 * 1024);

/** How long a fetch waits for data, and how long KafkaJS sleeps when every partition is paused. */
export const FETCH_MAX_WAIT_MS = 500;

export interface PipelineOptions {
  kafka: Kafka;
  topic: string;
  /** A second topic consumed like the first (replays sent there keep clear of the source topic's other readers). */
  retryTopic?: string;
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
  /** Largest fetch per partition in bytes (default 512 KB). */
  maxBytesPerPartition?: number;
  /** Merge runs of consecutive mergeable events in a lane (default true; the naive baseline turns it off). */
  coalesce?: boolean;
  /** Most events merged into one run (default 50). */
  maxRun?: number;
  outageBackoff?: { initialMs: number; maxMs: number };
  sessionTimeoutMs?: number;
  /** How long a stop() may wait for in-flight events before leaving the group anyway. */
  shutdownTimeoutMs?: number;
  /** A batch that must end (rebalance, shutdown) waits this long for its runs in flight (default 20 s). */
  drainMs?: number;
  /** Stalled (lag, no progress, not paused) for this long: onFatal (default 5 minutes). */
  stallExitMs?: number;
  /** No progress for this long makes a partition with lag stalled (default twice the session timeout). */
  stallAfterMs?: number;
  /** The broker's offset.metadata.max.bytes: the most commit metadata it keeps per partition (default 4096). */
  offsetMetadataMaxBytes?: number;
  /** Commits after outcomes that repeat harmlessly (upserts) wait this long after the previous one (default 5 s); track outcomes are committed at once. */
  commitIntervalMs?: number;
  /**
   * `eachBatch` returns once its events are handed over to the lanes, so the next batches are fetched
   * while Zendesk calls are in flight (default true); false: each batch is processed to its end first.
   */
  fetchAhead?: boolean;
  /** Events and bytes handed over and not settled, per partition and in total (fetchAhead only). */
  inFlightLimits?: Partial<InFlightLimits>;
  /** KafkaJS gave up and will not restart the consumer by itself, or a partition stalled for good. */
  onFatal?: (error: Error) => void;
  /** After each join: this member's part of the group's work (its partitions ÷ all; work-part.ts). */
  onPartOfWork?: (part: number) => void;
}

/**
 * The consumer group: eachBatch through the stages; offsets resolved only up to the watermark of
 * finished events; dead letters acknowledged before their offset is committed; partitions paused with
 * backoff on an outage and reconciled on every assignment.
 */
export class SegmentPipeline {
  private consumer?: Consumer;
  private producer?: Producer;
  private admin?: Admin;
  private readonly partitions: Partitions;
  private stopping = false;
  private joined = false;
  private crashed?: Error;
  private inFlight = 0;
  private handover?: Handover;
  private watchdog?: NodeJS.Timeout;
  private readonly o: PipelineOptions &
    Required<
      Pick<
        PipelineOptions,
        | 'partitionsConcurrently'
        | 'laneConcurrency'
        | 'outageBackoff'
        | 'sessionTimeoutMs'
        | 'shutdownTimeoutMs'
        | 'coalesce'
        | 'maxRun'
        | 'drainMs'
      >
    >;
  readonly counts: Counts = newCounts();

  constructor(opts: PipelineOptions) {
    const shutdownTimeoutMs = opts.shutdownTimeoutMs ?? 30_000;
    this.o = {
      partitionsConcurrently: 4,
      laneConcurrency: 256,
      outageBackoff: { initialMs: 1000, maxMs: 60_000 },
      sessionTimeoutMs: 30_000,
      coalesce: true,
      maxRun: 50,
      drainMs: Math.max(1000, Math.min(20_000, shutdownTimeoutMs - 2000)),
      ...opts,
      shutdownTimeoutMs,
    };
    this.partitions = new Partitions({
      log: opts.log,
      observer: opts.observer,
      outageBackoff: this.o.outageBackoff,
      stallAfterMs: opts.stallAfterMs ?? 2 * this.o.sessionTimeoutMs,
      stallExitMs: opts.stallExitMs ?? 5 * 60_000,
      onFatal: (e) => this.fatal(e),
      onResume: (topic, partition) => this.handover?.resumed(topic, partition),
    });
  }

  /** Ready: joined the group, not crashed, and every partition either progressing or idle. */
  readiness(): { ready: boolean; reason?: string } {
    if (this.crashed) return { ready: false, reason: `consumer crashed: ${this.crashed.message}` };
    if (!this.joined) return { ready: false, reason: 'not joined to the consumer group' };
    const reason = this.partitions.notReadyReason();
    return reason ? { ready: false, reason } : { ready: true };
  }

  /** Partitions with lag that make no progress although nothing paused them. */
  get stalledPartitions(): number {
    return this.partitions.stalledCount;
  }

  async start(): Promise<void> {
    const { kafka, log } = this.o;
    this.producer = createProducer(kafka);
    await this.producer.connect();
    const dlq = new DeadLetterWriter(this.producer, this.o.dlqTopic, this.o.groupId);
    const reporter = new Reporter(dlq, this.o.dlqTopic, log, this.counts, this.o.observer);
    const config = {
      groupId: this.o.groupId,
      sessionTimeout: this.o.sessionTimeoutMs,
      heartbeatInterval: 3000,
      allowAutoTopicCreation: false,
      // A bound on what a backlog holds in memory: at most 512 KB per partition per fetch (KafkaJS
      // default 1 MB) and 4 MB per fetch; a batch of a few thousand events still fills bulk calls.
      maxBytesPerPartition: this.o.maxBytesPerPartition ?? 512 * 1024,
      maxBytes: Math.max(4 * 1024 * 1024, 2 * (this.o.maxBytesPerPartition ?? 0)),
      // KafkaJS sleeps this long when every partition is paused (each at its in-flight bound), and only
      // then looks at resumed ones: at its 5 s default a resumed partition waited up to 5 s for its next
      // batch while its lanes ran dry. 500 ms is the Java consumer's fetch.max.wait.ms.
      maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
    };
    // Fetching ahead, every (re)join waits for the runs in flight (handover.ts, join-gate.ts).
    const { consumer, gated } = consumerWithJoinGate(
      kafka,
      config,
      () => this.handover?.beforeJoin() ?? Promise.resolve(),
    );
    if (!gated && (this.o.fetchAhead ?? true))
      log.warn(
        'this kafkajs offers no hook before a rejoin: a rebalance heard while idle may send runs in flight twice',
      );
    this.consumer = consumer;
    // Reads the group's commits with their metadata when a partition is assigned (KafkaJS's consumer
    // fetches the committed offset but drops the metadata).
    const admin = kafka.admin();
    this.admin = admin;
    await admin.connect();
    const control = {
      pause: (topic: string, partition: number) => consumer.pause([{ topic, partitions: [partition] }]),
      resume: (topic: string, partition: number) => consumer.resume([{ topic, partitions: [partition] }]),
    };
    this.partitions.attach(control);
    const tell = this.o.onPartOfWork;
    // After each join, this member's part of the group's work (its share of the job slots).
    const teller = tell
      ? new PartTeller({
          partitionCounts: async () => {
            const meta = await admin.fetchTopicMetadata({ topics: this.topics });
            return Object.fromEntries(meta.topics.map((t) => [t.name, t.partitions.length]));
          },
          tell,
          isStopping: () => this.stopping,
          log,
        })
      : undefined;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.joined = true;
      this.partitions.assigned(e.payload.memberAssignment, consumer.paused());
      this.handover?.joined(e.payload.memberId, e.payload.memberAssignment);
      void teller?.joined(e.payload.memberAssignment);
      log.info('joined consumer group', {
        groupId: this.o.groupId,
        memberId: e.payload.memberId,
        leader: e.payload.isLeader,
        assignment: e.payload.memberAssignment,
      });
    });
    consumer.on(consumer.events.REBALANCING, () => {
      log.info('consumer group rebalancing', { groupId: this.o.groupId });
      this.handover?.rebalancing(this.o.drainMs);
    });
    consumer.on(consumer.events.COMMIT_OFFSETS, (e) => {
      for (const t of e.payload.topics)
        for (const p of t.partitions) this.o.observer?.committed?.(t.topic, Number(p.partition), p.offset);
    });
    consumer.on(consumer.events.CRASH, (e) => {
      log.error('consumer crashed', { error: e.payload.error.message, restart: e.payload.restart });
      if (!e.payload.restart && !this.stopping) this.fatal(e.payload.error);
    });
    consumer.on(consumer.events.STOP, () => {
      this.joined = false;
    });
    const mergeKey =
      this.o.coalesce && this.o.destination.mergeKey && this.o.destination.processRun
        ? this.o.destination.mergeKey.bind(this.o.destination)
        : undefined;
    const settled =
      this.o.coalesce && this.o.destination.settledOutcome
        ? this.o.destination.settledOutcome.bind(this.o.destination)
        : undefined;
    const ctx: BatchContext = {
      decode: (messages) => decodeAll(messages, { codec: this.o.codec, mergeKey, settled, log }),
      destination: this.o.destination,
      reporter,
      partitions: this.partitions,
      log,
      observer: this.o.observer,
      counts: this.counts,
      laneConcurrency: this.o.laneConcurrency,
      maxRun: this.o.maxRun,
      drainMs: this.o.drainMs,
      heartbeatEveryMs: 2000,
      isStopping: () => this.stopping,
      readCommit: async (topic, partition) => {
        const [t] = await admin.fetchOffsets({ groupId: this.o.groupId, topics: [topic] });
        const p = t?.partitions.find((x) => x.partition === partition);
        return p && BigInt(p.offset) >= 0n ? { offset: p.offset, metadata: p.metadata } : undefined;
      },
      metadataMaxBytes: this.o.offsetMetadataMaxBytes ?? DEFAULT_METADATA_MAX_BYTES,
      commitIntervalMs: this.o.commitIntervalMs ?? 5000,
      // Upserts and memberships set a state (a second delivery changes nothing); a track event is a new
      // entry on the customer's timeline each time it is sent.
      repeatsVisibly: (d) => d.event?.type === 'track',
      inFlight: (d) => {
        this.inFlight += d;
        this.o.observer?.inFlight?.(d);
      },
    };
    if (this.o.fetchAhead ?? true)
      this.handover = new Handover({
        ...ctx,
        control,
        prepareDecode: (messages) => prepareAll(messages, { codec: this.o.codec }),
        limits: { ...DEFAULT_IN_FLIGHT_LIMITS, ...this.o.inFlightLimits },
      });
    await consumer.connect();
    await consumer.subscribe({
      topics: this.topics,
      fromBeginning: this.o.fromBeginning,
    });
    await consumer.run({
      eachBatchAutoResolve: false,
      // Every commit is runBatch's (commit.ts): KafkaJS's would overwrite the metadata with none.
      autoCommit: false,
      partitionsConsumedConcurrently: this.o.partitionsConcurrently,
      eachBatch: (payload) => (this.handover ? this.handover.eachBatch(payload) : runBatch(payload, ctx)),
    });
    this.watchdog = setInterval(() => this.partitions.checkStalls(), 5000);
    this.watchdog.unref();
  }

  /** The topics this member reads: the events topic, and the retry topic when there is one. */
  private get topics(): string[] {
    return this.o.retryTopic ? [this.o.topic, this.o.retryTopic] : [this.o.topic];
  }

  /** Fatal: KafkaJS will not go on by itself, or a partition stalled for good. Reported once. */
  private fatal(error: Error): void {
    if (this.crashed) return;
    this.crashed = error;
    this.o.log.error('fatal: the consumer cannot go on; exiting so the orchestrator restarts it', {
      error: error.message,
    });
    this.o.onFatal?.(error);
  }

  /**
   * Stop fetching, let in-flight events finish (bounded), commit what has an outcome, leave the group,
   * close the producer; whatever hangs, it returns within the shutdown timeout (plus a second).
   * Resolves true when everything closed in time; false when something was still at work (a
   * disconnect still retrying against a broker that is down): then only exiting ends it.
   */
  async stop(): Promise<boolean> {
    if (this.stopping) return true;
    this.stopping = true;
    if (this.watchdog) clearInterval(this.watchdog);
    this.partitions.stop();
    const { log } = this.o;
    let clean = true;
    const bounded = async (what: string, p: Promise<unknown> | undefined, ms: number) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
      const how = await Promise.race([
        p?.then(
          () => 'done' as const,
          (e: unknown) => e,
        ),
        timeout,
      ]);
      clearTimeout(timer);
      if (how === 'timeout') {
        clean = false;
        log.warn(`shutdown: ${what} did not finish in time`, { ms, inFlight: this.inFlight });
      } else if (how !== 'done' && how !== undefined)
        log.warn(`shutdown: ${what} failed`, { error: (how as Error)?.message ?? String(how) });
    };
    const deadline = Date.now() + this.o.shutdownTimeoutMs;
    // Fetching ahead: events handed over finish (bounded) and are committed before the group is left.
    await bounded(
      'draining the events in flight',
      this.handover?.drainAll(Math.min(this.o.drainMs, Math.max(0, deadline - Date.now() - 1000))),
      Math.max(1000, deadline - Date.now()),
    );
    await bounded(
      'leaving the consumer group',
      this.consumer?.disconnect(),
      Math.max(1000, deadline - Date.now()),
    );
    // A broker away at the end (the batch's last commits unanswered or refused): said once, with why.
    const unacknowledged = this.partitions.unacknowledgedCommits();
    if (unacknowledged.length)
      log.warn(
        `shutdown: the last commits did not reach the broker (${unacknowledged[0]!.unacknowledgedCommit}): ` +
          'the outcomes since the last commit that did are delivered again after a restart (at least once)',
        { partitions: unacknowledged.map((st) => `${st.topic}/${st.partition}`) },
      );
    await bounded('closing the producer', this.producer?.disconnect(), Math.max(1000, deadline - Date.now()));
    await bounded(
      'closing the admin client',
      this.admin?.disconnect(),
      Math.max(1000, deadline - Date.now()),
    );
    const leftover = closeLeftoverConnections(this.o.kafka);
    if (leftover)
      log.warn('closed broker connections KafkaJS left open after disconnecting', { connections: leftover });
    return clean;
  }
}
