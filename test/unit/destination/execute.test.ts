import { beforeEach, describe, expect, it } from 'vitest';
import { createDestination, type Destination } from '../../../src/destination/index.js';
import { defaultDestinationSettings, type DestinationSettings } from '../../../src/destination/settings.js';
import type { SegmentEvent } from '../../../src/segment/event.js';
import { ZendeskError } from '../../../src/zendesk/errors.js';
import { FakeZendeskApi } from '../destination/fake-zendesk-api.js';

/**
 * Executor: plan → the exact ZendeskApi calls and the outcome, against the in-memory test double.
 * Naive mode: one request per operation, so the calls are the single-event contract (the optimized
 * mode's batching is covered in batching.test.ts and against the sandbox).
 */

let api: FakeZendeskApi;
const make = (over: Partial<DestinationSettings> = {}): Destination =>
  createDestination({ api, settings: { ...defaultDestinationSettings, ...over }, mode: 'naive' });
const calls = (method: string) => api.calls.filter((c) => c.method === method).map((c) => c.args);

beforeEach(() => {
  api = new FakeZendeskApi();
});

describe('identify execution', () => {
  it('creates a user with the exact create_or_update input', async () => {
    const out = await make({ createUsersAsVerified: true }).process({
      type: 'identify',
      userId: 'u1',
      traits: {
        name: 'Ada Lovelace',
        email: 'ada+zd@example.com',
        timezone: 'Europe/London',
        phone: '+441234',
      },
    });
    expect(out).toEqual({ kind: 'delivered' });
    // The one listing is for first_name/last_name fields, which are written only where they exist.
    expect(api.methods()).toEqual(['listFields', 'createOrUpdateUser']);
    expect(calls('createOrUpdateUser')[0]).toEqual([
      {
        external_id: 'u1',
        email: 'ada+zd@example.com',
        name: 'Ada Lovelace',
        time_zone: 'London',
        phone: '+441234',
        verified: true,
      },
    ]);
  });

  it('custom trait: reads definitions, creates the typed field, then sends user_fields', async () => {
    const out = await make().process({
      type: 'identify',
      userId: 'u1',
      traits: { name: 'A', planTier: 'pro', logins: 3 },
    });
    expect(out.kind).toBe('delivered');
    expect(api.methods()).toEqual(['listFields', 'createField', 'createField', 'createOrUpdateUser']);
    expect(
      calls('createField').map(([scope, f]) => [
        scope,
        (f as { key: string }).key,
        (f as { type: string }).type,
      ]),
    ).toEqual([
      ['user', 'plan_tier', 'text'],
      ['user', 'logins', 'decimal'],
    ]);
    expect(calls('createOrUpdateUser')[0]?.[0]).toMatchObject({
      user_fields: { plan_tier: 'pro', logins: 3 },
    });
  });

  it('definitions are read once per destination, not per event', async () => {
    const d = make();
    for (let i = 0; i < 5; i++)
      await d.process({ type: 'identify', userId: `u${i}`, traits: { name: 'A', planTier: 'pro' } });
    expect(calls('listFields')).toEqual([['user']]);
    expect(calls('createField')).toHaveLength(1);
  });

  it('first_name/last_name are written only where those fields exist, never created', async () => {
    api.addField('user', 'first_name', 'text');
    await make().process({ type: 'identify', userId: 'u1', traits: { name: 'Ada Lovelace' } });
    expect(calls('createField')).toEqual([]);
    expect(calls('createOrUpdateUser')[0]?.[0]).toMatchObject({ user_fields: { first_name: 'Ada' } });
    expect((calls('createOrUpdateUser')[0]?.[0] as { user_fields: object }).user_fields).not.toHaveProperty(
      'last_name',
    );
  });

  it("a value lands in an existing definition shaped for its type, under the definition's own key", async () => {
    api.addField('user', 'Trial_Ends', 'text');
    await make().process({
      type: 'identify',
      userId: 'u1',
      traits: { name: 'A', trialEnds: '2026-03-01T10:00:00Z' },
    });
    expect(calls('createField')).toEqual([]);
    expect(calls('createOrUpdateUser')[0]?.[0]).toMatchObject({
      user_fields: { Trial_Ends: '2026-03-01T10:00:00Z' },
    });
  });

  it('empty string clears an existing field and creates nothing for a missing one', async () => {
    api.addField('user', 'nickname', 'text');
    await make().process({ type: 'identify', userId: 'u1', traits: { name: 'A', nickname: '', other: '' } });
    expect(calls('createField')).toEqual([]);
    expect(calls('createOrUpdateUser')[0]?.[0]).toMatchObject({ user_fields: { nickname: null } });
  });

  it('no name, user exists by external id → update without name', async () => {
    api.addUser({ name: 'Old', external_id: 'U1' });
    const out = await make().process({ type: 'identify', userId: 'u1', traits: { plan: 'x' } });
    expect(out.kind).toBe('delivered');
    expect(api.methods()).toEqual(['listFields', 'createField', 'searchUsers', 'createOrUpdateUser']);
    expect(calls('createOrUpdateUser')[0]?.[0]).not.toHaveProperty('name');
    expect(api.users[0]?.name).toBe('Old');
  });

  it('no name, user exists only by email → external id, then email lookup, then update', async () => {
    api.addUser({ name: 'Old', email: 'a@example.com' });
    const out = await make().process({ type: 'identify', userId: 'u1', traits: { email: 'a@example.com' } });
    expect(out.kind).toBe('delivered');
    expect(calls('searchUsers')).toEqual([[{ externalId: 'u1' }], [{ email: 'a@example.com' }]]);
  });

  it('no name, no such user → missing_name, nothing written, no email in the message', async () => {
    const out = await make().process({
      type: 'identify',
      userId: 'u1',
      traits: { email: 'new@example.com', plan: 'x' },
    });
    expect(out).toMatchObject({ kind: 'rejected', reason: 'missing_name' });
    expect(calls('createOrUpdateUser')).toEqual([]);
    expect(JSON.stringify(out)).not.toContain('@');
  });

  it('email and external id of two different users → ambiguous_user with status, details kept (email redacted)', async () => {
    api.addUser({ name: 'One', external_id: 'u1' });
    api.addUser({ name: 'Two', email: 'two@example.com' });
    const out = await make().process({
      type: 'identify',
      userId: 'u1',
      traits: { name: 'X', email: 'two@example.com' },
    });
    expect(out).toMatchObject({
      kind: 'rejected',
      reason: 'ambiguous_user',
      status: 422,
      details: {
        email: [
          { error: 'DuplicateValue', description: 'Email: <email> is already being used by another user' },
        ],
      },
    });
    expect(JSON.stringify(out)).not.toContain('two@example.com');
  });

  it('another 422 → rejected_by_zendesk with status and details', async () => {
    api.failNext(
      'createOrUpdateUser',
      new ZendeskError('reject', 'Record validation errors', {
        status: 422,
        details: { phone: [{ error: 'InvalidValue' }] },
      }),
    );
    const out = await make().process({ type: 'identify', userId: 'u1', traits: { name: 'A' } });
    expect(out).toMatchObject({
      kind: 'rejected',
      reason: 'rejected_by_zendesk',
      status: 422,
      details: { phone: [{ error: 'InvalidValue' }] },
    });
  });

  it.each(['outage', 'retry'] as const)('a %s error is rethrown, never an outcome', async (action) => {
    api.failNext('createOrUpdateUser', new ZendeskError(action, 'Service Unavailable', { status: 503 }));
    await expect(
      make().process({ type: 'identify', userId: 'u1', traits: { name: 'A' } }),
    ).rejects.toMatchObject({ action });
  });

  it('an outage while reading definitions is rethrown and not cached: the next event reads again', async () => {
    api.failNext('listFields', new ZendeskError('outage', 'down', { status: 503 }));
    const d = make();
    await expect(
      d.process({ type: 'identify', userId: 'u1', traits: { name: 'A', plan: 'x' } }),
    ).rejects.toBeInstanceOf(ZendeskError);
    expect((await d.process({ type: 'identify', userId: 'u1', traits: { name: 'A', plan: 'x' } })).kind).toBe(
      'delivered',
    );
    expect(calls('listFields')).toHaveLength(2);
  });

  describe('company.remove', () => {
    const event: SegmentEvent = {
      type: 'identify',
      userId: 'u1',
      traits: { name: 'A', company: { id: 7, remove: true } },
    };

    it('removes the membership of the org with that external id, keeps the others', async () => {
      const user = api.addUser({ name: 'A', external_id: 'u1' });
      const keep = api.addOrganization({ name: 'Keep', external_id: '8' });
      const drop = api.addOrganization({ name: 'Drop', external_id: '7' });
      await api.createMembership(user.id, keep.id);
      await api.createMembership(user.id, drop.id);
      api.calls.length = 0;
      expect((await make({ removeUsersFromOrganization: true }).process(event)).kind).toBe('delivered');
      expect(api.methods()).toEqual([
        'listFields',
        'createOrUpdateUser',
        'searchOrganizations',
        'listUserMemberships',
        'deleteMembership',
      ]);
      expect(api.memberships.map((m) => m.organization_id)).toEqual([keep.id]);
    });

    it("a numeric id no organization holds as external id is Zendesk's own organization id (Segment's example)", async () => {
      const user = api.addUser({ name: 'A', external_id: 'u1' });
      const keep = api.addOrganization({ name: 'Keep', external_id: 'acme' });
      const drop = api.addOrganization({ name: 'Drop' });
      await api.createMembership(user.id, keep.id);
      await api.createMembership(user.id, drop.id);
      const out = await make({ removeUsersFromOrganization: true }).process({
        type: 'identify',
        userId: 'u1',
        traits: { name: 'A', company: { id: drop.id, remove: true } },
      });
      expect(out).toEqual({ kind: 'delivered' });
      expect(api.memberships.map((m) => m.organization_id)).toEqual([keep.id]);
    });

    it('a numeric id held as external id by an organization is that one, never a Zendesk id', async () => {
      const user = api.addUser({ name: 'A', external_id: 'u1' });
      const byZendeskId = api.addOrganization({ name: 'ById' });
      const byExternal = api.addOrganization({ name: 'ByExt', external_id: String(byZendeskId.id) });
      await api.createMembership(user.id, byZendeskId.id);
      await api.createMembership(user.id, byExternal.id);
      await make({ removeUsersFromOrganization: true }).process({
        type: 'identify',
        userId: 'u1',
        traits: { name: 'A', company: { id: String(byZendeskId.id), remove: true } },
      });
      expect(api.memberships.map((m) => m.organization_id)).toEqual([byZendeskId.id]);
    });

    it("a proxy's 404 on the membership delete is an outage (rethrown), Zendesk's own 404 is 'gone already'", async () => {
      const user = api.addUser({ name: 'A', external_id: 'u1' });
      const drop = api.addOrganization({ name: 'Drop', external_id: '7' });
      await api.createMembership(user.id, drop.id);
      const d = make({ removeUsersFromOrganization: true });
      api.failNext(
        'deleteMembership',
        new ZendeskError('outage', 'A 404 that is not from Zendesk', { status: 404, code: 'NotZendesk' }),
      );
      await expect(d.process(event)).rejects.toMatchObject({ action: 'outage', code: 'NotZendesk' });
      api.failNext(
        'deleteMembership',
        new ZendeskError('reject', 'Not found', { status: 404, code: 'RecordNotFound' }),
      );
      expect(await d.process(event)).toEqual({ kind: 'delivered' });
    });

    it('not a member → delivered with a note', async () => {
      api.addOrganization({ name: 'Drop', external_id: '7' });
      const out = await make({ removeUsersFromOrganization: true }).process(event);
      expect(out).toMatchObject({ kind: 'delivered', notes: [expect.stringMatching(/not a member/)] });
      expect(calls('deleteMembership')).toEqual([]);
    });

    it('setting off → nothing removed', async () => {
      await make().process(event);
      expect(calls('listUserMemberships')).toEqual([]);
    });
  });
});

