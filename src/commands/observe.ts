import {
  addRateLimitWait,
  countConsumed,
  countDeadLetter,
  countFieldNotes,
  countRetry,
  observeEventLatency,
  observeZendeskRequest,
  recordOutcome,
  setConsumerLag,
  setInFlight,
  setPausedPartitions,
  type Metrics,
} from '../ops/metrics.js';
import type { PipelineObserver } from '../pipeline/consumer.js';

/** The pipeline's reports → Prometheus metrics. */
export function observePipeline(m: Metrics): PipelineObserver {
  let inFlight = 0;
  const paused = new Map<string, Set<number>>();
  const setPaused = (topic: string) => setPausedPartitions(m, topic, paused.get(topic)?.size ?? 0);
  return {
    consumed: (topic) => countConsumed(m, topic),
    outcome: (o, src) => {
      recordOutcome(m, o);
      if (o.kind === 'delivered') countFieldNotes(m, (o as { notes?: string[] }).notes);
      observeEventLatency(m, o, Number(src.timestamp));
    },
    deadLettered: (reason) => countDeadLetter(m, reason),
    inFlight: (d) => setInFlight(m, (inFlight += d)),
    lag: (topic, partition, lag) => setConsumerLag(m, topic, partition, lag),
    paused: (topic, partition) => {
      if (!paused.has(topic)) paused.set(topic, new Set());
      paused.get(topic)!.add(partition);
      setPaused(topic);
    },
    resumed: (topic, partition) => {
      paused.get(topic)?.delete(partition);
      setPaused(topic);
    },
  };
}

/** The Zendesk client's hooks → Prometheus metrics (endpoints are route templates, never ids or emails). */
export function observeClient(m: Metrics) {
  return {
    onRequest: (r: { endpoint: string; method: string; status: number | string; durationMs: number }) =>
      observeZendeskRequest(m, {
        path: r.endpoint,
        method: r.method,
        status: typeof r.status === 'number' ? r.status : 'error',
        seconds: r.durationMs / 1000,
      }),
    onRetry: (r: { endpoint: string; reason: string }) => countRetry(m, r.endpoint, r.reason),
    onRateLimitWait: (r: { scope: string; ms: number }) => addRateLimitWait(m, r.scope, r.ms / 1000),
  };
}
