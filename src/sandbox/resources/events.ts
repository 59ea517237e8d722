/**
 * User events [EV]: POST users/{id}/events and POST user_profiles/events, both 202
 * `{profile_id, status:"received", user_id}`, both requiring a `profile` beside the `event`.
 * Errors use the Events API envelope `{"errors":[…]}`. The Profiles/Events API has its own
 * per-minute budget (limits.eventsPerMinute), counted apart from the account's.
 */
import { randomBytes } from 'node:crypto';
import { obj, type Ctx, type Route } from '../context.js';
import { eventsError } from '../errors.js';
import type { EventRec, UserRec } from '../store.js';
import { PROFILE_EVENT_SHAPE, USER_EVENT_SHAPE } from '../strict.js';
import { writeUser } from './user-write.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Profile ids look like ULIDs (26 Crockford base-32 characters), e.g. 01E1DPYAA7HW7645KMJEY9CXRJ. */
const ulid = (): string => [...randomBytes(26)].map((b) => CROCKFORD[b % 32]).join('');

function validEvent(body: unknown): EventRec['event'] {
  const event = obj(obj(body)?.event);
  if (!event) throw eventsError(400, 'InvalidValue', 'event is required');
  for (const k of ['source', 'type'] as const)
    if (typeof event[k] !== 'string' || event[k] === '')
      throw eventsError(400, 'InvalidValue', `event.${k} is required`);
  if (!obj(event.properties))
    throw eventsError(400, 'InvalidValue', 'event.properties is required (a JSON object)');
  // "zendesk" is reserved for Zendesk's own events.
  if (String(event.source).toLowerCase() === 'zendesk')
    throw eventsError(400, 'InvalidValue', 'event.source "zendesk" is reserved');
  if (
    event.created_at !== undefined &&
    (typeof event.created_at !== 'string' || Number.isNaN(Date.parse(event.created_at)))
  )
    throw eventsError(400, 'InvalidValue', 'event.created_at must be an ISO 8601 time');
  return {
    source: String(event.source),
    type: String(event.type),
    ...(typeof event.description === 'string' ? { description: event.description } : {}),
    created_at: typeof event.created_at === 'string' ? event.created_at : '',
    properties: structuredClone(event.properties),
  };
}

/** One profile per user and source, so repeated events land on the same profile id. */
function profileId(ctx: Ctx, userId: number, source: string): string {
  const seen = ctx.store.events.find((e) => e.user_id === userId && e.event.source === source);
  return seen ? seen.profile_id : ulid();
}

function record(ctx: Ctx, user: UserRec, event: EventRec['event'], via: EventRec['via']) {
  const received = ctx.nowIso();
  const rec: EventRec = {
    id: ulid(),
    user_id: user.id,
    profile_id: profileId(ctx, user.id, event.source),
    via,
    // created_at defaults to the time the event is received [EV].
    event: { ...event, created_at: event.created_at || received },
    received_at: received,
  };
  ctx.store.events.push(rec);
  return { status: 202, body: { profile_id: rec.profile_id, status: 'received', user_id: String(user.id) } };
}

/**
 * The profile beside the event, required on both routes: "creating an event requires both an event
 * object and a profile object" [EV]; its source, type and identifiers are required.
 */
function validProfile(body: unknown): { profile: Record<string, unknown>; ids: Record<string, unknown>[] } {
  const profile = obj(obj(body)?.profile);
  if (!profile) throw eventsError(400, 'InvalidValue', 'profile is required (an object beside event)');
  for (const k of ['source', 'type'] as const)
    if (typeof profile[k] !== 'string' || profile[k] === '')
      throw eventsError(400, 'InvalidValue', `profile.${k} is required`);
  const ids = Array.isArray(profile.identifiers)
    ? profile.identifiers.map(obj).filter((x) => x !== undefined)
    : [];
  if (ids.length === 0) throw eventsError(400, 'InvalidValue', 'profile.identifiers is required');
  return { profile, ids };
}

function forUser(ctx: Ctx) {
  const event = validEvent(ctx.body);
  validProfile(ctx.body);
  const user = ctx.store.users.get(Number(ctx.params.id));
  if (!user) throw eventsError(404, 'NotFound', 'User not found');
  return record(ctx, user, event, 'users');
}

/** Finds the profile's user by its identifiers, or creates the user, as the profile endpoint does [EV]. */
function forProfile(ctx: Ctx) {
  const event = validEvent(ctx.body);
  const { profile, ids } = validProfile(ctx.body);
  const value = (type: string) =>
    ids.find((i) => i.type === type && typeof i.value === 'string')?.value as string | undefined;
  const email = value('email');
  const ext = value('external_id');
  let user = (ext && ctx.store.userByExternalId(ext)) || (email && ctx.store.userByEmail(email)) || undefined;
  if (!user) {
    const name =
      typeof profile.name === 'string' && profile.name ? profile.name : (email ?? ext ?? 'Unknown');
    user = writeUser(ctx, undefined, {
      name,
      ...(email ? { email } : {}),
      ...(ext ? { external_id: ext } : {}),
    }).user;
  }
  return record(ctx, user, event, 'user_profiles');
}

export const eventRoutes: Route[] = [
  {
    method: 'POST',
    pattern: '/api/v2/users/:id/events',
    handler: forUser,
    body: USER_EVENT_SHAPE,
    events: true,
  },
  {
    method: 'POST',
    pattern: '/api/v2/user_profiles/events',
    handler: forProfile,
    body: PROFILE_EVENT_SHAPE,
    events: true,
  },
];
