import { describe, expect, it } from 'vitest';
import { call, upsertOrg, upsertUser, useSandbox, waitForJob } from './helpers.js';
import type { Sandbox } from '../../../src/sandbox/index.js';

const ctx = useSandbox();

async function userAndOrgs(sb: Sandbox, n = 1) {
  const user = (await upsertUser(sb, { name: 'U', external_id: 'u' })).body.user as { id: number };
  const orgs: number[] = [];
  for (let i = 0; i < n; i++)
    orgs.push((await upsertOrg(sb, { name: `Org ${i}`, external_id: `o${i}` })).body.organization.id);
  return { user: user.id, orgs };
}

describe('organization memberships contract', () => {
  it('create: POST /organization_memberships answers 201 with the membership; the first is the default', async () => {
    const { user, orgs } = await userAndOrgs(ctx.sb);
    const a = await call(ctx.sb, 'POST', '/api/v2/organization_memberships', {
      organization_membership: { user_id: user, organization_id: orgs[0] },
    });
    expect(a.status).toBe(201);
    expect(a.body.organization_membership).toMatchObject({
      user_id: user,
      organization_id: orgs[0],
      default: true,
      organization_name: 'Org 0',
      view_tickets: true,
    });
    expect(typeof a.body.organization_membership.id).toBe('number');
    expect((await call(ctx.sb, 'GET', `/api/v2/users/${user}`)).body.user.organization_id).toBe(orgs[0]);
  });

  it('create: POST users/{id}/organization_memberships works too; a second membership has default null', async () => {
    const { user, orgs } = await userAndOrgs(ctx.sb, 2);
    await call(ctx.sb, 'POST', `/api/v2/users/${user}/organization_memberships`, {
      organization_membership: { organization_id: orgs[0] },
    });
    const b = await call(ctx.sb, 'POST', `/api/v2/users/${user}/organization_memberships`, {
      organization_membership: { organization_id: orgs[1] },
    });
    expect(b.status).toBe(201);
    expect(b.body.organization_membership).toMatchObject({
      user_id: user,
      organization_id: orgs[1],
      default: null,
    });
  });

  it('create: an existing membership is 422 RecordInvalid', async () => {
    const { user, orgs } = await userAndOrgs(ctx.sb);
    const body = { organization_membership: { user_id: user, organization_id: orgs[0] } };
    await call(ctx.sb, 'POST', '/api/v2/organization_memberships', body);
    const again = await call(ctx.sb, 'POST', '/api/v2/organization_memberships', body);
    expect(again.status).toBe(422);
    expect(again.body).toMatchObject({ error: 'RecordInvalid', description: 'Record validation errors' });
    expect(ctx.sb.state().memberships).toHaveLength(1);
  });

  it('create: an unknown organization is 422 "Organization cannot be blank"', async () => {
    const { user } = await userAndOrgs(ctx.sb, 0);
    const a = await call(ctx.sb, 'POST', '/api/v2/organization_memberships', {
      organization_membership: { user_id: user, organization_id: 77 },
    });
    expect(a.status).toBe(422);
    expect(a.body.details.organization[0]).toEqual({
      description: 'Organization cannot be blank',
      error: 'BlankValue',
    });
  });

  it('list: users/{id}/organization_memberships has the default first, then by name; offset and cursor forms', async () => {
    const { user, orgs } = await userAndOrgs(ctx.sb, 3);
    for (const o of [orgs[2], orgs[0], orgs[1]])
      await call(ctx.sb, 'POST', `/api/v2/users/${user}/organization_memberships`, {
        organization_membership: { organization_id: o },
      });
    const offset = await call(ctx.sb, 'GET', `/api/v2/users/${user}/organization_memberships`);
    expect(offset.body.count).toBe(3);
    expect(
      offset.body.organization_memberships.map((m: { organization_id: number }) => m.organization_id),
    ).toEqual([orgs[2], orgs[0], orgs[1]]);
    const cursor = await call(ctx.sb, 'GET', `/api/v2/users/${user}/organization_memberships?page[size]=2`);
    expect(cursor.body.organization_memberships).toHaveLength(2);
    expect(cursor.body.meta.has_more).toBe(true);
    const all = await call(ctx.sb, 'GET', '/api/v2/organization_memberships');
    expect(all.body.organization_memberships).toHaveLength(3);
  });

  it('DELETE: 204 with no body; a deleted default moves to the next membership', async () => {
    const { user, orgs } = await userAndOrgs(ctx.sb, 2);
    const first = (
      await call(ctx.sb, 'POST', `/api/v2/users/${user}/organization_memberships`, {
        organization_membership: { organization_id: orgs[0] },
      })
    ).body.organization_membership;
    await call(ctx.sb, 'POST', `/api/v2/users/${user}/organization_memberships`, {
      organization_membership: { organization_id: orgs[1] },
    });
    const del = await call(ctx.sb, 'DELETE', `/api/v2/organization_memberships/${first.id}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect((await call(ctx.sb, 'GET', `/api/v2/users/${user}`)).body.user.organization_id).toBe(orgs[1]);
    expect((await call(ctx.sb, 'DELETE', `/api/v2/organization_memberships/${first.id}`)).status).toBe(404);
  });

  it('create_many: returns a job whose results say Created per item, and failures per index', async () => {
    const { user, orgs } = await userAndOrgs(ctx.sb, 2);
    const a = await call(ctx.sb, 'POST', '/api/v2/organization_memberships/create_many', {
      organization_memberships: [
        { user_id: user, organization_id: orgs[0] },
        { user_id: user, organization_id: orgs[0] },
        { user_id: user, organization_id: orgs[1] },
      ],
    });
    expect(a.status).toBe(200);
    expect(a.body.job_status.status).toBe('queued');
    const done = await waitForJob(ctx.sb, a.body.job_status.id);
    const results = done.body.job_status.results;
    expect(results[0]).toMatchObject({ action: 'create', status: 'Created', success: true, index: 0 });
    expect(results[1]).toMatchObject({ index: 1, error: 'RecordInvalid', success: false });
    expect(results[1].details.user_id[0].error).toBe('DuplicateValue');
    expect(results[2]).toMatchObject({ action: 'create', success: true, index: 2 });
    expect(ctx.sb.state().memberships).toHaveLength(2);
  });

  it('create_many: more than 100 is refused', async () => {
    const items = Array.from({ length: 101 }, () => ({ user_id: 1, organization_id: 2 }));
    const a = await call(ctx.sb, 'POST', '/api/v2/organization_memberships/create_many', {
      organization_memberships: items,
    });
    expect(a.status).toBe(400);
  });
});
