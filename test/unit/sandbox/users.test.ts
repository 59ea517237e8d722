import { describe, expect, it } from 'vitest';
import { NO_LIMITS } from '../../../src/sandbox/index.js';
import { call, upsertOrg, upsertUser, useSandbox, waitForJob } from './helpers.js';

// Matching and validation rules here, not rate limits (limits.test.ts): the explicit loose mode.
const ctx = useSandbox({ config: { limits: NO_LIMITS } });

describe('users contract', () => {
  it('create_or_update: creates with 201 and a Location header, updates with 200', async () => {
    const created = await upsertUser(ctx.sb, {
      name: 'Roger Wilco',
      email: 'roge@example.org',
      external_id: 'account_1',
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/v2/users/${created.body.user.id}.json`);
    expect(created.body.user).toMatchObject({
      name: 'Roger Wilco',
      email: 'roge@example.org',
      external_id: 'account_1',
    });
    const updated = await upsertUser(ctx.sb, { name: 'Roger W.', email: 'roge@example.org' });
    expect(updated.status).toBe(200);
    expect(updated.body.user.id).toBe(created.body.user.id);
    expect(updated.body.user.name).toBe('Roger W.');
  });

  it('create_or_update: a user created without a role is an end-user', async () => {
    const a = await upsertUser(ctx.sb, { name: 'N', email: 'n@example.org' });
    expect(a.body.user.role).toBe('end-user');
  });

  it('create_or_update: external_id match is case-insensitive and rewrites the stored case', async () => {
    const first = await upsertUser(ctx.sb, { name: 'A', external_id: 'ABC-1' });
    const second = await upsertUser(ctx.sb, { name: 'A', external_id: 'abc-1' });
    expect(second.status).toBe(200);
    expect(second.body.user.id).toBe(first.body.user.id);
    expect(second.body.user.external_id).toBe('abc-1');
    expect(ctx.sb.state().users).toHaveLength(1);
  });

  it('create_or_update: matches by email case-insensitively and sets a missing external_id', async () => {
    const first = await upsertUser(ctx.sb, { name: 'A', email: 'Ann@Example.org' });
    const second = await upsertUser(ctx.sb, { name: 'A', email: 'ann@example.org', external_id: 'u1' });
    expect(second.status).toBe(200);
    expect(second.body.user.id).toBe(first.body.user.id);
    expect(second.body.user.external_id).toBe('u1');
  });

  it('create_or_update: email and external_id of two different users is 422 DuplicateValue (default reject)', async () => {
    await upsertUser(ctx.sb, { name: 'A', email: 'a@example.org' });
    await upsertUser(ctx.sb, { name: 'B', external_id: 'b' });
    const a = await upsertUser(ctx.sb, { name: 'X', email: 'a@example.org', external_id: 'b' });
    expect(a.status).toBe(422);
    expect(a.body).toEqual({
      error: 'RecordInvalid',
      description: 'Record validation errors',
      details: {
        email: [
          {
            description: 'Email: a@example.org is already being used by another user',
            error: 'DuplicateValue',
          },
        ],
      },
    });
    expect(
      ctx.sb
        .state()
        .users.map((u) => u.name)
        .sort(),
    ).toEqual(['A', 'B']);
  });

  it('create_or_update: duplicateMatch email-wins updates the email owner and leaves the other external_id alone', async () => {
    ctx.sb.configure({ duplicateMatch: 'email-wins' });
    const a = await upsertUser(ctx.sb, { name: 'A', email: 'a@example.org' });
    const b = await upsertUser(ctx.sb, { name: 'B', external_id: 'b' });
    const r = await upsertUser(ctx.sb, { name: 'X', email: 'a@example.org', external_id: 'b' });
    expect(r.status).toBe(200);
    expect(r.body.user.id).toBe(a.body.user.id);
    expect(r.body.user.external_id).toBeNull();
    expect(ctx.sb.state().users.find((u) => u.id === b.body.user.id)?.external_id).toBe('b');
  });

  it('create_or_update: duplicateMatch external-id-wins updates the external_id owner', async () => {
    ctx.sb.configure({ duplicateMatch: 'external-id-wins' });
    await upsertUser(ctx.sb, { name: 'A', email: 'a@example.org' });
    const b = await upsertUser(ctx.sb, { name: 'B', external_id: 'b' });
    const r = await upsertUser(ctx.sb, { name: 'X', email: 'a@example.org', external_id: 'b' });
    expect(r.status).toBe(200);
    expect(r.body.user.id).toBe(b.body.user.id);
    expect(r.body.user.email).toBeNull();
  });

  it('create_or_update: name is mandatory when the user must be created', async () => {
    const a = await upsertUser(ctx.sb, { email: 'nameless@example.org' });
    expect(a.status).toBe(422);
    expect(a.body.error).toBe('RecordInvalid');
    expect(Object.keys(a.body.details)).toEqual(['name']);
    expect(ctx.sb.state().users).toHaveLength(0);
  });

  it('create_or_update: an existing user is updated without a name', async () => {
    await upsertUser(ctx.sb, { name: 'Kept', external_id: 'k' });
    const a = await upsertUser(ctx.sb, { external_id: 'k', phone: '+15551234567' });
    expect(a.status).toBe(200);
    expect(a.body.user).toMatchObject({ name: 'Kept', phone: '+15551234567' });
  });

  it('create_or_update: skip_verify_email is accepted inside user and at the top level', async () => {
    const inside = await upsertUser(ctx.sb, { name: 'A', email: 'a@example.org', skip_verify_email: true });
    const top = await call(ctx.sb, 'POST', '/api/v2/users/create_or_update', {
      user: { name: 'B', email: 'b@example.org' },
      skip_verify_email: true,
    });
    expect([inside.status, top.status]).toEqual([201, 201]);
  });

  it('create_or_update: verified on create marks the primary email verified', async () => {
    const a = await upsertUser(ctx.sb, { name: 'V', email: 'v@example.org', verified: true });
    expect(a.body.user.verified).toBe(true);
    const b = await upsertUser(ctx.sb, { name: 'U', email: 'u@example.org', verified: false });
    expect(b.body.user.verified).toBe(false);
  });

  it('create_or_update: verified:false on a verified user unverifies its primary email; leaving verified out keeps it ("verified alone sets the flag on the primary identity" [U])', async () => {
    await upsertUser(ctx.sb, { name: 'V', email: 'v@example.org', external_id: 'v', verified: true });
    const kept = await upsertUser(ctx.sb, { external_id: 'v', email: 'v@example.org', notes: 'x' });
    expect(kept.body.user.verified).toBe(true);
    // This is why the destination never sends verified:false (SPEC 2).
    const a = await upsertUser(ctx.sb, { external_id: 'v', email: 'v@example.org', verified: false });
    expect(a.status).toBe(200);
    expect(a.body.user.verified).toBe(false);
    const ids = ctx.sb.state().users[0]?.identities as { value: string; verified: boolean }[];
    expect(ids).toEqual([expect.objectContaining({ value: 'v@example.org', verified: false })]);
  });

  it('create_or_update: user_fields are stored typed and every defined key is rendered', async () => {
    for (const [key, type] of [
      ['plan', 'text'],
      ['vip', 'checkbox'],
      ['seats', 'integer'],
      ['score', 'decimal'],
      ['since', 'date'],
      ['unset', 'text'],
    ])
      await call(ctx.sb, 'POST', '/api/v2/user_fields', { user_field: { key, type, title: key } });
    const a = await upsertUser(ctx.sb, {
      name: 'T',
      external_id: 't',
      user_fields: { plan: 'pro', vip: 'true', seats: '12', score: 5.1, since: '2012-07-23' },
    });
    expect(a.body.user.user_fields).toEqual({
      plan: 'pro',
      vip: true,
      seats: 12,
      score: 5.1,
      since: '2012-07-23T00:00:00Z',
      unset: null,
    });
  });

  it('create_or_update: a value that does not fit its field type is 422 and nothing is stored', async () => {
    await call(ctx.sb, 'POST', '/api/v2/user_fields', {
      user_field: { key: 'seats', type: 'integer', title: 'Seats' },
    });
    const a = await upsertUser(ctx.sb, { name: 'T', external_id: 't', user_fields: { seats: 'many' } });
    expect(a.status).toBe(422);
    expect(a.body.details.seats[0].error).toBe('InvalidValue');
    expect(ctx.sb.state().users).toHaveLength(0);
  });

  it('create_or_update: unknown user_fields keys are ignored by default', async () => {
    const a = await upsertUser(ctx.sb, { name: 'T', external_id: 't', user_fields: { nope: 1 } });
    expect(a.status).toBe(201);
    expect(a.body.user.user_fields).toEqual({});
  });

  it('create_or_update: unknown user_fields keys are a 422 when unknownCustomFieldKeys is error', async () => {
    ctx.sb.configure({ unknownCustomFieldKeys: 'error' });
    const a = await upsertUser(ctx.sb, { name: 'T', external_id: 't', user_fields: { nope: 1 } });
    expect(a.status).toBe(422);
    expect(a.body.details.user_fields[0].description).toContain('nope');
  });

  it('create_or_update: organization_id sets the default organization and replaces other memberships', async () => {
    const o1 = (await upsertOrg(ctx.sb, { name: 'One', external_id: 'o1' })).body.organization.id;
    const o2 = (await upsertOrg(ctx.sb, { name: 'Two', external_id: 'o2' })).body.organization.id;
    const u = (await upsertUser(ctx.sb, { name: 'M', external_id: 'm', organization_id: o1 })).body.user;
    expect(u.organization_id).toBe(o1);
    await call(ctx.sb, 'POST', `/api/v2/users/${u.id}/organization_memberships`, {
      organization_membership: { organization_id: o2 },
    });
    expect(ctx.sb.state().memberships).toHaveLength(2);
    const again = await upsertUser(ctx.sb, { external_id: 'm', organization_id: o2 });
    expect(again.body.user.organization_id).toBe(o2);
    const ms = ctx.sb.state().memberships;
    expect(ms).toHaveLength(1);
    expect(ms[0]).toMatchObject({ user_id: u.id, organization_id: o2, default: true });
  });

  it('create_or_update: an organization_id that does not exist is 422', async () => {
    const a = await upsertUser(ctx.sb, { name: 'M', external_id: 'm', organization_id: 999 });
    expect(a.status).toBe(422);
    expect(a.body.details.organization_id).toBeDefined();
  });

  it('create_or_update: a missing user object is 400', async () => {
    const a = await call(ctx.sb, 'POST', '/api/v2/users/create_or_update', { name: 'flat' });
    expect(a.status).toBe(400);
  });

  it('show: returns the user, 404 RecordNotFound otherwise', async () => {
    const u = (await upsertUser(ctx.sb, { name: 'S', external_id: 's' })).body.user;
    const a = await call(ctx.sb, 'GET', `/api/v2/users/${u.id}.json`);
    expect(a.status).toBe(200);
    expect(a.body.user.id).toBe(u.id);
    const missing = await call(ctx.sb, 'GET', '/api/v2/users/1');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: 'RecordNotFound', description: 'Not found' });
  });

  it('show_many: by ids and by external_ids (case-insensitive), at most 100', async () => {
    const a = (await upsertUser(ctx.sb, { name: 'A', external_id: 'Ext-A' })).body.user;
    const b = (await upsertUser(ctx.sb, { name: 'B', external_id: 'ext-b' })).body.user;
    const byIds = await call(ctx.sb, 'GET', `/api/v2/users/show_many?ids=${a.id},${b.id},424242`);
    expect(byIds.body.users.map((u: { id: number }) => u.id)).toEqual([a.id, b.id]);
    const byExt = await call(ctx.sb, 'GET', '/api/v2/users/show_many?external_ids=ext-a,EXT-B');
    expect(byExt.body.users.map((u: { id: number }) => u.id)).toEqual([a.id, b.id]);
    const tooMany = await call(
      ctx.sb,
      'GET',
      `/api/v2/users/show_many?ids=${Array.from({ length: 101 }, (_, i) => i + 1).join(',')}`,
    );
    expect(tooMany.status).toBe(400);
  });

  it('search: query=email: finds the user by any email identity, external_id= by id', async () => {
    const u = (await upsertUser(ctx.sb, { name: 'A', email: 'A@example.org', external_id: 'x1' })).body.user;
    await upsertUser(ctx.sb, { name: 'B', email: 'b@example.org' });
    const byEmail = await call(
      ctx.sb,
      'GET',
      `/api/v2/users/search?query=${encodeURIComponent('email:a@example.org')}`,
    );
    expect(byEmail.status).toBe(200);
    expect(byEmail.body).toMatchObject({ count: 1, next_page: null, previous_page: null });
    expect(byEmail.body.users[0].id).toBe(u.id);
    const byExt = await call(ctx.sb, 'GET', '/api/v2/users/search?external_id=x1');
    expect(byExt.body.users.map((x: { id: number }) => x.id)).toEqual([u.id]);
    const none = await call(ctx.sb, 'GET', '/api/v2/users/search?external_id=nobody');
    expect(none.body).toMatchObject({ users: [], count: 0 });
  });

  it('search: offset pagination with per_page, next_page and previous_page', async () => {
    for (let i = 0; i < 5; i++)
      await upsertUser(ctx.sb, { name: `Same ${i}`, email: `same${i}@example.org` });
    const p1 = await call(ctx.sb, 'GET', '/api/v2/users/search?query=same&per_page=2');
    expect(p1.body.users).toHaveLength(2);
    expect(p1.body.count).toBe(5);
    expect(p1.body.next_page).toContain('page=2');
    const follow = (link: string) => call(ctx.sb, 'GET', link.slice(ctx.sb.url.length));
    const p2 = await follow(p1.body.next_page);
    expect(p2.body.users).toHaveLength(2);
    const p3 = await follow(p2.body.next_page);
    expect(p3.body.users).toHaveLength(1);
    expect(p3.body.next_page).toBeNull();
    expect(p3.body.previous_page).toContain('page=2');
  });

  it('PUT users/{id}: email alone adds a secondary, unverified identity; the primary stays', async () => {
    const u = (await upsertUser(ctx.sb, { name: 'P', email: 'p@example.org', verified: true })).body.user;
    const a = await call(ctx.sb, 'PUT', `/api/v2/users/${u.id}`, { user: { email: 'p2@example.org' } });
    expect(a.status).toBe(200);
    expect(a.body.user.email).toBe('p@example.org');
    const ids = ctx.sb.state().users[0]?.identities as {
      value: string;
      primary: boolean;
      verified: boolean;
    }[];
    expect(ids).toEqual([
      expect.objectContaining({ value: 'p@example.org', primary: true, verified: true }),
      expect.objectContaining({ value: 'p2@example.org', primary: false, verified: false }),
    ]);
  });

  it('PUT users/{id}: email with verified adds a secondary identity with that verified value', async () => {
    const u = (await upsertUser(ctx.sb, { name: 'P', email: 'p@example.org' })).body.user;
    await call(ctx.sb, 'PUT', `/api/v2/users/${u.id}`, { user: { email: 'p3@example.org', verified: true } });
    const ids = ctx.sb.state().users[0]?.identities as {
      value: string;
      primary: boolean;
      verified: boolean;
    }[];
    expect(ids[1]).toMatchObject({ value: 'p3@example.org', primary: false, verified: true });
    expect(ids[0]).toMatchObject({ primary: true, verified: false });
  });

  it('PUT users/{id}: verified alone sets the flag on the primary identity', async () => {
    const u = (await upsertUser(ctx.sb, { name: 'P', email: 'p@example.org' })).body.user;
    const a = await call(ctx.sb, 'PUT', `/api/v2/users/${u.id}`, { user: { verified: true } });
    expect(a.body.user.verified).toBe(true);
  });

  it('PUT users/{id}: an email another user holds is 422 DuplicateValue', async () => {
    await upsertUser(ctx.sb, { name: 'A', email: 'a@example.org' });
    const b = (await upsertUser(ctx.sb, { name: 'B', email: 'b@example.org' })).body.user;
    const a = await call(ctx.sb, 'PUT', `/api/v2/users/${b.id}`, { user: { email: 'A@example.org' } });
    expect(a.status).toBe(422);
    expect(a.body.details.email[0].error).toBe('DuplicateValue');
  });

  it('PUT users/{id}: an external_id another user holds is 422 DuplicateValue', async () => {
    await upsertUser(ctx.sb, { name: 'A', external_id: 'taken' });
    const b = (await upsertUser(ctx.sb, { name: 'B', external_id: 'b' })).body.user;
    const a = await call(ctx.sb, 'PUT', `/api/v2/users/${b.id}`, { user: { external_id: 'TAKEN' } });
    expect(a.status).toBe(422);
    expect(a.body.details.external_id[0].error).toBe('DuplicateValue');
  });

  it('PUT users/{id}: organization_id removes all other memberships', async () => {
    const o1 = (await upsertOrg(ctx.sb, { name: 'One' })).body.organization.id;
    const o2 = (await upsertOrg(ctx.sb, { name: 'Two' })).body.organization.id;
    const u = (await upsertUser(ctx.sb, { name: 'M', external_id: 'm', organization_id: o1 })).body.user;
    const a = await call(ctx.sb, 'PUT', `/api/v2/users/${u.id}`, { user: { organization_id: o2 } });
    expect(a.body.user.organization_id).toBe(o2);
    expect(ctx.sb.state().memberships.map((m) => m.organization_id)).toEqual([o2]);
  });

  it('PUT users/{id}: an unknown user is 404', async () => {
    const a = await call(ctx.sb, 'PUT', '/api/v2/users/5', { user: { name: 'x' } });
    expect(a.status).toBe(404);
    expect(a.body.error).toBe('RecordNotFound');
  });

  it('users/me: answers the authenticated user', async () => {
    const a = await call(ctx.sb, 'GET', '/api/v2/users/me.json');
    expect(a.status).toBe(200);
    expect(a.body.user.role).toBe('admin');
  });

  it('an unknown path is 404 InvalidEndpoint', async () => {
    const a = await call(ctx.sb, 'GET', '/api/v2/tickets/recent');
    expect(a.status).toBe(404);
    expect(a.body).toEqual({ error: 'InvalidEndpoint', description: 'Not found' });
  });
});

describe('users contract: time_zone', () => {
  it('time_zone: only Zendesk zone names ("Pacific Time (US & Canada)", "Abu Dhabi", "Hanoi", "Berlin") are stored; an unknown zone, an IANA name included, is 422 RecordInvalid naming time_zone', async () => {
    for (const zone of ['America/Los_Angeles', 'Asia/Dubai', 'Mars', 'berlin']) {
      const a = await upsertUser(ctx.sb, { name: 'Z', external_id: 'z', time_zone: zone });
      expect(a.status, zone).toBe(422);
      expect(a.body).toMatchObject({ error: 'RecordInvalid', description: 'Record validation errors' });
      expect(Object.keys(a.body.details)).toEqual(['time_zone']);
      expect(a.body.details.time_zone[0]).toMatchObject({ error: 'InvalidValue' });
      expect(a.body.details.time_zone[0].description).toContain(zone);
    }
    expect(ctx.sb.state().users).toEqual([]);
    const zones = ['Pacific Time (US & Canada)', 'Abu Dhabi', 'Hanoi', 'Berlin', 'UTC'];
    for (const [i, zone] of zones.entries()) {
      const a = await upsertUser(ctx.sb, { name: 'Z', external_id: `z${i}`, time_zone: zone });
      expect(a.status, zone).toBe(201);
      expect(a.body.user.time_zone).toBe(zone);
    }
  });

  it('time_zone: PUT users/{id} and bulk items are checked the same way', async () => {
    const u = (await upsertUser(ctx.sb, { name: 'Z', external_id: 'z', time_zone: 'Berlin' })).body.user;
    const put = await call(ctx.sb, 'PUT', `/api/v2/users/${u.id}`, { user: { time_zone: 'Europe/Berlin' } });
    expect(put.status).toBe(422);
    expect(put.body.details.time_zone).toBeDefined();
    expect(ctx.sb.state().users[0]?.time_zone).toBe('Berlin');
    const job = await call(ctx.sb, 'POST', '/api/v2/users/create_or_update_many', {
      users: [
        { name: 'A', external_id: 'a', time_zone: 'Europe/Oslo' },
        { name: 'B', external_id: 'b', time_zone: 'Hanoi' },
      ],
    });
    const done = await waitForJob(ctx.sb, job.body.job_status.id);
    expect(done.body.job_status.results[0]).toMatchObject({
      index: 0,
      success: false,
      error: 'RecordInvalid',
    });
    expect(done.body.job_status.results[0].details.time_zone).toBeDefined();
    expect(done.body.job_status.results[1]).toMatchObject({ action: 'create', success: true });
  });
});
