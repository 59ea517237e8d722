/**
 * Prometheus metrics of the service, on a registry of its own (never prom-client's global one, so
 * tests and several instances in one process do not collide). Names follow Prometheus conventions:
 * `zendesk_destination_` prefix, base units (seconds), `_total` on counters.
 *
 * Call sites use the small typed helpers below rather than the metric objects, so label names and
 * label values (e.g. templated endpoints) are decided here once.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { VERSION } from '../version.js';
import { eventLoopBusy } from './event-loop-metric.js';

export const PREFIX = 'zendesk_destination_';

export const METRIC_NAMES = {
  eventsConsumed: `${PREFIX}events_consumed_total`,
  outcomes: `${PREFIX}event_outcomes_total`,
  deadLetters: `${PREFIX}dead_letters_total`,
  zendeskRequests: `${PREFIX}zendesk_requests_total`,
  zendeskRequestDuration: `${PREFIX}zendesk_request_duration_seconds`,
  zendeskRetries: `${PREFIX}zendesk_retries_total`,
  rateLimitWait: `${PREFIX}rate_limit_wait_seconds_total`,
  inFlightEvents: `${PREFIX}in_flight_events`,
  pausedPartitions: `${PREFIX}paused_partitions`,
  stalledPartitions: `${PREFIX}stalled_partitions`,
  consumerLag: `${PREFIX}consumer_lag_messages`,
  committedOffset: `${PREFIX}committed_offset`,
  eventLatency: `${PREFIX}event_latency_seconds`,
  fieldValuesRejected: `${PREFIX}field_values_rejected_total`,
  fieldsNotCreated: `${PREFIX}fields_not_created_total`,
  eventsApiEvents: `${PREFIX}events_api_events_total`,
  eventsApiEventsThisMonth: `${PREFIX}events_api_events_this_month`,
  eventsApiAllowance: `${PREFIX}events_api_monthly_allowance`,
  jobSlots: `${PREFIX}zendesk_job_slots`,
  eventLoopBusy: `${PREFIX}event_loop_busy_seconds_total`,
  buildInfo: `${PREFIX}build_info`,
} as const;

/** Outcome as the pipeline reports it; structural so ops/ does not import destination/. */
export interface OutcomeLike {
  kind: 'delivered' | 'skipped' | 'rejected';
  reason?: string;
  /** Delivered events: what was left out and why (`field_rejected:<key>`, `field_not_created:<key>` …). */
  notes?: string[];
}

export interface Metrics {
  registry: Registry;
  eventsConsumed: Counter<'topic'>;
  outcomes: Counter<'outcome' | 'reason'>;
  deadLetters: Counter<'reason'>;
  zendeskRequests: Counter<'endpoint' | 'method' | 'status'>;
  zendeskRequestDuration: Histogram<'endpoint' | 'method'>;
  zendeskRetries: Counter<'endpoint' | 'reason'>;
  rateLimitWait: Counter<'scope'>;
  inFlightEvents: Gauge;
  pausedPartitions: Gauge<'topic'>;
  stalledPartitions: Gauge<'topic'>;
  consumerLag: Gauge<'topic' | 'partition'>;
  /** The latest lag of each topic and partition not yet in `consumerLag` (set into it when it is read). */
  lagLatest: Map<string, Map<number, number>>;
  committedOffset: Gauge<'topic' | 'partition'>;
  eventLatency: Histogram<'outcome'>;
  fieldValuesRejected: Counter<'field'>;
  fieldsNotCreated: Counter<'field'>;
  eventsApiEvents: Counter;
  eventsApiEventsThisMonth: Gauge<'month'>;
  eventsApiAllowance: Gauge;
  jobSlots: Gauge<'state'>;
  /** Registered with the default metrics (a process metric, like them). */
  eventLoopBusy?: Counter;
  /** Read when the job-slot gauge is scraped (`watchJobSlots`). */
  jobSlotsSource: { read?: () => JobSlotState };
  buildInfo: Gauge<'version' | 'node_version'>;
}

/** This instance's hold on the account's bulk job slots (Zendesk allows 30 queued or running per account). */
export interface JobSlotState {
  /** Our jobs created (or being created) and not yet seen finished. */
  held: number;
  /** Of those, jobs Zendesk's latest count shows finished, not yet seen by a poll. */
  finishedNotSeen: number;
  /** Of those, creates not yet answered: queued for the request budget or in transit (Zendesk may not count them yet). */
  creating: number;
  /** How many this instance may hold now: all of them alone, its learnt share when others hold jobs. */
  share: number;
  /** Bulk calls waiting for a slot. */
  waiting: number;
}

