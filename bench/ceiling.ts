/**
 * Figures against Zendesk's own ceiling rather than against a slow baseline: the identify ceiling
 * (job slots × 100 users ÷ the job duration the sandbox applied, or the request budget × 100), the
 * mixed request floor, and what a run used of each scarce resource (job slots, requests/s).
 */
import { ENTERPRISE_LIMITS } from '../src/sandbox/index.js';
import type { SegmentEvent } from '../src/segment/event.js';
import { LATENCY_RANGE_MS, type InstanceSlots, type RunResult } from './harness.js';
import { MIXED_TRACK_EVENTS } from './workloads.js';

const BULK_ITEMS = 100;

export interface Resources {
  /** Mean real ms of the jobs the sandbox ran. */
  meanJobMs: number;
  jobs: number;
  /** Job slots in use, sampled every 100 ms: mean, 90th percentile, most. */
  slots: { mean: number; p90: number; max: number; of: number };
  /** Requests per second over the run, against the account budget (time-scaled). */
  requestsPerSec: number;
  budgetPerSec: number;
  share429: number;
}

export function resources(run: RunResult, timeScale: number): Resources {
  const d = run.jobDurations;
  const samples = [...run.slotSamples].sort((a, b) => a - b);
  const times = run.requestLog.map((r) => r.at);
  const span = times.length > 1 ? (Math.max(...times) - Math.min(...times)) / 1000 : run.seconds;
  return {
    meanJobMs: d.length ? d.reduce((a, b) => a + b, 0) / d.length : 0,
    jobs: d.length,
    slots: {
      mean: samples.length ? samples.reduce((a, b) => a + b, 0) / samples.length : 0,
      p90: samples[Math.floor(samples.length * 0.9)] ?? 0,
      max: samples.at(-1) ?? 0,
      of: ENTERPRISE_LIMITS.maxJobs!,
    },
    requestsPerSec: run.requestLog.length / Math.max(span, run.seconds, 0.001),
    budgetPerSec: (ENTERPRISE_LIMITS.accountPerMinute! * timeScale) / 60,
    share429: run.requestLog.length
      ? run.requestLog.filter((r) => r.status === 429).length / run.requestLog.length
      : 0,
  };
}

export interface Steady {
  /** Requests per second in the middle 60 % of the run (no ramp-up, no tail), and of them creates and polls. */
  requestsPerSec: number;
  createsPerSec: number;
  pollsPerSec: number;
  /** Job slots in use at Zendesk over the same span, mean. */
  slotsMean: number;
  /**
   * Where the permits the instances held went over the same span (means, all instances together):
   * permits = running at Zendesk + creates not yet answered + finished (Zendesk's count said so) + finished
   * and not yet known (the rest: neither a poll nor a create answer has shown it yet).
   */
  permits: { held: number; creating: number; finishedKnown: number; finishedUnknown: number };
}

/**
 * What the run used of the two scarce resources once it was going: the middle 60 % of the window from
 * the first outcome to the last. The whole-run figures include the ramp-up (before the first outcome,
 * outside the window) and the tail (the last jobs running with nothing left to create).
 */
export function steady(run: RunResult): Steady {
  const span = run.window.to - run.window.from;
  const [from, to] = [run.window.from + 0.2 * span, run.window.to - 0.2 * span];
  const inside = run.requestLog.filter((r) => r.at >= from && r.at < to);
  const seconds = Math.max(0.001, (to - from) / 1000);
  const [a, b] = [Math.floor(run.slotSamples.length * 0.2), Math.ceil(run.slotSamples.length * 0.8)];
  const samples = run.slotSamples.slice(a, b);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((x, y) => x + y, 0) / xs.length : 0);
  const sum = (f: 'permits' | 'creating' | 'finishedKnown') =>
    mean(run.instanceSlots.slice(a, b).map((s) => s.reduce((x, i) => x + i[f], 0)));
  const [held, creating, finishedKnown] = [sum('permits'), sum('creating'), sum('finishedKnown')];
  return {
    requestsPerSec: inside.length / seconds,
    createsPerSec:
      inside.filter((r) => /create_many|update_many|create_or_update_many/.test(r.path)).length / seconds,
    pollsPerSec: inside.filter((r) => r.path.includes('job_statuses')).length / seconds,
    slotsMean: mean(samples),
    permits: {
      held,
      creating,
      finishedKnown,
      finishedUnknown: Math.max(0, held - creating - finishedKnown - mean(samples)),
    },
  };
}

