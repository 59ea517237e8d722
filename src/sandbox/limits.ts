/**
 * Zendesk's rate limits [RL], each switchable, all windows shortened by `timeScale` so a benchmark
 * can run an hour of limits in a minute. Fixed windows: Zendesk documents per-minute and per-second
 * budgets, and a fixed window is the strictest reading of them.
 */
import { ApiError } from './errors.js';
import type { SandboxConfig } from './config.js';

interface Window {
  start: number;
  count: number;
}

export interface Hit {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the window resets (already scaled). */
  resetMs: number;
}

/** One budget of `limit` hits per `windowMs`, per key. */
export class FixedWindow {
  private windows = new Map<string, Window>();

  hit(key: string, limit: number, windowMs: number, now: number, count = true): Hit {
    let w = this.windows.get(key);
    if (!w || now >= w.start + windowMs) {
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    const allowed = w.count < limit;
    if (allowed && count) w.count++;
    return { allowed, limit, remaining: Math.max(0, limit - w.count), resetMs: w.start + windowMs - now };
  }

  clear(): void {
    this.windows.clear();
  }
}

/** Seconds for Retry-After and `resets=`: an integer at real speed, a decimal when time is scaled. */
export function formatSeconds(ms: number, timeScale: number): string {
  if (timeScale === 1) return String(Math.max(1, Math.ceil(ms / 1000)));
  return String(Math.max(0.001, Math.round(ms) / 1000));
}

/** The body of an account-limit 429 (the reference records status and Retry-After only: the sandbox's choice). */
export const ACCOUNT_LIMIT_BODY = {
  error: 'APIRateLimitExceeded',
  description: 'Number of allowed API requests per minute exceeded',
} as const;

/** The 429 of Update Organization, as the reference records it [RL]. */
export const ORG_UPDATE_LIMIT_BODY = {
  errors: [{ code: 'TooManyRequests', title: 'Too many requests to update' }],
} as const;

/** The Events API's 429, in its own `{"errors":[…]}` envelope (text is the sandbox's choice). */
export const EVENTS_LIMIT_BODY = {
  errors: [
    { code: 'TooManyRequests', id: 'toomanyrequests', title: 'Profiles/Events API rate limit exceeded' },
  ],
} as const;

export class Limits {
  private account = new FixedWindow();
  private upsertAccount = new FixedWindow();
  private upsertUser = new FixedWindow();
  private orgUpdate = new FixedWindow();
  private events = new FixedWindow();

  constructor(
    private readonly config: () => SandboxConfig['limits'],
    private readonly now: () => number,
  ) {}

  reset(): void {
    this.account.clear();
    this.upsertAccount.clear();
    this.upsertUser.clear();
    this.orgUpdate.clear();
    this.events.clear();
  }

  private scaled(ms: number): number {
    return ms / this.config().timeScale;
  }

  private tooMany(hit: Hit, body: unknown, headers: Record<string, string> = {}, text?: string): ApiError {
    const retry = formatSeconds(hit.resetMs, this.config().timeScale);
    return new ApiError(429, body, { ...headers, 'Retry-After': retry }, text);
  }

  /**
   * Counts one API request against the account budget; returns the headers every answer carries
   * (`X-Rate-Limit`, `X-Rate-Limit-Remaining`, and the ticketing `ratelimit-*` trio).
   * `count: false` only reads the budget: for answers that did not spend it (a 401, an Events API
   * call, which has its own budget). Throws the 429 only when counting.
   */
  accountRequest(count = true): Record<string, string> {
    const limit = this.config().accountPerMinute;
    if (limit === null) return {};
    const hit = this.account.hit('account', limit, this.scaled(60_000), this.now(), count);
    const resetSec = formatSeconds(hit.resetMs, this.config().timeScale);
    const headers = {
      'X-Rate-Limit': String(limit),
      'X-Rate-Limit-Remaining': String(hit.remaining),
      'ratelimit-limit': String(limit),
      'ratelimit-remaining': String(hit.remaining),
      'ratelimit-reset': resetSec,
    };
    if (count && !hit.allowed) throw this.tooMany(hit, ACCOUNT_LIMIT_BODY, headers);
    return headers;
  }

  /**
   * The Profiles/Events API's own per-minute budget [RL], apart from the account's. Returns its
   * `zendesk-ratelimit-events` bucket header; past it, 429 + Retry-After in the Events API's
   * error envelope.
   */
  eventsRequest(): Record<string, string> {
    const limit = this.config().eventsPerMinute;
    if (limit === null) return {};
    const hit = this.events.hit('events', limit, this.scaled(60_000), this.now());
    const headers = { 'zendesk-ratelimit-events': header(hit, this.config().timeScale) };
    if (!hit.allowed) throw this.tooMany(hit, EVENTS_LIMIT_BODY, headers);
    return headers;
  }

  /** PUT organizations/{id}: 5 per minute per organization [RL]; the 429 body is the reference's. */
  organizationUpdate(orgId: number): void {
    const limit = this.config().organizationUpdatePerOrgPerMinute;
    if (limit === null) return;
    const hit = this.orgUpdate.hit(String(orgId), limit, this.scaled(60_000), this.now());
    if (!hit.allowed) throw this.tooMany(hit, ORG_UPDATE_LIMIT_BODY);
  }

  /** The 1/s account budget of create_or_update and PUT users/{id}. */
  userUpsertAccount(): void {
    const limit = this.config().userUpsertPerSecond;
    if (limit === null) return;
    const hit = this.upsertAccount.hit('account', limit, this.scaled(1000), this.now());
    if (!hit.allowed)
      throw this.tooMany(
        hit,
        upsertBody(),
        { 'Zendesk-RateLimit-create-update-user': header(hit, this.config().timeScale) },
        UPSERT_TEXT,
      );
  }

  /**
   * The 5/min budget of one user. `count: false` only checks (for a user about to be created, the
   * hit is recorded once its id exists). Returns the `Zendesk-RateLimit-create-update-user` header.
   */
  userUpsert(userId: number, count = true): Record<string, string> {
    const perUser = this.config().userUpsertPerUserPerMinute;
    const perSecond = this.config().userUpsertPerSecond;
    if (perUser === null) {
      if (perSecond === null) return {};
      const hit = this.upsertAccount.hit('account', perSecond, this.scaled(1000), this.now(), false);
      return { 'Zendesk-RateLimit-create-update-user': header(hit, this.config().timeScale) };
    }
    const hit = this.upsertUser.hit(String(userId), perUser, this.scaled(60_000), this.now(), count);
    const headers = { 'Zendesk-RateLimit-create-update-user': header(hit, this.config().timeScale) };
    if (!hit.allowed) throw this.tooMany(hit, upsertBody(), headers, UPSERT_TEXT);
    return headers;
  }
}

function header(hit: Hit, timeScale: number): string {
  return `total=${hit.limit}; remaining=${hit.remaining}; resets=${formatSeconds(hit.resetMs, timeScale)}`;
}

// The per-user 429 body has been reported as plain text (support.zendesk.com community post 4887103531674).
const UPSERT_TEXT =
  'You have exceeded the rate limit for updating a single unique user. Please wait and try again.';
const upsertBody = (): unknown => null;
