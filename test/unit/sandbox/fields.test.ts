import { describe, expect, it } from 'vitest';
import { NO_LIMITS } from '../../../src/sandbox/index.js';
import { call, useSandbox } from './helpers.js';

// Matching and validation rules here, not rate limits (limits.test.ts): the explicit loose mode.
const ctx = useSandbox({ config: { limits: NO_LIMITS } });

const createUserField = (user_field: Record<string, unknown>) =>
  call(ctx.sb, 'POST', '/api/v2/user_fields', { user_field });

describe('custom field definitions contract', () => {
  it('create: 201 {user_field}; type defaults to text', async () => {
    const a = await createUserField({ key: 'plan_tier', title: 'Plan tier' });
    expect(a.status).toBe(201);
    expect(a.body.user_field).toMatchObject({
      key: 'plan_tier',
      title: 'Plan tier',
      type: 'text',
      active: true,
    });
  });

  it.each([
    ['blank', '', 'BlankValue'],
    ['a hyphen', 'plan-tier', 'InvalidValue'],
    ['a space', 'plan tier', 'InvalidValue'],
    ['only digits', '12345', 'InvalidValue'],
  ])('create: a key with %s is 422', async (_what, key, error) => {
    const a = await createUserField({ key, title: 'T', type: 'text' });
    expect(a.status).toBe(422);
    expect(a.body.error).toBe('RecordInvalid');
    expect(a.body.details.key[0].error).toBe(error);
    expect(ctx.sb.state().userFields).toEqual([]);
  });

  it('create: letters, digits and underscores are a valid key, digits first included', async () => {
    expect((await createUserField({ key: '1st_Plan_2', title: 'T' })).status).toBe(201);
  });

  it('create: a taken key is 422 DuplicateValue', async () => {
    await createUserField({ key: 'plan', title: 'Plan' });
    const a = await createUserField({ key: 'plan', title: 'Plan again' });
    expect(a.status).toBe(422);
    expect(a.body.details.key[0].error).toBe('DuplicateValue');
  });

  it('create: the same key in user and organization fields is allowed unless fieldKeysUniqueAcrossScopes', async () => {
    await createUserField({ key: 'plan', title: 'Plan' });
    const org = await call(ctx.sb, 'POST', '/api/v2/organization_fields', {
      organization_field: { key: 'plan', title: 'Plan' },
    });
    expect(org.status).toBe(201);
    ctx.sb.configure({ fieldKeysUniqueAcrossScopes: true });
    await createUserField({ key: 'tier', title: 'Tier' });
    const clash = await call(ctx.sb, 'POST', '/api/v2/organization_fields', {
      organization_field: { key: 'tier', title: 'Tier' },
    });
    expect(clash.status).toBe(422);
  });

  it('create: title is mandatory and type must be a Zendesk field type', async () => {
    expect((await createUserField({ key: 'a' })).status).toBe(422);
    expect((await createUserField({ key: 'b', title: 'B', type: 'json' })).status).toBe(422);
  });

  it('show and delete accept the id or the key; delete is 204, then 404', async () => {
    const f = (await createUserField({ key: 'plan', title: 'Plan' })).body.user_field;
    expect((await call(ctx.sb, 'GET', `/api/v2/user_fields/${f.id}`)).body.user_field.key).toBe('plan');
    expect((await call(ctx.sb, 'GET', '/api/v2/user_fields/plan')).body.user_field.id).toBe(f.id);
    const del = await call(ctx.sb, 'DELETE', '/api/v2/user_fields/plan');
    expect(del.status).toBe(204);
    expect((await call(ctx.sb, 'GET', `/api/v2/user_fields/${f.id}`)).status).toBe(404);
    const g = (await createUserField({ key: 'other', title: 'Other' })).body.user_field;
    expect((await call(ctx.sb, 'DELETE', `/api/v2/user_fields/${g.id}`)).status).toBe(204);
    expect(ctx.sb.state().userFields).toEqual([]);
  });

  it('delete: the field key disappears from every user', async () => {
    await createUserField({ key: 'plan', title: 'Plan' });
    const u = await call(ctx.sb, 'POST', '/api/v2/users/create_or_update', {
      user: { name: 'A', external_id: 'a', user_fields: { plan: 'pro' } },
    });
    expect(u.body.user.user_fields).toEqual({ plan: 'pro' });
    await call(ctx.sb, 'DELETE', '/api/v2/user_fields/plan');
    expect((await call(ctx.sb, 'GET', `/api/v2/users/${u.body.user.id}`)).body.user.user_fields).toEqual({});
  });

  it('list: offset pagination (page/per_page → count, next_page, previous_page) when page[size] is absent', async () => {
    for (let i = 0; i < 5; i++) await createUserField({ key: `f${i}`, title: `F${i}` });
    const a = await call(ctx.sb, 'GET', '/api/v2/user_fields?per_page=2&page=2');
    expect(a.body.user_fields.map((f: { key: string }) => f.key)).toEqual(['f2', 'f3']);
    expect(a.body.count).toBe(5);
    expect(a.body.next_page).toContain('page=3');
    expect(a.body.previous_page).toContain('page=1');
  });

  it('list: cursor pagination with page[size] and page[after], meta and links', async () => {
    for (let i = 0; i < 5; i++)
      await call(ctx.sb, 'POST', '/api/v2/organization_fields', {
        organization_field: { key: `f${i}`, title: `F${i}` },
      });
    const keys: string[] = [];
    let path: string | null = '/api/v2/organization_fields?page[size]=2';
    let pages = 0;
    while (path && pages < 10) {
      const page = await call(ctx.sb, 'GET', path);
      pages++;
      keys.push(...page.body.organization_fields.map((f: { key: string }) => f.key));
      expect(page.body.meta).toHaveProperty('after_cursor');
      expect(page.body).not.toHaveProperty('count');
      path = page.body.meta.has_more ? (page.body.links.next as string).slice(ctx.sb.url.length) : null;
    }
    expect(keys).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
    expect(pages).toBe(3);
  });

  it('typed values: checkbox, integer, decimal, date, text, dropdown are stored in Zendesk form', async () => {
    const defs: [string, string, Record<string, unknown>?][] = [
      ['c', 'checkbox'],
      ['i', 'integer'],
      ['d', 'decimal'],
      ['dt', 'date'],
      ['t', 'text'],
      ['dd', 'dropdown', { custom_field_options: [{ name: 'Gold', value: 'gold' }] }],
    ];
    for (const [key, type, extra] of defs) await createUserField({ key, type, title: key, ...extra });
    const u = await call(ctx.sb, 'POST', '/api/v2/users/create_or_update', {
      user: {
        name: 'A',
        external_id: 'a',
        user_fields: { c: false, i: 3, d: '2.5', dt: '2024-02-29T10:11:12Z', t: 42, dd: 'gold' },
      },
    });
    expect(u.body.user.user_fields).toEqual({
      c: false,
      i: 3,
      d: 2.5,
      dt: '2024-02-29T00:00:00Z',
      t: '42',
      dd: 'gold',
    });
    for (const [key, bad] of [
      ['dt', '2023-02-30'],
      ['i', 1.5],
      ['dd', 'silver'],
      ['c', 'maybe'],
    ] as const) {
      const r = await call(ctx.sb, 'POST', '/api/v2/users/create_or_update', {
        user: { external_id: 'a', user_fields: { [key]: bad } },
      });
      expect(r.status, `${key}=${String(bad)}`).toBe(422);
    }
  });

  it('numbers: an integer field refuses 9.99 (422 naming the field, nothing stored) and takes 10; a decimal field takes 10 and 9.99', async () => {
    await createUserField({ key: 'seats', type: 'integer', title: 'Seats' });
    await createUserField({ key: 'price', type: 'decimal', title: 'Price' });
    const upsert = (user_fields: Record<string, unknown>) =>
      call(ctx.sb, 'POST', '/api/v2/users/create_or_update', {
        user: { name: 'N', external_id: 'n', user_fields },
      });
    for (const bad of [9.99, '9.99', 'ten']) {
      const r = await upsert({ seats: bad, price: 1 });
      expect(r.status, String(bad)).toBe(422);
      expect(r.body.error).toBe('RecordInvalid');
      expect(Object.keys(r.body.details)).toEqual(['seats']);
    }
    expect(ctx.sb.state().users).toEqual([]);
    expect((await upsert({ seats: 10, price: 10 })).body.user.user_fields).toMatchObject({
      seats: 10,
      price: 10,
    });
    expect((await upsert({ price: 9.99 })).body.user.user_fields).toMatchObject({ seats: 10, price: 9.99 });
    const bad = await upsert({ price: 'cheap' });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.body.details)).toEqual(['price']);
  });

  it('checkbox: true/false, "true"/"false", 1/0 are taken; "True", "yes" and 2 are 422 naming the field', async () => {
    // Zendesk answers 422 to "True"/"False" and takes 1/0 (Speedygeek/ZendeskApi_v2#157).
    await createUserField({ key: 'vip', type: 'checkbox', title: 'VIP' });
    const upsert = (vip: unknown) =>
      call(ctx.sb, 'POST', '/api/v2/users/create_or_update', {
        user: { name: 'C', external_id: 'c', user_fields: { vip } },
      });
    for (const [value, stored] of [
      [true, true],
      ['false', false],
      [1, true],
      [0, false],
      ['true', true],
    ] as const)
      expect((await upsert(value)).body.user.user_fields.vip, String(value)).toBe(stored);
    for (const value of ['True', 'yes', 2]) {
      const r = await upsert(value);
      expect(r.status, String(value)).toBe(422);
      expect(Object.keys(r.body.details)).toEqual(['vip']);
    }
  });

  it('numbers: organization_fields follow the same rules (integer refuses 9.99, decimal takes it)', async () => {
    for (const [key, type] of [
      ['employees', 'integer'],
      ['revenue', 'decimal'],
    ])
      await call(ctx.sb, 'POST', '/api/v2/organization_fields', {
        organization_field: { key, type, title: key },
      });
    const org = (organization_fields: Record<string, unknown>) =>
      call(ctx.sb, 'POST', '/api/v2/organizations/create_or_update', {
        organization: { name: 'O', external_id: 'o', organization_fields },
      });
    const bad = await org({ employees: 9.99 });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.body.details)).toEqual(['employees']);
    expect((await org({ employees: 10, revenue: 9.99 })).body.organization.organization_fields).toEqual({
      employees: 10,
      revenue: 9.99,
    });
  });
});
