/**
 * Issue 6, checked end to end: the real `zendesk-destination run` process, the real broker and registry,
 * the sandbox standing in for Zendesk. Each test has its own topic, group and sandbox.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import type { SegmentEvent } from '../../../src/segment/event.js';
import { createTopics, deleteTopics, uniqueName } from '../../helpers/stack.js';
import { codecFor, connectedProducer, produceEvents, seeded, waitUntil } from '../../helpers/pipeline.js';
import { deadLetters, metricSum, startService, type Service } from '../../helpers/service.js';
import { runCli } from '../../helpers/cli.js';
import { BROKERS, REGISTRY_URL } from '../../helpers/stack.js';

let producer: Producer;
const topics: string[] = [];
const services: Service[] = [];
const sandboxes: Sandbox[] = [];
beforeAll(async () => {
  producer = await connectedProducer();
});
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop('SIGKILL')));
  await Promise.all(sandboxes.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await producer?.disconnect();
  await deleteTopics(topics);
});

async function setup(partitions = 4) {
  const topic = uniqueName('e2e');
  const dlqTopic = `${topic}.dlq`;
  topics.push(topic, dlqTopic);
  await createTopics([topic, dlqTopic], partitions);
  const sandbox = await startSandbox();
  sandboxes.push(sandbox);
  return { topic, dlqTopic, sandbox, groupId: uniqueName('g'), codec: codecFor(topic) };
}

/** identify events carrying their own sequence number and messageId, so the sandbox state proves order and delivery. */
function workload(n: number, users: number, seed: number): SegmentEvent[] {
  const rnd = seeded(seed);
  return Array.from({ length: n }, (_, i) => {
    const u = Math.floor(rnd() * users);
    return {
      type: 'identify',
      messageId: `m-${seed}-${i}`,
      userId: `user-${u}`,
      traits: { name: `User ${u}`, seq: i, lastMessageId: `m-${seed}-${i}` },
    };
  });
}

/** Each user's final state equals applying that user's events in order. */
function expectFinalStateInOrder(sandbox: Sandbox, events: SegmentEvent[]) {
  const last = new Map<string, number>();
  for (const e of events) last.set(e.userId!, (e.traits as { seq: number }).seq);
  const users = sandbox.state().users as { external_id: string; user_fields: Record<string, unknown> }[];
  const byExt = new Map(users.map((u) => [u.external_id, u]));
  for (const [ext, seq] of last) expect(byExt.get(ext)?.user_fields.seq, ext).toBe(seq);
  // and the upserts of each user reached Zendesk in order
  const seqsByUser = new Map<string, number[]>();
  type U = { external_id?: string; user_fields?: { seq?: number } };
  for (const r of sandbox.requests()) {
    const body = r.body as { user?: U; users?: U[] } | null;
    // single upserts and bulk create_or_update_many jobs alike
    for (const u of [...(body?.user ? [body.user] : []), ...(body?.users ?? [])])
      if (r.status < 300 && u.external_id && typeof u.user_fields?.seq === 'number')
        seqsByUser.set(u.external_id, [...(seqsByUser.get(u.external_id) ?? []), u.user_fields.seq]);
  }
  expect(seqsByUser.size).toBeGreaterThan(0);
  for (const [ext, seqs] of seqsByUser) {
    // at-least-once: a redelivery may repeat a suffix, but never goes back before a later event of a first pass
    const firstPass = seqs.filter((s, i) => seqs.indexOf(s) === i);
    expect(firstPass, ext).toEqual([...firstPass].sort((a, b) => a - b));
  }
}

/**
 * Every event is accounted for when each user's final state carries that user's last event: lanes never
 * skip an event and never reorder, so the last one applied means all before it were (coalescing may merge
 * them into one call, which is why the request log alone cannot prove each messageId).
 */
async function accounted(sandbox: Sandbox, events: SegmentEvent[]): Promise<boolean> {
  const last = new Map<string, number>();
  for (const e of events) last.set(e.userId!, (e.traits as { seq: number }).seq);
  const users = sandbox.state().users as { external_id: string; user_fields: Record<string, unknown> }[];
  const seqOf = new Map(users.map((u) => [u.external_id, u.user_fields.seq]));
  for (const [ext, seq] of last) if (seqOf.get(ext) !== seq) return false;
  return true;
}

