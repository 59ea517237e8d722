/**
 * The one road every Zendesk call takes: wait for the limits, take a concurrency slot, book the
 * limits at the moment of sending, send, learn from the rate headers, and then decide: done, wait
 * out a 429 (shared by every caller in its scope), refresh an OAuth token once, back off and retry
 * a transient failure within the budget, or fail with a typed `ZendeskError`.
 *
 * Logs carry route templates, statuses and codes only: never a path (ids, emails in search
 * queries), a body, a header or an error message (Zendesk echoes emails in them).
 */
import pLimit, { type LimitFunction } from 'p-limit';
import type { ZendeskErrorInfo } from './api.js';
import type { Authenticator } from './auth.js';
import { finalError, parseErrorBody } from './error-map.js';
import { ZendeskError } from './errors.js';
import { TransportError, type HttpAnswer, type Transport } from './http.js';
import {
  parseBucketHeader,
  parseRetryAfter,
  type Gate429,
  type Limits,
  type LimitedRequest,
  type RateHeaders,
  type Wait,
} from './limits.js';
import { backoffMs, RetryBudget, transientReason, type BackoffOptions, type Failure } from './retry.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface CallSpec {
  method: Method;
  /** Path under the base URL, e.g. `/api/v2/users/123`. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Route template for hooks and logs, e.g. `users/{id}`; never holds an id or email. */
  endpoint: string;
  /** create_or_update / PUT users: the user written, for the per-user limit. */
  upsertKey?: string;
  /** A bulk endpoint: 403 means bulk imports are off. */
  bulk?: boolean;
  /** Creates a job: waits behind TooManyJobs. */
  createsJob?: boolean;
  /**
   * Called on a TooManyJobs answer, after its Retry-After gate is set and before the create is sent
   * again; the retry waits for it (the job semaphore gives its permit back and takes one again).
   */
  onTooManyJobs?: (headers: Record<string, string>) => Promise<void> | void;
  /** false for the OAuth token request itself. */
  auth?: boolean;
  /** The Events API: paced on its own per-minute budget, its 429s stop only Events API calls. */
  eventsApi?: boolean;
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface ClientHooks {
  onRequest?(r: { endpoint: string; method: string; status: number | 'error'; durationMs: number }): void;
  /** Called as a request leaves (before its answer), e.g. for an in-flight gauge. */
  onRequestStart?(r: { endpoint: string; method: string }): void;
  onRetry?(r: { endpoint: string; reason: string }): void;
  onRateLimitWait?(r: { scope: string; ms: number }): void;
}

export interface ClientLogger {
  debug(message: string, meta?: object): void;
  info(message: string, meta?: object): void;
  warn(message: string, meta?: object): void;
  error(message: string, meta?: object): void;
}

export interface RequesterOptions {
  baseUrl: string;
  transport: Transport;
  auth: Authenticator;
  limits: Limits;
  concurrency: number;
  requestTimeoutMs: number;
  maxRetryTimeMs: number;
  backoff: BackoffOptions;
  timeScale: number;
  hooks: ClientHooks;
  logger: ClientLogger;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  userAgent: string;
}

type Attempt =
  | { kind: 'answer'; answer: HttpAnswer; sentAt: number }
  | { kind: 'error'; error: TransportError; sentAt: number };

export class Requester {
  private readonly slots: LimitFunction;
  private closed = false;

  constructor(private readonly o: RequesterOptions) {
    this.slots = pLimit(o.concurrency);
  }

  close(): void {
    this.closed = true;
  }

