/**
 * Bulk jobs [JS]: create the job (holding one of the account's 30 job slots), poll
 * `job_statuses/{id}` with a growing interval until it is completed or failed, then map each
 * result back to the index of the input it belongs to.
 */
import type { BulkItemResult } from './api.js';
import { firstDetailDescription } from './error-map.js';
import { ZendeskError } from './errors.js';
import type { CallSpec, ClientHooks, Requester } from './requester.js';
import type { Semaphore } from './limits.js';
import { asObject } from '../ops/json.js';

/**
 * Job results → one result per input index. Create results carry `index`; update results
 * (`{action:"update",id,status:"Updated",success:true}`) do not, and are taken in input order.
 * An input without a result is reported as failed rather than silently dropped.
 */
export function mapJobResults(
  total: number,
  results: unknown,
  fallback?: { code: string; message: string },
): BulkItemResult[] {
  const out = new Map<number, BulkItemResult>();
  const list = Array.isArray(results) ? results : [];
  list.forEach((raw, position) => {
    const r = asObject(raw);
    if (!r) return;
    const index = typeof r.index === 'number' && Number.isInteger(r.index) ? r.index : position;
    if (index < 0 || index >= total || out.has(index)) return;
    const failed = r.success === false || (r.error !== undefined && r.error !== null);
    if (!failed && typeof r.id === 'number') {
      const created =
        r.action === 'create' || r.status === 'Created' || (r.action === undefined && r.status === undefined);
      out.set(index, { index, ok: true, id: r.id, action: created ? 'create' : 'update' });
      return;
    }
    const code = typeof r.error === 'string' ? r.error : 'Failed';
    const message = firstDetailDescription(r.details) ?? (typeof r.status === 'string' ? r.status : code);
    const error = {
      code,
      message,
      ...(r.details !== undefined && r.details !== null ? { details: r.details } : {}),
    };
    out.set(index, { index, ok: false, error });
  });
  const missing = fallback ?? { code: 'MissingResult', message: 'The job returned no result for this item' };
  return Array.from(
    { length: total },
    (_, index) => out.get(index) ?? { index, ok: false, error: { ...missing } },
  );
}

/**
 * When to look at a job first. Zendesk says nothing about how long a job takes (seconds on a busy
 * account, milliseconds on an idle one), so the first poll follows what recent jobs took: a job found
 * finished at its first poll brings the next first poll earlier, one found finished later moves the
 * estimate towards the time it finished. A first poll that came too soon is followed by one at half
 * its delay, then by polls backing off ×1.5. On a steady account
 * a job costs one or two polls instead of a fixed ladder, and a fast account is not kept waiting.
 */
export class JobPollPacer {
  private estimateMs: number;

  constructor(
    initialMs: number,
    private readonly minMs: number,
    /** The longest wait before a poll, first or later. */
    readonly maxMs: number,
  ) {
    this.estimateMs = Math.max(minMs, initialMs);
  }

  /** The wait before the first poll. */
  first(): number {
    return Math.round(this.estimateMs);
  }

  /**
   * A job was seen finished at `polls` polls, `finishedBy` ms after its creation answered; at the
   * poll before, `notYetAt` ms (0 when the first poll found it finished).
   */
  observe(polls: number, notYetAt: number, finishedBy: number): void {
    const next =
      polls <= 1
        ? 0.7 * this.estimateMs // it may have finished long before: try earlier next time
        : 0.7 * this.estimateMs + 0.3 * ((notYetAt + finishedBy) / 2); // it finished in between
    this.estimateMs = Math.min(this.maxMs, Math.max(this.minMs, next));
  }
}

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
}

export async function runJob(
  o: JobRunnerOptions,
  create: CallSpec,
  total: number,
): Promise<BulkItemResult[]> {
  const waitedFrom = o.now();
  if (await o.slots.acquire()) o.hooks.onRateLimitWait?.({ scope: 'jobs', ms: o.now() - waitedFrom });
  try {
    const { body } = await o.exec.call({ ...create, bulk: true, createsJob: true });
    const job = asObject(asObject(body)?.job_status);
    const id = job?.id;
    if (typeof id !== 'string' && typeof id !== 'number')
      throw new ZendeskError('outage', `Zendesk's answer to ${create.endpoint} has no job id`, {
        endpoint: create.endpoint,
        code: 'UnexpectedAnswer',
      });
    return await poll(o, String(id), job, total);
  } finally {
    o.slots.release();
  }
}

async function poll(
  o: JobRunnerOptions,
  id: string,
  first: Record<string, unknown> | undefined,
  total: number,
) {
  const started = o.now();
  let job = first;
  let interval = o.pacer.first();
  let polls = 0;
  let notYetAt = 0;
  let lastPollAt = 0;
  for (;;) {
    const status = job?.status;
    const finished = status === 'completed' || status === 'failed' || status === 'killed';
    if (polls > 0) {
      if (finished) o.pacer.observe(polls, notYetAt, lastPollAt);
      else notYetAt = lastPollAt;
    }
    if (status === 'completed') return mapJobResults(total, job?.results);
    if (finished)
      return mapJobResults(total, job?.results, {
        code: 'JobFailed',
        message: typeof job?.message === 'string' ? job.message : `The job ${String(status)}`,
      });
    if (o.now() - started > o.maxWaitMs)
      throw new ZendeskError('outage', `A Zendesk job did not finish within ${o.maxWaitMs} ms`, {
        endpoint: 'job_statuses/{id}',
        code: 'JobTimeout',
      });
    await o.sleep(interval);
    // After a first poll that came too soon, look again at half that delay, then back off.
    interval = Math.min(o.pacer.maxMs, Math.max(polls === 0 ? interval * 0.5 : interval * 1.5, 1));
    polls++;
    lastPollAt = o.now() - started;
    try {
      const { body } = await o.exec.call({
        method: 'GET',
        path: `/api/v2/job_statuses/${encodeURIComponent(id)}`,
        endpoint: 'job_statuses/{id}',
      });
      job = asObject(asObject(body)?.job_status);
    } catch (e) {
      // Job data is kept for a day; a job that vanished leaves its items unknown.
      if (e instanceof ZendeskError && e.status === 404 && e.action === 'reject')
        return mapJobResults(total, [], { code: 'JobNotFound', message: 'The job status is gone' });
      throw e;
    }
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
    const run = runJob(this.jobs, create, total);
    if (!this.bulk.known) {
      const probe = run.finally(() => {
        if (this.probe === probe) this.probe = undefined;
      });
      this.probe = probe;
      probe.catch(() => {});
    }
    try {
      const results = await run;
      this.bulk.accepted();
      return results;
    } catch (e) {
      this.bulk.refused(e);
      throw e;
    }
  }
}
