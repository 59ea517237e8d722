import { describe, expect, it } from 'vitest';
import { planEvent, skipOf } from '../../../src/destination/planner.js';
import { defaultDestinationSettings, type DestinationSettings } from '../../../src/destination/settings.js';
import type { Plan } from '../../../src/destination/plan.js';
import type { SegmentEvent } from '../../../src/segment/event.js';

/** SPEC sections 4 and 5: track, and every other type. */

const enabled: Partial<DestinationSettings> = { trackEvents: ['Order Completed'] };
const track = (e: Partial<SegmentEvent>): SegmentEvent => ({
  type: 'track',
  userId: 'u1',
  event: 'Order Completed',
  timestamp: '2026-01-31T00:44:07.000Z',
  properties: { total: 30, item: { name: 'Swag' } },
  ...e,
});
const outcome = (plan: Plan) => (plan.kind === 'final' ? plan.outcome : null);

interface Row {
  name: string;
  event: SegmentEvent;
  settings?: Partial<DestinationSettings>;
  expect: (plan: Plan) => void;
}

const rows: Row[] = [
  {
    name: '4.1 an event not in the allow-list is skipped (event_not_enabled)',
    event: track({ event: 'Product Viewed' }),
    settings: enabled,
    expect: (p) => expect(outcome(p)).toEqual({ kind: 'skipped', reason: 'event_not_enabled' }),
  },
  {
    name: '4.1 the allow-list is case-sensitive',
    event: track({ event: 'order completed' }),
    settings: enabled,
    expect: (p) => expect(outcome(p)).toEqual({ kind: 'skipped', reason: 'event_not_enabled' }),
  },
  {
    name: '4.1 the default (empty) allow-list skips every track',
    event: track({}),
    expect: (p) => expect(outcome(p)).toEqual({ kind: 'skipped', reason: 'event_not_enabled' }),
  },
  {
    name: '4.1 userId is required → invalid_event',
    event: track({ userId: null, anonymousId: 'anon' }),
    settings: enabled,
    expect: (p) => expect(outcome(p)).toMatchObject({ kind: 'rejected', reason: 'invalid_event' }),
  },
  {
    name: '4.1 a track without an event name is invalid',
    event: track({ event: '' }),
    settings: enabled,
    expect: (p) => expect(outcome(p)).toMatchObject({ kind: 'rejected', reason: 'invalid_event' }),
  },
  {
    name: '4.1/4.2 the exact Events API body: type, source, properties, created_at; user must exist (user_not_found)',
    event: track({}),
    settings: enabled,
    expect: (p) =>
      expect(p).toEqual({
        kind: 'operations',
        notes: [],
        operations: [
          {
            op: 'sendUserEvent',
            user: { externalId: 'u1' },
            event: {
              type: 'Order Completed',
              source: 'segment',
              properties: { total: 30, item: { name: 'Swag' } },
              created_at: '2026-01-31T00:44:07.000Z',
            },
            profile: {
              source: 'segment',
              type: 'customer',
              identifiers: [{ type: 'external_id', value: 'u1' }],
            },
            onFailure: { userNotFound: 'user_not_found' },
          },
        ],
      }),
  },
  {
    name: '4.2 the profile beside the event: source, type customer, external_id and the email the event carries',
    event: track({ context: { traits: { email: 'ada@example.com' } } }),
    settings: { ...enabled, eventSource: 'shop' },
    expect: (p) =>
      expect(
        p.kind === 'operations' && p.operations[0]?.op === 'sendUserEvent' && p.operations[0].profile,
      ).toEqual({
        source: 'shop',
        type: 'customer',
        identifiers: [
          { type: 'external_id', value: 'u1' },
          { type: 'email', value: 'ada@example.com' },
        ],
      }),
  },
  {
    name: '4.2 source from settings',
    event: track({}),
    settings: { ...enabled, eventSource: 'shop' },
    expect: (p) =>
      expect(
        p.kind === 'operations' && p.operations[0]?.op === 'sendUserEvent' && p.operations[0].event.source,
      ).toBe('shop'),
  },
  {
    name: '4.2 created_at is the event timestamp in UTC, whatever offset it was written with',
    event: track({ timestamp: '2026-01-31T01:44:07+01:00' }),
    settings: enabled,
    expect: (p) =>
      expect(
        p.kind === 'operations' &&
          p.operations[0]?.op === 'sendUserEvent' &&
          p.operations[0].event.created_at,
      ).toBe('2026-01-31T00:44:07.000Z'),
  },
  {
    name: '4.2 no properties → {} (Zendesk requires an object)',
    event: track({ properties: null }),
    settings: enabled,
    expect: (p) =>
      expect(
        p.kind === 'operations' &&
          p.operations[0]?.op === 'sendUserEvent' &&
          p.operations[0].event.properties,
      ).toEqual({}),
  },
  {
    name: '4.2 numeric userId',
    event: track({ userId: 42 as unknown as string }),
    settings: enabled,
    expect: (p) =>
      expect(p.kind === 'operations' && p.operations[0]).toMatchObject({ user: { externalId: '42' } }),
  },
  ...(['page', 'screen', 'alias', 'something_new', ''] as const).map((type): Row => ({
    name: `5.1 type "${type}" is skipped as unsupported_type`,
    event: { type, userId: 'u1' },
    expect: (p) => expect(outcome(p)).toEqual({ kind: 'skipped', reason: 'unsupported_type' }),
  })),
];

describe('track and other types planning (SPEC sections 4–5)', () => {
  it.each(rows)('$name', (row) => {
    row.expect(planEvent(row.event, { ...defaultDestinationSettings, ...row.settings }));
  });
});

describe('skips known without a plan (skipOf)', () => {
  const settings = { ...defaultDestinationSettings, ...enabled };
  const events: SegmentEvent[] = [
    { type: 'page', name: 'Pricing', userId: 'u1' },
    { type: 'screen', name: 'Home' },
    { type: 'alias', userId: 'u1', previousId: 'a' },
    { type: 'something-new', userId: 'u1' },
    track({ event: 'Order Refunded' }),
    track({ event: 'order completed' }),
    track({ event: 'Order Completed' }),
    track({ event: '  ' }),
    track({ event: undefined }),
    track({ event: 'Order Refunded', userId: undefined }),
    { type: 'identify', userId: 'u1', traits: { name: 'A', email: 'a@example.com' } },
    { type: 'identify' },
    { type: 'group', userId: 'u1', groupId: 'g1' },
  ];
  it.each(events.map((event) => ({ event, label: `${event.type} ${event.event ?? ''}` })))(
    '$label: the same skip as the plan, or nothing',
    ({ event }) => {
      const plan = planEvent(event, settings);
      const fast = skipOf(event, settings);
      if (fast) expect(outcome(plan)).toEqual(fast);
      // Every type the destination does not handle, and every named track off the allow-list, is found.
      const expected =
        !['identify', 'group', 'track'].includes(event.type) ||
        (event.type === 'track' && outcome(plan)?.kind === 'skipped');
      expect(fast !== null).toBe(expected);
    },
  );
});