/** The event latency histogram's buckets, seconds. */
const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600] as const;

export interface MetricsOptions {
  /** process_* and nodejs_* metrics (CPU, memory, event-loop lag, GC); on by default. */
  defaultMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.defaultMetrics ?? true) {
    // Left unprefixed on purpose: the standard process_*/nodejs_* names are what off-the-shelf
    // Node.js dashboards and alerts expect; the scrape job label tells services apart.
    collectDefaultMetrics({ register: registry });
  }
  const lagLatest = new Map<string, Map<number, number>>();
  const jobSlotsSource: Metrics['jobSlotsSource'] = {};
  return {
    registry,
    lagLatest,
    jobSlotsSource,
    eventsConsumed: new Counter({
      name: METRIC_NAMES.eventsConsumed,
      help: 'Segment events read from Kafka, before any processing.',
      labelNames: ['topic'],
      registers,
    }),
    outcomes: new Counter({
      name: METRIC_NAMES.outcomes,
      help: 'Final outcome of each consumed event (delivered, skipped, dead_lettered) and its reason.',
      labelNames: ['outcome', 'reason'],
      registers,
    }),
    deadLetters: new Counter({
      name: METRIC_NAMES.deadLetters,
      help: 'Records produced to the dead-letter topic, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    zendeskRequests: new Counter({
      name: METRIC_NAMES.zendeskRequests,
      help: 'HTTP requests made to Zendesk, by templated endpoint, method and status (or "error" without an answer).',
      labelNames: ['endpoint', 'method', 'status'],
      registers,
    }),
    zendeskRequestDuration: new Histogram({
      name: METRIC_NAMES.zendeskRequestDuration,
      help: 'Duration of Zendesk HTTP requests, seconds, including failed ones.',
      labelNames: ['endpoint', 'method'],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    zendeskRetries: new Counter({
      name: METRIC_NAMES.zendeskRetries,
      help: 'Zendesk requests retried, by templated endpoint and reason (429, 5xx, timeout, network, …).',
      labelNames: ['endpoint', 'reason'],
      registers,
    }),
    rateLimitWait: new Counter({
      name: METRIC_NAMES.rateLimitWait,
      help: 'Seconds spent waiting for a Zendesk rate limit, by scope (account, user_upsert, jobs, retry_after, …).',
      labelNames: ['scope'],
      registers,
    }),
    inFlightEvents: new Gauge({
      name: METRIC_NAMES.inFlightEvents,
      help: 'Events consumed whose outcome is not decided yet.',
      registers,
    }),
    pausedPartitions: new Gauge({
      name: METRIC_NAMES.pausedPartitions,
      help: 'Partitions currently paused (back-pressure or outage), by topic.',
      labelNames: ['topic'],
      registers,
    }),
    stalledPartitions: new Gauge({
      name: METRIC_NAMES.stalledPartitions,
      help: 'Partitions with lag that make no progress although no outage paused them, by topic.',
      labelNames: ['topic'],
      registers,
    }),
    consumerLag: new Gauge({
      name: METRIC_NAMES.consumerLag,
      help: 'Messages between the partition high watermark and the committed offset.',
      labelNames: ['topic', 'partition'],
      registers,
      // The lag moves with every run that finishes; the gauge takes its latest value when it is read.
      collect() {
        for (const [topic, partitions] of lagLatest)
          for (const [partition, lag] of partitions) this.set({ topic, partition: String(partition) }, lag);
        lagLatest.clear();
      },
    }),
    committedOffset: new Gauge({
      name: METRIC_NAMES.committedOffset,
      help: 'Last offset committed by this consumer (the next offset to read), by partition.',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    eventLatency: new Histogram({
      name: METRIC_NAMES.eventLatency,
      help: 'From the record timestamp (produce time) to the event outcome, seconds.',
      labelNames: ['outcome'],
      buckets: [...LATENCY_BUCKETS],
      registers,
    }),
    fieldValuesRejected: new Counter({
      name: METRIC_NAMES.fieldValuesRejected,
      help: 'Custom field values Zendesk refused (the event was delivered without them, note field_rejected), by field key.',
      labelNames: ['field'],
      registers,
    }),
    fieldsNotCreated: new Counter({
      name: METRIC_NAMES.fieldsNotCreated,
      help: 'Custom field values left out because Zendesk would not create the field definition (403 for an agent, note field_not_created), by field key.',
      labelNames: ['field'],
      registers,
    }),
    eventsApiEvents: new Counter({
      name: METRIC_NAMES.eventsApiEvents,
      help: 'Events the Zendesk Events API accepted (counted against the monthly allowance of the plan).',
      registers,
    }),
    eventsApiEventsThisMonth: new Gauge({
      name: METRIC_NAMES.eventsApiEventsThisMonth,
      help: 'Events the Zendesk Events API accepted from this process in the current UTC month (label month=YYYY-MM); compare with ZENDESK_EVENTS_MONTHLY_ALLOWANCE.',
      labelNames: ['month'],
      registers,
    }),
    eventsApiAllowance: new Gauge({
      name: METRIC_NAMES.eventsApiAllowance,
      help: 'ZENDESK_EVENTS_MONTHLY_ALLOWANCE: the Events API events the plan allows per month (the dashboard compares events_api_events_this_month with it).',
      registers,
    }),
    jobSlots: new Gauge({
      name: METRIC_NAMES.jobSlots,
      help: "Zendesk bulk job slots (30 queued or running per account): held = this instance's jobs not yet seen finished, finished_not_seen = of those, jobs Zendesk already counts finished, creating = of those, creates not yet answered (queued for the request budget or in transit), share = how many this instance may hold now (learnt from zendesk-ratelimit-inflight-jobs when other clients hold jobs), waiting = bulk calls waiting for a slot.",
      labelNames: ['state'],
      registers,
      collect() {
        const s = jobSlotsSource.read?.();
        if (!s) return;
        this.set({ state: 'held' }, s.held);
        this.set({ state: 'finished_not_seen' }, s.finishedNotSeen);
        this.set({ state: 'creating' }, s.creating);
        this.set({ state: 'share' }, s.share);
        this.set({ state: 'waiting' }, s.waiting);
      },
    }),
    ...((options.defaultMetrics ?? true)
      ? { eventLoopBusy: eventLoopBusy(registers, METRIC_NAMES.eventLoopBusy) }
      : {}),
    buildInfo: buildInfo(registers),
  };
}

/** Always 1; the labels say which release runs where (joined onto other series in dashboards and alerts). */
function buildInfo(registers: Registry[]): Gauge<'version' | 'node_version'> {
  const g = new Gauge({
    name: METRIC_NAMES.buildInfo,
    help: 'Always 1: the version of zendesk-destination and of Node.js this process runs.',
    labelNames: ['version', 'node_version'],
    registers,
  });
  g.set({ version: VERSION, node_version: process.versions.node }, 1);
  return g;
}

/**
 * A low-cardinality endpoint label: query dropped, ids replaced. `/api/v2/users/123/events?x=1`
 * becomes `/api/v2/users/:id/events`; long job ids and email-bearing segments become `:id` too.
 */
export function endpointLabel(path: string): string {
  const bare = path.replace(/^[a-z]+:\/\/[^/]+/i, '').split(/[?#]/)[0] ?? '';
  return bare
    .split('/')
    .map((seg) =>
      /^\d+$/.test(seg) || /^[0-9a-f]{16,}$/i.test(seg) || seg.includes('@') || seg.length > 40 ? ':id' : seg,
    )
    .join('/');
}

const outcomeLabel = (kind: OutcomeLike['kind']) => (kind === 'rejected' ? 'dead_lettered' : kind);
/** The latency histogram's labels by outcome kind, made once (observed for every event). */
const LATENCY_LABELS = {
  delivered: { outcome: outcomeLabel('delivered') },
  skipped: { outcome: outcomeLabel('skipped') },
  rejected: { outcome: outcomeLabel('rejected') },
} as const;

/** The job-slot gauge reads `read` at each scrape (the Zendesk client's semaphore). */
export const watchJobSlots = (m: Metrics, read: () => JobSlotState): void => {
  m.jobSlotsSource.read = read;
};

export const countConsumed = (m: Metrics, topic: string, n = 1): void => m.eventsConsumed.inc({ topic }, n);

/** `n` events (default 1) reached this outcome. */
export const recordOutcome = (m: Metrics, outcome: OutcomeLike, n = 1): void =>
  m.outcomes.inc({ outcome: outcomeLabel(outcome.kind), reason: outcome.reason ?? 'none' }, n);

/** Produce-to-outcome latency of one event; `recordTimestampMs` is the Kafka record's timestamp. */
export function observeEventLatency(
  m: Metrics,
  outcome: OutcomeLike,
  recordTimestampMs: number,
  nowMs = Date.now(),
): void {
  if (Number.isFinite(recordTimestampMs) && recordTimestampMs > 0)
    m.eventLatency.observe(LATENCY_LABELS[outcome.kind], Math.max(0, nowMs - recordTimestampMs) / 1000);
}

/** observeEventLatency for each event of a run (`timestampOf(i)` the record timestamp of the i-th). */
export function observeEventLatencies(
  m: Metrics,
  outcomes: readonly OutcomeLike[],
  timestampOf: (i: number) => number,
  nowMs = Date.now(),
): void {
  for (let i = 0; i < outcomes.length; i++) observeEventLatency(m, outcomes[i]!, timestampOf(i), nowMs);
}

const FIELD_NOTE = /^(field_rejected|field_not_created):([A-Za-z0-9_]{1,100})$/;

/** Counts the field notes of a delivered event, by field key (keys are letters, digits, underscores). */
export function countFieldNotes(m: Metrics, notes: readonly string[] | undefined): void {
  for (const note of notes ?? []) {
    const match = FIELD_NOTE.exec(note);
    if (!match) continue;
    const counter = match[1] === 'field_rejected' ? m.fieldValuesRejected : m.fieldsNotCreated;
    counter.inc({ field: match[2]! });
  }
}

/**
 * One event accepted by the Events API; `month` (YYYY-MM, UTC) and the running count of that month
 * come from the caller. A new month replaces the previous month's series.
 */
export function countEventsApiEvent(
  m: Metrics,
  month: string,
  sentThisMonth: number,
  newMonth: boolean,
): void {
  m.eventsApiEvents.inc();
  if (newMonth) m.eventsApiEventsThisMonth.reset();
  m.eventsApiEventsThisMonth.set({ month }, sentThisMonth);
}

export const countDeadLetter = (m: Metrics, reason: string): void => m.deadLetters.inc({ reason });

export function observeZendeskRequest(
  m: Metrics,
  r: { path: string; method: string; status: number | 'error'; seconds: number },
): void {
  const endpoint = endpointLabel(r.path);
  const method = r.method.toUpperCase();
  m.zendeskRequests.inc({ endpoint, method, status: String(r.status) });
  m.zendeskRequestDuration.observe({ endpoint, method }, r.seconds);
}

export const countRetry = (m: Metrics, path: string, reason: string): void =>
  m.zendeskRetries.inc({ endpoint: endpointLabel(path), reason });

export function addRateLimitWait(m: Metrics, scope: string, seconds: number): void {
  if (seconds > 0) m.rateLimitWait.inc({ scope }, seconds);
}

export const setInFlight = (m: Metrics, n: number): void => m.inFlightEvents.set(n);

export const setPausedPartitions = (m: Metrics, topic: string, n: number): void =>
  m.pausedPartitions.set({ topic }, n);

export const setStalledPartitions = (m: Metrics, topic: string, n: number): void =>
  m.stalledPartitions.set({ topic }, n);

/** Kept as the partition's latest lag (no label hashing per call); the gauge shows it when read. */
export function setConsumerLag(m: Metrics, topic: string, partition: number, lag: number): void {
  let partitions = m.lagLatest.get(topic);
  if (!partitions) m.lagLatest.set(topic, (partitions = new Map()));
  partitions.set(partition, lag);
}

/** Offsets are int64 strings in KafkaJS; a gauge is a double, exact up to 2^53, which is plenty. */
export const setCommittedOffset = (
  m: Metrics,
  topic: string,
  partition: number,
  offset: string | number | bigint,
): void => m.committedOffset.set({ topic, partition: String(partition) }, Number(offset));

/** Forget a partition's series after a rebalance moved it away, so stale lag is not reported. */
export function forgetPartition(m: Metrics, topic: string, partition: number): void {
  const labels = { topic, partition: String(partition) };
  m.lagLatest.get(topic)?.delete(partition);
  m.consumerLag.remove(labels);
  m.committedOffset.remove(labels);
}

export const setEventsApiAllowance = (m: Metrics, perMonth: number): void =>
  m.eventsApiAllowance.set(perMonth);
