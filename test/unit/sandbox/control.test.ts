import { describe, expect, it } from 'vitest';
import { call, upsertUser, useSandbox } from './helpers.js';

const ctx = useSandbox();
const admin = async (method: string, path: string, body?: unknown) =>
  call(ctx.sb, method, `/__sandbox/${path}`, body, {});

describe('control surface for tests', () => {
  it('state(): users, organizations, memberships, fields, events, jobs as deep copies', async () => {
    await upsertUser(ctx.sb, { name: 'A', external_id: 'a' });
    const s = ctx.sb.state();
    expect(Object.keys(s).sort()).toEqual([
      'events',
      'jobs',
      'memberships',
      'organizationFields',
      'organizations',
      'userFields',
      'users',
    ]);
    (s.users[0] as { name: string }).name = 'mutated';
    expect(ctx.sb.state().users[0]?.name).toBe('A');
  });

  it('requests(): method, path (without .json), query, status, parsed body, time', async () => {
    await call(ctx.sb, 'GET', '/api/v2/users/search.json?external_id=x');
    await upsertUser(ctx.sb, { name: 'A', external_id: 'a' });
    const log = ctx.sb.requests();
    expect(log).toHaveLength(2);
    expect(log[0]).toMatchObject({
      method: 'GET',
      path: '/api/v2/users/search',
      query: { external_id: 'x' },
      status: 200,
    });
    expect(log[1]).toMatchObject({
      method: 'POST',
      status: 201,
      body: { user: { name: 'A', external_id: 'a' } },
    });
    expect(Number.isNaN(Date.parse(log[1]?.at ?? ''))).toBe(false);
    ctx.sb.clearRequests();
    expect(ctx.sb.requests()).toEqual([]);
  });

  it('reset(): drops data and the log, keeps the config', async () => {
    ctx.sb.configure({ strict: true });
    await upsertUser(ctx.sb, { name: 'A', external_id: 'a' });
    ctx.sb.reset();
    expect(ctx.sb.state().users).toEqual([]);
    expect(ctx.sb.requests()).toEqual([]);
    expect(ctx.sb.config().strict).toBe(true);
  });

  it('configure(): deep-merges at run time', () => {
    ctx.sb.configure({ faults: { latencyMs: 5 } });
    const c = ctx.sb.config();
    expect(c.faults.latencyMs).toBe(5);
    expect(c.faults.seed).toBe(1);
    expect(c.auth.tokens).toEqual(['sandbox-token']);
  });

  it('HTTP: GET state, GET requests, GET/PATCH config and POST reset need no credentials', async () => {
    await upsertUser(ctx.sb, { name: 'A', external_id: 'a' });
    expect((await admin('GET', 'state')).body.users).toHaveLength(1);
    expect((await admin('GET', 'requests')).body).toHaveLength(1);
    const patched = await admin('PATCH', 'config', { limits: { accountPerMinute: 10 } });
    expect(patched.status).toBe(200);
    expect(patched.body.limits).toMatchObject({ accountPerMinute: 10, userUpsertPerSecond: 1 });
    expect((await admin('GET', 'config')).body.limits.accountPerMinute).toBe(10);
    expect((await admin('POST', 'reset')).status).toBe(204);
    expect((await admin('GET', 'state')).body.users).toEqual([]);
    expect((await admin('GET', 'nothing')).status).toBe(404);
  });

  it('HTTP: PATCH config with a body that is not an object is 400', async () => {
    const res = await fetch(`${ctx.sb.url}/__sandbox/config`, {
      method: 'PATCH',
      body: '[1]',
      signal: AbortSignal.timeout(3000),
    });
    expect(res.status).toBe(400);
  });
});
