import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_LIMITS, startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { call, upsertUser, useSandbox, waitForJob } from './helpers.js';

// Matching and validation rules here, not rate limits (limits.test.ts): the explicit loose mode.
const ctx = useSandbox({ config: { limits: NO_LIMITS } });
const bulk = (users: Record<string, unknown>[], sb = ctx.sb) =>
  call(sb, 'POST', '/api/v2/users/create_or_update_many', { users });

describe('create_or_update_many and job statuses contract', () => {
  it('create_or_update_many: 200 {job_status} queued, then completed with per-item results', async () => {
    const existing = (await upsertUser(ctx.sb, { name: 'Old', external_id: 'old' })).body.user;
    const a = await bulk([
      { name: 'New', email: 'new@example.org' },
      { external_id: 'OLD', name: 'Old 2' },
    ]);
    expect(a.status).toBe(200);
    expect(a.body.job_status).toMatchObject({ status: 'queued', total: 2, results: null });
    expect(a.body.job_status.id).toMatch(/^[0-9a-f]{32}$/);
    const done = await waitForJob(ctx.sb, a.body.job_status.id);
    expect(done.body.job_status).toMatchObject({ status: 'completed', progress: 2, total: 2 });
    const created = ctx.sb.state().users.find((u) => u.email === 'new@example.org');
    expect(done.body.job_status.results).toEqual([
      { action: 'create', id: created?.id, status: 'Created', success: true, index: 0 },
      { action: 'update', id: existing.id, status: 'Updated', success: true },
    ]);
    expect(ctx.sb.state().users.find((u) => u.id === existing.id)).toMatchObject({
      name: 'Old 2',
      external_id: 'OLD',
    });
  });

  it('create_or_update_many: a failing item is {index, error, details, success:false} and the others still land', async () => {
    await upsertUser(ctx.sb, { name: 'A', email: 'a@example.org' });
    await upsertUser(ctx.sb, { name: 'B', external_id: 'b' });
    const a = await bulk([
      { name: 'X', email: 'a@example.org', external_id: 'b' },
      { name: 'C', external_id: 'c' },
    ]);
    const results = (await waitForJob(ctx.sb, a.body.job_status.id)).body.job_status.results;
    expect(results[0]).toEqual({
      index: 0,
      error: 'RecordInvalid',
      details: {
        email: [
          {
            description: 'Email: a@example.org is already being used by another user',
            error: 'DuplicateValue',
          },
        ],
      },
      success: false,
    });
    expect(results[1]).toMatchObject({ action: 'create', success: true, index: 1 });
  });

  it('create_or_update_many: more than 100 users is refused before any job', async () => {
    const a = await bulk(Array.from({ length: 101 }, (_, i) => ({ name: `U${i}`, external_id: `u${i}` })));
    expect(a.status).toBe(400);
    expect(ctx.sb.state().jobs).toEqual([]);
  });

  it('create_or_update_many: 403 when bulk imports are not enabled on the account', async () => {
    ctx.sb.configure({ bulkEnabled: false });
    const a = await bulk([{ name: 'A', external_id: 'a' }]);
    expect(a.status).toBe(403);
    expect(ctx.sb.state().jobs).toEqual([]);
  });

  it('job_statuses: an unknown id is 404; show_many lists by ids', async () => {
    expect((await call(ctx.sb, 'GET', '/api/v2/job_statuses/0123456789abcdef0123456789abcdef')).status).toBe(
      404,
    );
    const a = await bulk([{ name: 'A', external_id: 'a' }]);
    const many = await call(ctx.sb, 'GET', `/api/v2/job_statuses/show_many?ids=${a.body.job_status.id}`);
    expect(many.body.job_statuses.map((j: { id: string }) => j.id)).toEqual([a.body.job_status.id]);
  });
});

describe('job progression on an injected clock', () => {
  let sb: Sandbox;
  let clock = 1_700_000_000_000;
  beforeAll(async () => {
    sb = await startSandbox({ now: () => clock, config: { jobDurationMs: 1000 } });
  });
  afterAll(() => sb.close());

  it('job_statuses: queued → working → completed, and the work lands only when completed', async () => {
    const a = await bulk([{ name: 'A', external_id: 'a' }], sb);
    const id = a.body.job_status.id as string;
    const status = async () => (await call(sb, 'GET', `/api/v2/job_statuses/${id}`)).body.job_status;
    expect((await status()).status).toBe('queued');
    clock += 500;
    expect((await status()).status).toBe('working');
    expect(sb.state().users).toEqual([]);
    clock += 500;
    const done = await status();
    expect(done.status).toBe('completed');
    expect(done.results).toHaveLength(1);
    expect(sb.state().users).toHaveLength(1);
  });
});
