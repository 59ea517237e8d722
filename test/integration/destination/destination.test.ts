import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDestination, type Destination } from '../../../src/destination/index.js';
import { defaultDestinationSettings, type DestinationSettings } from '../../../src/destination/settings.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import type { SegmentEvent } from '../../../src/segment/event.js';
import { ZendeskClient } from '../../../src/zendesk/client.js';

/**
 * The destination against the sandbox, over HTTP, through the real client, strict mode on
 * (an undocumented body or query key is a 400). Each test ends by reading the sandbox's state.
 */

let sb: Sandbox;
const clients: ZendeskClient[] = [];
// The sandbox runs without rate limits here; the client's own Zendesk-sized budgets (1 user upsert
// per second) would only make the race tests slow, so they are opened up to match.
const client = () => {
  const c = new ZendeskClient({
    baseUrl: sb.url,
    auth: { kind: 'bearer', token: 'sandbox-token' },
    userUpsertPerSecond: 1000,
    userUpsertPerUserPerMinute: 1000,
    accountRatePerMinute: 100_000,
  });
  clients.push(c);
  return c;
};
const destination = (over: Partial<DestinationSettings> = {}): Destination =>
  createDestination({ api: client(), settings: { ...defaultDestinationSettings, ...over } });

type Rec = Record<string, unknown>;
const users = () => sb.state().users;
const userBy = (ext: string) => users().find((u) => u.external_id === ext) as Rec | undefined;
const orgBy = (ext: string) => sb.state().organizations.find((o) => o.external_id === ext) as Rec | undefined;

beforeAll(async () => {
  sb = await startSandbox({ config: { strict: true } });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  sb.reset(); // keeps the configuration: undo what a test switched
  sb.configure({ auth: { revoked: false } });
});
afterAll(async () => {
  await sb.close();
});

describe('identify → group → company.remove, ending in the sandbox state', () => {
  it('creates, renames without email, links to two organizations, removes one', async () => {
    const d = destination({ removeUsersFromOrganization: true, createUsersAsVerified: true });
    const steps: SegmentEvent[] = [
      {
        type: 'identify',
        userId: 'u-100',
        traits: {
          name: 'Ada Lovelace',
          email: 'ada+zd@example.com',
          timezone: 'America/Los_Angeles',
          phone: '+15551234',
        },
      },
      { type: 'identify', userId: 'u-100', traits: { name: 'Ada King' } },
      {
        type: 'group',
        userId: 'u-100',
        groupId: 'org-1',
        traits: { name: 'Analytical Engines', domainNames: 'ae.com, ae.io' },
      },
      {
        type: 'group',
        userId: 'u-100',
        groupId: 'org-2',
        traits: { name: 'Difference Engines', tags: ['vip'] },
      },
      {
        type: 'identify',
        userId: 'u-100',
        traits: { name: 'Ada King', company: { id: 'org-1', remove: true } },
      },
    ];
    for (const e of steps)
      expect(await d.process(e), JSON.stringify(e.traits)).toMatchObject({ kind: 'delivered' });

    const state = sb.state();
    expect(state.users).toHaveLength(1);
    const user = state.users[0] as Rec;
    expect(user).toMatchObject({
      name: 'Ada King',
      email: 'ada+zd@example.com',
      external_id: 'u-100',
      time_zone: 'Pacific Time (US & Canada)',
      phone: '+15551234',
      verified: true,
    });
    expect(orgBy('org-1')).toMatchObject({ name: 'Analytical Engines', domain_names: ['ae.com', 'ae.io'] });
    expect(orgBy('org-2')).toMatchObject({ name: 'Difference Engines', tags: ['vip'] });
    const memberships = state.memberships.map((m) => [m.user_id, m.organization_id]);
    expect(memberships).toEqual([[user.id, orgBy('org-2')?.id]]);
  });

  it('the same group twice: the existing membership is success', async () => {
    const d = destination();
    await d.process({ type: 'identify', userId: 'u1', traits: { name: 'A B' } });
    const group: SegmentEvent = { type: 'group', userId: 'u1', groupId: 'g1', traits: { name: 'G' } };
    expect(await d.process(group)).toEqual({ kind: 'delivered' });
    expect(await d.process(group)).toMatchObject({ kind: 'delivered' });
    expect(sb.state().memberships).toHaveLength(1);
  });
});

