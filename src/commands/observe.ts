import {
  addRateLimitWait,
  countConsumed,
  countDeadLetter,
  countEventsApiEvent,
  countFieldNotes,
  countRetry,
  observeEventLatency,
  observeEventLatencies,
  observeZendeskRequest,
  recordOutcome,
  setConsumerLag,
  setInFlight,
  setPausedPartitions,
  setStalledPartitions,
  setCommittedOffset,
  forgetPartition,
  type Metrics,
} from '../ops/metrics.js';
import type { Outcome, PipelineObserver } from '../pipeline/types.js';
import { EventsAllowance } from '../destination/events-allowance.js';

/** Two outcomes counted under the same labels (kind and reason). */
const sameCount = (a: Outcome, b: Outcome): boolean =>
  a === b || (a.kind === b.kind && ('reason' in a ? a.reason : '') === ('reason' in b ? b.reason : ''));

/** The pipeline's reports → Prometheus metrics. */
export function observePipeline(m: Metrics): PipelineObserver {
  let inFlight = 0;
  const paused = new Map<string, Set<number>>();
  const stalled = new Map<string, Set<number>>();
  const setPaused = (topic: string) => setPausedPartitions(m, topic, paused.get(topic)?.size ?? 0);
  const setStalled = (topic: string) => setStalledPartitions(m, topic, stalled.get(topic)?.size ?? 0);
  const mark = (sets: Map<string, Set<number>>, topic: string, partition: number, on: boolean) => {
    if (!sets.has(topic)) sets.set(topic, new Set());
    if (on) sets.get(topic)!.add(partition);
    else sets.get(topic)!.delete(partition);
  };
  return {
    consumed: (topic, _partition, n) => countConsumed(m, topic, n),
    outcome: (o, src) => {
      recordOutcome(m, o);
      if (o.kind === 'delivered') countFieldNotes(m, (o as { notes?: string[] }).notes);
      observeEventLatency(m, o, Number(src.timestamp));
    },
    // A run's outcomes: counted once per outcome and reason instead of once per event.
    outcomes: (_topic, _partition, run, outcomes) => {
      const now = Date.now();
      // Counted once per kind and reason: a run has few distinct ones, looked for without a key per event.
      const tally: { o: Outcome; n: number }[] = [];
      for (let i = 0; i < outcomes.length; i++) {
        const o = outcomes[i]!;
        let k = 0;
        while (k < tally.length && !sameCount(tally[k]!.o, o)) k++;
        if (k === tally.length) tally.push({ o, n: 0 });
        tally[k]!.n++;
        if (o.kind === 'delivered') countFieldNotes(m, o.notes);
      }
      for (const { o, n } of tally) recordOutcome(m, o, n);
      observeEventLatencies(m, outcomes, (i) => Number(run[i]!.message.timestamp), now);
    },
    deadLettered: (reason) => countDeadLetter(m, reason),
    inFlight: (d) => setInFlight(m, (inFlight += d)),
    lag: (topic, partition, lag) => setConsumerLag(m, topic, partition, lag),
    paused: (topic, partition) => {
      mark(paused, topic, partition, true);
      setPaused(topic);
    },
    resumed: (topic, partition) => {
      mark(paused, topic, partition, false);
      setPaused(topic);
    },
    stalled: (topic, partition, on) => {
      mark(stalled, topic, partition, on);
      setStalled(topic);
    },
    committed: (topic, partition, offset) => setCommittedOffset(m, topic, partition, offset),
    revoked: (topic, partition) => {
      forgetPartition(m, topic, partition);
      mark(paused, topic, partition, false);
      mark(stalled, topic, partition, false);
      setPaused(topic);
      setStalled(topic);
    },
  };
}

/** Events API routes, as the client labels them. */
const EVENTS_API_ENDPOINT = /^(users\/\{id\}|user_profiles(\/\{id\})?)\/events$/;

/** The Zendesk client's hooks → Prometheus metrics (endpoints are route templates, never ids or emails). */
export function observeClient(m: Metrics, now: () => number = Date.now) {
  // Events the Events API accepted this UTC month (the allowance is counted in events per month).
  const events = new EventsAllowance(Number.POSITIVE_INFINITY, undefined, now);
  let month = '';
  return {
    onRequest: (r: { endpoint: string; method: string; status: number | string; durationMs: number }) => {
      observeZendeskRequest(m, {
        path: r.endpoint,
        method: r.method,
        status: typeof r.status === 'number' ? r.status : 'error',
        seconds: r.durationMs / 1000,
      });
      if (
        typeof r.status === 'number' &&
        r.status >= 200 &&
        r.status < 300 &&
        EVENTS_API_ENDPOINT.test(r.endpoint)
      ) {
        events.record();
        const newMonth = events.month !== month;
        month = events.month;
        countEventsApiEvent(m, month, events.sent, newMonth);
      }
    },
    onRetry: (r: { endpoint: string; reason: string }) => countRetry(m, r.endpoint, r.reason),
    onRateLimitWait: (r: { scope: string; ms: number }) => addRateLimitWait(m, r.scope, r.ms / 1000),
  };
}
