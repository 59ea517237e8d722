import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AccountBudget,
  KeyedWindows,
  Limits,
  SlidingWindow,
  parseBucketHeader,
  parseRetryAfter,
  windowMargin,
} from '../../../src/zendesk/limits.js';

describe('SlidingWindow', () => {
  it('lets `limit` sends through, then waits for the oldest to leave the window', () => {
    const w = new SlidingWindow(3, 1000);
    for (const t of [0, 10, 20]) {
      expect(w.delay(t)).toBe(0);
      w.record(t);
    }
    expect(w.delay(30)).toBe(970); // the send at 0 leaves at 1000
    expect(w.delay(1000)).toBe(0);
    w.record(1000);
    expect(w.delay(1000)).toBe(10); // now the send at 10 is the oldest of three
  });

  it('never admits more than `limit` sends in any window (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 10, max: 500 }),
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 200 }),
        (limit, windowMs, gaps) => {
          const w = new SlidingWindow(limit, windowMs);
          const sent: number[] = [];
          let t = 0;
          for (const g of gaps) {
            t += g;
            const d = w.delay(t);
            const at = t + d;
            expect(w.delay(at)).toBe(0);
            w.record(at);
            sent.push(at);
            t = at;
          }
          for (const s of sent)
            expect(sent.filter((x) => x >= s && x < s + windowMs).length).toBeLessThanOrEqual(limit);
        },
      ),
    );
  });
});

describe('AccountBudget', () => {
  it('uses the configured default until an answer tells the real limit', () => {
    const b = new AccountBudget(200, 1);
    expect(b.limit).toBe(200);
    expect(b.known).toBe(false);
    b.record(0);
    b.observe({ limit: 100, remaining: 99 }, 0, 5);
    expect(b.limit).toBe(100);
    expect(b.known).toBe(true);
  });

  it('the window is a minute divided by timeScale, plus a safety margin', () => {
    const b = new AccountBudget(2, 600);
    b.record(0);
    b.record(1);
    expect(b.delay(2)).toBe(100 + windowMargin(100) - 2);
  });

  it('books budget spent by someone else (X-Rate-Limit-Remaining lower than our own count)', () => {
    const b = new AccountBudget(10, 1);
    b.record(0);
    // Zendesk says 8 of 10 are used after our first request: 7 were someone else's.
    b.observe({ limit: 10, remaining: 2 }, 0, 5);
    b.record(6);
    b.record(7);
    expect(b.delay(8)).toBeGreaterThan(0);
    // The same answer seen again does not book the phantoms twice.
    const before = b.window.size(8);
    b.observe({ limit: 10, remaining: 2 }, 0, 9);
    expect(b.window.size(9)).toBe(before);
  });

  it("obeys Zendesk's own count when its window lags ours (arrival skew): wait for ratelimit-reset", () => {
    const b = new AccountBudget(10, 600); // 10 per 100 ms (+ margin)
    for (let i = 0; i < 10; i++) b.record(0);
    // Zendesk's window began later than our bookings: at 112 it still counts all ten, for 30 ms more.
    b.observe({ limit: 10, remaining: 0, resetMs: 30 }, 0, 112);
    expect(b.window.delay(115)).toBe(0); // our own window alone would send now, and meet a 429
    expect(b.delay(115)).toBe(27);
    expect(b.delay(142)).toBe(0);
  });

  it('counts what we sent after the answer against the remaining; a late older answer changes nothing', () => {
    const b = new AccountBudget(10, 600);
    b.record(0);
    b.observe({ limit: 10, remaining: 9, resetMs: 200 }, 0, 2);
    b.record(120 - 110); // at 10
    for (let i = 0; i < 8; i++) b.record(11);
    expect(b.window.delay(12)).toBe(98);
    expect(b.delay(12)).toBe(190); // 9 sent since the answer: wait for its reset at 2 + 200
    b.observe({ limit: 10, remaining: 9, resetMs: 5 }, -5, 13); // answer to an older request
    expect(b.delay(13)).toBe(189);
  });

  it("requests are scarce when what Zendesk says is left cannot last to its reset at the pace (others' requests included)", () => {
    const b = new AccountBudget(700, 1); // 700 a minute: 11.67 a second
    expect(b.scarce(0, 5000)).toBe(false); // nothing known, nothing sent
    b.record(0);
    // 30 s before the reset, 400 left: 13.3 a second would do; at the pace 350 are needed.
    b.observe({ limit: 700, remaining: 400, resetMs: 30_000 }, 0, 100);
    expect(b.scarce(100, 5000)).toBe(false);
    // Another client spent 150 meanwhile: 250 left for the same 30 s.
    b.record(200);
    b.observe({ limit: 700, remaining: 250, resetMs: 29_800 }, 200, 300);
    expect(b.scarce(300, 5000)).toBe(true);
    // Later in the window, the same 250 last: 20 s at the pace needs 233.
    expect(b.scarce(10_300, 5000)).toBe(false);
    // What we send after the answer counts against it.
    for (let i = 0; i < 30; i++) b.record(10_400);
    expect(b.scarce(10_400, 5000)).toBe(true);
    // Once its window has reset, the last 5 s of our own sends decide (none; at the pace 58).
    expect(b.scarce(40_000, 5000)).toBe(false);
  });

  it('does not invent phantoms when Zendesk counts less than we sent (its window reset)', () => {
    const b = new AccountBudget(10, 1);
    for (let i = 0; i < 5; i++) b.record(i);
    b.observe({ limit: 10, remaining: 9 }, 4, 10);
    expect(b.window.size(10)).toBe(5);
  });
});

