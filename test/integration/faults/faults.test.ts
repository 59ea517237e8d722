/**
 * Issues 9 and 13, the fault suite: each case injects a fault mid-stream (one that heals, one that does not,
 * or several at once) and ends with the same accounting — every produced event delivered or dead-lettered
 * with its expected reason (lost = 0), every partition's committed offset at its end offset once the
 * service stopped (stalled = 0), the sandbox holding exactly the expected state, and no service process
 * kept alive by a leaked handle. What the table says a case saw is asserted by that case. Every case is
 * seeded and bounded in time. Figures go to .stack/reliability.json, rendered into docs/reliability.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { Kafka, logLevel, type Producer, type RecordMetadata } from 'kafkajs';
import {
  NO_LIMITS,
  startSandbox,
  type Sandbox,
  type DeepPartial,
  type SandboxConfig,
} from '../../../src/sandbox/index.js';
import { createRegistry, SegmentCodec } from '../../../src/segment/codec.js';
import type { SegmentEvent } from '../../../src/segment/event.js';
import { BROKERS, REGISTRY_URL, uniqueName } from '../../helpers/stack.js';
import { waitUntil } from '../../helpers/pipeline.js';
import {
  deliveredMessageIdsOf,
  metricSum,
  startService,
  watchService,
  type Service,
  type ServiceWatch,
} from '../../helpers/service.js';
import { FAULT_STACK, faultStack } from '../../helpers/faultstack.js';
import { ROOT } from '../../helpers/cli.js';
import type { FaultCaseResult } from '../../../scripts/reliability-types.js';
import { readDeadLetters } from '../../../src/pipeline/dlq-tools.js';
import { H, headerText } from '../../../src/pipeline/dlq.js';

type CaseResult = FaultCaseResult;
const results: CaseResult[] = [];
const services: Service[] = [];
const sandboxes: Sandbox[] = [];
const closers: (() => Promise<void>)[] = [];
let faultStackUp = false;
/** The private broker runs with a tiny offset.metadata.max.bytes (the commit-metadata case). */
let metadataLimited = false;

/** Printed by the CLI when a handle keeps the process alive after the command returned: a leak. */
const LEAK_LINE = 'process still running 3 s after the command ended; exiting';
const SHUTDOWN_TIMEOUT_MS = 10_000;
/** The stack broker's TLS listener and the CA material scripts/stack.sh makes (an unrelated CA included). */
const SSL_BROKERS = process.env.STACK_SSL_BROKERS ?? '127.0.0.1:9095';
const TLS_DIR = process.env.STACK_TLS_DIR ?? `${ROOT}/.stack/lib/tls`;
/** Spawn to exit of a service that trusts the wrong CA: tsx start-up, the check, the exit line. */
const WRONG_CA_EXIT_BOUND_MS = 20_000;

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop('SIGKILL')));
  await Promise.all(sandboxes.splice(0).map((s) => s.close()));
  await Promise.all(closers.splice(0).map((c) => c().catch(() => undefined)));
});
afterAll(async () => {
  if (faultStackUp) await faultStack('down');
  const file = `${ROOT}/.stack/reliability.json`;
  mkdirSync(`${ROOT}/.stack`, { recursive: true });
  let previous: CaseResult[] = [];
  try {
    previous = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    /* first run */
  }
  const merged = new Map([...previous, ...results].map((r) => [r.name, r]));
  writeFileSync(file, JSON.stringify([...merged.values()], null, 2));
});

const N = 240;
/** One identify per user, so the sandbox's users prove each event's delivery by its messageId. */
const events = (tag: string): SegmentEvent[] =>
  Array.from({ length: N }, (_, i) => ({
    type: 'identify',
    messageId: `${tag}-${i}`,
    userId: `${tag}-user-${i}`,
    traits: { name: `User ${i}`, seq: i, lastMessageId: `${tag}-${i}` },
  }));

/**
 * Issue 17: a track event follows each plain identify (same user, so same partition and lane, after
 * it), so every case also measures what Zendesk would show twice. Its timestamp is fixed, so a resend
 * is a duplicate in the sandbox's count (same user, type, timestamp and properties).
 */
const TRACK_NAME = 'Fault Case Event';
const PLAIN = new Set(['name', 'seq', 'lastMessageId']);
const isPlain = (e: SegmentEvent) =>
  e.type === 'identify' && Object.keys(e.traits ?? {}).every((k) => PLAIN.has(k));
const trackOf = (e: SegmentEvent): SegmentEvent => {
  const seq = (e.traits as { seq: number }).seq;
  return {
    type: 'track',
    event: TRACK_NAME,
    messageId: `${e.messageId}-track`,
    userId: e.userId,
    timestamp: new Date(Date.UTC(2024, 0, 1) + seq * 1000).toISOString(),
    properties: { messageId: `${e.messageId}-track`, seq },
  };
};
const withTracks = (batch: SegmentEvent[]) => batch.flatMap((e) => (isPlain(e) ? [e, trackOf(e)] : [e]));

/** messageIds Zendesk holds: each user's last identify, and each event's. */
function delivered(sandbox: Sandbox): Set<string> {
  const state = sandbox.state();
  const users = state.users as { user_fields: Record<string, unknown> }[];
  const evs = state.events;
  return new Set(
    [
      ...users.map((u) => u.user_fields.last_message_id),
      ...evs.map((e) => (e.event.properties as { messageId?: unknown }).messageId),
    ].filter((x): x is string => typeof x === 'string'),
  );
}

interface TopicOptions {
  partitions?: number;
  /** false: the dead-letter topic is not created (a missing DLQ at start). */
  dlq?: boolean;
  dlqConfig?: { name: string; value: string }[];
}

