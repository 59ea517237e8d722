/**
 * Figures against Zendesk's own ceiling rather than against a slow baseline: the identify ceiling
 * (job slots × 100 users ÷ the job duration the sandbox applied, or the request budget × 100), the
 * mixed request floor, and what a run used of each scarce resource (job slots, requests/s).
 */
import { ENTERPRISE_LIMITS } from '../src/sandbox/index.js';
import type { SegmentEvent } from '../src/segment/event.js';
import type { RunResult } from './harness.js';
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

export interface IdentifyCeiling {
  /** Users per second 30 jobs of 100 allow at the applied mean job duration. */
  bySlots: number;
  /** Users per second the request budget allows (one request per job of 100). */
  byBudget: number;
  ceiling: number;
  ratio: number;
}

/** The ceiling for one identify per distinct user: every event is one bulk item. */
export function identifyCeiling(run: RunResult, r: Resources): IdentifyCeiling {
  const bySlots = (r.slots.of * BULK_ITEMS) / (r.meanJobMs / 1000);
  const byBudget = r.budgetPerSec * BULK_ITEMS;
  const ceiling = Math.min(bySlots, byBudget);
  return { bySlots, byBudget, ceiling, ratio: run.eventsPerSec / ceiling };
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
