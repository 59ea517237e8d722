import { describe, expect, it } from 'vitest';
import { planEvent } from '../../../src/destination/planner.js';
import { defaultDestinationSettings, type DestinationSettings } from '../../../src/destination/settings.js';
import type { Operation, Plan, UpsertUser } from '../../../src/destination/plan.js';
import type { SegmentEvent } from '../../../src/segment/event.js';

/** SPEC section 2, bullet by bullet: identify event + settings → the exact plan. */

const settings = (over: Partial<DestinationSettings> = {}): DestinationSettings => ({
  ...defaultDestinationSettings,
  ...over,
});
const identify = (e: Partial<SegmentEvent>): SegmentEvent => ({ type: 'identify', ...e });

function ops(plan: Plan): Operation[] {
  if (plan.kind !== 'operations') throw new Error(`expected operations, got ${JSON.stringify(plan)}`);
  return plan.operations;
}
function upsert(plan: Plan): UpsertUser {
  const op = ops(plan).find((o) => o.op === 'upsertUser');
  if (op?.op !== 'upsertUser') throw new Error('no upsertUser');
  return op;
}
const notes = (plan: Plan): string[] => (plan.kind === 'operations' ? plan.notes : []);

interface Row {
  name: string;
  event: SegmentEvent;
  settings?: Partial<DestinationSettings>;
  expect: (plan: Plan) => void;
}