  async call(spec: CallSpec): Promise<Answer> {
    // The retry budget starts at the first transient failure: waiting for limits before it is
    // not retrying, while everything after it (backoffs, limit waits of the retries) is.
    let budget: RetryBudget | undefined;
    let retries = 0;
    let attempts = 0;
    let refreshed = false;
    for (;;) {
      this.assertOpen(spec, attempts);
      const authHeader = spec.auth === false ? undefined : await this.o.auth.header();
      const result = await this.attempt(spec, authHeader);
      attempts++;
      if (result.kind === 'answer' && result.answer.status < 300) return toAnswer(result.answer);

      const failure: Failure =
        result.kind === 'answer'
          ? { kind: 'status', status: result.answer.status }
          : { kind: result.error.kind };
      let info: ZendeskErrorInfo | undefined;
      let json: boolean | undefined;
      if (result.kind === 'answer') {
        const { status, text } = result.answer;
        const body = parseJson(result.answer);
        json = body !== undefined;
        info = parseErrorBody(status, body, text);
        if (status === 429 || info.code === 'TooManyJobs') {
          // A 429 is not an error: its wait does not count against the retry budget.
          const waitMs = this.on429(spec, result.answer, info);
          budget?.extend(waitMs);
          if (info.code === 'TooManyJobs' && spec.onTooManyJobs) {
            const from = this.o.now();
            await spec.onTooManyJobs(result.answer.headers);
            budget?.extend(this.o.now() - from);
          }
          this.hook('onRetry', {
            endpoint: spec.endpoint,
            reason: info.code === 'TooManyJobs' ? 'too_many_jobs' : '429',
          });
          continue;
        }
        if (status === 401 && this.o.auth.refreshable && !refreshed && authHeader) {
          // One fresh token per call: the cached one may have expired or been revoked and reissued.
          refreshed = true;
          this.o.auth.invalidate(authHeader);
          this.hook('onRetry', { endpoint: spec.endpoint, reason: 'auth_refresh' });
          this.o.logger.info('zendesk answered 401, fetching a new OAuth token', { endpoint: spec.endpoint });
          continue;
        }
      }
      const reason = transientReason(failure);
      if (reason) {
        const delay = backoffMs(retries, this.o.backoff, this.o.random);
        budget ??= new RetryBudget(this.o.now(), this.o.maxRetryTimeMs);
        if (budget.allows(this.o.now(), delay)) {
          retries++;
          this.hook('onRetry', { endpoint: spec.endpoint, reason });
          this.o.logger.debug('zendesk call failed, retrying', {
            endpoint: spec.endpoint,
            method: spec.method,
            reason,
            status: failure.kind === 'status' ? failure.status : undefined,
            attempt: attempts,
            delayMs: delay,
          });
          await this.o.sleep(delay);
          continue;
        }
      }
      const err = finalError(failure, info, {
        endpoint: spec.endpoint,
        attempts,
        bulk: spec.bulk,
        ...(json !== undefined ? { json } : {}),
        cause: result.kind === 'error' ? result.error : undefined,
      });
      const meta = {
        endpoint: spec.endpoint,
        method: spec.method,
        status: err.status,
        code: err.code,
        attempts,
      };
      if (err.action === 'outage') this.o.logger.warn('zendesk call failed: outage', meta);
      else this.o.logger.debug('zendesk call rejected', meta);
      throw err;
    }
  }

  private assertOpen(spec: CallSpec, attempts: number): void {
    if (this.closed)
      throw new ZendeskError('outage', 'The Zendesk client is closed', {
        endpoint: spec.endpoint,
        code: 'ClientClosed',
        attempts,
      });
  }

  /** One HTTP attempt, after every limit let it through. */
  private async attempt(spec: CallSpec, authHeader: string | undefined): Promise<Attempt> {
    const req: LimitedRequest = {
      upsertKey: spec.upsertKey,
      createsJob: spec.createsJob,
      eventsApi: spec.eventsApi,
    };
    for (;;) {
      const wait = this.o.limits.check(req, this.o.now());
      if (wait) {
        await this.waitFor(wait, spec);
        continue;
      }
      const r = await this.slots(() => this.sendAdmitted(spec, authHeader, req));
      if (r.kind === 'again') {
        // Someone took the slot between our check and our turn: wait outside the concurrency slot.
        await this.waitFor(r.wait, spec);
        continue;
      }
      return r;
    }
  }

