import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { executePlan } from '../../../src/destination/execute.js';
import { createFieldCatalogs } from '../../../src/destination/fields-catalog.js';
import { naiveGateway } from '../../../src/zendesk/batching/gateway.js';
import { identifyShape, mergeKeyOf, segmentsOf, type IdentifyShape } from '../../../src/destination/merge.js';
import type { Outcome } from '../../../src/destination/outcome.js';
import { planEvent } from '../../../src/destination/planner.js';
import { executeRun } from '../../../src/destination/execute-run.js';
import { defaultDestinationSettings, type DestinationSettings } from '../../../src/destination/settings.js';
import { createDestination } from '../../../src/destination/index.js';
import type { JsonObject, SegmentEvent } from '../../../src/segment/event.js';
import type { UserInput } from '../../../src/zendesk/api.js';
import { ZendeskError } from '../../../src/zendesk/errors.js';
import { FakeZendeskApi } from '../destination/fake-zendesk-api.js';

/** Coalescing rules (issue 7): which consecutive events may merge, and that merging changes nothing. */

const settings: DestinationSettings = { ...defaultDestinationSettings, removeUsersFromOrganization: true };
const identify = (userId: string | undefined, traits: JsonObject): SegmentEvent => ({
  type: 'identify',
  ...(userId !== undefined ? { userId } : {}),
  traits,
});
const key = (e: SegmentEvent) => mergeKeyOf(planEvent(e, settings));
const shape = (e: SegmentEvent) => identifyShape(planEvent(e, settings)) as IdentifyShape;

describe('mergeKey: which neighbours may merge', () => {
  const named = identify('u1', { name: 'Ada', email: 'a@x.io', plan: 'pro' });
  const cases: { why: string; a: SegmentEvent; b: SegmentEvent; merge: boolean }[] = [
    {
      why: 'same userId and email, both named',
      a: named,
      b: identify('u1', { name: 'Ada K', email: 'a@x.io' }),
      merge: true,
    },
    {
      why: 'a nameless update of the same key (the run decides how)',
      a: named,
      b: identify('u1', { email: 'a@x.io', plan: 'x' }),
      merge: true,
    },
    {
      why: 'same userId, different email: could match another user',
      a: named,
      b: identify('u1', { name: 'Ada', email: 'b@x.io' }),
      merge: false,
    },
    { why: 'same userId, one without email', a: named, b: identify('u1', { name: 'Ada' }), merge: false },
    {
      why: 'same email, different userId',
      a: named,
      b: identify('u2', { name: 'Ada', email: 'a@x.io' }),
      merge: false,
    },
    {
      why: 'email case differs: identical strings only',
      a: named,
      b: identify('u1', { name: 'Ada', email: 'A@x.io' }),
      merge: false,
    },
    {
      why: 'email-only identifies of the same email',
      a: identify(undefined, { name: 'A', email: 'e@x.io' }),
      b: identify(undefined, { email: 'e@x.io' }),
      merge: true,
    },
  ];
  it.each(cases)('$why → merge: $merge', ({ a, b, merge }) => {
    expect(key(a)).not.toBeNull();
    expect(key(a) === key(b) && key(b) !== null).toBe(merge);
  });

  const never: { why: string; e: SegmentEvent }[] = [
    { why: 'final outcome (no userId, no email)', e: identify(undefined, { name: 'x' }) },
    { why: 'group', e: { type: 'group', userId: 'u1', groupId: 'g1', traits: { name: 'G' } } },
    { why: 'track', e: { type: 'track', userId: 'u1', event: 'E' } },
    { why: 'page', e: { type: 'page', userId: 'u1' } },
    {
      // ("First Name" is now the name part itself; a nested trait still flattens to first_name.)
      why: 'a custom field keyed first_name (also written from the name)',
      e: identify('u1', { name: 'A', first: { name: 'B' } }),
    },
  ];
  it.each(never)('never merged: $why', ({ e }) => expect(key(e)).toBeNull());

  it('naive mode never merges', () => {
    const d = createDestination({ api: new FakeZendeskApi(), settings, mode: 'naive' });
    expect(d.mergeKey(named)).toBeNull();
    const o = createDestination({ api: new FakeZendeskApi(), settings });
    expect(o.mergeKey(named)).toBe(key(named));
  });
});

describe('segments of a run', () => {
  const N = identify('u1', { name: 'Ada' });
  const U = identify('u1', { plan: 'x' }); // no name: update only if the user exists
  const R = identify('u1', { name: 'Ada', company: { id: 'o1', remove: true } });
  const seg = (events: SegmentEvent[]) =>
    segmentsOf(events.map(shape)).map((s) => `${s.named ? 'N' : 'U'}${s.indices.join('')}`);
  const cases: [string, SegmentEvent[], string[], string][] = [
    ['NNN', [N, N, N], ['N012'], 'named upserts merge, later traits win'],
    ['NUU', [N, U, U], ['N012'], 'after a named upsert the user exists: nameless updates join it'],
    ['UUN', [U, U, N], ['U01', 'N2'], 'nameless before the first named event: existence decided before it'],
    ['UNU', [U, N, U], ['U0', 'N12'], 'the nameless prefix stays alone'],
    ['NRN', [N, R, N], ['N01', 'N2'], 'company.remove ends a segment (keeps its place between upserts)'],
    ['RR', [R, R], ['N0', 'N1'], 'each removal in its own place'],
  ];
  it.each(cases)('%s → %j (%s)', (_n, events, expected) => expect(seg(events)).toEqual(expected));
});

