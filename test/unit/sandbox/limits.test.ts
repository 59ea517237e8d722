import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENTERPRISE_LIMITS, startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { deepMerge, defaultConfig } from '../../../src/sandbox/config.js';
import { call, upsertUser } from './helpers.js';

// An injected clock makes windows and Retry-After exact; the last test uses real time.
let clock = 1_700_000_000_000;
let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ now: () => clock });
});
beforeEach(() => {
  sb.configure(deepMerge(defaultConfig(), { limits: { ...ENTERPRISE_LIMITS } }));
  sb.reset();
});
afterAll(() => sb.close());

describe('rate limits', () => {
  it('ENTERPRISE_LIMITS: 700 rpm, 1/s user upserts, 5/min/user, 30 jobs, 5/min/organization updates, 700 events rpm', () => {
    expect(ENTERPRISE_LIMITS).toEqual({
      accountPerMinute: 700,
      userUpsertPerSecond: 1,
      userUpsertPerUserPerMinute: 5,
      maxJobs: 30,
      organizationUpdatePerOrgPerMinute: 5,
      eventsPerMinute: 700,
      timeScale: 1,
    });
  });

  it('account: every answer carries X-Rate-Limit and a decreasing X-Rate-Limit-Remaining', async () => {
    const a = await call(sb, 'GET', '/api/v2/user_fields');
    const b = await call(sb, 'GET', '/api/v2/user_fields');
    expect(a.headers.get('x-rate-limit')).toBe('700');
    expect(a.headers.get('x-rate-limit-remaining')).toBe('699');
    expect(b.headers.get('x-rate-limit-remaining')).toBe('698');
    const missing = await call(sb, 'GET', '/api/v2/users/1');
    expect(missing.headers.get('x-rate-limit')).toBe('700');
  });

  it('account: past the per-minute budget is 429 with Retry-After in whole seconds; the next window is open', async () => {
    sb.configure({ limits: { accountPerMinute: 3 } });
    for (let i = 0; i < 3; i++) expect((await call(sb, 'GET', '/api/v2/user_fields')).status).toBe(200);
    clock += 20_000;
    const over = await call(sb, 'GET', '/api/v2/user_fields');
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('40');
    expect(over.headers.get('x-rate-limit-remaining')).toBe('0');
    clock += 40_000;
    expect((await call(sb, 'GET', '/api/v2/user_fields')).status).toBe(200);
  });

  it('account: timeScale 60 makes the minute one second and Retry-After a decimal', async () => {
    sb.configure({ limits: { accountPerMinute: 2, timeScale: 60 } });
    await call(sb, 'GET', '/api/v2/user_fields');
    await call(sb, 'GET', '/api/v2/user_fields');
    clock += 250;
    const over = await call(sb, 'GET', '/api/v2/user_fields');
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('0.75');
    clock += 750;
    expect((await call(sb, 'GET', '/api/v2/user_fields')).status).toBe(200);
  });

  it('user upserts: 1 request/s per account, 429 with Retry-After and the create-update-user header', async () => {
    const a = await upsertUser(sb, { name: 'A', external_id: 'a' });
    expect(a.status).toBe(201);
    expect(a.headers.get('zendesk-ratelimit-create-update-user')).toBe('total=5; remaining=4; resets=60');
    const b = await upsertUser(sb, { name: 'B', external_id: 'b' });
    expect(b.status).toBe(429);
    expect(b.headers.get('retry-after')).toBe('1');
    expect(sb.state().users).toHaveLength(1);
    clock += 1000;
    expect((await upsertUser(sb, { name: 'B', external_id: 'b' })).status).toBe(201);
  });

  it('user upserts: 5 per minute per user (create_or_update and PUT share it), 429 with Retry-After', async () => {
    const id = (await upsertUser(sb, { name: 'A', external_id: 'a' })).body.user.id;
    for (let i = 1; i < 5; i++) {
      clock += 1000;
      const r =
        i % 2
          ? await upsertUser(sb, { external_id: 'a', notes: String(i) })
          : await call(sb, 'PUT', `/api/v2/users/${id}`, { user: { notes: String(i) } });
      expect(r.status).toBe(200);
      expect(r.headers.get('zendesk-ratelimit-create-update-user')).toContain(`remaining=${4 - i}`);
    }
    clock += 1000;
    const over = await upsertUser(sb, { external_id: 'a', notes: 'over' });
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('55');
    expect(over.text).toContain('rate limit for updating a single unique user');
    // Another user is not affected (once the 1/s account budget, which the 429 also used, is back).
    clock += 1000;
    expect((await upsertUser(sb, { name: 'B', external_id: 'b' })).status).toBe(201);
    clock += 54_000;
    expect((await upsertUser(sb, { external_id: 'a', notes: 'later' })).status).toBe(200);
  });

  it('jobs: past maxJobs queued-or-running is TooManyJobs (429) with the current job ids', async () => {
    sb.configure({ limits: { maxJobs: 2 }, jobDurationMs: 10_000 });
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const j = await call(sb, 'POST', '/api/v2/users/create_or_update_many', {
        users: [{ name: 'A', external_id: `a${i}` }],
      });
      expect(j.status).toBe(200);
      ids.push(j.body.job_status.id);
    }
    clock += 4000;
    const over = await call(sb, 'POST', '/api/v2/organization_memberships/create_many', {
      organization_memberships: [{ user_id: 1, organization_id: 2 }],
    });
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ error: 'TooManyJobs', current_job_ids: ids });
    expect(over.body.description).toMatch(
      /^Too many .* jobs are currently queued or running\. Try again later\.$/,
    );
    expect(over.headers.get('retry-after')).toBe('6');
    expect(over.headers.get('zendesk-ratelimit-inflight-jobs')).toContain('total=2; remaining=0');
    clock += 6000;
    expect(
      (
        await call(sb, 'POST', '/api/v2/users/create_or_update_many', {
          users: [{ name: 'A', external_id: 'z' }],
        })
      ).status,
    ).toBe(200);
  });

  it("a job answer's inflight-jobs header counts the slots left; its resets= is time-scaled like every window", async () => {
    const create = (id: string) =>
      call(sb, 'POST', '/api/v2/users/create_or_update_many', { users: [{ name: 'A', external_id: id }] });
    sb.configure({ limits: { maxJobs: 3 }, jobDurationMs: 10_000 });
    expect((await create('a')).headers.get('zendesk-ratelimit-inflight-jobs')).toBe(
      'total=3; remaining=2; resets=60',
    );
    sb.configure({ limits: { maxJobs: 3, timeScale: 10 }, jobDurationMs: 1000 });
    expect((await create('b')).headers.get('zendesk-ratelimit-inflight-jobs')).toBe(
      'total=3; remaining=1; resets=6',
    );
  });

  it('limits set to null are off: no headers, no 429', async () => {
    sb.configure({
      limits: { accountPerMinute: null, userUpsertPerSecond: null, userUpsertPerUserPerMinute: null },
    });
    for (let i = 0; i < 8; i++)
      expect((await upsertUser(sb, { name: 'A', external_id: 'a' })).status).toBeLessThan(300);
    const a = await call(sb, 'GET', '/api/v2/user_fields');
    expect(a.headers.get('x-rate-limit')).toBeNull();
  });
});

describe('rate limits on the real clock', () => {
  it('timeScale: a 429 waited out for Retry-After seconds succeeds', async () => {
    const real = await startSandbox({
      // timeScale 2: a 500 ms window, wide enough that two requests in a row on a loaded machine still
      // fall in it (at 20, a 50 ms window, a busy CI machine let the second one through now and then).
      config: { limits: { ...ENTERPRISE_LIMITS, userUpsertPerSecond: 1, timeScale: 2 } },
    });
    try {
      expect((await upsertUser(real, { name: 'A', external_id: 'a' })).status).toBe(201);
      const over = await upsertUser(real, { name: 'B', external_id: 'b' });
      expect(over.status).toBe(429);
      const retry = Number(over.headers.get('retry-after'));
      expect(retry).toBeGreaterThan(0);
      expect(retry).toBeLessThanOrEqual(0.5);
      await new Promise((r) => setTimeout(r, retry * 1000 + 5));
      expect((await upsertUser(real, { name: 'B', external_id: 'b' })).status).toBe(201);
    } finally {
      await real.close();
    }
  });
});