async function setupTopic(brokers: string, registry: string, o: TopicOptions = {}) {
  const topic = uniqueName('fault');
  const partitions = o.partitions ?? 3;
  const kafka = new Kafka({ brokers: [brokers], clientId: 'fault-test', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic, numPartitions: partitions, replicationFactor: 1 },
      ...(o.dlq === false
        ? []
        : [
            {
              topic: `${topic}.dlq`,
              numPartitions: partitions,
              replicationFactor: 1,
              configEntries: o.dlqConfig,
            },
          ]),
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const codec = new SegmentCodec(createRegistry({ url: registry }), SegmentCodec.subjectFor(topic));
  // The case's producer, not the service under test: a registration the registry leaves unanswered
  // (its request times out, SCHEMA_REGISTRY_TIMEOUT_MS) is asked again, up to three times.
  for (let attempt = 1; ; attempt++) {
    try {
      await codec.register();
      break;
    } catch (e) {
      if (attempt === 3) throw e;
    }
  }
  const produce = async (batch: SegmentEvent[]): Promise<RecordMetadata[]> => {
    const producer: Producer = kafka.producer();
    await producer.connect();
    try {
      const messages = await Promise.all(
        withTracks(batch).map(async (e) => ({ key: e.userId!, value: (await codec.encode(e)).value })),
      );
      return await producer.send({ topic, acks: -1, messages });
    } finally {
      await producer.disconnect();
    }
  };
  return { topic, kafka, produce };
}

/** The dead letters of the case's topic, read with the project's own DLQ reader (bounded in time). */
async function deadLettersOf(kafka: Kafka, topic: string) {
  return readDeadLetters(kafka, `${topic}.dlq`, {}, 30_000);
}

/**
 * Stalled partitions, measured from outside: once the last service stopped, a partition whose
 * committed offset (kafkajs admin fetchOffsets) is short of its end offset stopped committing while
 * its events had no outcome.
 */
async function stalledPartitions(kafka: Kafka, topic: string, groupId: string) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const at = new Map(committed!.partitions.map((p) => [p.partition, BigInt(p.offset)]));
    const short = ends
      .map((e) => ({ partition: e.partition, end: BigInt(e.high), committed: at.get(e.partition) ?? -1n }))
      .filter((p) => p.end > 0n && p.committed < p.end);
    return { stalled: short.length, detail: short.map((p) => `p${p.partition} ${p.committed}/${p.end}`) };
  } finally {
    await admin.disconnect();
  }
}

const run = promisify(execFile);
/** Kafka's own ConfigCommand against the private broker (SCRAM credentials live in the cluster metadata). */
async function kafkaConfigs(args: string[]): Promise<void> {
  const lib = `${process.env.STACK_LIB_DIR ?? `${ROOT}/.stack/lib`}/kafka-4.1.1`;
  await run(
    'java',
    ['-cp', `${lib}/*`, 'kafka.admin.ConfigCommand', '--bootstrap-server', FAULT_STACK.brokers, ...args],
    { timeout: 90_000 },
  );
}
const SASL_USER = 'zd-test';
const SASL_PASSWORD = 'zd-test-secret';
const saslBrokers = () => FAULT_STACK.brokers.replace(/:(\d+)$/, (_, p) => `:${Number(p) + 2}`);

interface CaseOptions {
  name: string;
  sandbox?: DeepPartial<SandboxConfig>;
  env?: Record<string, string>;
  faultStack?: boolean;
  topic?: TopicOptions;
}

type Case = Awaited<ReturnType<typeof openCase>>;

/** Topic, sandbox and a way to start service instances (all watched) for one case. */
async function openCase(o: CaseOptions) {
  // When a case fails (a timeout included), say how far it got and what the services logged.
  const trail: string[] = [];
  const mark = (what: string) => trail.push(`${new Date().toISOString()} ${what}`);
  const mine: Service[] = [];
  const watches = new Map<Service, ServiceWatch>();
  onTestFailed(() => {
    process.stderr.write(
      `[${o.name}] phases:\n${trail.join('\n')}\n` +
        mine
          .map(
            (s, i) =>
              `[${o.name}] service #${i + 1} log (tail, exit ${s.child.exitCode}):\n${s.logs().slice(-5000)}\n`,
          )
          .join(''),
    );
  });
  mark('start');
  const brokers = o.faultStack ? FAULT_STACK.brokers : BROKERS.join(',');
  const registry = o.faultStack ? FAULT_STACK.registry : REGISTRY_URL;
  const { topic, kafka, produce } = await setupTopic(brokers, registry, o.topic);
  const sandbox = await startSandbox({
    config: { limits: NO_LIMITS, faults: { latencyMs: 40, jitterMs: 20, seed: 5 }, ...o.sandbox },
  });
  sandboxes.push(sandbox);
  mark('topic and sandbox ready');
  const groupId = uniqueName('g');
  const claims: string[] = [];
  const c = {
    name: o.name,
    topic,
    kafka,
    /** Produces, and marks it on the case's trail (so a case stuck producing says so). */
    produce: async (batch: SegmentEvent[]) => {
      const sent = await produce(batch);
      mark(`produced ${batch.length} events`);
      return sent;
    },
    sandbox,
    groupId,
    mark,
    services: mine,
    watches,
    claims,
    faultStart: new Date().toISOString(),
    /** The latest instance started. */
    get svc(): Service | undefined {
      return mine.at(-1);
    },
    start: async (env: Record<string, string> = {}) => {
      const svc = await startService({
        topic,
        groupId,
        sandbox,
        env: {
          KAFKA_BROKERS: brokers,
          SCHEMA_REGISTRY_URL: registry,
          ZENDESK_CONCURRENCY: '2',
          ZENDESK_REQUEST_TIMEOUT_MS: '1000',
          SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
          ZENDESK_TRACK_EVENTS: TRACK_NAME,
          ...o.env,
          ...env,
        },
      });
      services.push(svc);
      mine.push(svc);
      watches.set(svc, watchService(svc));
      mark(`service #${mine.length} started`);
      return svc;
    },
    /** A sentence for the table, true because it is asserted here. */
    claim: (text: string, holds: boolean, detail = '') => {
      expect(holds, `${o.name}: ${text} ${detail}`).toBe(true);
      claims.push(text);
    },
  };
  return c;
}

/** Status codes of `path` on the service, polled every 200 ms until it exits (0: no answer). */
async function pollWhileRunning(svc: Service, path: string): Promise<number[]> {
  const out: number[] = [];
  while (svc.child.exitCode === null && svc.child.signalCode === null) {
    out.push(
      await fetch(`http://127.0.0.1:${svc.port}${path}`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.status,
        () => 0,
      ),
    );
    await new Promise((r) => setTimeout(r, 200));
  }
  return out;
}

/** Partitions of the topic with a committed offset for the group. */
async function committedPartitions(kafka: Kafka, topic: string, groupId: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return t!.partitions.filter((p) => Number(p.offset) >= 0).length;
  } finally {
    await admin.disconnect();
  }
}

/** Exit code of a service that ends by itself within `ms`, or 'running'. */
async function exitWithin(svc: Service, ms: number): Promise<number | null | 'running'> {
  let t: NodeJS.Timeout | undefined;
  const r = await Promise.race([
    svc.exited,
    new Promise<'running'>((res) => (t = setTimeout(() => res('running'), ms))),
  ]);
  clearTimeout(t);
  return r;
}