export interface IdentifyCeiling {
  /** Users per second 30 jobs of 100 allow at the applied mean job duration. */
  bySlots: number;
  /** Users per second the request budget allows (one request per job of 100). */
  byBudget: number;
  ceiling: number;
  ratio: number;
  /** Users per second an ideal client would have made of the same jobs (`idealClient`). */
  ideal: number;
  idealRatio: number;
}

/** The sandbox's mean latency before it handles a request: a create's transit. */
const MEAN_LATENCY_MS = (LATENCY_RANGE_MS[0] + LATENCY_RANGE_MS[1]) / 2;

/** The ceiling for one identify per distinct user: every event is one bulk item. */
export function identifyCeiling(run: RunResult, r: Resources): IdentifyCeiling {
  const bySlots = (r.slots.of * BULK_ITEMS) / (r.meanJobMs / 1000);
  const byBudget = r.budgetPerSec * BULK_ITEMS;
  const ceiling = Math.min(bySlots, byBudget);
  const ideal = idealClient(run.jobDurations, {
    slots: r.slots.of,
    transitMs: MEAN_LATENCY_MS,
    users: run.events,
  });
  return {
    bySlots,
    byBudget,
    ceiling,
    ratio: run.eventsPerSec / ceiling,
    ideal,
    idealRatio: ideal / ceiling,
  };
}

/**
 * What an ideal client would make of the same jobs: it knows each job's end the moment it comes, its
 * next create reaches Zendesk after `transitMs` (the sandbox's latency comes before it handles a
 * request), it never waits for the request budget, and it fills `slots` with the run's jobs, full, in
 * the order and with the durations the sandbox applied. Users per second from its first job's end to
 * its last's (the bench's window: first outcome to last). What it leaves below the ceiling is the
 * jobs' own (the last round's tail, the creates' transit), no client's doing. Pure.
 */
export function idealClient(
  durationsMs: number[],
  o: { slots: number; transitMs: number; users: number },
): number {
  if (durationsMs.length === 0) return 0;
  // When each slot is next free at Zendesk (a create can arrive there), kept sorted.
  const free = Array.from({ length: o.slots }, () => o.transitMs);
  let [first, last] = [Infinity, 0];
  for (const d of durationsMs) {
    const start = free.shift()!;
    const end = start + d;
    [first, last] = [Math.min(first, end), Math.max(last, end)];
    const next = end + o.transitMs;
    let i = free.length;
    while (i > 0 && free[i - 1]! > next) i--;
    free.splice(i, 0, next);
  }
  return last > first ? o.users / ((last - first) / 1000) : 0;
}

export interface MixedFloor {
  tracks: number;
  userWrites: number;
  organizationWrites: number;
  polls: number;
  setup: number;
  floor: number;
  ratio: number;
}

/**
 * The fewest requests Zendesk allows for a mixed stream: one per allow-listed track (the Events API
 * has no bulk form), one per 100 user writes (identifies) and per 100 organization writes (an
 * organization and a membership per group), the job polls the run made, and the field definitions.
 */
export function mixedFloor(events: SegmentEvent[], run: RunResult): MixedFloor {
  const tracks = events.filter((e) => e.type === 'track' && MIXED_TRACK_EVENTS.includes(e.event!)).length;
  const userWrites = events.filter((e) => e.type === 'identify').length;
  const groups = events.filter((e) => e.type === 'group').length;
  const organizationWrites = 2 * groups;
  const by = run.byEndpoint;
  const sum = (f: (k: string) => boolean) =>
    Object.entries(by)
      .filter(([k]) => f(k))
      .reduce((a, [, v]) => a + v, 0);
  const polls = sum((k) => k.includes('job_statuses'));
  const setup = sum((k) => k.includes('_fields'));
  const floor =
    tracks + Math.ceil(userWrites / BULK_ITEMS) + Math.ceil(organizationWrites / BULK_ITEMS) + polls + setup;
  return { tracks, userWrites, organizationWrites, polls, setup, floor, ratio: run.requests / floor };
}