// ---- merged runs end where one-by-one ends

function setup(existing: boolean, member: boolean) {
  const api = new FakeZendeskApi();
  api.addField('user', 'first_name', 'text');
  const org = api.addOrganization({ name: 'O1', external_id: 'o1' });
  if (existing) {
    const u = api.addUser({ name: 'Old', external_id: 'u1', email: 'a@x.io' });
    if (member) api.memberships.push({ id: 9, user_id: u.id, organization_id: org.id, default: null });
  }
  return { api, deps: { api, fields: createFieldCatalogs(api), gateway: naiveGateway(api) } };
}
const state = (api: FakeZendeskApi) => ({
  users: api.users.map(({ id: _i, ...u }) => u),
  memberships: api.memberships.map((m) => m.organization_id),
  fields: api.fields.user.map((f) => [f.key, f.type]),
});
const summary = (o: Outcome) => (o.kind === 'rejected' ? `rejected:${o.reason}` : o.kind);

const traitsArb: fc.Arbitrary<JsonObject> = fc.record(
  {
    name: fc.constantFrom('Ada Lovelace', 'Ada', 'Grace Hopper'),
    email: fc.constant('a@x.io'),
    plan: fc.constantFrom('pro', 'free', 3, null),
    seats: fc.constantFrom(1, 2, '2024-01-02'),
    phone: fc.constantFrom('+1555', '+1666'),
    company: fc.constant({ id: 'o1', remove: true }),
  },
  { requiredKeys: ['email'] },
);

describe('a merged run ends in the same outcomes and state as one by one', () => {
  it('property: any sequence of one user’s identifies, user existing or not, member or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(traitsArb, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.boolean(),
        async (traits, existing, member) => {
          const events = traits.map((t) => identify('u1', t));
          const plans = events.map((e) => planEvent(e, settings));
          fc.pre(plans.every((p) => mergeKeyOf(p) !== null));
          const alone = setup(existing, member);
          const one: string[] = [];
          for (const p of plans) one.push(summary(await executePlan(p, alone.deps)));
          const merged = setup(existing, member);
          const run = (await executeRun(plans, merged.deps)).map(summary);
          expect(run).toEqual(one);
          expect(state(merged.api)).toEqual(state(alone.api));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('[nameless, named] for a new user: missing_name, then created (the nameless traits are not applied)', async () => {
    const { api, deps } = setup(false, false);
    const plans = [
      identify('u1', { email: 'a@x.io', plan: 'x' }),
      identify('u1', { email: 'a@x.io', name: 'Ada' }),
    ].map((e) => planEvent(e, settings));
    expect((await executeRun(plans, deps)).map(summary)).toEqual(['rejected:missing_name', 'delivered']);
    expect(api.users[0]?.user_fields).toEqual({ first_name: 'Ada' });
  });

  it('three nameless events for a new user: one look-up, missing_name for each', async () => {
    const { api, deps } = setup(false, false);
    const plans = [1, 2, 3].map((n) => planEvent(identify('u1', { email: 'a@x.io', n }), settings));
    expect((await executeRun(plans, deps)).map(summary)).toEqual(Array(3).fill('rejected:missing_name'));
    expect(api.methods().filter((m) => m === 'searchUsers')).toHaveLength(2); // external id, then email
    expect(api.methods()).not.toContain('createOrUpdateUser');
  });

  it('five named events: one upsert holding the latest traits', async () => {
    const { api, deps } = setup(true, false);
    const plans = [1, 2, 3, 4, 5].map((n) =>
      planEvent(identify('u1', { email: 'a@x.io', name: `Ada ${n}`, [`k${n}`]: n }), settings),
    );
    expect((await executeRun(plans, deps)).map(summary)).toEqual(Array(5).fill('delivered'));
    expect(api.methods().filter((m) => m === 'createOrUpdateUser')).toHaveLength(1);
    expect(api.users[0]).toMatchObject({ name: 'Ada 5', user_fields: { k1: 1, k5: 5, first_name: 'Ada' } });
  });

  it('a custom field value Zendesk refuses in one event is left out of that event only (the segment is replayed one by one)', async () => {
    class Picky extends FakeZendeskApi {
      override async createOrUpdateUser(input: UserInput) {
        if (input.user_fields?.seats === 'many')
          throw new ZendeskError('reject', 'Seats is invalid', {
            status: 422,
            code: 'RecordInvalid',
            details: { seats: [{ error: 'InvalidValue' }] },
          });
        return super.createOrUpdateUser(input);
      }
    }
    const api = new Picky();
    api.addField('user', 'seats', 'integer');
    const deps = { api, fields: createFieldCatalogs(api), gateway: naiveGateway(api) };
    const plans = [
      identify('u1', { name: 'Ada', seats: 1 }),
      identify('u1', { name: 'Ada', seats: 'many' }),
      identify('u1', { name: 'Ada B' }),
    ].map((e) => planEvent(e, settings));
    const out = await executeRun(plans, deps);
    // The refused value is left out of its own event only (field_rejected); the first event's value
    // lands as it would one by one, although the merged upsert carried the second event's value.
    expect(out.map(summary)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(out.map((o) => (o.kind === 'delivered' ? (o.notes ?? []) : []))).toEqual([
      [],
      ['field_rejected:seats'],
      [],
    ]);
    expect(api.users[0]).toMatchObject({ name: 'Ada B', user_fields: { seats: 1 } });
  });
});