interface Expect {
  events: SegmentEvent[];
  /** messageId → dead-letter reason; every other event must be delivered. */
  dead?: Map<string, string>;
  healedAt: number;
  fault: string;
  /** Checks with the last instance still running (its metrics), before it is stopped. */
  check?: (metrics: string) => void | Promise<void>;
  /** What the case asserts of the track events Zendesk received twice (the sandbox's count). */
  duplicates?: (n: number) => void | Promise<void>;
  /** Users as Zendesk must hold them: default, each with its own event's name and seq. */
  user?: (u: { external_id: string; name: string; user_fields: Record<string, unknown> }) => void;
}

/**
 * The accounting every case ends with: every event delivered or dead-lettered with its expected reason
 * (lost), every partition committed to its end (stalled), the sandbox's users as expected, the last
 * instance stopped cleanly, and no instance kept alive by a leaked handle.
 */
async function closeCase(c: Case, x: Expect): Promise<CaseResult> {
  const dead = x.dead ?? new Map<string, string>();
  const want = x.events.filter((e) => !dead.has(e.messageId!));
  const all = withTracks(x.events);
  const wantAll = all.filter((e) => !dead.has(e.messageId!));
  await waitUntil(
    // one read of the sandbox per poll (it is in this process: a read per event starves its answers)
    () => {
      const got = delivered(c.sandbox);
      return wantAll.every((e) => got.has(e.messageId!));
    },
    120_000,
    `${c.name}: every event delivered after healing`,
  );
  const recoverSeconds = Math.max(0, (Date.now() - x.healedAt) / 1000);
  c.mark('all delivered');
  // Zendesk holding an event is not yet its outcome in the service (a job poll may still time out and
  // the run be redone): the partitions must also commit to their end, within a bound, while it runs.
  let st = await stalledPartitions(c.kafka, c.topic, c.groupId);
  for (const until = Date.now() + 90_000; st.stalled > 0 && Date.now() < until;) {
    await new Promise((r) => setTimeout(r, 1000));
    st = await stalledPartitions(c.kafka, c.topic, c.groupId);
  }
  c.mark(`committed offsets read: ${st.detail.join(', ') || 'all at their end'}`);
  // the last instance: its own watchdog saw no stalled partition; it stops cleanly
  const last = c.services.filter((s) => s.child.exitCode === null && s.child.signalCode === null).at(-1);
  if (!last) throw new Error(`${c.name}: no instance is running at the end`);
  const metrics = await last.metrics();
  expect(metrics, 'zendesk_destination_stalled_partitions 0').toMatch(
    /zendesk_destination_stalled_partitions/,
  );
  expect(metricSum(metrics, 'zendesk_destination_stalled_partitions')).toBe(0);
  await x.check?.(metrics);
  expect(await last.stop(), `${c.name}: the last instance exits 0 on SIGTERM`).toBe(0);
  await Promise.all([...c.watches.values()].map((w) => w.stop()));
  c.mark('stopped');
  st = await stalledPartitions(c.kafka, c.topic, c.groupId);
  // dead letters: exactly the expected ones, each with its reason (acknowledged before their commit)
  const dls = await deadLettersOf(c.kafka, c.topic);
  c.mark('dead letters counted');
  const dlById = new Map(dls.map((d) => [headerText(d.headers, H.messageId) ?? `?${d.offset}`, d.reason]));
  expect(Object.fromEntries(dlById), 'dead letters by messageId').toEqual(Object.fromEntries(dead));
  const got = delivered(c.sandbox);
  const users = c.sandbox.state().users as {
    external_id: string;
    name: string;
    user_fields: Record<string, unknown>;
  }[];
  expect(users).toHaveLength(want.length);
  for (const u of users) {
    const i = Number(u.external_id.split('-').pop());
    expect(u.user_fields.seq, u.external_id).toBe(i);
    expect(u.name).toBe(`User ${i}`);
    x.user?.(u);
  }
  for (const s of c.services) expect(s.logs(), `${c.name}: a leaked handle`).not.toContain(LEAK_LINE);
  const lost = all.filter((e) => !got.has(e.messageId!) && !dlById.has(e.messageId!)).length;
  expect(lost, 'lost').toBe(0);
  expect(st.stalled, `stalled partitions: ${st.detail.join(', ')}`).toBe(0);
  const dup = c.sandbox.duplicates();
  await x.duplicates?.(dup.duplicates);
  const errors = c.sandbox.requests().filter((r) => r.at >= c.faultStart && r.status >= 400).length;
  const result: CaseResult = {
    name: c.name,
    fault: x.fault,
    eventsIn: all.length,
    delivered: got.size,
    deadLettered: dls.length,
    lost,
    duplicates: dup.duplicates,
    duplicateDeadLetters: dls.length - dlById.size,
    stalled: st.stalled,
    recoverSeconds,
    observed: [...c.claims, `${errors} error answers from Zendesk`].join('; '),
  };
  results.push(result);
  return result;
}

interface CaseSpec extends CaseOptions {
  fault: string;
  /** Called once some events are delivered (or before the service starts, when `before` is set). */
  inject: (c: Case) => Promise<void>;
  heal: (c: Case) => Promise<void>;
  before?: boolean;
  holdMs?: number;
  /** The second half of the events is produced after healing (the broker is down during the fault). */
  produceAfterHeal?: boolean;
  /** What the case saw, asserted, once everything is delivered (the last instance still running). */
  check?: (c: Case, metrics: string) => void | Promise<void>;
  /** Prepare the stream (e.g. a poison event); default: N plain identifies. */
  stream?: (evs: SegmentEvent[]) => SegmentEvent[];
  dead?: Map<string, string>;
  user?: Expect['user'];
  /** What the case asserts of the track events Zendesk received twice. */
  duplicates?: (c: Case, n: number) => void | Promise<void>;
  /** Before the first instance starts: extra environment for every instance of the case. */
  prepare?: (c: Case) => Promise<Record<string, string>>;
}

