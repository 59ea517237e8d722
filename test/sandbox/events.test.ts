import { describe, expect, it } from 'vitest';
import { call, upsertUser, useSandbox } from './helpers.js';

const ctx = useSandbox();
const event = {
  source: 'segment',
  type: 'Order Completed',
  properties: { total: 10 },
  created_at: '2024-01-02T03:04:05Z',
};

describe('user events contract', () => {
  it('POST users/{id}/events: 202 {profile_id, status:"received", user_id}', async () => {
    const u = (await upsertUser(ctx.sb, { name: 'E', external_id: 'e' })).body.user;
    const a = await call(ctx.sb, 'POST', `/api/v2/users/${u.id}/events`, { event });
    expect(a.status).toBe(202);
    expect(a.body).toEqual({
      profile_id: expect.stringMatching(/^[0-9A-Z]{26}$/),
      status: 'received',
      user_id: String(u.id),
    });
    const stored = ctx.sb.state().events;
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ user_id: u.id, via: 'users', event: { ...event } });
  });

  it('POST users/{id}/events: the same user and source keep one profile id', async () => {
    const u = (await upsertUser(ctx.sb, { name: 'E', external_id: 'e' })).body.user;
    const a = await call(ctx.sb, 'POST', `/api/v2/users/${u.id}/events`, { event });
    const b = await call(ctx.sb, 'POST', `/api/v2/users/${u.id}/events`, {
      event: { ...event, type: 'Other' },
    });
    expect(b.body.profile_id).toBe(a.body.profile_id);
  });

  it('POST users/{id}/events: created_at defaults to the time received', async () => {
    const u = (await upsertUser(ctx.sb, { name: 'E', external_id: 'e' })).body.user;
    const { created_at: _c, ...noTime } = event;
    await call(ctx.sb, 'POST', `/api/v2/users/${u.id}/events`, { event: noTime });
    const stored = ctx.sb.state().events[0];
    expect(stored?.event.created_at).toBe(stored?.received_at);
  });

  it('POST users/{id}/events: an unknown user is 404 in the Events API error form', async () => {
    const a = await call(ctx.sb, 'POST', '/api/v2/users/4242/events', { event });
    expect(a.status).toBe(404);
    expect(a.body.errors[0]).toMatchObject({ code: 'NotFound' });
  });

  it.each([
    ['source', { ...event, source: undefined }],
    ['type', { ...event, type: '' }],
    ['properties', { ...event, properties: undefined }],
  ])('POST users/{id}/events: event.%s is required (400)', async (_k, bad) => {
    const u = (await upsertUser(ctx.sb, { name: 'E', external_id: 'e' })).body.user;
    const a = await call(ctx.sb, 'POST', `/api/v2/users/${u.id}/events`, { event: bad });
    expect(a.status).toBe(400);
    expect(Array.isArray(a.body.errors)).toBe(true);
    expect(ctx.sb.state().events).toEqual([]);
  });

  it('POST users/{id}/events: source "zendesk" is reserved and errors', async () => {
    const u = (await upsertUser(ctx.sb, { name: 'E', external_id: 'e' })).body.user;
    const a = await call(ctx.sb, 'POST', `/api/v2/users/${u.id}/events`, {
      event: { ...event, source: 'zendesk' },
    });
    expect(a.status).toBe(400);
    expect(a.body.errors[0].title).toContain('zendesk');
  });

  it('POST user_profiles/events: finds the user by external_id identifier', async () => {
    const u = (await upsertUser(ctx.sb, { name: 'E', external_id: 'e-1' })).body.user;
    const a = await call(ctx.sb, 'POST', '/api/v2/user_profiles/events', {
      profile: { source: 'segment', type: 'customer', identifiers: [{ type: 'external_id', value: 'e-1' }] },
      event,
    });
    expect(a.status).toBe(202);
    expect(a.body).toMatchObject({ status: 'received', user_id: String(u.id) });
    expect(ctx.sb.state().events[0]?.via).toBe('user_profiles');
  });

  it('POST user_profiles/events: creates the user when no identifier matches', async () => {
    const a = await call(ctx.sb, 'POST', '/api/v2/user_profiles/events', {
      profile: {
        source: 'segment',
        type: 'customer',
        name: 'Jane',
        identifiers: [{ type: 'email', value: 'jane@example.com' }],
      },
      event,
    });
    expect(a.status).toBe(202);
    expect(ctx.sb.state().users).toEqual([
      expect.objectContaining({ name: 'Jane', email: 'jane@example.com', id: Number(a.body.user_id) }),
    ]);
  });

  it('POST user_profiles/events: profile source, type and identifiers are required', async () => {
    const a = await call(ctx.sb, 'POST', '/api/v2/user_profiles/events', {
      profile: { source: 'segment', type: 'customer' },
      event,
    });
    expect(a.status).toBe(400);
  });
});
