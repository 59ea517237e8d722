/**
 * Zendesk's rate limits, seen from the client. Pure: every method takes `now`, nothing sleeps, so
 * the rules are unit-tested with a number for a clock. The requester asks `check` (how long to
 * wait, without booking) and then `admit` (book the slot at the moment of sending, synchronously
 * before the request leaves), so a request delayed in the concurrency queue is booked when it
 * really goes out, not when it was planned.
 */

export { Semaphore } from './semaphore.js';
export { parseBucketHeader, parseRetryAfter } from './rate-headers.js';

/** A wait the caller must sit out before sending, labelled for the `onRateLimitWait` hook. */
export interface Wait {
  scope: LimitScope;
  ms: number;
}

export type LimitScope = 'account' | 'events' | 'user_upsert' | 'user_upsert_user' | 'retry_after';

/**
 * "At most `limit` sends in any `windowMs`": a sliding log. It is stricter than Zendesk's own
 * window (whatever its alignment), which is what lets a burst run without a single 429.
 * Entries are either our own sends or phantoms (budget someone else used, learnt from
 * X-Rate-Limit-Remaining).
 */
export class SlidingWindow {
  private times: number[] = [];
  private own: boolean[] = [];

  constructor(
    public limit: number,
    public windowMs: number,
  ) {}

  private prune(now: number): void {
    let drop = 0;
    while (drop < this.times.length && (this.times[drop] as number) <= now - this.windowMs) drop++;
    if (drop > 0) {
      this.times.splice(0, drop);
      this.own.splice(0, drop);
    }
  }

  /** Milliseconds until one more send fits; 0 when it fits now. */
  delay(now: number): number {
    this.prune(now);
    if (this.times.length < this.limit) return 0;
    const oldest = this.times[this.times.length - this.limit] as number;
    return Math.max(0, oldest + this.windowMs - now);
  }

  record(now: number): void {
    this.insert(now, true);
  }

  /** Entries in (from, to], own or phantom. */
  count(from: number, to: number, own: boolean): number {
    let n = 0;
    for (let i = 0; i < this.times.length; i++) {
      const t = this.times[i] as number;
      if (t > from && t <= to && this.own[i] === own) n++;
    }
    return n;
  }

  addPhantoms(at: number, n: number): void {
    for (let i = 0; i < n; i++) this.insert(at, false);
  }

  size(now: number): number {
    this.prune(now);
    return this.times.length;
  }

  private insert(t: number, own: boolean): void {
    let i = this.times.length;
    while (i > 0 && (this.times[i - 1] as number) > t) i--;
    this.times.splice(i, 0, t);
    this.own.splice(i, 0, own);
  }
}

/**
 * A window is widened by this much, because Zendesk counts a request when it arrives and we book
 * it when it leaves: the gap varies by a few milliseconds, which matters when a sandbox scales a
 * minute down to 100 ms. At real speed it costs at most one second a minute.
 */
export const windowMargin = (windowMs: number): number => Math.min(windowMs * 0.1, 1000);

export interface RateHeaders {
  /** X-Rate-Limit */
  limit?: number;
  /** X-Rate-Limit-Remaining */
  remaining?: number;
  /** `ratelimit-reset` (seconds, sent by the Support/ticketing APIs), in milliseconds. */
  resetMs?: number;
}

/**
 * The account budget (requests per minute). Starts from a configured guess; the first answer with
 * `X-Rate-Limit` gives the real limit, and `X-Rate-Limit-Remaining` tells what other clients of
 * the same account have spent (booked here as phantoms, so we leave them their share).
 */
export class AccountBudget {
  readonly window: SlidingWindow;
  private learnt = false;
  /** Zendesk's own count from the newest answer that also said when its window resets. */
  private server: { bookedAt: number; remaining: number; resetAt: number } | undefined;
  /** Our bookings since that answer's request (kept apart: the sliding window may drop them first). */
  private bookings: number[] = [];
  private readonly baseWindowMs: number;

  constructor(defaultPerMinute: number, timeScale: number) {
    this.baseWindowMs = 60_000 / timeScale;
    this.window = new SlidingWindow(defaultPerMinute, this.baseWindowMs + windowMargin(this.baseWindowMs));
  }

  get limit(): number {
    return this.window.limit;
  }

  /**
   * Whether the requests booked over the last `spanMs` (ours and others') stay under the budget's
   * pace for that span (limit ÷ window): spending more now would borrow from the rest of the window.
   */
  underPace(now: number, spanMs: number): boolean {
    const booked = this.window.count(now - spanMs, now, true) + this.window.count(now - spanMs, now, false);
    return booked < (this.window.limit * spanMs) / this.baseWindowMs;
  }

