/**
 * Bulk jobs [JS]: create the job (holding one of the account's 30 job slots), wait for it through
 * the shared poller (job-watch.ts) until it is completed or failed, then map each result back to
 * the index of the input it belongs to.
 */
import type { BulkItemResult } from './api.js';
import { ZendeskError } from './errors.js';
import type { CallSpec, ClientHooks, Requester } from './requester.js';
import { JobPollPacer, JobWatcher } from './job-watch.js';
import { parseBucketHeader, type Limits } from './limits.js';
import { Semaphore } from './semaphore.js';
import { asObject } from '../ops/json.js';
import type { JobSlotState } from '../ops/metrics.js';
import type { ZendeskClientOptions } from './client-options.js';

export interface JobRunnerOptions {
  exec: Requester;
  slots: Semaphore;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  hooks: ClientHooks;
  /** The first poll's timing, learnt across the client's jobs, and the longest interval. */
  pacer: JobPollPacer;
  /** Past this, a job that is still queued or working is treated as Zendesk trouble (outage). */
  maxWaitMs: number;
  /** Polls every job in flight together (job-watch.ts), so polls are shared, not one per job. */
  watcher: JobWatcher;
}

/** `onCreated`: Zendesk took the job (answered its create with a job id), before it is waited for. */
export async function runJob(
  o: JobRunnerOptions,
  create: CallSpec,
  total: number,
  onCreated?: () => void,
): Promise<BulkItemResult[]> {
  const acquire = async () => {
    const waitedFrom = o.now();
    const held = o.slots.acquire();
    // Waiting for a slot: the poller may look sooner (job-watch.ts `hurry`).
    if (o.slots.waiting > 0) o.watcher.nudge();
    if (await held) o.hooks.onRateLimitWait?.({ scope: 'jobs', ms: o.now() - waitedFrom });
    return o.slots.epoch;
  };
  let epoch = await acquire();
  try {
    // Other clients of the account hold job slots too: our share follows what Zendesk says is free
    // (semaphore.ts). A refused create gives its permit back, and waits for one again before retrying.
    // Until it is answered, Zendesk's count of jobs may or may not include this one (semaphore.ts).
    o.slots.send();
    const { body, headers } = await o.exec
      .call({
        ...create,
        bulk: true,
        createsJob: true,
        onTooManyJobs: async () => {
          o.slots.refused(epoch);
          epoch = await acquire();
        },
      })
      .finally(() => o.slots.answered());
    const slots = parseBucketHeader(headers['zendesk-ratelimit-inflight-jobs']);
    o.slots.created(slots.remaining, slots.total);
    const job = asObject(asObject(body)?.job_status);
    const id = job?.id;
    if (typeof id !== 'string' && typeof id !== 'number')
      throw new ZendeskError('outage', `Zendesk's answer to ${create.endpoint} has no job id`, {
        endpoint: create.endpoint,
        code: 'UnexpectedAnswer',
      });
    onCreated?.();
    return await o.watcher.wait(String(id), job, total);
  } finally {
    o.slots.release();
  }
}

/**
 * Whether this account takes bulk calls: the one place that decides. Zendesk answers 403 when bulk
 * imports are not enabled (`BulkImportsDisabled`); from then on bulk is off for good, so a refusing
 * account costs one refused call, not one per batch. Unknown until a bulk call has answered.
 */
export class BulkSwitch {
  private state: boolean | undefined;
  get enabled(): boolean {
    return this.state !== false;
  }
  get known(): boolean {
    return this.state !== undefined;
  }
  accepted(): void {
    this.state = true;
  }
  /** True when `err` is Zendesk refusing bulk calls (and switches bulk off). */
  refused(err: unknown): boolean {
    if (err instanceof ZendeskError && err.code === 'BulkImportsDisabled') {
      this.state = false;
      return true;
    }
    return false;
  }
}

