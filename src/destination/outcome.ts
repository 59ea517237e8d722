/**
 * Every consumed event ends in exactly one outcome (SPEC section 1).
 * The pipeline commits `delivered` and `skipped` directly and dead-letters `rejected` first.
 */
export type SkipReason = 'unsupported_type' | 'event_not_enabled';

export type RejectReason =
  | 'undecodable' // bytes that are not a Segment event in our wire format
  | 'invalid_event' // decoded, but missing what the event type needs
  | 'ambiguous_user' // email and external_id belong to two Zendesk users
  | 'missing_name' // the user would have to be created, and there is no name
  | 'ambiguous_organization' // organization name taken by another organization
  | 'user_not_found' // group/track for a user Zendesk does not hold
  | 'unsupported' // asked for something switched off (e.g. deleted: true without allowOrganizationDeletes)
  | 'forbidden' // Zendesk answered 403 on an endpoint this account or role may not use (e.g. Events API off)
  | 'rejected_by_zendesk' // any other 4xx Zendesk answered for this event
  | 'retries_exhausted' // transient errors outlasted the retry budget
  | 'internal_error'; // a defect of ours met this event; dead-lettered so the stream goes on, logged as an error

export type Outcome =
  | { kind: 'delivered'; notes?: string[] }
  | { kind: 'skipped'; reason: SkipReason }
  | {
      kind: 'rejected';
      reason: RejectReason;
      message: string;
      /** Zendesk's HTTP status, when Zendesk answered. */
      status?: number;
      /** Zendesk's error body details, kept as Zendesk sent them. */
      details?: unknown;
      attempts?: number;
    };

export const delivered = (notes?: string[]): Outcome =>
  notes?.length ? { kind: 'delivered', notes } : { kind: 'delivered' };
export const skipped = (reason: SkipReason): Outcome => ({ kind: 'skipped', reason });
export const rejected = (
  reason: RejectReason,
  message: string,
  extra: { status?: number; details?: unknown; attempts?: number } = {},
): Outcome => ({ kind: 'rejected', reason, message, ...extra });
