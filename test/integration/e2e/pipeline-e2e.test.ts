/**
 * Issue 6, checked end to end: the real `zendesk-destination run` process, the real broker and registry,
 * the sandbox standing in for Zendesk. Each test has its own topic, group and sandbox.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import type { SegmentEvent } from '../../../src/segment/event.js';
import { createTopics, deleteTopics, readAll, testKafka, uniqueName } from '../../helpers/stack.js';
import { codecFor, connectedProducer, produceEvents, seeded, waitUntil } from '../../helpers/pipeline.js';
import { deadLetters, metricSum, startService, type Service } from '../../helpers/service.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { ROOT, runCli } from '../../helpers/cli.js';
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

/**
 * identify events carrying their own sequence number and messageId, so the sandbox state proves order and
 * delivery; with `trackEvery`, every so many is a track event instead (fixed timestamp, its seq as
 * property), so that the sandbox's duplicate count says what Zendesk would show twice.
 */
function workload(n: number, users: number, seed: number, trackEvery = 0): SegmentEvent[] {
  const rnd = seeded(seed);
  const known = new Set<number>();
  return Array.from({ length: n }, (_, i): SegmentEvent => {
    const u = Math.floor(rnd() * users);
    // a track only for a user an earlier identify created (else: user_not_found, by design)
    if (trackEvery && i % trackEvery === trackEvery - 1 && known.has(u))
      return {
        type: 'track',
        event: 'E2E Event',
        messageId: `m-${seed}-${i}`,
        userId: `user-${u}`,
        timestamp: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
        properties: { seq: i },
      };
    known.add(u);
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
  for (const e of identifies(events)) last.set(e.userId!, (e.traits as { seq: number }).seq);
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
 * Each user's final state carries that user's last event. A cheap sign that a run is over, not a proof
 * that nothing was lost: that is `expectEveryEventAccounted`, which follows each event.
 */
async function accounted(sandbox: Sandbox, events: SegmentEvent[]): Promise<boolean> {
  const last = new Map<string, number>();
  for (const e of identifies(events)) last.set(e.userId!, (e.traits as { seq: number }).seq);
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
  return identifies(events).filter((e) => (seqOf.get(e.userId!) ?? -1) >= (e.traits as { seq: number }).seq)
    .length;
}

const identifies = (events: SegmentEvent[]) => events.filter((e) => e.type === 'identify');

/**
 * Issue 17: the track events Zendesk received more than once (the sandbox's count), reported per test
 * on stdout and in .stack/e2e-duplicates.json.
 */
function duplicatesOf(test: string, sandbox: Sandbox): number {
  const d = sandbox.duplicates();
  const tracks = sandbox.state().events.length;
  process.stdout.write(
    `[e2e duplicates] ${test}: ${d.duplicates} of ${tracks} track events received twice\n`,
  );
  const file = `${ROOT}/.stack/e2e-duplicates.json`;
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    /* first test */
  }
  mkdirSync(`${ROOT}/.stack`, { recursive: true });
  writeFileSync(file, JSON.stringify({ ...all, [test]: { duplicates: d.duplicates, tracks } }, null, 2));
  return d.duplicates;
}

/** The services of these tests log each event's outcome ('event delivered', 'event skipped' at debug). */
const DEBUG = { LOG_LEVEL: 'debug', ZENDESK_TRACK_EVENTS: 'E2E Event' };

/** How many records a topic holds now (all partitions), from the broker's offsets. */
async function recordCount(topic: string): Promise<number> {
  const admin = testKafka('test-admin').admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Where each consumed record ended, as the services say (their debug log names topic, partition and
 * offset of every delivered and skipped event; a SIGKILLed one's log up to its death included), keyed by
 * `partition:offset`. Parsed incrementally, so it can be polled.
 */
class OutcomeLog {
  readonly byOffset = new Map<string, string[]>();
  private readonly parsed = new Map<Service, number>();
  constructor(private readonly topic: string) {}

  update(services: Service[]): this {
    for (const svc of services) {
      const text = svc.logs();
      const from = this.parsed.get(svc) ?? 0;
      const to = text.lastIndexOf('\n') + 1;
      if (to <= from) continue;
      this.parsed.set(svc, to);
      for (const line of text.slice(from, to).split('\n')) {
        if (!line.startsWith('{')) continue;
        const e = JSON.parse(line) as {
          message?: string;
          topic?: string;
          partition?: number;
          offset?: string;
          reason?: string;
        };
        if (e.topic !== this.topic) continue;
        const outcome =
          e.message === 'event delivered'
            ? 'delivered'
            : e.message === 'event skipped'
              ? `skipped: ${e.reason}`
              : null;
        if (!outcome) continue;
        const key = `${e.partition}:${e.offset}`;
        this.byOffset.set(key, [...(this.byOffset.get(key) ?? []), outcome]);
      }
    }
    return this;
  }
}

/** The records of the source topic: `partition:offset` → messageId. */
async function recordsOf(topic: string, codec: ReturnType<typeof codecFor>, produced: number) {
  const msgs = await readAll(topic, produced);
  const out = new Map<string, string>();
  for (const m of msgs) out.set(`${m.partition}:${m.offset}`, (await codec.decode(m.value)).messageId!);
  return out;
}

/**
 * Follows every produced event (not only each user's last one): each messageId must be on the topic,
 * and each of its records must have ended in exactly one kind of outcome, `want` (a record delivered by
 * a killed consumer and again by its successor is at-least-once, still one kind): delivered or skipped
 * in a service's log, or dead-lettered in the DLQ. A record with no outcome at all is lost. Waits until
 * the services have said where every record ended, then reads the whole DLQ (its size from the broker,
 * so "no dead letters" is counted, not assumed).
 */
async function expectEveryEventAccounted(opts: {
  topic: string;
  dlqTopic: string;
  codec: ReturnType<typeof codecFor>;
  events: SegmentEvent[];
  services: Service[];
  want?: string;
  timeoutMs?: number;
}) {
  const { topic, dlqTopic, codec, events, services: svcs, want = 'delivered' } = opts;
  const records = await recordsOf(topic, codec, events.length);
  const ids = new Set(records.values());
  for (const e of events) expect(ids.has(e.messageId!), `${e.messageId} is on the topic`).toBe(true);
  const log = new OutcomeLog(topic);
  let dlqSize = await recordCount(dlqTopic);
  let dlqAt = Date.now();
  await waitUntil(
    async () => {
      if (Date.now() - dlqAt > 1000) [dlqSize, dlqAt] = [await recordCount(dlqTopic), Date.now()];
      // a dead-lettered record has no log outcome: its outcome is in the DLQ, checked below
      return [...records.keys()].filter((k) => !log.update(svcs).byOffset.has(k)).length <= dlqSize;
    },
    opts.timeoutMs ?? 30_000,
    'an outcome for every record',
  ).catch((e: Error) => {
    const missing = [...records].filter(([k]) => !log.byOffset.has(k)).map(([k, id]) => `${id}@${k}`);
    throw new Error(
      `${e.message}; ${missing.length} records without an outcome: ${missing.slice(0, 10).join(', ')}`,
    );
  });
  dlqSize = await recordCount(dlqTopic);
  const dead = await deadLetters(topic, dlqTopic, dlqSize);
  expect(dead.size).toBe(dlqSize);
  const byMessageId = new Map<string, Set<string>>();
  for (const [k, id] of records) {
    const kinds = new Set(log.byOffset.get(k) ?? []);
    if (dead.has(id)) kinds.add(`dead-lettered: ${dead.get(id)}`);
    byMessageId.set(id, new Set([...(byMessageId.get(id) ?? []), ...kinds]));
  }
  const wrong = [...byMessageId].filter(([, kinds]) => kinds.size !== 1 || !kinds.has(want));
  expect(
    wrong.map(([id, kinds]) => `${id}: ${[...kinds].join(' + ') || 'no outcome (lost)'}`),
    `every event ends in exactly one outcome, ${want}`,
  ).toEqual([]);
  expect(byMessageId.size).toBe(events.length);
}

describe('pipeline end to end (real broker, real service process, sandbox)', () => {
  it('keeps each user in order: 2,000 events over 50 users on 4 partitions with random latency', async () => {
    const { topic, dlqTopic, sandbox, groupId, codec } = await setup(4);
    sandbox.configure({ faults: { latencyMs: 1, jitterMs: 8, seed: 7 } });
    const events = workload(2000, 50, 11);
    await produceEvents(producer, codec, topic, events);
    const svc = await startService({ topic, groupId, sandbox, env: { ...DEBUG, ZENDESK_CONCURRENCY: '16' } });
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
    await expectEveryEventAccounted({ topic, dlqTopic, codec, events, services: [svc] });
    expect(await svc.stop()).toBe(0);
    expectFinalStateInOrder(sandbox, events);
  }, 180_000);

  it('loses nothing when the consumer is SIGKILLed mid-run and started again', async () => {
    const { topic, dlqTopic, sandbox, groupId, codec } = await setup(3);
    sandbox.configure({ faults: { latencyMs: 2, jitterMs: 4, seed: 3 } });
    const events = workload(800, 40, 5, 4);
    const producing = produceInWaves(codec, topic, events);
    const first = await startService({ topic, groupId, sandbox, env: DEBUG });
    services.push(first);
    // killed once it has committed 200 events, so that some events end only in its log (the check
    // below must find them there, not in a redelivery by the second consumer)
    const admin = testKafka('test-admin').admin();
    await admin.connect();
    const committed = async () =>
      (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.reduce(
        (n, p) => n + Math.max(0, Number(p.offset)),
        0,
      );
    try {
      await waitUntil(async () => (await committed()) >= 200, 60_000, '200 events committed before the kill');
    } finally {
      await admin.disconnect();
    }
    await first.stop('SIGKILL');
    expect(applied(sandbox, events)).toBeLessThan(800);
    await producing;
    const second = await startService({ topic, groupId, sandbox, env: DEBUG });
    services.push(second);
    await waitUntil(
      () => accounted(sandbox, events),
      120_000,
      "each user's last event delivered after restart",
    );
    // every one of the 800 events, not only each user's last: delivered by the first or the second
    // consumer (or both: at-least-once across a SIGKILL), none dead-lettered, none without an outcome
    await expectEveryEventAccounted({ topic, dlqTopic, codec, events, services: [first, second] });
    expect(await second.stop()).toBe(0);
    expectFinalStateInOrder(sandbox, events);
    // measured, not bounded here: the fault suite's sigkill case bounds it by the events in flight
    duplicatesOf('sigkill-restart', sandbox);
  }, 200_000);

  it('keeps the accounting when a second consumer joins and then leaves mid-run', async () => {
    const { topic, dlqTopic, sandbox, groupId, codec } = await setup(4);
    // slow enough (2 requests in flight, ~40 ms each) that the run outlasts two rebalances
    sandbox.configure({ faults: { latencyMs: 30, jitterMs: 20, seed: 9 } });
    const events = workload(1500, 60, 8, 4);
    const producing = produceInWaves(codec, topic, events, 20);
    const env = { ...DEBUG, ZENDESK_CONCURRENCY: '2' };
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
    await waitUntil(() => accounted(sandbox, events), 180_000, "each user's last event delivered");
    await expectEveryEventAccounted({ topic, dlqTopic, codec, events, services: [a, b] });
    expect(await a.stop()).toBe(0);
    expectFinalStateInOrder(sandbox, events);
    expect(duplicatesOf('rebalance-join-leave', sandbox), 'track events sent twice').toBe(0);
  }, 300_000);

  it('pauses during an outage (revoked credential) without dead-lettering, and resumes by itself', async () => {
    const { topic, dlqTopic, sandbox, groupId, codec } = await setup(2);
    const events = workload(200, 20, 4);
    await produceEvents(producer, codec, topic, events.slice(0, 50));
    const svc = await startService({ topic, groupId, sandbox, env: DEBUG });
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
    // every event, including those consumed while the credential was revoked: delivered, none dead-lettered
    await expectEveryEventAccounted({ topic, dlqTopic, codec, events, services: [svc] });
    expect(await svc.stop()).toBe(0);
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
    const { topic, dlqTopic, sandbox, groupId, codec } = await setup(2);
    sandbox.configure({ faults: { latencyMs: 20, jitterMs: 20, seed: 1 } });
    const events = workload(400, 30, 6, 4);
    const producing = produceInWaves(codec, topic, events);
    const a = await startService({ topic, groupId, sandbox, env: DEBUG });
    services.push(a);
    await waitUntil(() => applied(sandbox, events) >= 50, 60_000, 'some deliveries');
    const t0 = Date.now();
    expect(await a.stop('SIGTERM')).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(a.logs()).toMatch(/stopping: draining in-flight events/);
    await producing;
    const b = await startService({ topic, groupId, sandbox, env: DEBUG });
    services.push(b);
    await waitUntil(
      () => accounted(sandbox, events),
      120_000,
      "each user's last event delivered after the restart",
    );
    await expectEveryEventAccounted({ topic, dlqTopic, codec, events, services: [a, b] });
    expect(await b.stop()).toBe(0);
    expectFinalStateInOrder(sandbox, events);
    expect(duplicatesOf('sigterm-restart', sandbox), 'track events sent twice').toBe(0);
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