  /**
   * Whether requests are scarce: what Zendesk last said is left of its window, less what we sent
   * since, would not last until the window resets at the budget's pace (limit ÷ window). Zendesk's
   * count includes other clients of the account. Without a count from Zendesk (or once its window
   * has reset): whether the last `spanMs` spent at the pace or more.
   */
  scarce(now: number, spanMs: number): boolean {
    const s = this.server;
    if (!s || now >= s.resetAt) return !this.underPace(now, spanMs);
    const since = this.sentSince(s.bookedAt);
    const left = s.remaining - Math.max(0, since);
    return left < (this.window.limit * (s.resetAt - now)) / this.baseWindowMs;
  }

  /** Whether an answer has told the real limit yet. */
  get known(): boolean {
    return this.learnt;
  }

  /**
   * The longer of two waits: our sliding window, and Zendesk's own count. The second one is what
   * keeps a burst free of 429s when the gap between booking and arrival varies by more than the
   * window margin (a time-scaled sandbox on a busy machine): once Zendesk said only R are left,
   * and we have sent R since, nothing goes before its window resets.
   */
  delay(now: number): number {
    const local = this.window.delay(now);
    const s = this.server;
    if (!s) return local;
    if (now >= s.resetAt) {
      this.server = undefined;
      return local;
    }
    // Sent since the request that answer belongs to (booked at or after it, but not it).
    const since = this.sentSince(s.bookedAt);
    return s.remaining - since <= 0 ? Math.max(local, s.resetAt - now) : local;
  }

  /** Requests we booked after the one booked at `bookedAt` (which is not counted). */
  private sentSince(bookedAt: number): number {
    return this.bookings.filter((t) => t >= bookedAt).length - 1;
  }

  record(now: number): void {
    this.window.record(now);
    this.bookings.push(now);
    // Keep what the server state may still need, and never more than a window's worth otherwise.
    const horizon = this.server ? this.server.bookedAt : now - this.window.windowMs;
    let drop = 0;
    while (drop < this.bookings.length && (this.bookings[drop] as number) < horizon) drop++;
    if (drop > 0) this.bookings.splice(0, drop);
  }

  /**
   * Learn from one answer. `sentAt` is when that request was booked; `now` when its answer came.
   * Zendesk's count (limit − remaining) covers at most the requests that arrived before this one,
   * all of them sent before `now`; whatever it counts beyond our own sends (and phantoms already
   * booked) in that span was spent by someone else.
   */
  observe(h: RateHeaders, sentAt: number, now: number): void {
    if (h.limit !== undefined && Number.isFinite(h.limit) && h.limit > 0) {
      this.window.limit = Math.floor(h.limit);
      this.learnt = true;
    }
    if (h.remaining === undefined || !Number.isFinite(h.remaining)) return;
    // The answer to the most recently sent request knows best (answers may come out of order).
    if (
      h.resetMs !== undefined &&
      Number.isFinite(h.resetMs) &&
      (!this.server || sentAt >= this.server.bookedAt)
    )
      this.server = { bookedAt: sentAt, remaining: h.remaining, resetAt: now + h.resetMs };
    const used = this.window.limit - h.remaining;
    const from = sentAt - this.window.windowMs;
    const ours = this.window.count(from, now, true);
    const phantoms = this.window.count(from, now, false);
    const external = used - ours - phantoms;
    if (external > 0) this.window.addPhantoms(sentAt, external);
  }
}

/** One sliding window per key (a user), forgetting idle keys so a long run does not grow a map forever. */
export class KeyedWindows {
  private windows = new Map<string, SlidingWindow>();
  private ops = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  delay(key: string, now: number): number {
    return this.windows.get(key)?.delay(now) ?? 0;
  }

  record(key: string, now: number): void {
    let w = this.windows.get(key);
    if (!w) {
      w = new SlidingWindow(this.limit, this.windowMs);
      this.windows.set(key, w);
    }
    w.record(now);
    if (++this.ops % 1000 === 0) this.sweep(now);
  }

  sweep(now: number): void {
    for (const [k, w] of this.windows) if (w.size(now) === 0) this.windows.delete(k);
  }

  get keys(): number {
    return this.windows.size;
  }
}

/** "Nobody in this scope sends before T": the shared answer to a 429. */
export class Gates {
  private until = new Map<string, number>();

  /** Returns true when this extended the gate (the first 429 of a wave, worth one log line). */
  block(scope: string, until: number): boolean {
    const current = this.until.get(scope) ?? 0;
    if (until <= current) return false;
    this.until.set(scope, until);
    return true;
  }

  delay(scope: string, now: number): number {
    const u = this.until.get(scope);
    if (u === undefined) return 0;
    if (u <= now) {
      this.until.delete(scope);
      return 0;
    }
    return u - now;
  }
}