describe('group execution', () => {
  const event: SegmentEvent = {
    type: 'group',
    userId: 'u1',
    groupId: 'g1',
    traits: { name: 'Initech', employees: 329 },
  };

  it('upserts the org with organization_fields, then links the existing user', async () => {
    const user = api.addUser({ name: 'A', external_id: 'u1' });
    const out = await make().process(event);
    expect(out).toEqual({ kind: 'delivered' });
    expect(api.methods()).toEqual([
      'listFields',
      'createField',
      'createOrUpdateOrganization',
      'searchUsers',
      'createMembership',
    ]);
    expect(calls('createOrUpdateOrganization')[0]).toEqual([
      { external_id: 'g1', name: 'Initech', organization_fields: { employees: 329 } },
    ]);
    expect(api.memberships).toEqual([
      expect.objectContaining({ user_id: user.id, organization_id: api.organizations[0]?.id }),
    ]);
  });

  it('an existing membership is success', async () => {
    api.addUser({ name: 'A', external_id: 'u1' });
    const d = make();
    await d.process(event);
    const again = await d.process(event);
    expect(again).toEqual({ kind: 'delivered', notes: ['membership already existed'] });
    expect(api.memberships).toHaveLength(1);
  });

  it('user not in Zendesk → org still upserted, then user_not_found', async () => {
    const out = await make().process(event);
    expect(out).toMatchObject({ kind: 'rejected', reason: 'user_not_found' });
    expect(api.organizations.map((o) => o.external_id)).toEqual(['g1']);
  });

  it('name taken by another organization → ambiguous_organization, no link', async () => {
    api.addOrganization({ name: 'Initech', external_id: 'other' });
    api.addUser({ name: 'A', external_id: 'u1' });
    const out = await make().process(event);
    expect(out).toMatchObject({ kind: 'rejected', reason: 'ambiguous_organization', status: 422 });
    expect(calls('createMembership')).toEqual([]);
  });

  it('deleted: true with deletes allowed → deletes by external id; absent org is success', async () => {
    api.addOrganization({ name: 'Initech', external_id: 'G1' });
    const d = make({ allowOrganizationDeletes: true });
    const del: SegmentEvent = { type: 'group', userId: 'u1', groupId: 'g1', traits: { deleted: true } };
    expect(await d.process(del)).toEqual({ kind: 'delivered' });
    expect(api.organizations).toEqual([]);
    expect(await d.process(del)).toMatchObject({
      kind: 'delivered',
      notes: [expect.stringMatching(/does not exist/)],
    });
  });

  it('without userId and sendGroupCallsWithoutUserId → only the organization', async () => {
    const out = await make({ sendGroupCallsWithoutUserId: true }).process({ ...event, userId: null });
    expect(out.kind).toBe('delivered');
    expect(api.methods()).not.toContain('createMembership');
  });
});

