import { describe, expect, it } from 'vitest';
import { planEvent } from '../../../src/destination/planner.js';
import { defaultDestinationSettings, type DestinationSettings } from '../../../src/destination/settings.js';
import type { Operation, Plan, UpsertOrganization } from '../../../src/destination/plan.js';
import type { SegmentEvent } from '../../../src/segment/event.js';

/** SPEC section 3, bullet by bullet: group event + settings → the exact plan or outcome. */

const group = (e: Partial<SegmentEvent>): SegmentEvent => ({
  type: 'group',
  userId: 'u1',
  groupId: 'g1',
  ...e,
});
function ops(plan: Plan): Operation[] {
  if (plan.kind !== 'operations') throw new Error(`expected operations, got ${JSON.stringify(plan)}`);
  return plan.operations;
}
function upsert(plan: Plan): UpsertOrganization {
  const op = ops(plan).find((o) => o.op === 'upsertOrganization');
  if (op?.op !== 'upsertOrganization') throw new Error('no upsertOrganization');
  return op;
}
const outcome = (plan: Plan) => (plan.kind === 'final' ? plan.outcome : null);
const notes = (plan: Plan): string[] => (plan.kind === 'operations' ? plan.notes : []);

interface Row {
  name: string;
  event: SegmentEvent;
  settings?: Partial<DestinationSettings>;
  expect: (plan: Plan) => void;
}

