/**
 * Injected faults, drawn from one seeded PRNG so a failing run can be replayed exactly.
 * Draw order per request is fixed (latency jitter, then the fault), which keeps runs reproducible.
 */
import type { SandboxConfig } from './config.js';
import { ApiError, conflict } from './errors.js';
import { ACCOUNT_LIMIT_BODY } from './limits.js';
import { mulberry32 } from './random.js';

export type FaultDecision =
  | { kind: 'none'; delayMs: number }
  | { kind: 'drop'; delayMs: number }
  | { kind: 'error'; delayMs: number; error: ApiError };

export class Faults {
  private rand: () => number;

  constructor(private readonly config: () => SandboxConfig['faults']) {
    this.rand = mulberry32(config().seed);
  }

  reseed(): void {
    this.rand = mulberry32(this.config().seed);
  }

  decide(): FaultDecision {
    const f = this.config();
    const delayMs = f.latencyMs + (f.jitterMs > 0 ? this.rand() * f.jitterMs : 0);
    if (f.dropRatio <= 0 && f.errorRatio <= 0 && f.conflictRatio <= 0 && f.throttleRatio <= 0)
      return { kind: 'none', delayMs };
    const r = this.rand();
    if (r < f.dropRatio) return { kind: 'drop', delayMs };
    if (r < f.dropRatio + f.errorRatio) {
      // Half 500, half 503: the second draw keeps the split independent of the ratios.
      const error =
        this.rand() < 0.5
          ? new ApiError(500, { error: 'InternalServerError', description: 'Something went wrong' })
          : new ApiError(
              503,
              { error: 'ServiceUnavailable', description: 'Service temporarily unavailable' },
              {},
              'Service Unavailable',
            );
      return { kind: 'error', delayMs, error };
    }
    if (r < f.dropRatio + f.errorRatio + f.conflictRatio)
      return { kind: 'error', delayMs, error: conflict() };
    if (r < f.dropRatio + f.errorRatio + f.conflictRatio + f.throttleRatio) {
      const seconds = f.throttleRetryAfterMs / 1000;
      const error = new ApiError(429, ACCOUNT_LIMIT_BODY, {
        'X-Rate-Limit-Remaining': '0',
        'ratelimit-remaining': '0',
        'Retry-After': Number.isInteger(seconds) ? String(seconds) : String(Math.max(0.001, seconds)),
      });
      return { kind: 'error', delayMs, error };
    }
    return { kind: 'none', delayMs };
  }
}
