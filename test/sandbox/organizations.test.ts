import { describe, expect, it } from 'vitest';
import { call, upsertOrg, upsertUser, useSandbox } from './helpers.js';

const ctx = useSandbox();

describe('organizations contract', () => {
  it('create_or_update: creates with 201, updates with 200 when matched by external_id', async () => {
    const a = await upsertOrg(ctx.sb, {
      name: 'Acme',
      external_id: 'g1',
      domain_names: ['acme.com'],
      tags: ['gold'],
    });
    expect(a.status).toBe(201);
    expect(a.body.organization).toMatchObject({
      name: 'Acme',
      external_id: 'g1',
      domain_names: ['acme.com'],
      tags: ['gold'],
    });
    const b = await upsertOrg(ctx.sb, { name: 'Acme Inc', external_id: 'g1' });
    expect(b.status).toBe(200);
    expect(b.body.organization.id).toBe(a.body.organization.id);
    expect(b.body.organization.name).toBe('Acme Inc');
  });

  it('create_or_update: external_id match is case-insensitive', async () => {
    const a = await upsertOrg(ctx.sb, { name: 'Acme', external_id: 'G-1' });
    const b = await upsertOrg(ctx.sb, { name: 'Acme', external_id: 'g-1' });
    expect(b.status).toBe(200);
    expect(b.body.organization.id).toBe(a.body.organization.id);
    expect(ctx.sb.state().organizations).toHaveLength(1);
  });

  it('create_or_update: matches on id', async () => {
    const a = await upsertOrg(ctx.sb, { name: 'Acme' });
    const b = await upsertOrg(ctx.sb, { id: a.body.organization.id, notes: 'by id' });
    expect(b.status).toBe(200);
    expect(b.body.organization).toMatchObject({ id: a.body.organization.id, notes: 'by id' });
  });

  it('create_or_update: name is not a matching criterion, a taken name is 422 "Name: has already been taken"', async () => {
    await upsertOrg(ctx.sb, { name: 'Acme', external_id: 'g1' });
    const b = await upsertOrg(ctx.sb, { name: 'ACME', external_id: 'g2' });
    expect(b.status).toBe(422);
    expect(b.body).toEqual({
      error: 'RecordInvalid',
      description: 'Record validation errors',
      details: { name: [{ description: 'Name: has already been taken', error: 'DuplicateValue' }] },
    });
    const noKey = await upsertOrg(ctx.sb, { name: 'Acme' });
    expect(noKey.status).toBe(422);
    expect(ctx.sb.state().organizations).toHaveLength(1);
  });

  it('create_or_update: domain_names on update overwrites the whole array', async () => {
    await upsertOrg(ctx.sb, { name: 'Acme', external_id: 'g1', domain_names: ['a.com', 'b.com'] });
    const b = await upsertOrg(ctx.sb, { external_id: 'g1', domain_names: ['c.com'] });
    expect(b.body.organization.domain_names).toEqual(['c.com']);
  });

  it('create_or_update: an absent attribute leaves the stored value as it is', async () => {
    await upsertOrg(ctx.sb, { name: 'Acme', external_id: 'g1', tags: ['t'], details: 'd' });
    const b = await upsertOrg(ctx.sb, { external_id: 'g1', notes: 'n' });
    expect(b.body.organization).toMatchObject({ name: 'Acme', tags: ['t'], details: 'd', notes: 'n' });
  });

  it('create_or_update: organization_fields are typed by their definitions', async () => {
    await call(ctx.sb, 'POST', '/api/v2/organization_fields', {
      organization_field: { key: 'url', type: 'text', title: 'URL' },
    });
    await call(ctx.sb, 'POST', '/api/v2/organization_fields', {
      organization_field: { key: 'employees', type: 'integer', title: 'Employees' },
    });
    const a = await upsertOrg(ctx.sb, {
      name: 'Acme',
      external_id: 'g1',
      organization_fields: { url: 'https://acme.com', employees: '40' },
    });
    expect(a.body.organization.organization_fields).toEqual({ url: 'https://acme.com', employees: 40 });
  });

  it('create_or_update: a new organization without a name is 422', async () => {
    const a = await upsertOrg(ctx.sb, { external_id: 'g1' });
    expect(a.status).toBe(422);
    expect(a.body.details.name).toBeDefined();
  });

  it('show: returns the organization, 404 otherwise', async () => {
    const a = await upsertOrg(ctx.sb, { name: 'Acme' });
    const s = await call(ctx.sb, 'GET', `/api/v2/organizations/${a.body.organization.id}.json`);
    expect(s.body.organization.name).toBe('Acme');
    expect((await call(ctx.sb, 'GET', '/api/v2/organizations/3')).status).toBe(404);
  });

  it('search: by external_id or by name, exact and case-insensitive, offset form', async () => {
    const a = await upsertOrg(ctx.sb, { name: 'Acme Corp', external_id: 'Ext-1' });
    await upsertOrg(ctx.sb, { name: 'Acme', external_id: 'ext-2' });
    const byExt = await call(ctx.sb, 'GET', '/api/v2/organizations/search?external_id=EXT-1');
    expect(byExt.body).toMatchObject({ count: 1, next_page: null, previous_page: null });
    expect(byExt.body.organizations[0].id).toBe(a.body.organization.id);
    const byName = await call(ctx.sb, 'GET', '/api/v2/organizations/search?name=acme%20corp');
    expect(byName.body.organizations.map((o: { id: number }) => o.id)).toEqual([a.body.organization.id]);
    const partial = await call(ctx.sb, 'GET', '/api/v2/organizations/search?name=acme%20co');
    expect(partial.body.organizations).toEqual([]);
  });

  it('search: external_id and name together is refused', async () => {
    const a = await call(ctx.sb, 'GET', '/api/v2/organizations/search?external_id=a&name=b');
    expect(a.status).toBe(400);
  });

  it('DELETE: 204, then 404; the memberships go and users lose the default organization', async () => {
    const o = (await upsertOrg(ctx.sb, { name: 'Acme' })).body.organization;
    const u = (await upsertUser(ctx.sb, { name: 'U', external_id: 'u', organization_id: o.id })).body.user;
    const del = await call(ctx.sb, 'DELETE', `/api/v2/organizations/${o.id}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect((await call(ctx.sb, 'GET', `/api/v2/organizations/${o.id}`)).status).toBe(404);
    expect((await call(ctx.sb, 'DELETE', `/api/v2/organizations/${o.id}`)).status).toBe(404);
    expect(ctx.sb.state().memberships).toEqual([]);
    expect((await call(ctx.sb, 'GET', `/api/v2/users/${u.id}`)).body.user.organization_id).toBeNull();
  });
});