/** A fault that heals: inject mid-stream (second half produced during it), hold, heal, account. */
async function runCase(spec: CaseSpec): Promise<CaseResult> {
  const c = await openCase(spec);
  const evs = (spec.stream ?? ((e) => e))(events(spec.name));
  const half = evs.length / 2;
  const env = (await spec.prepare?.(c)) ?? {};
  const start = c.start;
  c.start = (more = {}) => start({ ...env, ...more });
  await c.produce(evs.slice(0, half));
  if (spec.before) {
    // nothing is cached yet: the service meets the fault on its first events
    await c.produce(evs.slice(half));
    await spec.inject(c);
    c.mark('fault injected');
  }
  await c.start();
  if (!spec.before) {
    await waitUntil(() => delivered(c.sandbox).size >= 20, 60_000, `${spec.name}: first deliveries`);
    c.mark('first deliveries');
    c.faultStart = new Date().toISOString();
    await spec.inject(c);
    c.mark('fault injected');
    // the second half arrives during the fault (or, when the broker itself is down, right after it)
    if (!spec.produceAfterHeal) await c.produce(evs.slice(half));
    c.mark('second half produced');
  }
  await new Promise((r) => setTimeout(r, spec.holdMs ?? 3000));
  c.mark('fault held');
  const healedAt = Date.now();
  await spec.heal(c);
  c.mark('healed');
  if (spec.produceAfterHeal) await c.produce(evs.slice(half));
  c.mark('all produced');
  return closeCase(c, {
    events: evs,
    dead: spec.dead,
    healedAt,
    fault: spec.fault,
    user: spec.user,
    check: (m) => spec.check?.(c, m),
    duplicates: (n) => spec.duplicates?.(c, n),
  });
}

const errorAnswers = (c: Case, statuses: number[]) =>
  c.sandbox.requests().filter((r) => r.at >= c.faultStart && statuses.includes(r.status)).length;
const retries = (metrics: string, reason: string) =>
  metricSum(metrics, 'zendesk_destination_zendesk_retries_total', (l) => l.includes(`reason="${reason}"`));