const rows: Row[] = [
  // --- traits source
  {
    name: '2.1 traits come from `traits`',
    event: identify({
      userId: 'u1',
      traits: { name: 'Ada Lovelace' },
      context: { traits: { name: 'Other Name' } },
    }),
    expect: (p) => expect(upsert(p).attributes.name).toBe('Ada Lovelace'),
  },
  {
    name: '2.1 traits fall back to `context.traits` when `traits` is absent',
    event: identify({
      userId: 'u1',
      context: { traits: { name: 'Ada Lovelace', email: 'ada@example.com' } },
    }),
    expect: (p) =>
      expect(upsert(p).attributes).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com' }),
  },
  {
    name: '2.1 no userId and no traits.email → invalid_event',
    event: identify({ anonymousId: 'anon', traits: { name: 'Ada' } }),
    expect: (p) =>
      expect(p).toEqual({
        kind: 'final',
        outcome: expect.objectContaining({ kind: 'rejected', reason: 'invalid_event' }),
      }),
  },
  {
    name: '2.1 empty-string userId and email count as absent → invalid_event',
    event: identify({ userId: '', traits: { name: 'Ada', email: '  ' } }),
    expect: (p) =>
      expect(p.kind === 'final' && p.outcome.kind === 'rejected' && p.outcome.reason).toBe('invalid_event'),
  },
  {
    name: '2.1 email alone is enough to match',
    event: identify({ traits: { name: 'Ada', email: 'ada@example.com' } }),
    expect: (p) => expect(upsert(p).key).toEqual({ email: 'ada@example.com' }),
  },
  // --- match
  {
    name: '2.2 email → email and userId → external_id; both are match keys; the exact upsert',
    event: identify({ userId: 'u1', traits: { name: 'Ada Lovelace', email: 'ada@example.com' } }),
    expect: (p) =>
      expect(ops(p)).toEqual([
        {
          op: 'upsertUser',
          key: { externalId: 'u1', email: 'ada@example.com' },
          attributes: { external_id: 'u1', email: 'ada@example.com', name: 'Ada Lovelace' },
          fields: [],
          nameFields: [
            { key: 'first_name', type: 'text', value: 'Ada', raw: 'Ada' },
            { key: 'last_name', type: 'text', value: 'Lovelace', raw: 'Lovelace' },
          ],
          onlyIfExists: false,
          onFailure: { duplicate: 'ambiguous_user', notFound: 'missing_name' },
        },
      ]),
  },
  {
    name: '2.2 two-user match maps to ambiguous_user (declared in the plan)',
    event: identify({ userId: 'u1', traits: { name: 'Ada', email: 'ada@example.com' } }),
    expect: (p) => expect(upsert(p).onFailure.duplicate).toBe('ambiguous_user'),
  },
  {
    name: '2.2 numeric userId becomes a string external_id',
    event: identify({ userId: 12345 as unknown as string, traits: { name: 'Ada' } }),
    expect: (p) => expect(upsert(p).attributes.external_id).toBe('12345'),
  },
  {
    name: '2.2 email with + is sent untouched',
    event: identify({ userId: 'u1', traits: { name: 'Ada', email: 'ada+zendesk@example.com' } }),
    expect: (p) => expect(upsert(p).attributes.email).toBe('ada+zendesk@example.com'),
  },
  // --- name
  {
    name: '2.3 name from traits.name, split into first word / rest',
    event: identify({ userId: 'u1', traits: { name: 'Ada King Lovelace' } }),
    expect: (p) => {
      expect(upsert(p).attributes.name).toBe('Ada King Lovelace');
      expect(upsert(p).nameFields.map((f) => f.value)).toEqual(['Ada', 'King Lovelace']);
    },
  },
  {
    name: '2.3 name from firstName + lastName joined with a space',
    event: identify({ userId: 'u1', traits: { firstName: 'Ada', lastName: 'Lovelace' } }),
    expect: (p) => expect(upsert(p).attributes.name).toBe('Ada Lovelace'),
  },
  {
    name: '2.3 name from first_name + last_name (snake spelling)',
    event: identify({ userId: 'u1', traits: { first_name: 'Ada', last_name: 'Lovelace' } }),
    expect: (p) => expect(upsert(p).attributes.name).toBe('Ada Lovelace'),
  },
  {
    name: '2.3 separate parts are kept as given (a two-word first name stays first)',
    event: identify({ userId: 'u1', traits: { firstName: 'Mary Ann', lastName: 'Smith' } }),
    expect: (p) => expect(upsert(p).nameFields.map((f) => f.value)).toEqual(['Mary Ann', 'Smith']),
  },
  {
    name: '2.3 name parts are never custom fields',
    event: identify({ userId: 'u1', traits: { firstName: 'Ada', lastName: 'Lovelace' } }),
    expect: (p) => {
      expect(upsert(p).fields).toEqual([]);
      expect(ops(p).some((o) => o.op === 'ensureFields')).toBe(false);
    },
  },
  {
    name: '2.3 one-word name: first name only, last name cleared (null)',
    event: identify({ userId: 'u1', traits: { name: 'Cher' } }),
    expect: (p) => expect(upsert(p).nameFields.map((f) => f.value)).toEqual(['Cher', null]),
  },
  {
    name: '2.3 several spaces collapse',
    event: identify({ userId: 'u1', traits: { name: '  Ada    Lovelace  ' } }),
    expect: (p) => {
      expect(upsert(p).attributes.name).toBe('Ada Lovelace');
      expect(upsert(p).nameFields.map((f) => f.value)).toEqual(['Ada', 'Lovelace']);
    },
  },
  {
    name: '2.3 unicode names survive intact',
    event: identify({ userId: 'u1', traits: { name: 'Zoë Ångström-Ñúñez 李' } }),
    expect: (p) => expect(upsert(p).nameFields.map((f) => f.value)).toEqual(['Zoë', 'Ångström-Ñúñez 李']),
  },
  {
    name: '2.3 no name: update only if the user exists (missing_name otherwise, decided by the executor)',
    event: identify({ userId: 'u1', traits: { plan: 'pro' } }),
    expect: (p) => {
      expect(upsert(p).onlyIfExists).toBe(true);
      expect(upsert(p).attributes.name).toBeUndefined();
      expect(upsert(p).nameFields).toEqual([]);
      expect(upsert(p).onFailure.notFound).toBe('missing_name');
    },
  },
  {
    name: '2.3 empty-string name counts as no name',
    event: identify({ userId: 'u1', traits: { name: '' } }),
    expect: (p) => expect(upsert(p).onlyIfExists).toBe(true),
  },
  // --- mapped attributes
  {
    name: '2.4 mapping table: organizationId, timezone (IANA → Zendesk), phone',
    event: identify({
      userId: 'u1',
      traits: {
        name: 'Kobe Bryant',
        organizationId: 6789,
        timezone: 'America/Los_Angeles',
        phone: '763-555-2342',
      },
    }),
    expect: (p) =>
      expect(upsert(p).attributes).toEqual({
        external_id: 'u1',
        name: 'Kobe Bryant',
        organization_id: 6789,
        time_zone: 'Pacific Time (US & Canada)',
        phone: '763-555-2342',
      }),
  },
  {
    name: '2.4 organizationId as a digit string is a number',
    event: identify({ userId: 'u1', traits: { name: 'A', organizationId: '42' } }),
    expect: (p) => expect(upsert(p).attributes.organization_id).toBe(42),
  },
  {
    name: '2.4 organizationId that is not an id is reported, not sent',
    event: identify({ userId: 'u1', traits: { name: 'A', organizationId: 'acme' } }),
    expect: (p) => {
      expect(upsert(p).attributes.organization_id).toBeUndefined();
      expect(notes(p).join()).toMatch(/organizationId/);
    },
  },
  {
    name: '2.4 a Zendesk zone name passes through',
    event: identify({ userId: 'u1', traits: { name: 'A', timezone: 'Berlin' } }),
    expect: (p) => expect(upsert(p).attributes.time_zone).toBe('Berlin'),
  },
  {
    name: '2.4 an unknown zone is reported, not sent',
    event: identify({ userId: 'u1', traits: { name: 'A', timezone: 'Mars/Olympus' } }),
    expect: (p) => {
      expect(upsert(p).attributes.time_zone).toBeUndefined();
      expect(notes(p).join()).toMatch(/timezone/);
    },
  },
  // --- standard attributes spelled another way; permission attributes
  {
    name: '2.4 Email, time_zone, organization_id, Phone are the attributes, never custom fields',
    event: identify({
      userId: 'u1',
      traits: { name: 'A', organization_id: 1, time_zone: 'Berlin', Email: 'a@x.io', Phone: '+4930123' },
    }),
    expect: (p) => {
      expect(upsert(p).attributes).toEqual({
        external_id: 'u1',
        email: 'a@x.io',
        name: 'A',
        organization_id: 1,
        time_zone: 'Berlin',
        phone: '+4930123',
      });
      expect(upsert(p).key).toEqual({ externalId: 'u1', email: 'a@x.io' });
      expect(upsert(p).fields).toEqual([]);
      expect(ops(p).some((o) => o.op === 'ensureFields')).toBe(false);
    },
  },
  {
    name: '2.4 EMAIL alone is enough to match; Time Zone and timeZone are the zone; Name is the name',
    event: identify({ traits: { EMAIL: 'a@x.io', 'Time Zone': 'Europe/London', Name: 'Ada Lovelace' } }),
    expect: (p) => {
      expect(upsert(p).attributes).toEqual({ email: 'a@x.io', name: 'Ada Lovelace', time_zone: 'London' });
      expect(upsert(p).fields).toEqual([]);
    },
  },
  {
    name: '2.4 timezone and time_zone together: the canonical timezone is used, the other reported and not sent',
    event: identify({ userId: 'u1', traits: { name: 'A', time_zone: 'Berlin', timezone: 'Europe/London' } }),
    expect: (p) => {
      expect(upsert(p).attributes.time_zone).toBe('London');
      expect(upsert(p).fields).toEqual([]);
      expect(notes(p).join()).toMatch(/time_zone.*timezone/);
    },
  },
  {
    name: '2.4 FirstName/LastName spelled otherwise make the name',
    event: identify({ userId: 'u1', traits: { FirstName: 'Ada', 'Last Name': 'Lovelace' } }),
    expect: (p) => {
      expect(upsert(p).attributes.name).toBe('Ada Lovelace');
      expect(upsert(p).fields).toEqual([]);
    },
  },
  {
    name: '2.4 permission attributes are never set from traits: role, custom_role_id, moderator, restricted_agent, suspended go to custom fields',
    event: identify({
      userId: 'u1',
      traits: {
        name: 'A',
        role: 'admin',
        customRoleId: 7,
        moderator: true,
        restricted_agent: false,
        suspended: true,
      },
    }),
    expect: (p) => {
      expect(upsert(p).attributes).toEqual({ external_id: 'u1', name: 'A' });
      expect(upsert(p).fields.map((f) => f.key)).toEqual([
        'role',
        'custom_role_id',
        'moderator',
        'restricted_agent',
        'suspended',
      ]);
    },
  },
  // --- verified
  {
    name: '2.5 verified is not sent at all by default (false could unverify a verified user)',
    event: identify({ userId: 'u1', traits: { name: 'A' } }),
    expect: (p) => expect('verified' in upsert(p).attributes).toBe(false),
  },
  {
    name: '2.5 a verified trait never sends verified: false (it is a custom field like any other key)',
    event: identify({ userId: 'u1', traits: { name: 'A', verified: false } }),
    expect: (p) => {
      expect('verified' in upsert(p).attributes).toBe(false);
      expect(upsert(p).fields.map((f) => f.key)).toEqual(['verified']);
    },
  },
  {
    name: '2.5 verified: true with createUsersAsVerified',
    settings: { createUsersAsVerified: true },
    event: identify({ userId: 'u1', traits: { plan: 'x' } }),
    expect: (p) => expect(upsert(p).attributes.verified).toBe(true),
  },
  // --- custom traits
  {
    name: '2.6 other traits → user_fields, snake_case keys, definitions typed from the value',
    event: identify({
      userId: 'u1',
      traits: {
        name: 'A',
        planTier: 'pro',
        logins: 5,
        score: 4.5,
        beta: true,
        trialEnds: '2026-03-01T10:00:00Z',
        signupDate: '2025-12-24',
      },
    }),
    expect: (p) =>
      expect(ops(p)[0]).toEqual({
        op: 'ensureFields',
        scope: 'user',
        fields: [
          { key: 'plan_tier', type: 'text', title: 'Plan tier' },
          { key: 'logins', type: 'decimal', title: 'Logins' },
          { key: 'score', type: 'decimal', title: 'Score' },
          { key: 'beta', type: 'checkbox', title: 'Beta' },
          { key: 'trial_ends', type: 'date', title: 'Trial ends' },
          { key: 'signup_date', type: 'date', title: 'Signup date' },
        ],
      }),
  },
  {
    name: '2.6 date-time values are sent as YYYY-MM-DD',
    event: identify({ userId: 'u1', traits: { name: 'A', trialEnds: '2026-03-01T10:00:00Z' } }),
    expect: (p) =>
      expect(upsert(p).fields).toEqual([
        { key: 'trial_ends', type: 'date', value: '2026-03-01', raw: '2026-03-01T10:00:00Z' },
      ]),
  },
  {
    name: '2.6 mapped traits and company are not custom fields',
    event: identify({
      userId: 'u1',
      traits: {
        name: 'A',
        email: 'a@example.com',
        organizationId: 1,
        timezone: 'UTC',
        phone: '1',
        company: { id: 1 },
      },
    }),
    expect: (p) => expect(upsert(p).fields).toEqual([]),
  },
  {
    name: '2.6 `plan_tier`, `Plan Tier`, `userID` keys convert',
    event: identify({ userId: 'u1', traits: { name: 'A', 'Plan Tier': 'pro', userID: 'x' } }),
    expect: (p) => expect(upsert(p).fields.map((f) => f.key)).toEqual(['plan_tier', 'user_id']),
  },
  {
    name: '2.6 keys that snake_case to the same key: the one spelled as the key wins, the clash is reported',
    event: identify({ userId: 'u1', traits: { name: 'A', planTier: 'camel', plan_tier: 'snake' } }),
    expect: (p) => {
      expect(upsert(p).fields).toEqual([{ key: 'plan_tier', type: 'text', value: 'snake', raw: 'snake' }]);
      expect(notes(p).join()).toMatch(/planTier.*plan_tier/);
    },
  },
  {
    name: '2.6 only-digit or empty keys are reported, not sent',
    event: identify({ userId: 'u1', traits: { name: 'A', '123': 'x', '': 'y', '!!': 'z' } }),
    expect: (p) => {
      expect(upsert(p).fields).toEqual([]);
      expect(notes(p)).toHaveLength(3);
    },
  },
  {
    name: '2.6 nested objects are flattened into parent_child keys',
    event: identify({
      userId: 'u1',
      traits: { name: 'A', address: { city: 'Paris', postalCode: '75001', geo: { lat: 48.85 } } },
    }),
    expect: (p) =>
      expect(upsert(p).fields.map((f) => [f.key, f.value])).toEqual([
        ['address_city', 'Paris'],
        ['address_postal_code', '75001'],
        ['address_geo_lat', 48.85],
      ]),
  },
  {
    name: '2.6 arrays are reported, never sent raw',
    event: identify({ userId: 'u1', traits: { name: 'A', roles: ['admin', 'dev'] } }),
    expect: (p) => {
      expect(upsert(p).fields).toEqual([]);
      expect(notes(p).join()).toMatch(/"roles" is an array/);
    },
  },
  {
    name: '2.6 empty string and null clear an existing field, never create one',
    event: identify({ userId: 'u1', traits: { name: 'A', nickname: '', plan: null } }),
    expect: (p) => {
      expect(ops(p).some((o) => o.op === 'ensureFields')).toBe(false);
      expect(upsert(p).fields).toEqual([
        { key: 'nickname', type: null, value: null, raw: '' },
        { key: 'plan', type: null, value: null, raw: null },
      ]);
    },
  },
  // --- personas
  {
    name: '2.7 Personas audience booleans → checkbox fields',
    event: identify({ userId: 'u1', traits: { name: 'A', order_completed_last_30days: false } }),
    expect: (p) => {
      expect(ops(p)[0]).toEqual({
        op: 'ensureFields',
        scope: 'user',
        fields: [
          { key: 'order_completed_last_30days', type: 'checkbox', title: 'Order completed last 30days' },
        ],
      });
      expect(upsert(p).fields[0]?.value).toBe(false);
    },
  },
  // --- company.remove
  {
    name: '2.8 company.remove with id removes the membership when the setting is on',
    settings: { removeUsersFromOrganization: true },
    event: identify({ userId: 'u1', traits: { name: 'A', company: { id: 77, remove: true } } }),
    expect: (p) =>
      expect(ops(p).at(-1)).toEqual({
        op: 'removeMembership',
        user: { externalId: 'u1' },
        organization: { externalId: '77' },
      }),
  },
  {
    name: '2.8 company.remove with a string id',
    settings: { removeUsersFromOrganization: true },
    event: identify({ userId: 'u1', traits: { name: 'A', company: { id: 'org-9', remove: true } } }),
    expect: (p) =>
      expect(ops(p).at(-1)).toMatchObject({ op: 'removeMembership', organization: { externalId: 'org-9' } }),
  },
  {
    name: '2.8 company.remove is ignored (and said so) when the setting is off',
    event: identify({ userId: 'u1', traits: { name: 'A', company: { id: 77, remove: true } } }),
    expect: (p) => {
      expect(ops(p).some((o) => o.op === 'removeMembership')).toBe(false);
      expect(notes(p).join()).toMatch(/removeUsersFromOrganization is off/);
    },
  },
  {
    name: '2.8 company without remove: true removes nothing',
    settings: { removeUsersFromOrganization: true },
    event: identify({ userId: 'u1', traits: { name: 'A', company: { id: 77, remove: 'yes' } } }),
    expect: (p) => expect(ops(p).some((o) => o.op === 'removeMembership')).toBe(false),
  },
];

describe('identify planning (SPEC section 2)', () => {
  it.each(rows)('$name', (row) => {
    row.expect(planEvent(row.event, { ...defaultDestinationSettings, ...row.settings }));
  });

  it('is pure: the same event gives the same plan and the event is not mutated', () => {
    const event = identify({ userId: 'u1', traits: { name: 'A', address: { city: 'X' } } });
    const copy = structuredClone(event);
    expect(planEvent(event, settings())).toEqual(planEvent(event, settings()));
    expect(event).toEqual(copy);
  });
});
