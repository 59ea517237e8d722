import type { SegmentEvent } from '../segment/event.js';
import { skipped } from './outcome.js';
import { planGroup } from './group.js';
import { planIdentify } from './identify.js';
import { finalPlan, type Plan } from './plan.js';
import type { DestinationSettings } from './settings.js';
import { planTrack } from './track.js';

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