/**
 * Events arrive in waves while the service runs (coalescing and bulk calls would otherwise finish a
 * produced-up-front backlog before any fault could be injected mid-run).
 */
async function produceInWaves(
  codec: ReturnType<typeof codecFor>,
  topic: string,
  events: SegmentEvent[],
  waves = 10,
  gapMs = 700,
) {
  const size = Math.ceil(events.length / waves);
  for (let i = 0; i < events.length; i += size) {
    await produceEvents(producer, codec, topic, events.slice(i, i + size));
    await new Promise((r) => setTimeout(r, gapMs));
  }
}

/** How many events are applied: an event is applied once its user's state carries its seq or a later one. */
function applied(sandbox: Sandbox, events: SegmentEvent[]): number {
  const users = sandbox.state().users as { external_id: string; user_fields: Record<string, unknown> }[];
  const seqOf = new Map(users.map((u) => [u.external_id, Number(u.user_fields.seq ?? -1)]));
  return events.filter((e) => (seqOf.get(e.userId!) ?? -1) >= (e.traits as { seq: number }).seq).length;
}

describe('pipeline end to end (real broker, real service process, sandbox)', () => {
  it('keeps each user in order: 2,000 events over 50 users on 4 partitions with random latency', async () => {
    const { topic, sandbox, groupId, codec } = await setup(4);
    sandbox.configure({ faults: { latencyMs: 1, jitterMs: 8, seed: 7 } });
    const events = workload(2000, 50, 11);
    await produceEvents(producer, codec, topic, events);
    const svc = await startService({ topic, groupId, sandbox, env: { ZENDESK_CONCURRENCY: '16' } });
    services.push(svc);
    await waitUntil(() => accounted(sandbox, events), 150_000, 'all 2,000 events delivered');
    // the named series moved during the run (outcomes are counted once the bulk job's poll returns,
    // a moment after the sandbox applied it)
    await waitUntil(
      async () => metricSum(await svc.metrics(), 'zendesk_destination_event_outcomes_total') >= 2000,
      30_000,
      '2,000 outcomes counted',
    );
    const m = await svc.metrics();
    for (const name of [
      'zendesk_destination_events_consumed_total',
      'zendesk_destination_event_outcomes_total',
      'zendesk_destination_zendesk_requests_total',
      'zendesk_destination_zendesk_request_duration_seconds_count',
      'zendesk_destination_event_latency_seconds_count',
    ])
      expect(metricSum(m, name), name).toBeGreaterThan(0);
    expect(m).toMatch(/zendesk_destination_consumer_lag_messages\{/);
    expect(m).toMatch(/process_resident_memory_bytes/);
    expect(await svc.stop()).toBe(0);
    expectFinalStateInOrder(sandbox, events);
  }, 180_000);

  it('loses nothing when the consumer is SIGKILLed mid-run and started again', async () => {
    const { topic, dlqTopic, sandbox, groupId, codec } = await setup(3);
    sandbox.configure({ faults: { latencyMs: 2, jitterMs: 4, seed: 3 } });
    const events = workload(800, 40, 5);
    const producing = produceInWaves(codec, topic, events);
    const first = await startService({ topic, groupId, sandbox });
    services.push(first);
    await waitUntil(() => applied(sandbox, events) >= 200, 60_000, '200 delivered before the kill');
    await first.stop('SIGKILL');
    expect(applied(sandbox, events)).toBeLessThan(800);
    await producing;
    const second = await startService({ topic, groupId, sandbox });
    services.push(second);
    await waitUntil(() => accounted(sandbox, events), 120_000, 'every event delivered after restart');
    expect(await second.stop()).toBe(0);
    expect((await deadLetters(topic, dlqTopic, 0)).size).toBe(0);
    expectFinalStateInOrder(sandbox, events);
  }, 200_000);

  it('keeps the accounting when a second consumer joins and then leaves mid-run', async () => {
    const { topic, sandbox, groupId, codec } = await setup(4);
    // slow enough (2 requests in flight, ~40 ms each) that the run outlasts two rebalances
    sandbox.configure({ faults: { latencyMs: 30, jitterMs: 20, seed: 9 } });
    const events = workload(1500, 60, 8);
    const producing = produceInWaves(codec, topic, events, 20);
    const env = { ZENDESK_CONCURRENCY: '2' };
    const a = await startService({ topic, groupId, sandbox, env });
    services.push(a);
    await waitUntil(() => applied(sandbox, events) >= 100, 60_000, 'first deliveries');
    const b = await startService({ topic, groupId, sandbox, env });
    services.push(b);
    await waitUntil(async () => (await b.ready().catch(() => 0)) === 200, 60_000, 'the second member joined');
    await waitUntil(
      async () =>
        metricSum(await b.metrics().catch(() => ''), 'zendesk_destination_event_outcomes_total') >= 10,
      60_000,
      'the second member working',
    );
    expect(await b.stop()).toBe(0);
    await producing;
    await waitUntil(() => accounted(sandbox, events), 180_000, 'every event delivered');
    expect(await a.stop()).toBe(0);
    expectFinalStateInOrder(sandbox, events);
  }, 300_000);

  it('pauses during an outage (revoked credential) without dead-lettering, and resumes by itself', async () => {
    const { topic, dlqTopic, sandbox, groupId, codec } = await setup(2);
    const events = workload(200, 20, 4);
    await produceEvents(producer, codec, topic, events.slice(0, 50));
    const svc = await startService({ topic, groupId, sandbox });
    services.push(svc);
    await waitUntil(() => accounted(sandbox, events.slice(0, 50)), 60_000, 'first 50 delivered');
    await waitUntil(async () => (await svc.ready()) === 200, 20_000, 'ready');
    sandbox.configure({ auth: { revoked: true } });
    await produceEvents(producer, codec, topic, events.slice(50));
    await waitUntil(async () => (await svc.ready()) === 503, 30_000, 'not ready during the outage');
    const during = await svc.metrics();
    expect(metricSum(during, 'zendesk_destination_paused_partitions')).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 2000));
    sandbox.configure({ auth: { revoked: false } });
    await waitUntil(
      () => accounted(sandbox, events),
      90_000,
      'all delivered after the credential is restored',
    );
    await waitUntil(async () => (await svc.ready()) === 200, 30_000, 'ready again');
    expect(metricSum(await svc.metrics(), 'zendesk_destination_dead_letters_total')).toBe(0);
    expect(await svc.stop()).toBe(0);
    expect((await deadLetters(topic, dlqTopic, 0)).size).toBe(0);
  }, 200_000);

  it('dead-letters what cannot be delivered, and a replay after fixing the cause delivers it', async () => {
    const { topic, dlqTopic, sandbox, groupId, codec } = await setup(2);
    const env = { ZENDESK_TRACK_EVENTS: 'Order Completed' };
    const early: SegmentEvent[] = [
      {
        type: 'track',
        messageId: 't-1',
        userId: 'late-user',
        event: 'Order Completed',
        properties: { messageId: 't-1', total: 5 },
      },
      { type: 'identify', messageId: 'n-1', userId: 'nameless', traits: { plan: 'free' } },
      { type: 'identify', messageId: 'ok-1', userId: 'fine', traits: { name: 'Fine User' } },
    ];
    await produceEvents(producer, codec, topic, [
      ...early,
      { raw: Buffer.from([0, 0, 0, 0, 1, 255]), key: 'junk' },
    ]);
    const svc = await startService({ topic, groupId, sandbox, env });
    services.push(svc);
    const dl = await deadLetters(topic, dlqTopic, 3);
    expect(Object.fromEntries(dl)).toMatchObject({ 't-1': 'user_not_found', 'n-1': 'missing_name' });
    expect([...dl.values()]).toContain('undecodable');
    // fix the causes: the users now exist (created by identify calls with names)
    await produceEvents(producer, codec, topic, [
      { type: 'identify', messageId: 'fix-1', userId: 'late-user', traits: { name: 'Late User' } },
      { type: 'identify', messageId: 'fix-2', userId: 'nameless', traits: { name: 'Now Named' } },
    ]);
    await waitUntil(() => (sandbox.state().users as unknown[]).length >= 3, 60_000, 'users created');
    const env2 = { KAFKA_BROKERS: BROKERS.join(','), SCHEMA_REGISTRY_URL: REGISTRY_URL, KAFKA_TOPIC: topic };
    for (const reason of ['user_not_found', 'missing_name']) {
      const r = await runCli(['dlq', 'replay', '--reason', reason], env2);
      expect(r.stdout, r.stderr).toMatch(/1 of 1 dead letters replayed/);
    }
    await waitUntil(() => sandbox.state().events.length === 1, 60_000, 'the replayed track delivered');
    const named = (
      sandbox.state().users as { external_id: string; user_fields: Record<string, unknown> }[]
    ).find((u) => u.external_id === 'nameless');
    await waitUntil(
      () => {
        const u = (
          sandbox.state().users as { external_id: string; user_fields: Record<string, unknown> }[]
        ).find((x) => x.external_id === 'nameless');
        return u?.user_fields.plan === 'free';
      },
      60_000,
      'the replayed nameless identify applied',
    );
    expect(named).toBeDefined();
    expect(sandbox.state().events[0]!.event).toMatchObject({ type: 'Order Completed', source: 'segment' });
    expect(await svc.stop()).toBe(0);
  }, 200_000);

  it('SIGTERM during a run exits 0 within the deadline and loses nothing', async () => {
    const { topic, sandbox, groupId, codec } = await setup(2);
    sandbox.configure({ faults: { latencyMs: 20, jitterMs: 20, seed: 1 } });
    const events = workload(400, 30, 6);
    const producing = produceInWaves(codec, topic, events);
    const a = await startService({ topic, groupId, sandbox });
    services.push(a);
    await waitUntil(() => applied(sandbox, events) >= 50, 60_000, 'some deliveries');
    const t0 = Date.now();
    expect(await a.stop('SIGTERM')).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(a.logs()).toMatch(/stopping: draining in-flight events/);
    await producing;
    const b = await startService({ topic, groupId, sandbox });
    services.push(b);
    await waitUntil(() => accounted(sandbox, events), 120_000, 'everything delivered after the restart');
    expect(await b.stop()).toBe(0);
    expectFinalStateInOrder(sandbox, events);
  }, 200_000);

  it('never writes a secret or an email address to its logs or its metrics page', async () => {
    const { topic, dlqTopic, sandbox, groupId, codec } = await setup(2);
    const token = 'zdTok-8f3b1c9e77d2a4b6c0e5f1a2';
    const agent = 'integration.agent+ops@corp-example.com';
    sandbox.configure({ auth: { tokens: [token] } });
    const customers = Array.from({ length: 30 }, (_, i) => `customer.${i}+vip@shop-example.org`);
    const events: SegmentEvent[] = customers.map((email, i) => ({
      type: 'identify',
      messageId: `s-${i}`,
      userId: `secret-user-${i % 10}`,
      // the same userId with different emails also produces Zendesk errors that quote emails
      traits: { name: `Person ${i}`, email, seq: i, note: `reach me at ${email}` },
    }));
    events.push({ type: 'identify', messageId: 's-x', traits: { plan: 'x' } }); // invalid_event: no id, no email
    await produceEvents(producer, codec, topic, events);
    const svc = await startService({
      topic,
      groupId,
      sandbox,
      env: { ZENDESK_OAUTH_TOKEN: '', ZENDESK_EMAIL: agent, ZENDESK_API_TOKEN: token, LOG_LEVEL: 'debug' },
    });
    services.push(svc);
    await waitUntil(
      async () =>
        metricSum(await svc.metrics().catch(() => ''), 'zendesk_destination_event_outcomes_total') >=
        events.length,
      90_000,
      'all outcomes',
    );
    const metrics = await svc.metrics();
    expect(await svc.stop()).toBe(0);
    const logs = svc.logs();
    expect(logs.length).toBeGreaterThan(1000); // debug logging really ran
    expect(logs).toMatch(/token/i); // the API-token retirement warning is there, without the token
    const basic = Buffer.from(`${agent}/token:${token}`).toString('base64');
    for (const text of [logs, metrics]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(basic);
      expect(text).not.toContain(agent);
      for (const c of customers) expect(text).not.toContain(c);
      expect(text).not.toMatch(/[A-Za-z0-9._%+-]+@(?:corp|shop)-example\.(?:com|org)/);
    }
    expect((await deadLetters(topic, dlqTopic, 1)).size).toBeGreaterThan(0);
  }, 150_000);
});
