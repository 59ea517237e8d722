/**
 * A Segment event as it travels through the pipeline, after Avro decoding.
 * Free-form parts (traits, properties, context, integrations) are plain JSON values.
 * Validation (required fields per type) lives in the planners (src/destination/identify.ts,
 * group.ts, track.ts); this type only says what may be there.
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface SegmentEvent {
  messageId?: string | null;
  type: string;
  userId?: string | null;
  anonymousId?: string | null;
  groupId?: string | null;
  event?: string | null;
  name?: string | null;
  previousId?: string | null;
  timestamp?: string | null;
  originalTimestamp?: string | null;
  sentAt?: string | null;
  receivedAt?: string | null;
  version?: number | null;
  traits?: JsonObject | null;
  properties?: JsonObject | null;
  context?: JsonObject | null;
  integrations?: JsonObject | null;
}

/** The partition key: userId, falling back to anonymousId (SPEC section 1). */
export function partitionKey(event: Pick<SegmentEvent, 'userId' | 'anonymousId'>): string | null {
  if (event.userId != null && event.userId !== '') return String(event.userId);
  if (event.anonymousId != null && event.anonymousId !== '') return String(event.anonymousId);
  return null;
}
