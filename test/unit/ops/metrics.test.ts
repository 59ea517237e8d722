import { describe, expect, it } from 'vitest';
import { register as globalRegistry } from 'prom-client';
import {
  METRIC_NAMES,
  PREFIX,
  addRateLimitWait,
  countConsumed,
  countDeadLetter,
  countRetry,
  createMetrics,
  endpointLabel,
  forgetPartition,
  observeEventLatencies,
  observeEventLatency,
  observeZendeskRequest,
  recordOutcome,
  setCommittedOffset,
  setConsumerLag,
  setInFlight,
  setPausedPartitions,
  watchJobSlots,
  type Metrics,
} from '../../../src/ops/metrics.js';

/** The value of one series, read back from the registry the way a scrape would see it. */
async function value(
  m: Metrics,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const metric = m.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const match = values.find(
    (v) =>
      Object.entries(labels).every(([k, x]) => String((v.labels as Record<string, unknown>)[k]) === x) &&
      Object.keys(v.labels).length === Object.keys(labels).length,
  );
  return match?.value;
}

describe('registry and names', () => {
  it('registers every listed metric, prefixed, with Prometheus-valid names and units', async () => {
    const m = createMetrics();
    const registered = (await m.registry.getMetricsAsJSON())
      .map((x) => x.name)
      .filter((n) => n.startsWith(PREFIX));
    expect(registered.sort()).toEqual(Object.values(METRIC_NAMES).sort());
    for (const [key, name] of Object.entries(METRIC_NAMES)) {
      expect(name).toMatch(/^[a-z_][a-z0-9_]*$/);
      expect(name.startsWith(PREFIX)).toBe(true);
      const type = m.registry.getSingleMetric(name)?.constructor.name;
      // Counters end in _total; durations are in seconds.
      if (type === 'Counter') expect(name, key).toMatch(/_total$/);
      else expect(name, key).not.toMatch(/_total$/);
      if (/duration|wait/.test(name)) expect(name, key).toMatch(/_seconds(_total)?$/);
    }
  });

  it('adds process and Node.js default metrics to its own registry, not the global one', async () => {
    const before = (await globalRegistry.getMetricsAsJSON()).length;
    const m = createMetrics();
    const names = (await m.registry.getMetricsAsJSON()).map((x) => x.name);
    expect(names).toContain('process_cpu_user_seconds_total');
    expect(names).toContain('nodejs_eventloop_lag_seconds');
    expect((await globalRegistry.getMetricsAsJSON()).length).toBe(before);
  });

  it('lets two instances live side by side', () => {
    expect(() => {
      createMetrics({ defaultMetrics: false });
      createMetrics({ defaultMetrics: false });
    }).not.toThrow();
  });
});

