import { afterEach, describe, expect, it, vi } from 'vitest';
import { observeClient, observePipeline } from '../../../src/commands/observe.js';
import { createMetrics, METRIC_NAMES } from '../../../src/ops/metrics.js';

/** A run's outcomes reported at once count as they do one by one. */
describe('outcomes in bulk → metrics', () => {
  afterEach(() => vi.useRealTimers());
  it('counts outcomes, reasons, field notes and latencies as the same outcomes reported one by one', async () => {
    // The clock moves 1 ms between the two reports, as it may on any machine: a latency on a bucket's
    // bound (60 s, 120 s, 300 s) would then fall in one bucket one by one and in the next in bulk.
    vi.useFakeTimers({ toFake: ['Date'] });
    const now = Date.now();
    const outcomes = [
      { kind: 'skipped', reason: 'unsupported_type' },
      { kind: 'skipped', reason: 'event_not_enabled' },
      { kind: 'delivered', notes: ['field_rejected:seats'] },
      { kind: 'skipped', reason: 'unsupported_type' },
      { kind: 'rejected', reason: 'invalid_event', message: 'no userId' },
      { kind: 'delivered' },
    ] as const;
    const run = outcomes.map((_, i) => ({
      // 45 s, 105 s, 165 s…: each latency is 15 s or more from every bucket bound.
      message: { offset: String(i), timestamp: String(now - 1000 * (60 * i + 45)) },
    }));
    const one = createMetrics({ defaultMetrics: false });
    const bulk = createMetrics({ defaultMetrics: false });
    const o = observePipeline(one);
    outcomes.forEach((x, i) => o.outcome?.(x as never, { timestamp: run[i]!.message.timestamp } as never));
    vi.setSystemTime(now + 1);
    observePipeline(bulk).outcomes?.('t', 0, run as never, outcomes as never);
    const text = async (m: typeof one) =>
      (await m.registry.metrics()).replace(/_sum\{[^}]*\} [0-9.e+-]+/g, '');
    expect(await text(bulk)).toEqual(await text(one));
    expect(await text(bulk)).toContain('event_outcomes_total{outcome="skipped",reason="unsupported_type"} 2');
  });
});

/** Metrics the destination's outcomes feed: refused and not-created custom fields, by field. */
describe('field notes → metrics', () => {
  it('counts field_rejected and field_not_created notes of delivered events by field key', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const observer = observePipeline(m);
    const src = { timestamp: String(Date.now()) } as never;
    observer.outcome?.(
      {
        kind: 'delivered',
        notes: ['field_rejected:seats', 'field_not_created:plan_tier', 'membership already existed'],
      } as never,
      src,
    );
    observer.outcome?.({ kind: 'delivered', notes: ['field_rejected:seats'] } as never, src);
    observer.outcome?.({ kind: 'delivered' } as never, src);
    const rejected = await m.registry.getSingleMetric(METRIC_NAMES.fieldValuesRejected)!.get();
    expect(rejected.values.map((v) => [v.labels.field, v.value])).toEqual([['seats', 2]]);
    const notCreated = await m.registry.getSingleMetric(METRIC_NAMES.fieldsNotCreated)!.get();
    expect(notCreated.values.map((v) => [v.labels.field, v.value])).toEqual([['plan_tier', 1]]);
  });
});

describe('Events API events → metrics', () => {
  it('counts events the Events API accepted, in total and this UTC month; other calls and refusals are not events', async () => {
    const m = createMetrics({ defaultMetrics: false });
    let t = Date.UTC(2026, 2, 31, 23, 0);
    const hooks = observeClient(m, () => t);
    const req = (endpoint: string, status: number | string) =>
      hooks.onRequest({ endpoint, method: 'POST', status, durationMs: 5 });
    req('users/{id}/events', 202);
    req('users/{id}/events', 202);
    req('users/{id}/events', 429);
    req('users/{id}/events', 'error');
    req('users/create_or_update', 200);
    const month = async () =>
      (await m.registry.getSingleMetric(METRIC_NAMES.eventsApiEventsThisMonth)!.get()).values.map((v) => [
        v.labels.month,
        v.value,
      ]);
    expect(await month()).toEqual([['2026-03', 2]]);
    t = Date.UTC(2026, 3, 1, 0, 1);
    req('users/{id}/events', 202);
    expect(await month()).toEqual([['2026-04', 1]]);
    const total = await m.registry.getSingleMetric(METRIC_NAMES.eventsApiEvents)!.get();
    expect(total.values[0]?.value).toBe(3);
  });
});

/** Partition series the consumer feeds: committed offsets, paused and stalled partitions, and their removal. */
describe('partition series → metrics', () => {
  it("sets committed_offset, counts paused and stalled partitions, and drops a revoked partition's series", async () => {
    const m = createMetrics({ defaultMetrics: false });
    const o = observePipeline(m);
    o.committed?.('t', 0, '42');
    o.committed?.('t', 1, '7');
    o.lag?.('t', 1, 3);
    o.paused?.('t', 0, 'Zendesk down', 1000);
    o.stalled?.('t', 1, true);
    const text = async () => m.registry.metrics();
    expect(await text()).toContain(`${METRIC_NAMES.committedOffset}{topic="t",partition="0"} 42`);
    expect(await text()).toContain(`${METRIC_NAMES.pausedPartitions}{topic="t"} 1`);
    expect(await text()).toContain(`${METRIC_NAMES.stalledPartitions}{topic="t"} 1`);
    o.revoked?.('t', 1);
    const after = await text();
    expect(after).not.toContain(`partition="1"`);
    expect(after).toContain(`${METRIC_NAMES.stalledPartitions}{topic="t"} 0`);
    expect(after).toContain(`${METRIC_NAMES.pausedPartitions}{topic="t"} 1`);
  });
});