describe('track execution', () => {
  const event: SegmentEvent = {
    type: 'track',
    userId: 'u1',
    event: 'Order Completed',
    timestamp: '2026-01-31T00:44:07Z',
    properties: { total: 30 },
  };

  it("sends the user event with the event's own timestamp", async () => {
    const user = api.addUser({ name: 'A', external_id: 'u1' });
    const out = await make({ trackEvents: ['Order Completed'], eventSource: 'shop' }).process(event);
    expect(out).toEqual({ kind: 'delivered' });
    expect(calls('createUserEvent')).toEqual([
      [
        user.id,
        {
          type: 'Order Completed',
          source: 'shop',
          properties: { total: 30 },
          created_at: '2026-01-31T00:44:07.000Z',
        },
        { source: 'shop', type: 'customer', identifiers: [{ type: 'external_id', value: 'u1' }] },
      ],
    ]);
  });

  it('user not found → user_not_found, nothing sent', async () => {
    const out = await make({ trackEvents: ['Order Completed'] }).process(event);
    expect(out).toMatchObject({ kind: 'rejected', reason: 'user_not_found' });
    expect(calls('createUserEvent')).toEqual([]);
  });

  it('an Events API 400 → rejected_by_zendesk with status', async () => {
    api.addUser({ name: 'A', external_id: 'u1' });
    api.failNext(
      'createUserEvent',
      new ZendeskError('reject', 'InvalidSource', { status: 400, details: [{ code: 'InvalidSource' }] }),
    );
    const out = await make({ trackEvents: ['Order Completed'] }).process(event);
    expect(out).toMatchObject({ kind: 'rejected', reason: 'rejected_by_zendesk', status: 400 });
  });
});

