import type { SegmentEvent } from '../segment/event.js';
import { skipped, type Outcome } from './outcome.js';
import { planGroup } from './group.js';
import { planIdentify } from './identify.js';
import { finalPlan, type Plan } from './plan.js';
import type { DestinationSettings } from './settings.js';
import { planTrack, trackName } from './track.js';

/**
 * Event → plan. Pure: no I/O, no clock. page, screen, alias and unknown types are skipped
 * (SPEC section 5); undecodable bytes never get here (the decoder dead-letters them).
 */
export function planEvent(event: SegmentEvent, settings: DestinationSettings): Plan {
  switch (event.type) {
    case 'identify':
      return planIdentify(event, settings);
    case 'group':
      return planGroup(event, settings);
    case 'track':
      return planTrack(event, settings);
    default:
      return finalPlan(skipped('unsupported_type'));
  }
}

/**
 * The skip `planEvent` plans for an event, found without planning it: a type the destination does not
 * handle, or a track event (named) that is not on the allow-list. null: any other event, to be planned
 * (planEvent's answer for it may still be a skip). In a typical stream most events are such skips.
 */
export function skipOf(event: SegmentEvent, settings: DestinationSettings): Outcome | null {
  switch (event.type) {
    case 'identify':
    case 'group':
      return null;
    case 'track': {
      const name = trackName(event);
      return name.trim() !== '' && !settings.trackEvents.includes(name) ? skipped('event_not_enabled') : null;
    }
    default:
      return skipped('unsupported_type');
  }
}