describe('per-user upsert windows', () => {
  it('keys are independent and idle keys are forgotten', () => {
    const k = new KeyedWindows(2, 100);
    k.record('a', 0);
    k.record('a', 1);
    expect(k.delay('a', 2)).toBe(98);
    expect(k.delay('b', 2)).toBe(0);
    k.sweep(500);
    expect(k.keys).toBe(0);
  });
});

describe('Limits', () => {
  const limits = () =>
    new Limits({
      accountPerMinute: 1000,
      userUpsertPerSecond: 1,
      userUpsertPerUserPerMinute: 5,
      timeScale: 1,
    });

  it('user upserts: one per second for the account', () => {
    const l = limits();
    expect(l.admit({ upsertKey: 'ext:a' }, 0)).toBeNull();
    const w = l.admit({ upsertKey: 'ext:b' }, 10);
    expect(w?.scope).toBe('user_upsert');
    expect(w?.ms).toBe(1000 + windowMargin(1000) - 10);
    // Other calls are not held back by the upsert limit.
    expect(l.admit({}, 10)).toBeNull();
  });

  it('user upserts: five per minute for one user', () => {
    const l = limits();
    let t = 0;
    for (let i = 0; i < 5; i++) {
      expect(l.admit({ upsertKey: 'ext:a' }, t)).toBeNull();
      t += 1200;
    }
    const w = l.check({ upsertKey: 'ext:a' }, t);
    expect(w?.scope).toBe('user_upsert_user');
    expect(l.check({ upsertKey: 'ext:b' }, t)).toBeNull();
  });

  it('check does not book; admit books', () => {
    const l = new Limits({
      accountPerMinute: 1,
      userUpsertPerSecond: 1,
      userUpsertPerUserPerMinute: 5,
      timeScale: 1,
    });
    expect(l.check({}, 0)).toBeNull();
    expect(l.check({}, 0)).toBeNull();
    expect(l.admit({}, 0)).toBeNull();
    expect(l.admit({}, 0)?.scope).toBe('account');
  });

  it('a 429 gate holds everyone for exactly its time; scoped gates hold only their scope', () => {
    const l = limits();
    expect(l.block({ scope: 'account' }, 1500, 0)).toBe(true);
    expect(l.block({ scope: 'account' }, 500, 0)).toBe(false); // does not shorten it
    expect(l.check({}, 0)).toEqual({ scope: 'retry_after', ms: 1500 });
    expect(l.check({}, 1499)).toEqual({ scope: 'retry_after', ms: 1 });
    expect(l.check({}, 1500)).toBeNull();

    l.block({ scope: 'user', key: 'ext:a' }, 3000, 2000);
    expect(l.check({ upsertKey: 'ext:a' }, 2000)).toEqual({ scope: 'retry_after', ms: 3000 });
    expect(l.check({ upsertKey: 'ext:b' }, 2000)).toBeNull();
    expect(l.check({}, 2000)).toBeNull();

    l.block({ scope: 'jobs' }, 100, 2000);
    expect(l.check({ createsJob: true }, 2000)?.ms).toBe(100);
    expect(l.check({}, 2000)).toBeNull();
  });
});

describe('header parsing', () => {
  it('Retry-After: seconds, decimal seconds (time-scaled sandbox), HTTP date, garbage', () => {
    expect(parseRetryAfter('2', 0)).toBe(2000);
    expect(parseRetryAfter('0.05', 0)).toBe(50);
    expect(parseRetryAfter(' 1.5 ', 0)).toBe(1500);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3000);
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });

  it('Zendesk-RateLimit-* buckets', () => {
    expect(parseBucketHeader('total=5; remaining=0; resets=12.5')).toEqual({
      total: 5,
      remaining: 0,
      resets: 12.5,
    });
    expect(parseBucketHeader(undefined)).toEqual({});
  });
});