describe('one refused custom field value never sinks the event', () => {
  it('an integer field refusing 9.99: upsert again without it, delivered with field_rejected', async () => {
    api.addField('user', 'seats', 'integer');
    api.addField('user', 'plan', 'text');
    const out = await make().process({
      type: 'identify',
      userId: 'u1',
      traits: { name: 'Ada', email: 'ada@example.com', seats: 9.99, plan: 'pro' },
    });
    expect(out).toEqual({ kind: 'delivered', notes: ['field_rejected:seats'] });
    const upserts = calls('createOrUpdateUser').map(([u]) => (u as { user_fields?: unknown }).user_fields);
    expect(upserts).toEqual([{ seats: 9.99, plan: 'pro' }, { plan: 'pro' }]);
    expect(api.users[0]).toMatchObject({
      name: 'Ada',
      email: 'ada@example.com',
      user_fields: { plan: 'pro' },
    });
  });

  it('a dropdown without that option, on group: the organization is upserted without it', async () => {
    api.addUser({ name: 'A', external_id: 'u1' });
    const tier = api.addField('organization', 'tier', 'dropdown');
    tier.custom_field_options = [{ name: 'Gold', value: 'gold' }];
    const out = await make().process({
      type: 'group',
      userId: 'u1',
      groupId: 'g1',
      traits: { name: 'Acme', tier: 'platinum', industry: 'tech' },
    });
    expect(out).toEqual({ kind: 'delivered', notes: ['field_rejected:tier'] });
    expect(api.organizations[0]?.organization_fields).toEqual({ industry: 'tech' });
    expect(api.memberships).toHaveLength(1);
  });

  it('a refused mapped attribute (an invalid email) still dead-letters the event', async () => {
    api.addField('user', 'seats', 'integer');
    api.invalidEmails.add('not-an-email');
    const out = await make().process({
      type: 'identify',
      userId: 'u1',
      traits: { name: 'Ada', email: 'not-an-email', seats: 9.99 },
    });
    expect(out).toMatchObject({ kind: 'rejected', reason: 'rejected_by_zendesk', status: 422 });
    expect(calls('createOrUpdateUser')).toHaveLength(1);
  });

  it('a 422 naming the field inside user_fields, as text: that field is left out', async () => {
    api.addField('user', 'plan', 'text');
    api.addField('user', 'seats', 'decimal');
    api.failNext(
      'createOrUpdateUser',
      new ZendeskError('reject', 'Record validation errors', {
        status: 422,
        code: 'RecordInvalid',
        details: { user_fields: [{ description: 'user_fields: plan is not valid', error: 'InvalidValue' }] },
      }),
    );
    const out = await make().process({
      type: 'identify',
      userId: 'u1',
      traits: { name: 'A', plan: 'x', seats: 2 },
    });
    expect(out).toEqual({ kind: 'delivered', notes: ['field_rejected:plan'] });
    expect(calls('createOrUpdateUser')[1]?.[0]).toMatchObject({ user_fields: { seats: 2 } });
  });
});

