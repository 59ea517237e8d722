import type { ZendeskAuth } from './auth.js';
import type { Transport } from './http.js';
import type { ClientHooks, ClientLogger } from './requester.js';

export interface ZendeskClientOptions {
  /** No trailing slash, e.g. https://acme.zendesk.com */
  baseUrl: string;
  auth: ZendeskAuth;
  /** One concurrency limit for ALL calls (default 8). */
  concurrency?: number;
  /** Default 15000. */
  requestTimeoutMs?: number;
  /** Total time budget for retries of one call, from its first transient failure (default 60000). */
  maxRetryTimeMs?: number;
  /** Assumed budget before the first X-Rate-Limit answer (default 200). */
  accountRatePerMinute?: number;
  /**
   * The Events API's own per-minute budget, assumed until an Events API answer's
   * `zendesk-ratelimit-events` bucket tells the real one (default 250, the smallest plan's;
   * Enterprise has 700).
   */
  eventsRatePerMinute?: number;
  /** Account-wide, user create_or_update / PUT users (default 1). */
  userUpsertPerSecond?: number;
  /** Default 5. */
  userUpsertPerUserPerMinute?: number;
  /** Queued-or-running bulk jobs (default 30). */
  maxJobs?: number;
  /** Divides every limiter window, to match a time-scaled sandbox (default 1). */
  timeScale?: number;
  hooks?: ClientHooks;
  logger?: ClientLogger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** First and longest backoff between retries (defaults 200 ms and 10 s; full jitter below them). */
  retryBaseMs?: number;
  retryCapMs?: number;
  /** The first poll's starting estimate and the longest interval between polls (defaults 200 ms and 5 s). */
  jobPollInitialMs?: number;
  jobPollMaxMs?: number;
  /** The earliest a first job poll is made, however fast recent jobs finished (default 5 ms). */
  jobPollMinMs?: number;
  /** A job still running after this is treated as an outage (default 10 minutes). */
  jobMaxWaitMs?: number;
  /** Replaces the HTTP transport (tests). */
  transport?: Transport;
}
