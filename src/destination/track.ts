import type { SegmentEvent } from '../segment/event.js';
import type { UserEventInput, UserProfileInput } from '../zendesk/api.js';
import { rejected, skipped } from './outcome.js';
import { finalPlan, operationsPlan, type Plan } from './plan.js';
import type { DestinationSettings } from './settings.js';
import { asObject, idString, nonEmptyString } from './values.js';

/** track → a Zendesk user event (SPEC section 4). */
export function planTrack(event: SegmentEvent, settings: DestinationSettings): Plan {
  const name = trackName(event);
  if (name.trim() === '') return finalPlan(rejected('invalid_event', 'track needs an event name'));
  // Exact, case-sensitive: "Order Completed" does not enable "order completed".
  if (!settings.trackEvents.includes(name)) return finalPlan(skipped('event_not_enabled'));
  const userId = idString(event.userId);
  if (userId === null)
    return finalPlan(rejected('invalid_event', 'track needs a userId to find the Zendesk user'));

  const notes: string[] = [];
  const body: UserEventInput = {
    type: name,
    source: settings.eventSource,
    properties: asObject(event.properties) ?? {},
  };
  const createdAt = isoInstant(event.timestamp);
  if (createdAt !== null) body.created_at = createdAt;
  else if (event.timestamp != null)
    notes.push('event timestamp is not a date; Zendesk uses the time it receives the event');

  // Zendesk requires a profile beside the event: the user's identifiers under our source.
  const email =
    nonEmptyString(asObject(asObject(event.context)?.traits)?.email) ??
    nonEmptyString(asObject(event.traits)?.email);
  const profile: UserProfileInput = {
    source: settings.eventSource,
    type: 'customer',
    identifiers: [
      { type: 'external_id', value: userId },
      ...(email !== null ? [{ type: 'email', value: email }] : []),
    ],
  };

  return operationsPlan(
    [
      {
        op: 'sendUserEvent',
        user: { externalId: userId },
        event: body,
        profile,
        onFailure: { userNotFound: 'user_not_found' },
      },
    ],
    notes,
  );
}

/** The track event's name ('' when it has none). */
export const trackName = (event: SegmentEvent): string =>
  typeof event.event === 'string' ? event.event : '';

/** The event's own time as ISO 8601 UTC, or null when it is missing or unreadable. */
function isoInstant(value: string | null | undefined): string | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