describe('field definitions an agent may not create (403)', () => {
  it('left out with field_not_created, the rest delivered; creation is not retried on every event', async () => {
    api.forbidFieldCreation = true;
    api.addField('user', 'plan', 'text');
    const d = make();
    const first = await d.process({
      type: 'identify',
      userId: 'u1',
      traits: { name: 'Ada', email: 'ada@example.com', plan: 'pro', seats: 3 },
    });
    expect(first).toEqual({ kind: 'delivered', notes: ['field_not_created:seats'] });
    expect(calls('createOrUpdateUser')[0]?.[0]).toEqual({
      external_id: 'u1',
      email: 'ada@example.com',
      name: 'Ada',
      user_fields: { plan: 'pro' },
    });
    const second = await d.process({
      type: 'identify',
      userId: 'u2',
      traits: { name: 'B', seats: 4, beta: true },
    });
    expect(second).toEqual({
      kind: 'delivered',
      notes: ['field_not_created:seats', 'field_not_created:beta'],
    });
    expect(calls('createField')).toHaveLength(1);
    expect(api.users.map((u) => u.name)).toEqual(['Ada', 'B']);
  });

  it('on group too: the organization is upserted and the user linked without the new field', async () => {
    api.forbidFieldCreation = true;
    api.addUser({ name: 'A', external_id: 'u1' });
    const out = await make().process({
      type: 'group',
      userId: 'u1',
      groupId: 'g1',
      traits: { name: 'Acme', employees: 12 },
    });
    expect(out).toEqual({ kind: 'delivered', notes: ['field_not_created:employees'] });
    expect(api.organizations.map((o) => o.name)).toEqual(['Acme']);
    expect(api.memberships).toHaveLength(1);
  });
});

