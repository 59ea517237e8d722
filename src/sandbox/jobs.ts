/**
 * Background jobs [JS]: queued for the first half of `jobDurationMs`, working for the second, then
 * the work runs against the store and the job is completed with per-item results. Advancing is lazy
 * (every request and `state()` advances first, so an injected clock is enough) and also driven by a
 * timer, so the work lands even when nobody polls.
 */
import type { SandboxConfig } from './config.js';
import { ApiError } from './errors.js';
import { formatSeconds } from './limits.js';
import { mulberry32 } from './random.js';
import type { JobRec, JobResult, Store } from './store.js';

export type JobWork = () => JobResult[];

export class Jobs {
  private work = new Map<string, JobWork>();
  private timers = new Set<NodeJS.Timeout>();
  private rand: (() => number) | null = null;

  constructor(
    private readonly store: () => Store,
    private readonly config: () => SandboxConfig,
    private readonly now: () => number,
  ) {}

  private inFlight(): JobRec[] {
    return [...this.store().jobs.values()].filter((j) => j.status === 'queued' || j.status === 'working');
  }

  /** Refuses a new job when `maxJobs` are queued or working (TooManyJobs [RL]). */
  enqueue(jobType: string, total: number, work: JobWork): JobRec {
    this.advance();
    const max = this.config().limits.maxJobs;
    const inFlight = this.inFlight();
    if (max !== null && inFlight.length >= max) {
      const soonest = Math.min(...inFlight.map((j) => j.createdMs + j.durationMs - this.now()));
      const timeScale = this.config().limits.timeScale;
      throw new ApiError(
        this.config().tooManyJobsStatus,
        {
          error: 'TooManyJobs',
          description: `Too many ${jobType} jobs are currently queued or running. Try again later.`,
          current_job_ids: inFlight.map((j) => j.id),
        },
        {
          'Retry-After': formatSeconds(Math.max(soonest, 1), timeScale),
          'zendesk-ratelimit-inflight-jobs': `total=${max}; remaining=0; resets=${formatSeconds(Math.max(soonest, 1), timeScale)}`,
        },
      );
    }
    const job: JobRec = {
      id: this.store().hexId(),
      job_type: jobType,
      total,
      progress: 0,
      status: 'queued',
      message: null,
      results: null,
      createdMs: this.now(),
      durationMs: this.drawDuration(),
    };
    this.store().jobs.set(job.id, job);
    this.work.set(job.id, work);
    this.schedule(job.durationMs / 2);
    this.schedule(job.durationMs);
    return job;
  }

  /** A fixed duration, or one drawn from the range of Zendesk time and scaled like the limit windows. */
  private drawDuration(): number {
    const c = this.config();
    if (!c.jobDurationRangeMs) return c.jobDurationMs;
    this.rand ??= mulberry32(c.faults.seed ^ 0x5eed);
    const [min, max] = c.jobDurationRangeMs;
    return (min + this.rand() * (max - min)) / c.limits.timeScale;
  }

  /** Jobs queued or working now: how many of the account's job slots are in use. */
  inFlightCount(): number {
    this.advance();
    return this.inFlight().length;
  }

  /** Durations applied to the jobs created so far (real ms), oldest first: what the bench's ceiling uses. */
  appliedDurations(): number[] {
    return [...this.store().jobs.values()].map((j) => j.durationMs);
  }

  /** Headers that tell how many job slots are left (sent with a job answer when the limit is on). */
  inflightHeader(): Record<string, string> {
    const max = this.config().limits.maxJobs;
    if (max === null) return {};
    const remaining = Math.max(0, max - this.inFlight().length);
    // Zendesk's documented answer says resets=60: 60 s of Zendesk time, scaled like every window.
    const timeScale = this.config().limits.timeScale;
    const resets = formatSeconds(60_000 / timeScale, timeScale);
    return { 'zendesk-ratelimit-inflight-jobs': `total=${max}; remaining=${remaining}; resets=${resets}` };
  }

  private schedule(ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.advance();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  /** Moves every job along the clock; runs the work of the ones that are due. Oldest first. */
  advance(): void {
    const now = this.now();
    for (const job of this.store().jobs.values()) {
      if (job.status !== 'queued' && job.status !== 'working') continue;
      const elapsed = now - job.createdMs;
      if (elapsed >= job.durationMs) this.complete(job);
      else if (elapsed >= job.durationMs / 2) {
        job.status = 'working';
        job.message = `Working ${job.progress}/${job.total}`;
      }
    }
  }

  private complete(job: JobRec): void {
    const work = this.work.get(job.id);
    this.work.delete(job.id);
    try {
      job.results = work ? work() : [];
      job.status = 'completed';
      job.progress = job.total;
      job.message = `Completed at ${new Date(this.now()).toISOString()}`;
    } catch (e) {
      job.status = 'failed';
      job.message = e instanceof Error ? e.message : String(e);
    }
  }

  reset(): void {
    this.work.clear();
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
