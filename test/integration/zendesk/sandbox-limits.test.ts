/**
 * The client against the sandbox over HTTP with its rate limits on, time-scaled so a minute of
 * Zendesk budget passes in a fraction of a second. Measured at both ends: the sandbox's request
 * log (what Zendesk would have seen) and the client's hooks (what was in flight).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { ZendeskClient, type ZendeskClientOptions } from '../../../src/zendesk/client.js';

let sb: Sandbox;
const clients: ZendeskClient[] = [];

beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sb.close();
});

function client(over: Partial<ZendeskClientOptions> = {}) {
  const c = new ZendeskClient({ baseUrl: sb.url, auth: { kind: 'bearer', token: 'sandbox-token' }, ...over });
  clients.push(c);
  return c;
}

function fresh(config: Parameters<Sandbox['configure']>[0]) {
  sb.reset();
  sb.configure({
    limits: {
      accountPerMinute: null,
      userUpsertPerSecond: null,
      userUpsertPerUserPerMinute: null,
      maxJobs: null,
      timeScale: 1,
    },
    jobDurationMs: 0,
  });
  sb.configure(config);
}

async function seedUser(): Promise<number> {
  const c = client({ accountRatePerMinute: 100_000 });
  const { user } = await c.createOrUpdateUser({ name: 'Burst Target', external_id: 'burst-1' });
  sb.clearRequests();
  return user.id;
}

describe('account budget', () => {
  it('2,000 calls under 100/min (timeScale 600): zero 429s, never more than 8 in flight', async () => {
    fresh({});
    const id = await seedUser();
    sb.configure({ limits: { accountPerMinute: 100, timeScale: 600 } });
    let inFlight = 0;
    let maxInFlight = 0;
    const c = client({
      concurrency: 8,
      accountRatePerMinute: 100,
      timeScale: 600,
      hooks: {
        onRequestStart: () => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
        },
        onRequest: () => {
          inFlight--;
        },
      },
    });
    const started = Date.now();
    const users = await Promise.all(Array.from({ length: 2000 }, () => c.showUser(id)));
    const took = Date.now() - started;
    expect(users.every((u) => u?.id === id)).toBe(true);
    const log = sb.requests();
    expect(log).toHaveLength(2000);
    expect(log.filter((r) => r.status === 429)).toHaveLength(0);
    expect(maxInFlight).toBeLessThanOrEqual(8);
    expect(maxInFlight).toBeGreaterThan(1);
    // 2,000 at 100 per 100 ms cannot take less than 1.9 s; the margin should cost little more.
    expect(took).toBeGreaterThanOrEqual(1900);
    console.log(`burst: 2000 calls in ${took} ms, max in flight ${maxInFlight}`);
  }, 30_000);

  it('a client that guessed too high: 429s only before the first answer, none after', async () => {
    fresh({});
    const id = await seedUser();
    sb.configure({ limits: { accountPerMinute: 100, timeScale: 600 } });
    const c = client({ concurrency: 8, accountRatePerMinute: 100_000, timeScale: 600 });
    await Promise.all(Array.from({ length: 500 }, () => c.showUser(id)));
    const log = sb.requests();
    const late429 = log.slice(8).filter((r) => r.status === 429);
    expect(late429).toHaveLength(0);
  }, 30_000);

  it('a 429 with Retry-After N delays every caller by N', async () => {
    fresh({});
    const id = await seedUser();
    // Window of 2 s (5/min at timeScale 30); the client believes in 1,000/min until told.
    sb.configure({ limits: { accountPerMinute: 5, timeScale: 30 } });
    const warnings: { message: string; meta?: object }[] = [];
    const waits: { scope: string; ms: number }[] = [];
    const c = client({
      concurrency: 10,
      accountRatePerMinute: 1000,
      timeScale: 30,
      logger: {
        debug() {},
        info() {},
        error() {},
        warn: (message, meta) => warnings.push({ message, meta }),
      },
      hooks: { onRateLimitWait: (w) => waits.push(w) },
    });
    const first = Promise.all(Array.from({ length: 10 }, () => c.showUser(id)));
    // A second wave starts while the gate is closed.
    await new Promise((r) => setTimeout(r, 300));
    const second = Promise.all(Array.from({ length: 3 }, () => c.showUser(id)));
    const all = [...(await first), ...(await second)];
    expect(all.every((u) => u?.id === id)).toBe(true);

    const log = sb.requests().map((r) => ({ ...r, t: Date.parse(r.at) }));
    const windowStart = log[0]!.t;
    const first429 = log.find((r) => r.status === 429)!;
    expect(first429).toBeDefined();
    const n = windowStart + 2000 - first429.t; // the Retry-After the sandbox sent
    const gate = warnings.find((w) => /Retry-After/.test(w.message))?.meta as
      { retryAfterMs: number } | undefined;
    expect(gate?.retryAfterMs).toBeGreaterThanOrEqual(n - 5);
    expect(gate?.retryAfterMs).toBeLessThanOrEqual(n + 5);
    // Nothing reached Zendesk between the 429 and 429 + N: not the retries, not the second wave.
    const blocked = log.filter((r) => r.t > first429.t && r.t < first429.t + n - 2);
    expect(blocked.filter((r) => r.status !== 429)).toHaveLength(0);
    const afterGate = log.filter((r) => r.t >= first429.t + n - 2);
    expect(afterGate.length).toBeGreaterThanOrEqual(8); // 5 retried + 3 of the second wave
    // The waits were reported (as retry_after, or as account once the learnt budget is the longer wait).
    expect(waits.reduce((sum, w) => sum + w.ms, 0)).toBeGreaterThanOrEqual(n);
  }, 30_000);
});

describe('user upserts and jobs', () => {
  it('5 per minute per user and 1 per second per account (timeScale 60): all land', async () => {
    fresh({ limits: { userUpsertPerSecond: 1, userUpsertPerUserPerMinute: 5, timeScale: 60 } });
    const c = client({ userUpsertPerSecond: 1, userUpsertPerUserPerMinute: 5, timeScale: 60 });
    const same = Array.from({ length: 7 }, (_, i) =>
      c.createOrUpdateUser({ external_id: 'hot', name: `Hot ${i}` }),
    );
    const others = Array.from({ length: 5 }, (_, i) =>
      c.createOrUpdateUser({ external_id: `u${i}`, name: `U ${i}` }),
    );
    const results = await Promise.all([...same, ...others]);
    expect(results).toHaveLength(12);
    const upserts = sb.requests().filter((r) => r.path === '/api/v2/users/create_or_update');
    const tooMany = upserts.filter((r) => r.status === 429).length;
    console.log(`upserts: ${upserts.length} requests, ${tooMany} answered 429`);
    expect(upserts.filter((r) => r.status === 200 || r.status === 201)).toHaveLength(12);
    expect(sb.state().users.find((u) => u.external_id === 'hot')?.name).toMatch(/^Hot /);
  }, 30_000);

  it('more bulk calls than job slots: TooManyJobs is waited out, every item lands', async () => {
    fresh({ limits: { maxJobs: 2 }, jobDurationMs: 150 });
    const c = client({ jobPollInitialMs: 50 });
    const batches = Array.from({ length: 5 }, (_, b) =>
      Array.from({ length: 30 }, (_, i) => ({ name: `B${b} U${i}`, external_id: `b${b}-${i}` })),
    );
    const results = await Promise.all(batches.map((users) => c.createOrUpdateManyUsers(users)));
    expect(results.flat().filter((r) => r.ok)).toHaveLength(150);
    expect(results.every((r) => r.every((x, i) => x.index === i))).toBe(true);
    expect(sb.state().users).toHaveLength(150);
    const jobs = sb.requests().filter((r) => r.path === '/api/v2/users/create_or_update_many');
    console.log(
      `jobs: ${jobs.length} create requests, ${jobs.filter((r) => r.status === 429).length} TooManyJobs`,
    );
  }, 30_000);

  it('client-side job slots: with maxJobs 2 the sandbox never refuses a job', async () => {
    fresh({ limits: { maxJobs: 2 }, jobDurationMs: 100 });
    const c = client({ maxJobs: 2, jobPollInitialMs: 30 });
    await Promise.all(
      Array.from({ length: 6 }, (_, b) =>
        c.createOrUpdateManyUsers([{ name: `J${b}`, external_id: `j${b}` }]),
      ),
    );
    const jobs = sb.requests().filter((r) => r.path === '/api/v2/users/create_or_update_many');
    expect(jobs).toHaveLength(6);
    expect(jobs.filter((r) => r.status !== 200)).toHaveLength(0);
  }, 30_000);
});
