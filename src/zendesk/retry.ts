/**
 * The retry policy, in one place: which failures are transient, how long to back off, and when
 * the total budget is spent. Pure (the random source and clock are passed in).
 */

/** What one attempt ended in, when it was not a 2xx. */
export type Failure = { kind: 'status'; status: number } | { kind: 'timeout' } | { kind: 'network' };

/** Label for the `onRetry` hook and logs, or null when the failure is not worth retrying. */
export type TransientReason = '5xx' | '409' | 'timeout' | 'network';

export function transientReason(f: Failure): TransientReason | null {
  if (f.kind === 'timeout') return 'timeout';
  if (f.kind === 'network') return 'network';
  if (f.status >= 500) return '5xx';
  // 408: the server gave up waiting for the request and did not act on it; sending again is safe.
  if (f.status === 408) return 'timeout';
  // Zendesk answers 409 on a collision of concurrent writes to a unique field: it often clears.
  if (f.status === 409) return '409';
  return null;
}

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 200, capMs: 10_000 };

/**
 * Exponential backoff with full jitter (a uniform draw in [0, min(cap, base·2^n))): retries of many
 * callers that failed together spread out instead of hitting Zendesk again in lockstep.
 * `retry` counts from 0 for the first retry.
 */
export function backoffMs(retry: number, opts: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(opts.capMs, opts.baseMs * 2 ** Math.min(retry, 30));
  return Math.floor(random() * ceiling);
}

/**
 * The total time one call may spend retrying transient errors, counted from its first transient
 * failure (waiting for rate limits before that is not retrying). Waiting out a 429 is not an
 * error, so it extends the deadline instead of eating it.
 */
export class RetryBudget {
  private deadline: number;

  constructor(start: number, maxRetryTimeMs: number) {
    this.deadline = start + maxRetryTimeMs;
  }

  extend(ms: number): void {
    this.deadline += Math.max(0, ms);
  }

  /** Whether a retry after sleeping `delayMs` from `now` still starts inside the budget. */
  allows(now: number, delayMs: number): boolean {
    return now + delayMs <= this.deadline;
  }

  remaining(now: number): number {
    return Math.max(0, this.deadline - now);
  }
}