describe('helpers', () => {
  it('count consumed events, outcomes and dead letters with their labels', async () => {
    const m = createMetrics({ defaultMetrics: false });
    countConsumed(m, 'segment-events');
    countConsumed(m, 'segment-events', 4);
    recordOutcome(m, { kind: 'delivered' });
    recordOutcome(m, { kind: 'skipped', reason: 'event_not_enabled' });
    recordOutcome(m, { kind: 'rejected', reason: 'ambiguous_user' });
    recordOutcome(m, { kind: 'rejected', reason: 'ambiguous_user' });
    countDeadLetter(m, 'ambiguous_user');
    expect(await value(m, METRIC_NAMES.eventsConsumed, { topic: 'segment-events' })).toBe(5);
    expect(await value(m, METRIC_NAMES.outcomes, { outcome: 'delivered', reason: 'none' })).toBe(1);
    expect(await value(m, METRIC_NAMES.outcomes, { outcome: 'skipped', reason: 'event_not_enabled' })).toBe(
      1,
    );
    expect(
      await value(m, METRIC_NAMES.outcomes, { outcome: 'dead_lettered', reason: 'ambiguous_user' }),
    ).toBe(2);
    expect(await value(m, METRIC_NAMES.deadLetters, { reason: 'ambiguous_user' })).toBe(1);
  });

  it('records Zendesk requests by templated endpoint, with a duration histogram in seconds', async () => {
    const m = createMetrics({ defaultMetrics: false });
    observeZendeskRequest(m, { path: '/api/v2/users/123/events', method: 'post', status: 201, seconds: 0.2 });
    observeZendeskRequest(m, {
      path: '/api/v2/users/456/events?x=1',
      method: 'POST',
      status: 201,
      seconds: 0.3,
    });
    observeZendeskRequest(m, {
      path: '/api/v2/users/456/events',
      method: 'POST',
      status: 'error',
      seconds: 15,
    });
    const endpoint = '/api/v2/users/:id/events';
    expect(await value(m, METRIC_NAMES.zendeskRequests, { endpoint, method: 'POST', status: '201' })).toBe(2);
    expect(await value(m, METRIC_NAMES.zendeskRequests, { endpoint, method: 'POST', status: 'error' })).toBe(
      1,
    );
    const text = await m.registry.metrics();
    expect(text).toContain(
      `${METRIC_NAMES.zendeskRequestDuration}_count{endpoint="${endpoint}",method="POST"} 3`,
    );
    expect(text).toContain(
      `${METRIC_NAMES.zendeskRequestDuration}_sum{endpoint="${endpoint}",method="POST"} 15.5`,
    );
    expect(text).toContain(
      `${METRIC_NAMES.zendeskRequestDuration}_bucket{le="0.25",endpoint="${endpoint}",method="POST"} 1`,
    );
  });

  it('counts retries and rate-limit waits, ignoring non-positive waits', async () => {
    const m = createMetrics({ defaultMetrics: false });
    countRetry(m, '/api/v2/users/create_or_update', '429');
    addRateLimitWait(m, 'account', 1.5);
    addRateLimitWait(m, 'account', 0.5);
    addRateLimitWait(m, 'account', 0);
    addRateLimitWait(m, 'account', -3);
    expect(
      await value(m, METRIC_NAMES.zendeskRetries, {
        endpoint: '/api/v2/users/create_or_update',
        reason: '429',
      }),
    ).toBe(1);
    expect(await value(m, METRIC_NAMES.rateLimitWait, { scope: 'account' })).toBe(2);
  });

  it('sets gauges and forgets a partition after a rebalance', async () => {
    const m = createMetrics({ defaultMetrics: false });
    setInFlight(m, 7);
    setPausedPartitions(m, 't', 2);
    setConsumerLag(m, 't', 3, 120);
    setCommittedOffset(m, 't', 3, '9007199254740');
    expect(await value(m, METRIC_NAMES.inFlightEvents)).toBe(7);
    expect(await value(m, METRIC_NAMES.pausedPartitions, { topic: 't' })).toBe(2);
    expect(await value(m, METRIC_NAMES.consumerLag, { topic: 't', partition: '3' })).toBe(120);
    expect(await value(m, METRIC_NAMES.committedOffset, { topic: 't', partition: '3' })).toBe(9007199254740);
    forgetPartition(m, 't', 3);
    expect(await value(m, METRIC_NAMES.consumerLag, { topic: 't', partition: '3' })).toBeUndefined();
    expect(await value(m, METRIC_NAMES.committedOffset, { topic: 't', partition: '3' })).toBeUndefined();
    // the lag shown is always the latest set, read after read
    setConsumerLag(m, 't', 3, 5);
    setConsumerLag(m, 't', 4, 9);
    setConsumerLag(m, 't', 3, 4);
    expect(await value(m, METRIC_NAMES.consumerLag, { topic: 't', partition: '3' })).toBe(4);
    setConsumerLag(m, 't', 3, 0);
    expect(await value(m, METRIC_NAMES.consumerLag, { topic: 't', partition: '3' })).toBe(0);
    expect(await value(m, METRIC_NAMES.consumerLag, { topic: 't', partition: '4' })).toBe(9);
  });
});