describe('custom fields', () => {
  it('planTier: "pro" on 20 racing events creates the plan_tier text field exactly once', async () => {
    const d = destination();
    const events = Array.from({ length: 20 }, (_, i): SegmentEvent => ({
      type: 'identify',
      userId: `racer-${i}`,
      traits: { name: `Racer ${i}`, planTier: 'pro' },
    }));
    const outcomes = await Promise.all(events.map((e) => d.process(e)));
    expect(outcomes.every((o) => o.kind === 'delivered')).toBe(true);
    const fields = sb.state().userFields.filter((f) => f.key === 'plan_tier');
    expect(fields).toEqual([expect.objectContaining({ key: 'plan_tier', type: 'text' })]);
    expect(users().map((u) => (u.user_fields as Rec).plan_tier)).toEqual(Array(20).fill('pro'));
    expect(sb.requests().filter((r) => r.method === 'POST' && r.path.includes('user_fields'))).toHaveLength(
      1,
    );
  });

  it('two destinations (two processes) racing for the same key: one field, both delivered', async () => {
    const a = destination();
    const b = destination();
    const make = (i: number): SegmentEvent => ({
      type: 'identify',
      userId: `p-${i}`,
      traits: { name: 'P', planTier: 'pro' },
    });
    const outcomes = await Promise.all([
      a.process(make(1)),
      b.process(make(2)),
      a.process(make(3)),
      b.process(make(4)),
    ]);
    expect(outcomes.map((o) => o.kind)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    expect(sb.state().userFields.filter((f) => f.key === 'plan_tier')).toHaveLength(1);
    expect(users().map((u) => (u.user_fields as Rec).plan_tier)).toEqual(['pro', 'pro', 'pro', 'pro']);
    // Both read the (empty) definitions, both tried to create: the loser got 422 and re-read.
    const creations = sb.requests().filter((r) => r.method === 'POST' && r.path.endsWith('user_fields'));
    expect(creations.map((r) => r.status).sort()).toEqual([201, 422]);
  });

  it('types from values, nested objects flattened, arrays reported, Personas booleans as checkboxes', async () => {
    const out = await destination().process({
      type: 'identify',
      userId: 'u1',
      traits: {
        name: 'A',
        logins: 5,
        score: 4.5,
        order_completed_last_30days: true,
        trialEnds: '2026-03-01T10:00:00Z',
        address: { city: 'Paris' },
        roles: ['admin'],
      },
    });
    expect(out).toMatchObject({ kind: 'delivered', notes: [expect.stringMatching(/"roles" is an array/)] });
    const types = Object.fromEntries(sb.state().userFields.map((f) => [f.key, f.type]));
    expect(types).toEqual({
      logins: 'decimal', // any number makes a decimal field (SPEC 2)
      score: 'decimal',
      order_completed_last_30days: 'checkbox',
      trial_ends: 'date',
      address_city: 'text',
    });
    const fields = userBy('u1')?.user_fields as Rec;
    expect(fields).toMatchObject({
      logins: 5,
      score: 4.5,
      order_completed_last_30days: true,
      address_city: 'Paris',
    });
    expect(String(fields.trial_ends)).toMatch(/^2026-03-01/);
  });

  it('organization traits go to organization_fields, url included', async () => {
    const d = destination({ sendGroupCallsWithoutUserId: true });
    const out = await d.process({
      type: 'group',
      groupId: 'g1',
      traits: { name: 'Lakers', url: 'https://lakers.com', employees: 329 },
    });
    expect(out).toEqual({ kind: 'delivered' });
    expect(sb.state().organizationFields.map((f) => [f.key, f.type])).toEqual([
      ['url', 'text'],
      ['employees', 'decimal'],
    ]);
    expect(orgBy('g1')?.organization_fields).toMatchObject({ url: 'https://lakers.com', employees: 329 });
  });
});

describe('names', () => {
  it('no name: updates an existing user, missing_name for a new one', async () => {
    const d = destination();
    await d.process({ type: 'identify', userId: 'u1', traits: { name: 'Ada' } });
    expect(await d.process({ type: 'identify', userId: 'u1', traits: { phone: '+3312345' } })).toMatchObject({
      kind: 'delivered',
    });
    expect(userBy('u1')).toMatchObject({ name: 'Ada', phone: '+3312345' });
    const out = await d.process({ type: 'identify', userId: 'u2', traits: { email: 'new@example.com' } });
    expect(out).toMatchObject({ kind: 'rejected', reason: 'missing_name' });
    expect(JSON.stringify(out)).not.toContain('new@example.com');
    expect(users()).toHaveLength(1);
  });

  it('name split into first_name / last_name fields where they exist', async () => {
    const api = client();
    await api.createField('user', { key: 'first_name', type: 'text', title: 'First name' });
    await api.createField('user', { key: 'last_name', type: 'text', title: 'Last name' });
    const d = destination();
    await d.process({
      type: 'identify',
      userId: 'u1',
      traits: { firstName: 'Zoë', last_name: 'Ångström Ñúñez' },
    });
    expect(userBy('u1')).toMatchObject({
      name: 'Zoë Ångström Ñúñez',
      user_fields: { first_name: 'Zoë', last_name: 'Ångström Ñúñez' },
    });
  });
});

describe('ambiguous matches', () => {
  it('email of one user, external id of another → ambiguous_user, nothing changed', async () => {
    const d = destination();
    await d.process({ type: 'identify', userId: 'one', traits: { name: 'One' } });
    await d.process({ type: 'identify', userId: 'two', traits: { name: 'Two', email: 'two@example.com' } });
    const before = users();
    const out = await d.process({
      type: 'identify',
      userId: 'one',
      traits: { name: 'Changed', email: 'two@example.com' },
    });
    expect(out).toMatchObject({ kind: 'rejected', reason: 'ambiguous_user', status: 422 });
    expect(JSON.stringify(out)).not.toContain('two@example.com');
    expect(users()).toEqual(before);
  });

  it('organization name taken by another organization → ambiguous_organization, no membership', async () => {
    const d = destination();
    await d.process({ type: 'identify', userId: 'u1', traits: { name: 'A' } });
    await d.process({ type: 'group', userId: 'u1', groupId: 'g1', traits: { name: 'Initech' } });
    const out = await d.process({ type: 'group', userId: 'u1', groupId: 'g2', traits: { name: 'Initech' } });
    expect(out).toMatchObject({ kind: 'rejected', reason: 'ambiguous_organization', status: 422 });
    expect(orgBy('g2')).toBeUndefined();
    expect(sb.state().memberships).toHaveLength(1);
  });
});

describe('group edge cases', () => {
  it('user not found: the organization is upserted, then user_not_found', async () => {
    const out = await destination().process({
      type: 'group',
      userId: 'ghost',
      groupId: 'g1',
      traits: { name: 'G' },
    });
    expect(out).toMatchObject({ kind: 'rejected', reason: 'user_not_found' });
    expect(orgBy('g1')).toBeDefined();
  });

  it('deleted: true deletes the organization when allowed', async () => {
    const d = destination({ allowOrganizationDeletes: true, sendGroupCallsWithoutUserId: true });
    await d.process({ type: 'group', groupId: 'g1', traits: { name: 'G' } });
    expect(await d.process({ type: 'group', groupId: 'g1', traits: { deleted: true } })).toEqual({
      kind: 'delivered',
    });
    expect(sb.state().organizations).toEqual([]);
  });
});

describe('track → Events API', () => {
  it('sends the event for an existing user, with type, source, properties and the event timestamp', async () => {
    const d = destination({ trackEvents: ['Order Completed'] });
    await d.process({ type: 'identify', userId: 'u1', traits: { name: 'A' } });
    const out = await d.process({
      type: 'track',
      userId: 'u1',
      event: 'Order Completed',
      timestamp: '2026-01-31T00:44:07Z',
      properties: { total: 30, item: { name: 'Swag' } },
    });
    expect(out).toEqual({ kind: 'delivered' });
    const events = sb.state().events;
    expect(events).toHaveLength(1);
    expect(events[0]?.user_id).toBe(userBy('u1')?.id);
    expect(events[0]?.event).toMatchObject({
      type: 'Order Completed',
      source: 'segment',
      properties: { total: 30, item: { name: 'Swag' } },
    });
    expect(Date.parse(events[0]?.event.created_at ?? '')).toBe(Date.parse('2026-01-31T00:44:07Z'));
  });

  it('unknown user → user_not_found; not allow-listed → skipped; neither reaches Zendesk events', async () => {
    const d = destination({ trackEvents: ['Order Completed'] });
    expect(await d.process({ type: 'track', userId: 'ghost', event: 'Order Completed' })).toMatchObject({
      kind: 'rejected',
      reason: 'user_not_found',
    });
    expect(await d.process({ type: 'track', userId: 'ghost', event: 'Viewed' })).toEqual({
      kind: 'skipped',
      reason: 'event_not_enabled',
    });
    expect(sb.state().events).toEqual([]);
  });
});

describe('outages are not outcomes', () => {
  it('revoked credentials (401 on everything) reject process() instead of returning a dead-letter outcome', async () => {
    sb.configure({ auth: { revoked: true } });
    await expect(
      destination().process({ type: 'identify', userId: 'u1', traits: { name: 'A' } }),
    ).rejects.toMatchObject({
      name: 'ZendeskError',
      action: 'outage',
    });
  });
});

describe('robustness against the sandbox switches', () => {
  it('with unknown custom-field keys refused (422), only defined keys are ever sent', async () => {
    sb.configure({ unknownCustomFieldKeys: 'error' });
    try {
      const d = destination();
      const out = await d.process({
        type: 'identify',
        userId: 'u1',
        traits: { name: 'Ada Lovelace', planTier: 'pro', nickname: '', gone: null },
      });
      expect(out).toEqual({ kind: 'delivered' });
      expect(userBy('u1')?.user_fields).toMatchObject({ plan_tier: 'pro' });
    } finally {
      sb.configure({ unknownCustomFieldKeys: 'ignore' });
    }
  });

  it('transient 5xx/409 faults are retried by the client: every event still delivered, state complete', async () => {
    sb.configure({ faults: { errorRatio: 0.2, conflictRatio: 0.1, seed: 7 } });
    try {
      const c = new ZendeskClient({
        baseUrl: sb.url,
        auth: { kind: 'bearer', token: 'sandbox-token' },
        userUpsertPerSecond: 1000,
        userUpsertPerUserPerMinute: 1000,
        accountRatePerMinute: 100_000,
        retryBaseMs: 1,
        retryCapMs: 10,
      });
      clients.push(c);
      const d = createDestination({ api: c, settings: { ...defaultDestinationSettings } });
      const outcomes = [];
      for (let i = 0; i < 10; i++) {
        outcomes.push(
          await d.process({ type: 'identify', userId: `f-${i}`, traits: { name: `F ${i}`, tier: 'gold' } }),
        );
        outcomes.push(
          await d.process({
            type: 'group',
            userId: `f-${i}`,
            groupId: `g-${i % 3}`,
            traits: { name: `G ${i % 3}` },
          }),
        );
      }
      expect(outcomes.map((o) => o.kind)).toEqual(Array(20).fill('delivered'));
      expect(sb.requests().some((r) => r.status >= 500 || r.status === 409)).toBe(true);
      const state = sb.state();
      expect(state.users).toHaveLength(10);
      expect(state.organizations).toHaveLength(3);
      expect(state.memberships).toHaveLength(10);
      expect(state.userFields.filter((f) => f.key === 'tier')).toHaveLength(1);
    } finally {
      sb.configure({ faults: { errorRatio: 0, conflictRatio: 0 } });
    }
  });
});