describe('403: a capability this account lacks, never an outage', () => {
  const forbidden = (endpoint: string) =>
    new ZendeskError('reject', `Zendesk refused ${endpoint} to these credentials (403): Forbidden`, {
      status: 403,
      code: 'Forbidden',
      endpoint,
    });

  it('the Events API switched off → the track event is dead-lettered `forbidden`', async () => {
    api.addUser({ name: 'A', external_id: 'u1' });
    api.failNext('createUserEvent', forbidden('users/{id}/events'));
    const out = await make({ trackEvents: ['Order Completed'] }).process({
      type: 'track',
      userId: 'u1',
      event: 'Order Completed',
    });
    expect(out).toMatchObject({ kind: 'rejected', reason: 'forbidden', status: 403 });
  });

  it('403 on an organization delete → `forbidden`', async () => {
    api.addOrganization({ name: 'Acme', external_id: 'g1' });
    api.failNext('deleteOrganization', forbidden('organizations/{id}'));
    const out = await make({ allowOrganizationDeletes: true }).process({
      type: 'group',
      userId: 'u1',
      groupId: 'g1',
      traits: { deleted: true },
    });
    expect(out).toMatchObject({ kind: 'rejected', reason: 'forbidden', status: 403 });
  });
});

describe('createDestination', () => {
  it.each(['zendesk', 'Zendesk', ' '])('refuses eventSource %j at start-up', (eventSource) => {
    expect(() => make({ eventSource })).toThrow(/eventSource/);
  });

  it('skips and rejects without any Zendesk call', async () => {
    const d = make();
    expect(await d.process({ type: 'page', userId: 'u1' })).toEqual({
      kind: 'skipped',
      reason: 'unsupported_type',
    });
    expect(await d.process({ type: 'identify' })).toMatchObject({
      kind: 'rejected',
      reason: 'invalid_event',
    });
    expect(api.calls).toEqual([]);
  });
});