  private async sendAdmitted(
    spec: CallSpec,
    authHeader: string | undefined,
    req: LimitedRequest,
  ): Promise<Attempt | { kind: 'again'; wait: Wait }> {
    const sentAt = this.o.now();
    const wait = this.o.limits.admit(req, sentAt);
    if (wait) return { kind: 'again', wait };
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.o.userAgent };
    if (authHeader) headers.authorization = authHeader;
    let body: string | undefined;
    if (spec.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.body);
    }
    this.hook('onRequestStart', { endpoint: spec.endpoint, method: spec.method });
    try {
      const answer = await this.o.transport.send({
        method: spec.method,
        url: this.url(spec),
        headers,
        body,
        timeoutMs: this.o.requestTimeoutMs,
      });
      const now = this.o.now();
      this.hook('onRequest', {
        endpoint: spec.endpoint,
        method: spec.method,
        status: answer.status,
        durationMs: now - sentAt,
      });
      this.o.limits.observe(rateHeaders(answer, req), sentAt, now, req);
      return { kind: 'answer', answer, sentAt };
    } catch (e) {
      if (!(e instanceof TransportError)) throw e;
      this.hook('onRequest', {
        endpoint: spec.endpoint,
        method: spec.method,
        status: 'error',
        durationMs: this.o.now() - sentAt,
      });
      return { kind: 'error', error: e, sentAt };
    }
  }

  /**
   * Closes the gate the 429 belongs to for exactly Retry-After, for every caller in that scope at
   * once. Returns the wait, which the retry budget does not count.
   */
  private on429(spec: CallSpec, answer: HttpAnswer, info: ZendeskErrorInfo): number {
    const now = this.o.now();
    const ms = parseRetryAfter(answer.headers['retry-after'], now) ?? Math.ceil(1000 / this.o.timeScale);
    const gate = this.gateOf(spec, answer, info);
    if (this.o.limits.block(gate, ms, now))
      this.o.logger.warn('zendesk rate limit hit, every caller in scope waits Retry-After', {
        endpoint: spec.endpoint,
        scope: gate.scope,
        retryAfterMs: ms,
      });
    return ms;
  }

  /**
   * Which callers a 429 stops. TooManyJobs stops job creation; a user-upsert 429 stops upserts,
   * account-wide when its bucket is the per-second one, else just that user; anything else stops
   * everyone (the account budget).
   */
  private gateOf(spec: CallSpec, answer: HttpAnswer, info: ZendeskErrorInfo): Gate429 {
    if (info.code === 'TooManyJobs') return { scope: 'jobs' };
    if (spec.eventsApi) return { scope: 'events' };
    const bucketHeader = answer.headers['zendesk-ratelimit-create-update-user'];
    const upsertText = /single unique user/i.test(answer.text);
    if (spec.upsertKey !== undefined && (bucketHeader !== undefined || upsertText)) {
      const bucket = parseBucketHeader(bucketHeader);
      if (bucket.total !== undefined && bucket.total <= this.o.limits.upsertPerSecond)
        return { scope: 'user_upsert' };
      return { scope: 'user', key: spec.upsertKey };
    }
    return { scope: 'account' };
  }

  private async waitFor(wait: Wait, spec: CallSpec): Promise<void> {
    this.hook('onRateLimitWait', { scope: wait.scope, ms: wait.ms });
    await this.o.sleep(wait.ms);
    this.assertOpen(spec, 0);
  }

  private url(spec: CallSpec): string {
    const q =
      spec.query && Object.keys(spec.query).length > 0
        ? `?${new URLSearchParams(spec.query).toString()}`
        : '';
    return `${this.o.baseUrl}${spec.path}${q}`;
  }

  /** Metrics must never break a call. */
  private hook<K extends keyof ClientHooks>(name: K, arg: Parameters<NonNullable<ClientHooks[K]>>[0]): void {
    try {
      (this.o.hooks[name] as ((a: typeof arg) => void) | undefined)?.(arg);
    } catch {
      // ignored on purpose
    }
  }
}

/**
 * The rate headers that describe the budget this request was booked in. Every answer carries the
 * account's `X-Rate-Limit`; an Events API answer's own budget is its bucket header
 * `zendesk-ratelimit-events: total=…; remaining=…; resets=…` (the account's numbers on it are only
 * read, not spent by it, so they are not taken as the Events API's).
 */
function rateHeaders(answer: HttpAnswer, req: LimitedRequest): RateHeaders {
  if (req.eventsApi) {
    const b = parseBucketHeader(answer.headers[EVENTS_BUCKET_HEADER]);
    return {
      ...(b.total !== undefined ? { limit: b.total } : {}),
      ...(b.remaining !== undefined ? { remaining: b.remaining } : {}),
      ...(b.resets !== undefined ? { resetMs: b.resets * 1000 } : {}),
    };
  }
  return {
    limit: num(answer.headers['x-rate-limit']),
    remaining: num(answer.headers['x-rate-limit-remaining']),
    resetMs: seconds(answer.headers['ratelimit-reset']),
  };
}

const EVENTS_BUCKET_HEADER = 'zendesk-ratelimit-events';

const num = (v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};

const seconds = (v: string | undefined): number | undefined => {
  const n = num(v);
  return n === undefined ? undefined : n * 1000;
};

function parseJson(a: HttpAnswer): unknown {
  const t = a.text.trim();
  if (t === '') return undefined;
  const ct = a.headers['content-type'] ?? '';
  if (!ct.includes('json') && !t.startsWith('{') && !t.startsWith('[')) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

function toAnswer(a: HttpAnswer): Answer {
  return { status: a.status, headers: a.headers, body: parseJson(a) };
}