/** Bulk jobs behind the switch: refused at once when bulk is off, and one probe while it is unknown. */
export class BulkCalls {
  private readonly bulk = new BulkSwitch();
  /** The first bulk call, while it is not known whether the account takes bulk calls. */
  private probe: Promise<unknown> | undefined;

  constructor(private readonly jobs: JobRunnerOptions) {}

  /** Our jobs Zendesk shows finished whose results no poll has brought yet (semaphore.ts). */
  get jobsFinishedNotSeen(): number {
    return this.jobs.slots.finishedNotSeen;
  }

  /** This client's hold on the account's job slots, for the job-slot gauge. */
  get slotState(): JobSlotState {
    const s = this.jobs.slots;
    return {
      held: s.inUse,
      finishedNotSeen: s.finishedNotSeen,
      creating: s.creating,
      share: s.limit,
      waiting: s.waiting,
    };
  }

  /** This client's part of its group's work: its fair part of the job slots while shared. */
  entitle(part: number): void {
    this.jobs.slots.entitle(part);
  }

  async run(create: CallSpec, total: number): Promise<BulkItemResult[]> {
    if (!this.bulk.enabled)
      throw new ZendeskError('reject', 'Bulk imports are not enabled on this Zendesk account', {
        endpoint: create.endpoint,
        status: 403,
        code: 'BulkImportsDisabled',
      });
    if (!this.bulk.known && this.probe !== undefined) {
      // Not known yet whether this account takes bulk calls: wait for the first one to answer,
      // so an account with bulk imports off costs one refused call, not one per batch in flight.
      await this.probe.catch(() => {});
      return this.run(create, total);
    }
    // Bulk is on once Zendesk takes a job: the probe ends at the create's answer, not at the job's end
    // (a first job stuck "queued" would otherwise hold every bulk call until the job deadline).
    let created!: () => void;
    const taken = new Promise<void>((resolve) => (created = resolve));
    const run = runJob(this.jobs, create, total, () => {
      this.bulk.accepted();
      created();
    });
    if (!this.bulk.known) {
      const probe = Promise.race([taken, run]).finally(() => {
        if (this.probe === probe) this.probe = undefined;
      });
      this.probe = probe;
      probe.catch(() => {});
    }
    try {
      return await run;
    } catch (e) {
      this.bulk.refused(e);
      throw e;
    }
  }
}

export type BulkSetup = Pick<JobRunnerOptions, 'exec' | 'now' | 'sleep' | 'hooks'> &
  Pick<
    ZendeskClientOptions,
    'maxJobs' | 'jobPollInitialMs' | 'jobPollMinMs' | 'jobPollMaxMs' | 'jobMaxWaitMs'
  > & {
    limits: Limits;
    timeScale: number;
  };

/** The client's bulk jobs: one job semaphore, one learnt poll pace and one poller for all of them. */
export function bulkCalls(o: BulkSetup): BulkCalls {
  const { exec, limits, now, sleep, hooks, timeScale } = o;
  const pacer = new JobPollPacer(o.jobPollInitialMs ?? 200, o.jobPollMinMs ?? 5, o.jobPollMaxMs ?? 5000);
  const [maxWaitMs, maxJobs] = [o.jobMaxWaitMs ?? 600_000, o.maxJobs ?? 30];
  const slots = new Semaphore(maxJobs);
  // Polls sooner while creates wait for a job slot, with budget the last 5 s (Zendesk time) left.
  const hurry = () => slots.waiting > 0 && limits.account.underPace(now(), 5000 / timeScale);
  // Requests are scarce when what is left of the account's window cannot last at its pace.
  const scarce = () => limits.account.scarce(now(), 5000 / timeScale);
  const watcher = new JobWatcher({
    exec,
    now,
    sleep,
    pacer,
    maxWaitMs,
    hurry,
    scarce,
    slots: maxJobs,
    alone: () => !slots.share.shared,
    creating: () => slots.waiting > 0 || slots.creating > 0,
  });
  return new BulkCalls({ exec, slots, now, sleep, hooks, pacer, maxWaitMs, watcher });
}
