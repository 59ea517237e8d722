import { describe, expect, it } from 'vitest';
import { call, useSandbox } from './helpers.js';

const ctx = useSandbox({ config: { strict: true } });

describe('strict mode', () => {
  it('an undocumented user attribute is 400 naming the key', async () => {
    const a = await call(ctx.sb, 'POST', '/api/v2/users/create_or_update', {
      user: { name: 'A', external_id: 'a', firstName: 'A' },
    });
    expect(a.status).toBe(400);
    expect(a.body.description).toContain('user.firstName');
    expect(ctx.sb.state().users).toEqual([]);
  });

  it('an undocumented top-level key is 400', async () => {
    const a = await call(ctx.sb, 'POST', '/api/v2/organizations/create_or_update', {
      organization: { name: 'A' },
      url: 'x',
    });
    expect(a.status).toBe(400);
    expect(a.body.description).toContain('url');
  });

  it('an undocumented key inside a bulk item is 400 naming its index', async () => {
    const a = await call(ctx.sb, 'POST', '/api/v2/users/create_or_update_many', {
      users: [{ name: 'A' }, { name: 'B', deleted: true }],
    });
    expect(a.status).toBe(400);
    expect(a.body.description).toContain('users[1].deleted');
  });

  it('an undocumented query key is 400', async () => {
    const a = await call(ctx.sb, 'GET', '/api/v2/users/search?email=a@example.org');
    expect(a.status).toBe(400);
    expect(a.body.description).toContain('query email');
  });

  it('documented keys pass, including skip_verify_email in both places and pagination keys', async () => {
    const a = await call(ctx.sb, 'POST', '/api/v2/users/create_or_update', {
      user: {
        name: 'A',
        email: 'a@example.org',
        external_id: 'a',
        verified: true,
        user_fields: { anything: 1 },
        skip_verify_email: true,
      },
      skip_verify_email: true,
    });
    expect(a.status).toBe(201);
    expect((await call(ctx.sb, 'GET', '/api/v2/user_fields?page[size]=10')).status).toBe(200);
    expect(
      (await call(ctx.sb, 'GET', '/api/v2/users/search?query=email:a@example.org&per_page=10')).status,
    ).toBe(200);
  });

  it('off by default: Zendesk silently ignores unknown attributes', async () => {
    ctx.sb.configure({ strict: false });
    const a = await call(ctx.sb, 'POST', '/api/v2/users/create_or_update', {
      user: { name: 'A', external_id: 'a', firstName: 'A' },
    });
    expect(a.status).toBe(201);
    expect(a.body.user).not.toHaveProperty('firstName');
  });
});
