import type { SegmentEvent } from '../segment/event.js';
import type { Outcome } from './outcome.js';

/**
 * The failure contract between the pipeline and a destination (Kafka Connect's sink rule): whatever
 * concerns one event resolves to that event's `Outcome` (delivered, skipped, or rejected with a reason,
 * a defect of ours included: `internal_error`); a promise REJECTS only with an error whose `retriable`
 * is true (Zendesk down, the credentials revoked): the pipeline pauses the partition and tries again.
 * The pipeline decides by that flag alone.
 */
export interface Destination {
  /** Plans and executes one event. */
  process(event: SegmentEvent): Promise<Outcome>;
  /**
   * Coalescing (optional): consecutive events of one lane with the same non-null merge key may be
   * delivered together by `processRun`. Pure and synchronous; a throw is that event's defect.
   */
  mergeKey?(event: SegmentEvent): string | null;
  /** One outcome per event, in order, as if each had been processed alone. */
  processRun?(events: SegmentEvent[]): Promise<Outcome[]>;
  /**
   * The outcome of an event that asks nothing of Zendesk (a skip), known without I/O; otherwise
   * null. Pure and synchronous. Such an event has no place in its user's order, so it neither waits
   * for that user's writes nor splits them (see nextRun).
   */
  settledOutcome?(event: SegmentEvent): Outcome | null;
}

/** True for an error that means "everything is unavailable; pause and try again" (KafkaJS's convention too). */
export const isRetriable = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (e as { retriable?: unknown }).retriable === true;

/** An outage that is not Zendesk's own: the dead-letter topic, the registry, the broker. */
export class OutageError extends Error {
  override readonly name = 'OutageError';
  readonly retriable = true;
}
