/** The runs added for issue 15: identify at the ceiling, scale-out, skip-heavy next to decode-only. */
import { spawn } from 'node:child_process';
import { ENTERPRISE_LIMITS, type Sandbox } from '../src/sandbox/index.js';
import type { SegmentEvent } from '../src/segment/event.js';
import { identifyCeiling, resources, type IdentifyCeiling, type Resources } from './ceiling.js';
import {
  brokers,
  dropTopic,
  JOB_DURATION_RANGE_MS,
  LATENCY_RANGE_MS,
  kafka,
  limitedSandbox,
  log,
  makeTopic,
  normalizedState,
  registryUrl,
  runService,
  TIME_SCALE,
  type RunResult,
} from './harness.js';

/**
 * The ceiling runs use real Zendesk time (×1) unless told otherwise: at ×10 the ceiling (11,667 users/s)
 * is far above what the in-process sandbox can serve (~60 ms of CPU per 100-user job), so the bench
 * would measure the sandbox, not the service.
 */
export const CEILING_TIME_SCALE = Number(process.env.BENCH_CEILING_TIME_SCALE ?? 1);

export interface CeilingRuns {
  single: RunResult;
  singleResources: Resources;
  ceiling: IdentifyCeiling;
  three: RunResult;
  threeResources: Resources;
  ratio: number;
  deadLetters: number;
  stateEqual: boolean;
}

async function deadLetters(topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(`${topic}.dlq`);
    return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** The group has committed every partition of the topic up to its end offset. */
async function committedToEnd(topic: string, groupId: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const at = new Map(committed?.partitions.map((p) => [p.partition, BigInt(p.offset)]) ?? []);
    return ends.every((e) => (at.get(e.partition) ?? -1n) >= BigInt(e.high));
  } finally {
    await admin.disconnect();
  }
}

/** Waits until no job is queued or working in the sandbox (a job created before a stop still lands). */
async function jobsDone(sb: Sandbox): Promise<void> {
  for (const until = Date.now() + 60_000; sb.jobsInFlight() > 0;) {
    if (Date.now() > until) throw new Error(`${sb.jobsInFlight()} jobs still in flight after 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * One instance, then three in one group, on the same topic (distinct users, one identify each) against
 * a fresh sandbox account each: the account is the bottleneck, so three should do what one does.
 */
export async function ceilingAndScaleOut(events: SegmentEvent[], timeoutMs: number): Promise<CeilingRuns> {
  const topic = await makeTopic(events, 'ceiling');
  const oneSb = await limitedSandbox(CEILING_TIME_SCALE);
  log(`ceiling: one instance on ${events.length} distinct users`);
  const single = await runService({
    label: 'ceiling',
    mode: 'optimized',
    topic,
    sandbox: oneSb,
    events: events.length,
    timeoutMs,
    env: { KAFKA_GROUP_ID: `${topic}-one` },
    settled: () => committedToEnd(topic, `${topic}-one`),
  });
  const singleResources = resources(single, CEILING_TIME_SCALE);
  const ceiling = identifyCeiling(single, singleResources);
  log(
    `ceiling: ${single.eventsPerSec.toFixed(0)} users/s of ${ceiling.ceiling.toFixed(0)} (slots ${ceiling.bySlots.toFixed(0)}, budget ${ceiling.byBudget.toFixed(0)}) = ${ceiling.ratio.toFixed(2)}; an ideal client on the same jobs ${ceiling.ideal.toFixed(0)} = ${ceiling.idealRatio.toFixed(2)}`,
  );
  const threeSb = await limitedSandbox(CEILING_TIME_SCALE);
  log(`scale-out: three instances in one group`);
  // The figures end at as many outcomes as events, but an event delivered again after a rebalance is
  // an outcome too: the instances stop only once the group has committed every partition to its end
  // (every event has its outcome), and the states are compared once no job is left in the sandbox.
  const three = await runService({
    label: 'scaleout',
    mode: 'optimized',
    topic,
    sandbox: threeSb,
    events: events.length,
    timeoutMs,
    instances: 3,
    env: { KAFKA_GROUP_ID: `${topic}-three` },
    settled: () => committedToEnd(topic, `${topic}-three`),
  });
  const threeResources = resources(three, CEILING_TIME_SCALE);
  await jobsDone(oneSb);
  await jobsDone(threeSb);
  const users = (sb: typeof oneSb) => (sb.state().users as unknown[]).length;
  const outcomes = (r: RunResult) => Object.values(r.outcomes).reduce((a, b) => a + b, 0);
  log(
    `scale-out: users in Zendesk: one instance ${users(oneSb)}, three ${users(threeSb)}; outcomes ${outcomes(single)} and ${outcomes(three)} for ${events.length} events`,
  );
  const stateEqual = normalizedState(oneSb) === normalizedState(threeSb);
  await oneSb.close();
  await threeSb.close();
  const dead = await deadLetters(topic);
  await dropTopic(topic);
  return {
    single,
    singleResources,
    ceiling,
    three,
    threeResources,
    ratio: three.eventsPerSec / single.eventsPerSec,
    deadLetters: dead,
    stateEqual,
  };
}

interface DecodeOnly {
  eventsPerSec: number;
  seconds: number;
  /** Its CPU (all threads) per event, from its first batch to its last. */
  cpuUsPerEvent: number;
}

function decodeOnly(topic: string, count: number): Promise<DecodeOnly> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', 'tsx', 'bench/decode-consume.ts', topic, String(count)], {
      env: { ...process.env, KAFKA_BROKERS: brokers.join(','), SCHEMA_REGISTRY_URL: registryUrl },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('exit', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!));
      } catch (e) {
        reject(e);
      }
    });
  });
}

export interface SkipRun {
  ours: RunResult;
  decode: DecodeOnly;
  ratio: number;
}

/** Mostly skipped events, drained by the service (limits as usual) and by a decode-only consumer. */
export async function skipHeavyRun(events: SegmentEvent[], timeoutMs: number): Promise<SkipRun> {
  const topic = await makeTopic(events, 'skip');
  log(`skip: decode-only consumer on ${events.length} events`);
  const decode = await decodeOnly(topic, events.length);
  const sb: Sandbox = await limitedSandbox();
  log(`skip: optimized service`);
  const ours = await runService({
    label: 'skip',
    mode: 'optimized',
    topic,
    sandbox: sb,
    events: events.length,
    timeoutMs,
  });
  await sb.close();
  await dropTopic(topic);
  return { ours, decode, ratio: ours.eventsPerSec / decode.eventsPerSec };
}

export const SANDBOX_DESCRIPTION = `Zendesk Enterprise limits (${ENTERPRISE_LIMITS.accountPerMinute} requests/min, ${ENTERPRISE_LIMITS.maxJobs} jobs, Events API ${ENTERPRISE_LIMITS.eventsPerMinute}/min) time-scaled ×${TIME_SCALE}, latency ${LATENCY_RANGE_MS[0]}–${LATENCY_RANGE_MS[1]} ms, bulk jobs ${JOB_DURATION_RANGE_MS[0] / 1000}–${JOB_DURATION_RANGE_MS[1] / 1000} s of Zendesk time each`;
