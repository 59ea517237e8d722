import { describe, expect, it } from 'vitest';
import { call, upsertOrg, upsertUser, useSandbox, waitForJob } from './helpers.js';

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

describe('organizations contract: PUT, bulk jobs and show_many', () => {
  it('PUT organizations/{id}: 200 {organization} with the change; domain_names overwritten; 404 for an unknown id', async () => {
    const o = (
      await upsertOrg(ctx.sb, { name: 'Acme', external_id: 'acme', domain_names: ['a.com', 'b.com'] })
    ).body.organization;
    const a = await call(ctx.sb, 'PUT', `/api/v2/organizations/${o.id}`, {
      organization: { notes: 'Priority', domain_names: ['c.com'] },
    });
    expect(a.status).toBe(200);
    expect(a.body.organization).toMatchObject({
      id: o.id,
      name: 'Acme',
      notes: 'Priority',
      domain_names: ['c.com'],
    });
    const missing = await call(ctx.sb, 'PUT', '/api/v2/organizations/4242', { organization: { notes: 'x' } });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('RecordNotFound');
  });

  it('PUT organizations/{id}: 5 updates per minute per organization, then 429 {"errors":[{code:"TooManyRequests"}]} with Retry-After; another organization is not affected', async () => {
    const a = (await upsertOrg(ctx.sb, { name: 'A', external_id: 'a' })).body.organization;
    const b = (await upsertOrg(ctx.sb, { name: 'B', external_id: 'b' })).body.organization;
    const put = (id: number, notes: string) =>
      call(ctx.sb, 'PUT', `/api/v2/organizations/${id}`, { organization: { notes } });
    for (let i = 0; i < 5; i++) expect((await put(a.id, `n${i}`)).status).toBe(200);
    const over = await put(a.id, 'over');
    expect(over.status).toBe(429);
    expect(over.body).toEqual({
      errors: [{ code: 'TooManyRequests', title: 'Too many requests to update' }],
    });
    const retry = Number(over.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(60);
    expect(ctx.sb.state().organizations.find((o) => o.id === a.id)?.notes).toBe('n4');
    expect((await put(b.id, 'fine')).status).toBe(200);
  });

  it('create_many: 200 {job_status}; the job creates each organization, a taken name fails its item by index', async () => {
    await upsertOrg(ctx.sb, { name: 'Taken', external_id: 't' });
    const j = await call(ctx.sb, 'POST', '/api/v2/organizations/create_many', {
      organizations: [
        { name: 'One', external_id: 'one' },
        { name: 'Taken', external_id: 'two' },
        { name: 'Three', external_id: 'three' },
      ],
    });
    expect(j.status).toBe(200);
    expect(j.body.job_status).toMatchObject({ status: 'queued', total: 3 });
    const done = (await waitForJob(ctx.sb, j.body.job_status.id)).body.job_status;
    expect(done.status).toBe('completed');
    expect(done.results[0]).toMatchObject({ action: 'create', status: 'Created', success: true, index: 0 });
    expect(done.results[1]).toMatchObject({ index: 1, success: false, error: 'RecordInvalid' });
    expect(done.results[1].details.name[0].error).toBe('DuplicateValue');
    expect(done.results[2]).toMatchObject({ action: 'create', success: true, index: 2 });
    expect(
      ctx.sb
        .state()
        .organizations.map((o) => o.name)
        .sort(),
    ).toEqual(['One', 'Taken', 'Three']);
  });

  it('create_many: more than 100 organizations is refused before any job', async () => {
    const organizations = Array.from({ length: 101 }, (_, i) => ({ name: `O${i}` }));
    const a = await call(ctx.sb, 'POST', '/api/v2/organizations/create_many', { organizations });
    expect(a.status).toBe(400);
    expect(ctx.sb.state().jobs).toEqual([]);
  });

  it('update_many: a batch by id or external_id updates each; an unknown one fails its item', async () => {
    const a = (await upsertOrg(ctx.sb, { name: 'A', external_id: 'a' })).body.organization;
    await upsertOrg(ctx.sb, { name: 'B', external_id: 'b' });
    const j = await call(ctx.sb, 'PUT', '/api/v2/organizations/update_many', {
      organizations: [
        { id: a.id, notes: 'Priority' },
        { external_id: 'B', notes: 'Normal' },
        { external_id: 'nobody', notes: 'x' },
      ],
    });
    expect(j.status).toBe(200);
    const done = (await waitForJob(ctx.sb, j.body.job_status.id)).body.job_status;
    expect(done.results[0]).toMatchObject({ action: 'update', id: a.id, status: 'Updated', success: true });
    expect(done.results[1]).toMatchObject({ action: 'update', status: 'Updated', success: true });
    expect(done.results[2]).toMatchObject({ index: 2, success: false, error: 'RecordNotFound' });
    const notes = Object.fromEntries(ctx.sb.state().organizations.map((o) => [o.name, o.notes]));
    expect(notes).toEqual({ A: 'Priority', B: 'Normal' });
  });

  it('update_many: ?ids= or ?external_ids= with one organization object makes the same change to each', async () => {
    const a = (await upsertOrg(ctx.sb, { name: 'A', external_id: 'a' })).body.organization;
    const b = (await upsertOrg(ctx.sb, { name: 'B', external_id: 'b' })).body.organization;
    const byIds = await call(ctx.sb, 'PUT', `/api/v2/organizations/update_many?ids=${a.id},${b.id}`, {
      organization: { notes: 'same' },
    });
    await waitForJob(ctx.sb, byIds.body.job_status.id);
    expect(ctx.sb.state().organizations.map((o) => o.notes)).toEqual(['same', 'same']);
    const byExt = await call(ctx.sb, 'PUT', '/api/v2/organizations/update_many?external_ids=a,b', {
      organization: { tags: ['vip'] },
    });
    await waitForJob(ctx.sb, byExt.body.job_status.id);
    expect(ctx.sb.state().organizations.map((o) => o.tags)).toEqual([['vip'], ['vip']]);
  });

  it('show_many: by ids and by external_ids (case-insensitive), at most 100', async () => {
    const a = (await upsertOrg(ctx.sb, { name: 'A', external_id: 'ext-a' })).body.organization;
    const b = (await upsertOrg(ctx.sb, { name: 'B', external_id: 'ext-b' })).body.organization;
    const byIds = await call(ctx.sb, 'GET', `/api/v2/organizations/show_many?ids=${a.id},${b.id},4242`);
    expect(byIds.status).toBe(200);
    expect(byIds.body.organizations.map((o: { id: number }) => o.id)).toEqual([a.id, b.id]);
    const byExt = await call(ctx.sb, 'GET', '/api/v2/organizations/show_many?external_ids=EXT-B,nobody');
    expect(byExt.body.organizations.map((o: { name: string }) => o.name)).toEqual(['B']);
    expect(byExt.body.count).toBe(1);
    const many = Array.from({ length: 101 }, (_, i) => i + 1).join(',');
    expect((await call(ctx.sb, 'GET', `/api/v2/organizations/show_many?ids=${many}`)).status).toBe(400);
    expect((await call(ctx.sb, 'GET', '/api/v2/organizations/show_many')).status).toBe(400);
  });
});
