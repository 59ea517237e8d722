/**
 * Bulk jobs [JS]: create the job (holding one of the account's 30 job slots), wait for it through
 * the shared poller (job-watch.ts) until it is completed or failed, then map each result back to
 * the index of the input it belongs to.
 */
import type { BulkItemResult } from './api.js';
import { firstDetailDescription } from './error-map.js';
import { ZendeskError } from './errors.js';
import type { CallSpec, ClientHooks, Executor } from './executor.js';
import type { JobWatcher } from './job-watch.js';
import { parseBucketHeader, type Semaphore } from './limits.js';

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

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
    const r = obj(raw);
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
  exec: Executor;
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

export async function runJob(
  o: JobRunnerOptions,
  create: CallSpec,
  total: number,
): Promise<BulkItemResult[]> {
  const waitedFrom = o.now();
  if (await o.slots.acquire()) o.hooks.onRateLimitWait?.({ scope: 'jobs', ms: o.now() - waitedFrom });
  try {
    // Other clients of the account hold job slots too: our share follows what Zendesk says is free.
    const learn = (headers: Record<string, string>) => {
      const slots = parseBucketHeader(headers['zendesk-ratelimit-inflight-jobs']);
      if (slots.remaining !== undefined) o.slots.learn(slots.remaining, slots.total);
    };
    const { body, headers } = await o.exec.call({
      ...create,
      bulk: true,
      createsJob: true,
      onTooManyJobs: learn,
    });
    learn(headers);
    const job = obj(obj(body)?.job_status);
    const id = job?.id;
    if (typeof id !== 'string' && typeof id !== 'number')
      throw new ZendeskError('outage', `Zendesk's answer to ${create.endpoint} has no job id`, {
        endpoint: create.endpoint,
        code: 'UnexpectedAnswer',
      });
    return await o.watcher.wait(String(id), job, total);
  } finally {
    o.slots.release();
  }
}