describe('fault suite (real broker, real service process, sandbox)', () => {
  it('Zendesk 5xx burst: retried, then paused as an outage, then delivered', async () => {
    await runCase({
      name: '5xx-burst',
      fault: '70% of Zendesk answers are 500/503 for 3 s',
      env: { ZENDESK_MAX_RETRY_TIME_MS: '800' },
      inject: async ({ sandbox }) => sandbox.configure({ faults: { errorRatio: 0.7 } }),
      heal: async ({ sandbox }) => sandbox.configure({ faults: { errorRatio: 0 } }),
      check: (c, m) => {
        const n = errorAnswers(c, [500, 503]);
        c.claim(`${n} answers were 500/503`, n > 0);
        const r = retries(m, '5xx');
        c.claim(`the service retried ${r} of them (zendesk_retries_total{reason="5xx"})`, r > 0);
      },
    });
  }, 180_000);

  it('slow answers past the request timeout', async () => {
    await runCase({
      name: 'slow-answers',
      fault: 'every answer takes 2.5 s against a 1 s request timeout, for 3 s',
      env: { ZENDESK_MAX_RETRY_TIME_MS: '1500' },
      inject: async ({ sandbox }) => sandbox.configure({ faults: { latencyMs: 2500, jitterMs: 0 } }),
      heal: async ({ sandbox }) => sandbox.configure({ faults: { latencyMs: 40, jitterMs: 20 } }),
      check: (c, m) => {
        const r = retries(m, 'timeout');
        c.claim(`${r} requests timed out and were retried (zendesk_retries_total{reason="timeout"})`, r > 0);
      },
    });
  }, 180_000);

  it('429 storm: other clients spend the account budget; 429s waited out with Retry-After', async () => {
    await runCase({
      name: '429-storm',
      fault:
        "90% of requests answered 429 (Retry-After: 1 s, X-Rate-Limit-Remaining: 0) for 3 s, as when other clients spend the account's budget",
      inject: async ({ sandbox }) =>
        sandbox.configure({ faults: { throttleRatio: 0.9, throttleRetryAfterMs: 1000 } }),
      heal: async ({ sandbox }) => sandbox.configure({ faults: { throttleRatio: 0 } }),
      check: (c, m) => {
        const throttled = errorAnswers(c, [429]);
        c.claim(`${throttled} answers were 429`, throttled > 0);
        const waited = metricSum(m, 'zendesk_destination_rate_limit_wait_seconds_total');
        c.claim(
          `the service waited ${waited.toFixed(1)} s in all for Retry-After (rate_limit_wait_seconds_total)`,
          waited > 0,
        );
      },
    });
  }, 180_000);

  it('dropped connections', async () => {
    await runCase({
      name: 'dropped-connections',
      fault: '50% of requests have their socket destroyed without an answer, for 3 s',
      inject: async ({ sandbox }) => sandbox.configure({ faults: { dropRatio: 0.5 } }),
      heal: async ({ sandbox }) => sandbox.configure({ faults: { dropRatio: 0 } }),
      check: (c, m) => {
        const dropped = errorAnswers(c, [0]);
        c.claim(`${dropped} requests dropped (sandbox log)`, dropped > 0);
        const r = retries(m, 'network');
        c.claim(`${r} retried on a fresh connection (zendesk_retries_total{reason="network"})`, r > 0);
      },
    });
  }, 180_000);

  it('credential revoked, then restored', async () => {
    await runCase({
      name: 'credential-revoked',
      fault: 'every request answered 401 for 4 s',
      holdMs: 4000,
      inject: async ({ sandbox }) => sandbox.configure({ auth: { revoked: true } }),
      heal: async ({ sandbox }) => sandbox.configure({ auth: { revoked: false } }),
      check: async (c) => {
        const n = errorAnswers(c, [401]);
        c.claim(`${n} answers were 401`, n > 0);
        const w = c.watches.get(c.svc!)!;
        c.claim(
          '/readyz answered 503 "paused by an outage" during the fault',
          w.notReady.some((r) => r.includes('paused by an outage')),
          JSON.stringify(w.notReady),
        );
        c.claim('200 again at the end', (await c.svc!.ready()) === 200);
      },
    });
  }, 180_000);

  it('409 conflicts: concurrent-write collisions retried', async () => {
    await runCase({
      name: '409-conflicts',
      fault: '50% of Zendesk answers are 409 DatabaseConflict for 3 s',
      // Collisions that clear within the retry budget are retried, not dead-lettered: the budget here
      // outlasts the fault. With the suite's 2 s budget a track event (one POST, 50 % collisions for
      // 3 s) met a 409 on every try now and then and was dead-lettered as DatabaseConflict, which is
      // the rule for a conflict that does not clear (unit-tested), not what this case checks.
      env: { ZENDESK_MAX_RETRY_TIME_MS: '10000' },
      inject: async ({ sandbox }) => sandbox.configure({ faults: { conflictRatio: 0.5 } }),
      heal: async ({ sandbox }) => sandbox.configure({ faults: { conflictRatio: 0 } }),
      check: (c, m) => {
        const n = errorAnswers(c, [409]);
        c.claim(`${n} answers were 409`, n > 0);
        const r = retries(m, '409');
        c.claim(`the service retried ${r} of them (zendesk_retries_total{reason="409"})`, r > 0);
      },
    });
  }, 180_000);

  it('consumer SIGKILLed mid-batch, then started again', async () => {
    let killedAt = '';
    let inFlightAtKill = -1;
    await runCase({
      name: 'sigkill',
      fault: 'the service process is killed with SIGKILL mid-run',
      holdMs: 500,
      inject: async (c) => {
        // What a kill can resend: the events handed to the destination and not yet committed. The
        // in_flight_events gauge (read just before the kill) counts those handed over and without an
        // outcome, queued for a connection included; a track outcome is committed at once after it.
        inFlightAtKill = metricSum(await c.svc!.metrics(), 'zendesk_destination_in_flight_events');
        await c.svc!.stop('SIGKILL');
        killedAt = new Date().toISOString();
      },
      heal: async (c) => void (await c.start()),
      check: (c) => {
        const before = deliveredMessageIdsOf(c.sandbox.requests().filter((r) => r.at < killedAt));
        const after = deliveredMessageIdsOf(c.sandbox.requests().filter((r) => r.at >= killedAt));
        const again = [...after].filter((id) => before.has(id)).length;
        c.claim(
          `the restarted instance delivered ${after.size} events, ${again} of them again (redelivered from the last commit; users unchanged)`,
          after.size > 0,
        );
      },
      duplicates: (c, n) =>
        c.claim(
          `${n} track events reached Zendesk twice, at most the ${inFlightAtKill} events in flight at the kill (in_flight_events)`,
          inFlightAtKill >= 0 && n <= inFlightAtKill,
        ),
    });
  }, 180_000);

  it('consumer SIGTERMed mid-run, then started again', async () => {
    await runCase({
      name: 'sigterm-restart',
      fault: 'the service process gets SIGTERM mid-run (exits 0), then is started again',
      holdMs: 500,
      inject: async (c) => {
        const code = await c.svc!.stop('SIGTERM');
        c.claim(`the first instance exited ${code} on SIGTERM`, code === 0);
      },
      heal: async (c) => void (await c.start()),
      duplicates: (c, n) => c.claim(`${n} track events reached Zendesk twice across the restart`, n === 0),
    });
  }, 180_000);

  it('poison event mid-stream: dead-lettered internal_error, no pause', async () => {
    const poisonId = 'poison-event-130';
    await runCase({
      name: 'poison-event',
      fault:
        'one identify in the second half carries `"timezone": {"toString": 1}`, which throws in the planner; never heals',
      holdMs: 1000,
      stream: (evs) => {
        const i = 130;
        evs[i] = {
          ...evs[i]!,
          messageId: poisonId,
          traits: { ...evs[i]!.traits, lastMessageId: poisonId, timezone: { toString: 1 } },
        };
        return evs;
      },
      dead: new Map([[poisonId, 'internal_error']]),
      inject: async () => undefined,
      heal: async () => undefined,
      check: (c) => {
        const w = c.watches.get(c.svc!)!;
        c.claim('dead-lettered internal_error, the other 239 delivered', true);
        c.claim(
          `no partition paused (paused_partitions 0 in ${w.samples} samples, no "partition paused" log line)`,
          w.maxPaused === 0 && !c.svc!.logs().includes('partition paused') && w.samples > 0,
        );
      },
    });
  }, 180_000);

  // SPEC 1a: a 403 on creating a field definition is a missing capability; the field is left out and
  // the event delivered (note field_not_created). Before the capability-403 handling this paused every
  // partition for good ("Zendesk refused the credentials (403) on user_fields").
  it('permanent 403 on field creation: every event delivered without the new field', async () => {
    await runCase({
      name: 'field-creation-403',
      fault:
        "the credential becomes an agent's from mid-stream on (POST /api/v2/user_fields answers 403) while the second half carries a new trait `plan`; never heals",
      holdMs: 1000,
      stream: (evs) =>
        evs.map((e, i) => (i < N / 2 ? e : { ...e, traits: { ...e.traits, plan: `plan-${i % 3}` } })),
      inject: async ({ sandbox }) => sandbox.configure({ auth: { role: 'agent' } }),
      heal: async () => undefined,
      user: (u) => expect(u.user_fields.plan, u.external_id).toBeUndefined(),
      check: (c) => {
        const refused = c.sandbox
          .requests()
          .filter(
            (r) => r.method === 'POST' && r.path.startsWith('/api/v2/user_fields') && r.status === 403,
          ).length;
        c.claim(`${refused} field creations answered 403`, refused > 0);
        const w = c.watches.get(c.svc!)!;
        c.claim('every event delivered without the field, no partition paused', w.maxPaused === 0);
      },
    });
  }, 180_000);

  it('rebalance during an outage: a second instance joins and leaves while Zendesk answers 5xx', async () => {
    const c = await openCase({ name: 'rebalance-during-outage', env: { ZENDESK_MAX_RETRY_TIME_MS: '800' } });
    const evs = events(c.name);
    await c.produce(evs.slice(0, N / 2));
    const first = await c.start();
    const joins = (s: Service) => s.logs().split('joined consumer group').length - 1;
    await waitUntil(() => delivered(c.sandbox).size >= 20, 60_000, 'first deliveries');
    c.faultStart = new Date().toISOString();
    c.sandbox.configure({ faults: { errorRatio: 1 } });
    await c.produce(evs.slice(N / 2));
    const w1 = c.watches.get(first)!;
    await waitUntil(() => w1.maxPaused > 0, 60_000, 'a partition paused by the outage');
    c.mark('first instance paused');
    const second = await c.start();
    await waitUntil(() => joins(second) >= 1 && joins(first) >= 2, 90_000, 'both instances in the group');
    c.mark('second instance joined');
    await new Promise((r) => setTimeout(r, 2000));
    const code = await second.stop();
    await waitUntil(() => joins(first) >= 3, 90_000, 'the first instance alone again');
    c.mark('second instance left');
    c.claim('the first instance paused (paused_partitions > 0)', w1.maxPaused > 0);
    c.claim(`a second instance joined the group and left it (SIGTERM, exit ${code})`, code === 0);
    const healedAt = Date.now();
    c.sandbox.configure({ faults: { errorRatio: 0 } });
    c.mark('healed');
    await closeCase(c, {
      events: evs,
      healedAt,
      fault:
        'every Zendesk answer 500/503; meanwhile a second instance joins the group and leaves; then Zendesk heals',
      duplicates: (n) => c.claim(`${n} track events reached Zendesk twice across the rebalances`, n === 0),
      check: async (m) => {
        await waitUntil(
          async () => (await first.ready()) === 200,
          60_000,
          '/readyz 200 on the remaining instance',
        );
        c.claim(
          'the remaining instance: /readyz 200 and paused_partitions 0 at the end',
          metricSum(await first.metrics(), 'zendesk_destination_paused_partitions') === 0,
        );
        void m;
      },
    });
  }, 300_000);

  it('oversized dead letter: a stand-in names the record, nothing stalls', async () => {
    const c = await openCase({
      name: 'oversized-dead-letter',
      topic: { dlqConfig: [{ name: 'max.message.bytes', value: '2048' }] },
    });
    const evs = events(c.name);
    const i = 130;
    const big: SegmentEvent = {
      ...evs[i]!,
      traits: { ...evs[i]!.traits, email: 'not an email', bio: 'x'.repeat(4000) },
    };
    evs[i] = big;
    await c.produce(evs.slice(0, N / 2));
    const svc = await c.start();
    await waitUntil(() => delivered(c.sandbox).size >= 20, 60_000, 'first deliveries');
    c.faultStart = new Date().toISOString();
    await c.produce(evs.slice(N / 2).filter((e) => e !== big));
    const [meta] = await c.produce([big]);
    c.mark('second half and the big record produced');
    await closeCase(c, {
      events: evs,
      dead: new Map([[big.messageId!, 'rejected_by_zendesk']]),
      healedAt: Date.now(),
      fault:
        'the DLQ topic takes at most 2 KB per record (max.message.bytes); one event of 4 KB with an invalid email is dead-lettered',
      check: async () => {
        const [dl] = await deadLettersOf(c.kafka, c.topic);
        const at = `${c.topic}/${meta!.partition}/${meta!.baseOffset}`;
        c.claim(
          `a stand-in dead letter (no value, header ${H.standIn}) names ${'<topic>/<partition>/<offset>'} of the record`,
          dl!.value === null &&
            Number(headerText(dl!.headers, H.standIn)) > 2048 &&
            dl!.message.includes(at) &&
            headerText(dl!.headers, H.partition) === String(meta!.partition) &&
            headerText(dl!.headers, H.offset) === meta!.baseOffset,
          JSON.stringify({ at, message: dl?.message }),
        );
        c.claim(
          'no partition paused',
          c.watches.get(svc)!.maxPaused === 0 && !svc.logs().includes('partition paused'),
        );
      },
    });
  }, 180_000);

  // A fault that does not heal by itself: the dead-letter topic is deleted mid-run (the broker does not
  // create topics). The partition whose event must be dead-lettered pauses as an outage and says why on
  // /readyz, and commits nothing past that event; the other partitions go on. Only once the topic is
  // created again does the dead letter land: the producer must find the new topic, not keep the old one.
  it('DLQ topic deleted mid-run: that partition pauses saying why, the others go on; recreated, it resumes', async () => {
    const c = await openCase({ name: 'dlq-deleted' });
    const evs = events(c.name);
    const i = 130;
    const bad: SegmentEvent = { ...evs[i]!, traits: { ...evs[i]!.traits, email: 'not an email' } };
    evs[i] = bad;
    await c.produce(evs.slice(0, N / 2));
    const svc = await c.start();
    await waitUntil(() => delivered(c.sandbox).size >= 20, 60_000, 'first deliveries');
    const dlq = `${c.topic}.dlq`;
    const admin = c.kafka.admin();
    await admin.connect();
    closers.push(() => admin.disconnect());
    await admin.deleteTopics({ topics: [dlq], timeout: 30_000 });
    await waitUntil(async () => !(await admin.listTopics()).includes(dlq), 30_000, 'the DLQ topic gone');
    c.faultStart = new Date().toISOString();
    c.mark('DLQ topic deleted');
    await c.produce(evs.slice(N / 2, i));
    const [meta] = await c.produce([bad]);
    await c.produce(evs.slice(i + 1));
    const w = c.watches.get(svc)!;
    await waitUntil(
      () => w.notReady.some((r) => r.includes(dlq) && r.includes('does not exist')),
      60_000,
      '/readyz naming the missing DLQ topic',
    );
    // The other partitions commit to their end while the one holding the bad event stays short of it.
    const offsets = async () => {
      const ends = await admin.fetchTopicOffsets(c.topic);
      const [t] = await admin.fetchOffsets({ groupId: c.groupId, topics: [c.topic] });
      const at = new Map(t!.partitions.map((p) => [p.partition, BigInt(p.offset)]));
      return ends.map((e) => ({
        partition: e.partition,
        end: BigInt(e.high),
        committed: at.get(e.partition) ?? -1n,
      }));
    };
    const others = async () =>
      (await offsets()).filter((p) => p.partition !== meta!.partition).every((p) => p.committed === p.end);
    await waitUntil(others, 60_000, 'the other partitions committed to their end');
    c.mark('other partitions at their end');
    await new Promise((r) => setTimeout(r, 5000)); // it does not heal by itself
    const held = (await offsets()).find((p) => p.partition === meta!.partition)!;
    const readyz = await fetch(`http://127.0.0.1:${svc.port}/readyz`).then(async (r) => ({
      status: r.status,
      body: await r.text(),
    }));
    c.claim(
      'the partition of the event to dead-letter paused: /readyz 503 naming the missing topic, still 5 s later',
      readyz.status === 503 && readyz.body.includes(dlq) && w.maxPaused > 0,
      JSON.stringify(readyz),
    );
    c.claim(
      'nothing of that partition committed past the event; the other partitions committed to their end',
      held.committed <= BigInt(meta!.baseOffset!) && (await others()),
      JSON.stringify({ held: String(held.committed), at: meta!.baseOffset }),
    );
    c.claim('the service stayed up (no exit)', svc.child.exitCode === null);
    await admin.createTopics({
      topics: [{ topic: dlq, numPartitions: 3, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    const healedAt = Date.now();
    c.mark('DLQ topic created again');
    await closeCase(c, {
      events: evs,
      dead: new Map([[bad.messageId!, 'rejected_by_zendesk']]),
      healedAt,
      fault:
        'the DLQ topic is deleted mid-run (auto-creation off) before an event with an invalid email comes; created again after the hold',
    });
  }, 240_000);

  it('missing DLQ topic at start: exit 1 naming it; created, a restarted instance finishes', async () => {
    const c = await openCase({ name: 'missing-dlq-topic', topic: { dlq: false } });
    const evs = events(c.name);
    const i = 130;
    evs[i] = { ...evs[i]!, traits: { ...evs[i]!.traits, email: 'not an email' } };
    await c.produce(evs);
    const first = await c.start();
    const code = await exitWithin(first, 60_000);
    c.mark(`first instance: ${code}`);
    const dlq = `${c.topic}.dlq`;
    const named = first
      .logs()
      .split('\n')
      .filter((l) => l.includes(dlq) && /"level":"(error|fatal)"/.test(l));
    c.claim('the service exited 1 at start', code === 1, first.logs().slice(-3000));
    c.claim(`with one error line naming ${'<topic>.dlq'}`, named.length === 1, JSON.stringify(named));
    c.claim('before delivering anything', delivered(c.sandbox).size === 0);
    const admin = c.kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: dlq, numPartitions: 3, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    await admin.disconnect();
    const healedAt = Date.now();
    await c.start();
    await closeCase(c, {
      events: evs,
      dead: new Map([[evs[i]!.messageId!, 'rejected_by_zendesk']]),
      healedAt,
      fault:
        'the DLQ topic does not exist when the service starts; created afterwards, the service restarted',
    });
  }, 180_000);

  // A fault that never heals: the service must not retry it for ever looking alive. It exits 1 with one
  // line naming the setting, and /healthz never says healthy meanwhile. Nothing is consumed or committed,
  // so every event waits in the topic for an instance given the right CA (lost 0).
  it('wrong TLS CA for good: exit 1 naming KAFKA_SSL_CA_FILE, never healthy', async () => {
    const c = await openCase({ name: 'wrong-tls-ca' });
    const evs = events(c.name);
    await c.produce(evs);
    const t0 = Date.now();
    const svc = await c.start({
      KAFKA_BROKERS: SSL_BROKERS,
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: `${TLS_DIR}/other-ca.pem`,
    });
    const healthz = pollWhileRunning(svc, '/healthz');
    const code = await exitWithin(svc, WRONG_CA_EXIT_BOUND_MS);
    const took = (Date.now() - t0) / 1000;
    if (code === 'running') await svc.stop('SIGKILL'); // ends the poll too
    const statuses = await healthz;
    c.mark(`service: ${code} after ${took} s; /healthz ${JSON.stringify(statuses)}`);
    const errors = svc
      .logs()
      .split('\n')
      .filter((l) => /"level":"(error|fatal)"/.test(l));
    c.claim(
      `exit ${code} after ${took.toFixed(1)} s from the spawn (at most ${WRONG_CA_EXIT_BOUND_MS / 1000} s)`,
      code === 1,
      svc.logs().slice(-3000),
    );
    c.claim(
      'one error line, naming KAFKA_SSL_CA_FILE',
      errors.length === 1 && errors[0]!.includes('KAFKA_SSL_CA_FILE'),
      JSON.stringify(errors),
    );
    c.claim(
      `/healthz never answered 200 (${statuses.length} polls: ${[...new Set(statuses)].join(', ')})`,
      !statuses.includes(200),
    );
    const st = await stalledPartitions(c.kafka, c.topic, c.groupId);
    const dls = await deadLettersOf(c.kafka, c.topic);
    const committed = await committedPartitions(c.kafka, c.topic, c.groupId);
    c.claim(
      'nothing delivered, dead-lettered or committed: every event is still there for the next start',
      delivered(c.sandbox).size === 0 && dls.length === 0 && committed === 0,
      JSON.stringify({ delivered: delivered(c.sandbox).size, dls: dls.length, committed }),
    );
    results.push({
      name: c.name,
      fault: 'the service trusts an unrelated CA (KAFKA_SSL_CA_FILE) on the TLS listener; never heals',
      eventsIn: withTracks(evs).length,
      delivered: 0,
      deadLettered: 0,
      lost: 0,
      duplicates: 0,
      stalled: null,
      stalledNote: `n/a: exited 1 (${st.stalled} partitions wait, uncommitted)`,
      recoverSeconds: null,
      observed: c.claims.join('; '),
    });
  }, 120_000);

  describe('with a private broker and registry', () => {
    beforeAll(async () => {
      // Set first: a start that times out may have left a JVM running, which afterAll must stop.
      faultStackUp = true;
      await faultStack('up');
    }, 240_000);
    // The commit-metadata case leaves the broker refusing commit metadata (it comes last, so this costs
    // nothing in a full run); a case after it, or run again, gets the broker as configured by default.
    beforeEach(async () => {
      if (!metadataLimited) return;
      await faultStack('down', 'kafka');
      await faultStack('up', 'kafka');
      metadataLimited = false;
    }, 240_000);

    for (let rep = 0; rep < Number(process.env.FAULT_REPEAT ?? 1); rep++)
      it(`broker stopped and restarted mid-stream${rep ? ` #${rep}` : ''}`, async () => {
        await runCase({
          name: 'broker-restart',
          produceAfterHeal: true,
          fault: 'the Kafka broker is stopped for 4 s, then started again',
          faultStack: true,
          holdMs: 4000,
          inject: async () => faultStack('down', 'kafka'),
          heal: async () => faultStack('up', 'kafka'),
          check: (c) => {
            c.claim(
              'the same process delivered the second half after the broker came back (KafkaJS reconnected)',
              c.services.length === 1 && c.services[0]!.child.exitCode === null,
            );
          },
        });
      }, 300_000);

    it('schema registry stopped and restarted', async () => {
      await runCase({
        name: 'registry-restart',
        fault: 'the registry is down when the service starts (nothing cached), for 4 s',
        faultStack: true,
        before: true,
        holdMs: 4000,
        inject: async () => faultStack('down', 'registry'),
        heal: async () => faultStack('up', 'registry'),
        check: (c) => {
          c.claim(
            'decoding paused as an outage ("partition paused: outage" logged), nothing dead-lettered',
            c.svc!.logs().includes('partition paused: outage'),
          );
        },
      });
    }, 240_000);

    // Never heals within the shutdown: the broker is down from before SIGTERM until the process exited.
    // The process must end by itself within its shutdown timeout with a line naming the cause (the
    // commits did not reach the broker), and lose nothing: what it could not commit comes again.
    it('SIGTERM while the broker is down: exits in time naming the cause; a restarted instance finishes', async () => {
      const c = await openCase({ name: 'sigterm-broker-down', faultStack: true });
      const evs = events(c.name);
      await c.produce(evs.slice(0, N / 2));
      const shutdownMs = 5000;
      const first = await c.start({ SHUTDOWN_TIMEOUT_MS: String(shutdownMs) });
      await waitUntil(() => delivered(c.sandbox).size >= 20, 60_000, 'first deliveries');
      c.faultStart = new Date().toISOString();
      await faultStack('down', 'kafka');
      c.mark('broker down');
      const t0 = Date.now();
      first.child.kill('SIGTERM');
      const code = await exitWithin(first, shutdownMs + 20_000);
      const took = (Date.now() - t0) / 1000;
      c.mark(`first instance: ${code} after ${took} s`);
      const sent = [...deliveredMessageIdsOf(c.sandbox.requests())].filter((id) => id.endsWith('-track'));
      c.claim(
        `SIGTERM with the broker down: exit ${code} after ${took.toFixed(1)} s (SHUTDOWN_TIMEOUT_MS ${shutdownMs / 1000} s + 4 s at most)`,
        code === 0 && took <= shutdownMs / 1000 + 4,
        first.logs().slice(-3000),
      );
      const cause = first
        .logs()
        .split('\n')
        .filter((l) => /"level":"(warn|error)"/.test(l) && l.includes('did not reach the broker'));
      c.claim(
        'one line names the cause: the commits did not reach the broker, what they carried comes again',
        cause.length === 1 && cause[0]!.includes('delivered again'),
        first.logs().split('stopping: draining')[1]?.slice(-3000),
      );
      await faultStack('up', 'kafka');
      const healedAt = Date.now();
      c.mark('broker up');
      await c.produce(evs.slice(N / 2));
      await c.start();
      await closeCase(c, {
        events: evs,
        healedAt,
        fault:
          'the broker is stopped, then the service gets SIGTERM (the broker stays down until it exited); the broker comes back and the service is started again',
        duplicates: (n) =>
          c.claim(
            `${n} track events reached Zendesk twice (at least once: at most the ${sent.length} the first instance delivered, whose commits could not land)`,
            n <= sent.length,
          ),
      });
    }, 300_000);

    it('KafkaJS crash it cannot restart from: exit 1; a restarted instance finishes', async () => {
      const c = await openCase({
        name: 'kafka-crash-no-restart',
        faultStack: true,
        env: {
          KAFKA_BROKERS: saslBrokers(),
          KAFKA_SASL_MECHANISM: 'scram-sha-256',
          KAFKA_SASL_USERNAME: SASL_USER,
          KAFKA_SASL_PASSWORD: SASL_PASSWORD,
        },
      });
      const evs = events(c.name);
      await c.produce(evs.slice(0, N / 2));
      const first = await c.start();
      await waitUntil(() => delivered(c.sandbox).size >= 20, 60_000, 'first deliveries');
      c.faultStart = new Date().toISOString();
      // The service's SCRAM credential is deleted, then the broker restarts: every reconnect fails
      // authentication, which KafkaJS does not retry (KafkaJSSASLAuthenticationError, non-retriable).
      await kafkaConfigs([
        '--alter',
        '--entity-type',
        'users',
        '--entity-name',
        SASL_USER,
        '--delete-config',
        'SCRAM-SHA-256',
      ]);
      c.mark('credential deleted');
      await faultStack('down', 'kafka');
      await faultStack('up', 'kafka');
      c.mark('broker restarted');
      const code = await exitWithin(first, 120_000);
      c.mark(`first instance: ${code}`);
      c.claim(
        'KafkaJS crashed without restart (SASL authentication refused after a reconnect)',
        /consumer crashed.*"restart":false/.test(first.logs()) || first.logs().includes('"restart":false'),
        first.logs().slice(-3000),
      );
      c.claim('the service exited 1', code === 1);
      await kafkaConfigs([
        '--alter',
        '--entity-type',
        'users',
        '--entity-name',
        SASL_USER,
        '--add-config',
        `SCRAM-SHA-256=[password=${SASL_PASSWORD}]`,
      ]);
      const healedAt = Date.now();
      c.mark('credential restored');
      await c.produce(evs.slice(N / 2));
      await c.start();
      await closeCase(c, {
        events: evs,
        healedAt,
        fault:
          "the service's SASL/SCRAM credential is deleted and the broker restarted (its reconnect is refused); then the credential is restored and the service started again",
      });
    }, 360_000);

    // SPEC 1a for commits: a broker that keeps less commit metadata than the service writes refuses it
    // (OFFSET_METADATA_TOO_LARGE), for good. Commits must go on with the watermark alone, to the end.
    it('broker refuses commit metadata for good: the watermark alone is committed, to the end', async () => {
      await runCase({
        name: 'commit-metadata-refused',
        fault:
          'the broker keeps at most 3 bytes of commit metadata (offset.metadata.max.bytes), less than any the service writes; never heals',
        faultStack: true,
        before: true,
        holdMs: 0,
        inject: async () => {
          metadataLimited = true;
          await faultStack('down', 'kafka');
          await faultStack('up', 'kafka', { STACK_KAFKA_OFFSET_METADATA_MAX_BYTES: '3' });
        },
        heal: async () => undefined,
        check: async (c) => {
          const refused = c
            .svc!.logs()
            .split('\n')
            .filter((l) => l.includes('the broker refused the commit metadata')).length;
          c.claim(
            `the broker refused the commit metadata of ${refused} partitions ("committing the watermark alone" logged once each)`,
            refused > 0,
            c.svc!.logs().slice(-3000),
          );
          const admin = c.kafka.admin();
          await admin.connect();
          const [t] = await admin
            .fetchOffsets({ groupId: c.groupId, topics: [c.topic] })
            .finally(() => admin.disconnect());
          const metadata = t!.partitions.map((p) => p.metadata).filter((m) => m);
          c.claim('the broker holds no commit metadata', metadata.length === 0, JSON.stringify(metadata));
        },
        duplicates: (c, n) => c.claim(`${n} track events reached Zendesk twice`, n === 0),
      });
    }, 300_000);
  });
});
