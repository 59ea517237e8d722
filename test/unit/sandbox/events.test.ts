import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTERPRISE_LIMITS, startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { call, upsertUser, useSandbox } from './helpers.js';

const ctx = useSandbox();
const event = {
  source: 'segment',
  type: 'Order Completed',
  properties: { total: 10 },
  created_at: '2024-01-02T03:04:05Z',
};
/** The profile Zendesk requires beside the event on both routes [EV]. */
const profile = {
  source: 'segment',
  type: 'customer',
  identifiers: [{ type: 'external_id', value: 'e' }],
};

describe('user events contract', () => {
  it('POST users/{id}/events: 202 {profile_id, status:"received", user_id}', async () => {
    const u = (await upsertUser(ctx.sb, { name: 'E', external_id: 'e' })).body.user;
    const a = await call(ctx.sb, 'POST', `/api/v2/users/${u.id}/events`, { profile, event });
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
    const a = await call(ctx.sb, 'POST', `/api/v2/users/${u.id}/events`, { profile, event });
    const b = await call(ctx.sb, 'POST', `/api/v2/users/${u.id}/events`, {
      profile,
      event: { ...event, type: 'Other' },
    });
    expect(b.body.profile_id).toBe(a.body.profile_id);
  });

  it('POST users/{id}/events: created_at defaults to the time received', async () => {
    const u = (await upsertUser(ctx.sb, { name: 'E', external_id: 'e' })).body.user;
    const { created_at: _c, ...noTime } = event;
    await call(ctx.sb, 'POST', `/api/v2/users/${u.id}/events`, { profile, event: noTime });
    const stored = ctx.sb.state().events[0];
    expect(stored?.event.created_at).toBe(stored?.received_at);
  });

  it('POST users/{id}/events: an unknown user is 404 in the Events API error form', async () => {
    const a = await call(ctx.sb, 'POST', '/api/v2/users/4242/events', { profile, event });
    expect(a.status).toBe(404);
    expect(a.body.errors[0]).toMatchObject({ code: 'NotFound' });
  });

  it.each([
    ['source', { ...event, source: undefined }],
    ['type', { ...event, type: '' }],
    ['properties', { ...event, properties: undefined }],
  ])('POST users/{id}/events: event.%s is required (400)', async (_k, bad) => {
    const u = (await upsertUser(ctx.sb, { name: 'E', external_id: 'e' })).body.user;
    const a = await call(ctx.sb, 'POST', `/api/v2/users/${u.id}/events`, { profile, event: bad });
    expect(a.status).toBe(400);
    expect(Array.isArray(a.body.errors)).toBe(true);
    expect(ctx.sb.state().events).toEqual([]);
  });

  it('POST users/{id}/events: source "zendesk" is reserved and errors', async () => {
    const u = (await upsertUser(ctx.sb, { name: 'E', external_id: 'e' })).body.user;
    const a = await call(ctx.sb, 'POST', `/api/v2/users/${u.id}/events`, {
      profile,
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

  it('POST users/{id}/events: profile is required beside event (400 in the Events API envelope, nothing stored)', async () => {
    const u = (await upsertUser(ctx.sb, { name: 'E', external_id: 'e' })).body.user;
    const a = await call(ctx.sb, 'POST', `/api/v2/users/${u.id}/events`, { event });
    expect(a.status).toBe(400);
    expect(a.body).toEqual({
      errors: [{ code: 'InvalidValue', id: 'invalidvalue', title: expect.stringContaining('profile') }],
    });
    const noIds = await call(ctx.sb, 'POST', `/api/v2/users/${u.id}/events`, {
      profile: { source: 'segment', type: 'customer' },
      event,
    });
    expect(noIds.status).toBe(400);
    expect(noIds.body.errors[0].title).toContain('profile.identifiers');
    expect(ctx.sb.state().events).toEqual([]);
  });
});

describe('Events API budget', () => {
  // An injected clock makes the window and Retry-After exact.
  let clock = 1_700_000_000_000;
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ now: () => clock });
  });
  afterAll(() => sb.close());

  it('Events API: its own per-minute budget (Enterprise 700 by default), 429 + Retry-After past it, apart from the account budget', async () => {
    expect(sb.config().limits.eventsPerMinute).toBe(ENTERPRISE_LIMITS.eventsPerMinute);
    expect(ENTERPRISE_LIMITS.eventsPerMinute).toBe(700);
    sb.configure({ limits: { eventsPerMinute: 3, accountPerMinute: 10 } });
    const u = (await upsertUser(sb, { name: 'E', external_id: 'e' })).body.user;
    const accountAfterUpsert = Number(
      (await call(sb, 'GET', '/api/v2/user_fields')).headers.get('x-rate-limit-remaining'),
    );
    const send = () => call(sb, 'POST', `/api/v2/users/${u.id}/events`, { profile, event });
    for (let i = 0; i < 3; i++) {
      const a = await send();
      expect(a.status).toBe(202);
      expect(a.headers.get('zendesk-ratelimit-events')).toContain(`total=3; remaining=${2 - i}`);
    }
    clock += 15_000;
    const over = await call(sb, 'POST', '/api/v2/user_profiles/events', { profile, event });
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('45');
    expect(over.body.errors[0].code).toBe('TooManyRequests');
    expect(sb.state().events).toHaveLength(3);
    // The account budget was not spent by the events, and still answers while events wait.
    const other = await call(sb, 'GET', '/api/v2/user_fields');
    expect(other.status).toBe(200);
    expect(Number(other.headers.get('x-rate-limit-remaining'))).toBe(accountAfterUpsert - 1);
    clock += 45_000;
    expect((await send()).status).toBe(202);
  });
});

describe('duplicate events (what Zendesk would show twice)', () => {
  it('counts events with the same user, type, timestamp and properties, whatever the key order or route', async () => {
    const u = (await upsertUser(ctx.sb, { name: 'E', external_id: 'e' })).body.user;
    const post = (ev: Record<string, unknown>) =>
      call(ctx.sb, 'POST', `/api/v2/users/${u.id}/events`, { profile, event: ev });
    await post(event);
    expect(ctx.sb.duplicates()).toEqual({ events: 1, duplicates: 0, repeated: [] });
    await post({ ...event, properties: { total: 10 } });
    await call(ctx.sb, 'POST', '/api/v2/user_profiles/events', { profile, event });
    // differs by properties (key order aside), type or timestamp: not a duplicate
    await post({ ...event, properties: { total: 11 } });
    await post({ ...event, type: 'Other' });
    await post({ ...event, created_at: '2024-01-02T03:04:06Z' });
    await post({ ...event, properties: { b: 1, a: 2 } });
    await post({ ...event, properties: { a: 2, b: 1 } });
    const d = ctx.sb.duplicates();
    expect(d.events).toBe(8);
    expect(d.duplicates).toBe(3);
    expect(d.repeated).toEqual([
      { user_id: u.id, type: event.type, created_at: event.created_at, times: 3 },
      { user_id: u.id, type: event.type, created_at: event.created_at, times: 2 },
    ]);
    const http = await fetch(`${ctx.sb.url}/__sandbox/duplicates`, { signal: AbortSignal.timeout(3000) });
    expect(await http.json()).toEqual(d);
  });
});