export interface LimitsOptions {
  accountPerMinute: number;
  /** The Events API's own budget (Profiles/Events API: 250-1000 rpm by plan), assumed until learnt. */
  eventsPerMinute?: number;
  userUpsertPerSecond: number;
  userUpsertPerUserPerMinute: number;
  /** Divides every window, to match a time-scaled sandbox. */
  timeScale: number;
}

/** What a request is, as far as limits go. */
export interface LimitedRequest {
  /** Set for create_or_update and PUT users/{id}: the user it writes (external id, email or id). */
  upsertKey?: string;
  /** Creates a bulk job: waits behind a TooManyJobs answer. */
  createsJob?: boolean;
  /** An Events API call: its own budget and 429 gate, instead of the account's. */
  eventsApi?: boolean;
}

/** Gate scopes: everyone, user upserts, one user. */
const ACCOUNT_GATE = 'account';
const UPSERT_GATE = 'user_upsert';
const JOBS_GATE = 'jobs';
const EVENTS_GATE = 'events';
const userGate = (key: string) => `user:${key}`;

export type Gate429 =
  | { scope: 'account' }
  | { scope: 'user_upsert' }
  | { scope: 'user'; key: string }
  | { scope: 'jobs' }
  | { scope: 'events' };

/**
 * Every limit a request must pass, together. Events API calls are paced on their own budget
 * (Zendesk gives the Profiles/Events API its own per-minute limit) and learn it from the
 * `zendesk-ratelimit-events` bucket header of Events API answers; every other call books the
 * account budget and teaches it with X-Rate-Limit.
 */
export class Limits {
  readonly account: AccountBudget;
  readonly events: AccountBudget;
  private readonly upsertAccount: SlidingWindow;
  private readonly upsertUser: KeyedWindows;
  private readonly gates = new Gates();

  constructor(private readonly opts: LimitsOptions) {
    this.account = new AccountBudget(opts.accountPerMinute, opts.timeScale);
    this.events = new AccountBudget(opts.eventsPerMinute ?? 250, opts.timeScale);
    const second = 1000 / opts.timeScale;
    const minute = 60_000 / opts.timeScale;
    this.upsertAccount = new SlidingWindow(opts.userUpsertPerSecond, second + windowMargin(second));
    this.upsertUser = new KeyedWindows(opts.userUpsertPerUserPerMinute, minute + windowMargin(minute));
  }

  /** The longest wait standing between this request and sending it; null when it may go now. */
  check(req: LimitedRequest, now: number): Wait | null {
    const waits: Wait[] = req.eventsApi
      ? [
          { scope: 'retry_after', ms: this.gates.delay(EVENTS_GATE, now) },
          { scope: 'events', ms: this.events.delay(now) },
        ]
      : [
          { scope: 'retry_after', ms: this.gates.delay(ACCOUNT_GATE, now) },
          { scope: 'account', ms: this.account.delay(now) },
        ];
    if (req.upsertKey !== undefined) {
      waits.push(
        { scope: 'retry_after', ms: this.gates.delay(UPSERT_GATE, now) },
        { scope: 'retry_after', ms: this.gates.delay(userGate(req.upsertKey), now) },
        { scope: 'user_upsert', ms: this.upsertAccount.delay(now) },
        { scope: 'user_upsert_user', ms: this.upsertUser.delay(req.upsertKey, now) },
      );
    }
    if (req.createsJob) waits.push({ scope: 'retry_after', ms: this.gates.delay(JOBS_GATE, now) });
    let worst: Wait | null = null;
    for (const w of waits) if (w.ms > 0 && (!worst || w.ms > worst.ms)) worst = w;
    return worst;
  }

  /** Books the request's slots if it may go now (then returns null), else says how long to wait. */
  admit(req: LimitedRequest, now: number): Wait | null {
    const wait = this.check(req, now);
    if (wait) return wait;
    if (req.eventsApi) this.events.record(now);
    else this.account.record(now);
    if (req.upsertKey !== undefined) {
      this.upsertAccount.record(now);
      this.upsertUser.record(req.upsertKey, now);
    }
    return null;
  }

  /** Rate headers of an answer teach the budget the request was booked in. */
  observe(h: RateHeaders, sentAt: number, now: number, req: LimitedRequest = {}): void {
    (req.eventsApi ? this.events : this.account).observe(h, sentAt, now);
  }

  /** A 429: nobody in the scope sends again before `now + ms`. True when the gate moved. */
  block(gate: Gate429, ms: number, now: number): boolean {
    const name =
      gate.scope === 'user'
        ? userGate(gate.key)
        : gate.scope === 'account'
          ? ACCOUNT_GATE
          : gate.scope === 'jobs'
            ? JOBS_GATE
            : gate.scope === 'events'
              ? EVENTS_GATE
              : UPSERT_GATE;
    return this.gates.block(name, now + ms);
  }

  get upsertPerSecond(): number {
    return this.opts.userUpsertPerSecond;
  }
}