const rows: Row[] = [
  {
    name: '3.2 domain_names is the domain list like domainNames (a comma string split), never a custom field',
    event: group({ traits: { name: 'Initech', domain_names: 'initech.com, initech.io' } }),
    expect: (p) => {
      expect(upsert(p).attributes.domain_names).toEqual(['initech.com', 'initech.io']);
      expect(upsert(p).fields).toEqual([]);
    },
  },
  {
    name: '3.2 domainNames and domain_names together: domainNames is used, the other reported',
    event: group({ traits: { domain_names: ['a.com'], domainNames: ['b.com'] } }),
    expect: (p) => {
      expect(upsert(p).attributes.domain_names).toEqual(['b.com']);
      expect(upsert(p).fields).toEqual([]);
      expect(notes(p).join()).toMatch(/domain_names.*domainNames/);
    },
  },
  {
    name: '3.2 Name and Tags spelled otherwise are the attributes',
    event: group({ traits: { Name: 'Initech', Tags: 'a b' } }),
    expect: (p) => {
      expect(upsert(p).attributes).toEqual({ external_id: 'g1', name: 'Initech', tags: ['a', 'b'] });
      expect(upsert(p).fields).toEqual([]);
    },
  },
  {
    name: '3.1 groupId is required → invalid_event',
    event: group({ groupId: null, traits: { name: 'Initech' } }),
    expect: (p) => expect(outcome(p)).toMatchObject({ kind: 'rejected', reason: 'invalid_event' }),
  },
  {
    name: '3.1 groupId is the external_id and the match key; the exact plan (upsert, then link)',
    event: group({ traits: { name: 'Initech' } }),
    expect: (p) =>
      expect(ops(p)).toEqual([
        {
          op: 'upsertOrganization',
          key: { externalId: 'g1' },
          attributes: { external_id: 'g1', name: 'Initech' },
          fields: [],
          onFailure: { nameTaken: 'ambiguous_organization' },
        },
        {
          op: 'linkMembership',
          user: { externalId: 'u1' },
          organization: { externalId: 'g1' },
          onFailure: { userNotFound: 'user_not_found' },
        },
      ]),
  },
  {
    name: '3.1 numeric groupId is a string external_id',
    event: group({ groupId: 908172409 as unknown as string, traits: { name: 'Lakers' } }),
    expect: (p) => expect(upsert(p).key).toEqual({ externalId: '908172409' }),
  },
  {
    name: '3.2 mapping: domainNames array, tags',
    event: group({
      traits: { name: 'Initech', domainNames: ['initech.com', 'initech.io'], tags: ['vip', 'b2b'] },
    }),
    expect: (p) =>
      expect(upsert(p).attributes).toEqual({
        external_id: 'g1',
        name: 'Initech',
        domain_names: ['initech.com', 'initech.io'],
        tags: ['vip', 'b2b'],
      }),
  },
  {
    name: '3.2 domainNames as a comma string is split (and trimmed)',
    event: group({ traits: { domainNames: 'initech.com, initech.io,' } }),
    expect: (p) => expect(upsert(p).attributes.domain_names).toEqual(['initech.com', 'initech.io']),
  },
  {
    name: '3.2 url goes to an organization custom field `url`',
    event: group({ traits: { name: 'Lakers', url: 'https://lakers.com' } }),
    expect: (p) => {
      expect(ops(p)[0]).toEqual({
        op: 'ensureFields',
        scope: 'organization',
        fields: [{ key: 'url', type: 'text', title: 'Url' }],
      });
      expect(upsert(p).fields).toEqual([
        { key: 'url', type: 'text', value: 'https://lakers.com', raw: 'https://lakers.com' },
      ]);
      expect(upsert(p).attributes).not.toHaveProperty('url');
    },
  },
  {
    name: '3.2 deleted: true without allowOrganizationDeletes → unsupported',
    event: group({ traits: { name: 'Lakers', deleted: true } }),
    expect: (p) => expect(outcome(p)).toMatchObject({ kind: 'rejected', reason: 'unsupported' }),
  },
  {
    name: '3.2 deleted: true with allowOrganizationDeletes → delete the organization (nothing else)',
    settings: { allowOrganizationDeletes: true },
    event: group({ traits: { name: 'Lakers', deleted: true } }),
    expect: (p) => expect(ops(p)).toEqual([{ op: 'deleteOrganization', key: { externalId: 'g1' } }]),
  },
  {
    name: '3.2 deleted: false changes nothing (not an attribute, not a field)',
    event: group({ traits: { name: 'Lakers', deleted: false } }),
    expect: (p) => {
      expect(upsert(p).attributes).toEqual({ external_id: 'g1', name: 'Lakers' });
      expect(upsert(p).fields).toEqual([]);
    },
  },
  {
    name: '3.2 absent traits leave Zendesk attributes as they are (not sent)',
    event: group({ traits: {} }),
    expect: (p) => expect(upsert(p).attributes).toEqual({ external_id: 'g1' }),
  },
  {
    name: '3.3 other traits → organization_fields like user traits (snake_case, typed)',
    event: group({
      traits: { name: 'Initech', industry: 'Technology', employees: 329, 'total billed': 830.5 },
    }),
    expect: (p) => {
      expect(ops(p)[0]).toEqual({
        op: 'ensureFields',
        scope: 'organization',
        fields: [
          { key: 'industry', type: 'text', title: 'Industry' },
          { key: 'employees', type: 'decimal', title: 'Employees' },
          { key: 'total_billed', type: 'decimal', title: 'Total billed' },
        ],
      });
    },
  },
  {
    name: '3.4 taken name → ambiguous_organization (declared in the plan)',
    event: group({ traits: { name: 'Initech' } }),
    expect: (p) => expect(upsert(p).onFailure.nameTaken).toBe('ambiguous_organization'),
  },
  {
    name: '3.5 missing userId → invalid_event by default',
    event: group({ userId: null, traits: { name: 'Initech' } }),
    expect: (p) => expect(outcome(p)).toMatchObject({ kind: 'rejected', reason: 'invalid_event' }),
  },
  {
    name: '3.5 missing userId with sendGroupCallsWithoutUserId → only the organization',
    settings: { sendGroupCallsWithoutUserId: true },
    event: group({ userId: '', traits: { name: 'Initech' } }),
    expect: (p) => expect(ops(p).map((o) => o.op)).toEqual(['upsertOrganization']),
  },
  {
    name: '3.5 user not in Zendesk → user_not_found after the org upsert (declared in the plan)',
    event: group({ traits: { name: 'Initech' } }),
    expect: (p) => {
      expect(ops(p).map((o) => o.op)).toEqual(['upsertOrganization', 'linkMembership']);
      expect(ops(p)[1]).toMatchObject({ onFailure: { userNotFound: 'user_not_found' } });
    },
  },
  {
    name: "context.traits (the user's) never become organization fields",
    event: group({ traits: { name: 'Initech' }, context: { traits: { email: 'u@example.com', plan: 'x' } } }),
    expect: (p) => expect(upsert(p).fields).toEqual([]),
  },
  {
    name: 'tags that are not a list or a string are reported',
    event: group({ traits: { tags: { a: 1 } } }),
    expect: (p) => {
      expect(upsert(p).attributes.tags).toBeUndefined();
      expect(notes(p).join()).toMatch(/tags/);
    },
  },
];

describe('group planning (SPEC section 3)', () => {
  it.each(rows)('$name', (row) => {
    row.expect(planEvent(row.event, { ...defaultDestinationSettings, ...row.settings }));
  });
});