export interface Waves {
  rounds: number;
  jobsPerRound: number;
  /** Medians over rounds: from one round's first job to the next round's, and its slowest job. */
  roundMs: number;
  slowestJobMs: number;
  meanJobMs: number;
  /** Job slots in use, mean of each second of the run. */
  slotsPerSecond: number[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
};

/**
 * The evidence for fetch waves: jobs are created in bursts (a new burst after a quiet gap), and if
 * KafkaJS fetches the next batches only once every batch of the last fetch is done, a round lasts
 * as long as its slowest job, not its mean one. Jobs match the sandbox's applied durations in the
 * order they were created (one instance per account).
 */
export function waves(run: RunResult): Waves {
  const creates = run.requestLog
    .filter((r) => r.status < 300 && /(create_or_update_many|create_many|update_many)$/.test(r.path))
    .map((r) => r.at);
  const d = run.jobDurations;
  const meanJobMs = d.length ? d.reduce((a, b) => a + b, 0) / d.length : 0;
  // A quiet gap of a quarter of a job separates rounds (a round's jobs are created within a window or two).
  const gapMs = Math.max(50, meanJobMs / 4);
  const rounds: { start: number; durations: number[] }[] = [];
  creates.forEach((at, i) => {
    const last = rounds.at(-1);
    const prev = creates[i - 1];
    if (!last || prev === undefined || at - prev > gapMs) rounds.push({ start: at, durations: [] });
    rounds.at(-1)!.durations.push(d[i] ?? 0);
  });
  const full = rounds.slice(0, -1);
  const slotsPerSecond: number[] = [];
  for (let i = 0; i < run.slotSamples.length; i += 10) {
    const s = run.slotSamples.slice(i, i + 10);
    slotsPerSecond.push(Math.round(s.reduce((a, b) => a + b, 0) / s.length));
  }
  return {
    rounds: rounds.length,
    jobsPerRound: median(rounds.map((r) => r.durations.length)),
    roundMs: median(full.map((r, i) => rounds[i + 1]!.start - r.start)),
    slowestJobMs: median(full.map((r) => Math.max(...r.durations))),
    meanJobMs,
    slotsPerSecond,
  };
}

/**
 * Where the job-slot permits went in steady state, one instance and three: held = running at Zendesk +
 * creates not yet answered + finished (Zendesk's count said so) + finished and not yet known.
 */
export function describePermits(single: RunResult, three: RunResult): string {
  const one = (r: RunResult) => {
    const s = steady(r);
    const p = s.permits;
    return `permits held ${p.held.toFixed(1)} = ${s.slotsMean.toFixed(1)} running at Zendesk + ${p.creating.toFixed(1)} creates not yet answered + ${p.finishedKnown.toFixed(1)} finished (Zendesk's count said so) + ${p.finishedUnknown.toFixed(1)} finished, not yet known`;
  };
  return `job slots, steady (middle 60 %): one instance: ${one(single)}; three instances: ${one(three)}`;
}

export const describeWaves = (label: string, w: Waves): string =>
  `${label} waves: ${w.rounds} rounds of jobs (median ${w.jobsPerRound} jobs each); a round lasts ${Math.round(w.roundMs)} ms (median) where its slowest job took ${Math.round(w.slowestJobMs)} ms and the mean job ${Math.round(w.meanJobMs)} ms; job slots in use, each second: ${w.slotsPerSecond.join(' ')}`;

/**
 * Each instance's hold on the job slots, each second: held (not counting those Zendesk already shows
 * finished) / share (what it may hold) / waiting (bulk calls waiting for a slot), one instance per column.
 */
export function describeInstanceSlots(label: string, run: RunResult): string {
  const seconds: string[] = [];
  for (let i = 0; i < run.instanceSlots.length; i += 10) {
    const s = run.instanceSlots.slice(i, i + 10);
    // Held: the permits less the jobs Zendesk's count already showed finished.
    const value = (x: InstanceSlots | undefined, f: 'held' | 'share' | 'waiting') =>
      !x ? 0 : f === 'held' ? x.permits - x.finishedKnown : x[f];
    const mean = (k: number, f: 'held' | 'share' | 'waiting') =>
      Math.round(s.reduce((a, x) => a + value(x[k], f), 0) / s.length);
    seconds.push(
      (s[0] ?? []).map((_, k) => `${mean(k, 'held')}/${mean(k, 'share')}/${mean(k, 'waiting')}`).join(' '),
    );
  }
  return `${label} job slots per instance, each second (held/share/waiting): ${seconds.join(' | ')}`;
}
