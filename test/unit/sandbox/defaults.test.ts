/**
 * SPEC 8: started with no options the sandbox behaves like a real account. Each fact here is a
 * default, so this file starts its sandbox with no options at all.
 */
import { describe, expect, it } from 'vitest';
import { ENTERPRISE_LIMITS } from '../../../src/sandbox/index.js';
import { call, upsertUser, useSandbox } from './helpers.js';

const ctx = useSandbox();

describe('defaults: a real account', () => {
  it('defaults: limits are Enterprise (700 rpm, 1/s and 5/min/user upserts, 30 jobs, 5/min/organization, 700 events rpm)', () => {
    expect(ctx.sb.config().limits).toEqual(ENTERPRISE_LIMITS);
    expect(ctx.sb.config().limits.accountPerMinute).toBe(700);
  });

  it('defaults: X-Rate-Limit and X-Rate-Limit-Remaining on every answer: 200, 201, 404, 422, 401 and 403', async () => {
    const answers = [
      await call(ctx.sb, 'GET', '/api/v2/user_fields'),
      await upsertUser(ctx.sb, { name: 'A', external_id: 'a' }),
      await call(ctx.sb, 'GET', '/api/v2/users/4242'),
      await call(ctx.sb, 'POST', '/api/v2/user_fields', { user_field: { key: 'x-y', title: 'X' } }),
      await call(ctx.sb, 'GET', '/api/v2/tickets/recent'),
      await call(ctx.sb, 'GET', '/api/v2/users/me', undefined, { Authorization: 'Bearer wrong' }),
      await call(ctx.sb, 'GET', '/api/v2/users/me', undefined, {}),
    ];
    ctx.sb.configure({ auth: { role: 'agent' } });
    answers.push(
      await call(ctx.sb, 'POST', '/api/v2/user_fields', { user_field: { key: 'plan', title: 'Plan' } }),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 201, 404, 422, 404, 401, 401, 403]);
    for (const a of answers) {
      expect(a.headers.get('x-rate-limit')).toBe('700');
      expect(Number(a.headers.get('x-rate-limit-remaining'))).toBeGreaterThan(690);
    }
    // Authenticated requests spend the budget; one that failed to authenticate only reads it.
    expect(answers.map((a) => Number(a.headers.get('x-rate-limit-remaining')))).toEqual([
      699, 698, 697, 696, 695, 695, 695, 694,
    ]);
  });

  it('defaults: a second user upsert within the same second is 429 (1/s per account)', async () => {
    expect((await upsertUser(ctx.sb, { name: 'A', external_id: 'a' })).status).toBe(201);
    const over = await upsertUser(ctx.sb, { name: 'B', external_id: 'b' });
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(over.headers.get('x-rate-limit')).toBe('700');
  });
});