describe('job slots', () => {
  it("reads the client's hold on the account's job slots at each scrape, and shows nothing before it is wired", async () => {
    const m = createMetrics({ defaultMetrics: false });
    expect(await value(m, METRIC_NAMES.jobSlots, { state: 'held' })).toBeUndefined();
    const state = { held: 3, finishedNotSeen: 1, creating: 2, share: 30, waiting: 0 };
    watchJobSlots(m, () => state);
    expect(await value(m, METRIC_NAMES.jobSlots, { state: 'held' })).toBe(3);
    expect(await value(m, METRIC_NAMES.jobSlots, { state: 'finished_not_seen' })).toBe(1);
    expect(await value(m, METRIC_NAMES.jobSlots, { state: 'creating' })).toBe(2);
    Object.assign(state, { held: 7, share: 9, waiting: 12 });
    expect(await value(m, METRIC_NAMES.jobSlots, { state: 'held' })).toBe(7);
    expect(await value(m, METRIC_NAMES.jobSlots, { state: 'share' })).toBe(9);
    expect(await value(m, METRIC_NAMES.jobSlots, { state: 'waiting' })).toBe(12);
  });
});

describe('main thread busy', () => {
  it('counts the seconds the event loop spent running, not waiting (a process metric, with the defaults)', async () => {
    expect(
      createMetrics({ defaultMetrics: false }).registry.getSingleMetric(METRIC_NAMES.eventLoopBusy),
    ).toBeUndefined();
    const m = createMetrics();
    const before = (await value(m, METRIC_NAMES.eventLoopBusy)) ?? 0;
    await new Promise((r) => setTimeout(r, 100)); // waiting: not busy
    const idle = ((await value(m, METRIC_NAMES.eventLoopBusy)) ?? 0) - before;
    const end = performance.now() + 150;
    while (performance.now() < end); // busy
    await new Promise((r) => setImmediate(r));
    const busy = ((await value(m, METRIC_NAMES.eventLoopBusy)) ?? 0) - before - idle;
    expect(idle).toBeLessThan(0.05);
    expect(busy).toBeGreaterThan(0.14);
    expect(busy).toBeLessThan(1);
  });
});

describe('event latency of a run', () => {
  it('shows what observing each event alone shows: buckets, sum and count per outcome', async () => {
    const now = 1_000_000_000;
    const kinds = ['skipped', 'delivered', 'rejected'] as const;
    // latencies across every bucket, past the last one, at bucket bounds, in the future, and no timestamp
    const ages = [0, 5, 10, 11, 25, 99, 250, 999, 1000, 2500, 61_000, 599_999, 600_000, 700_000, -50];
    const run = Array.from({ length: 200 }, (_, i) => ({
      outcome: { kind: kinds[(i * 7) % 3]!, reason: 'x' },
      timestamp: i % 23 === 0 ? 0 : now - ages[i % ages.length]!,
    }));
    const one = createMetrics({ defaultMetrics: false });
    for (const r of run) observeEventLatency(one, r.outcome, r.timestamp, now);
    const bulk = createMetrics({ defaultMetrics: false });
    // in two runs: the second finds each kind's series there already
    observeEventLatencies(
      bulk,
      run.slice(0, 50).map((r) => r.outcome),
      (i) => run[i]!.timestamp,
      now,
    );
    observeEventLatencies(
      bulk,
      run.slice(50).map((r) => r.outcome),
      (i) => run[50 + i]!.timestamp,
      now,
    );
    const text = (m: Metrics) => m.registry.getSingleMetricAsString(METRIC_NAMES.eventLatency);
    expect(await text(bulk)).toBe(await text(one));
    expect(await text(one)).toContain('outcome="dead_lettered"');
  });
});

describe('endpointLabel', () => {
  it.each([
    ['/api/v2/users/123/events', '/api/v2/users/:id/events'],
    ['/api/v2/users/create_or_update', '/api/v2/users/create_or_update'],
    [
      '/api/v2/organizations/99/organization_memberships?page=2',
      '/api/v2/organizations/:id/organization_memberships',
    ],
    [
      'https://acme.zendesk.com/api/v2/job_statuses/8b726e606741012ffc2d782bcb7848fe',
      '/api/v2/job_statuses/:id',
    ],
    ['/api/v2/users/search?query=email:a@b.co', '/api/v2/users/search'],
    ['/api/v2/user_fields/a@b.co', '/api/v2/user_fields/:id'],
    ['/api/v2/user_profiles/events', '/api/v2/user_profiles/events'],
  ])('%s → %s', (path, label) => {
    expect(endpointLabel(path)).toBe(label);
  });
});
