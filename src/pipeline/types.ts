/**
 * What the pipeline's stages share: the decoded message, the logger and observer ports, the
 * destination contract. Every stage imports this module; it imports no stage, so there is no cycle.
 */
import type { KafkaMessage } from 'kafkajs';
import type { Outcome } from '../destination/outcome.js';
import type { SegmentEvent } from '../segment/event.js';

export type { Destination } from '../destination/contract.js';
export { isRetriable, OutageError } from '../destination/contract.js';
export type { Outcome } from '../destination/outcome.js';

export interface Log {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
  /** When present, the per-event debug lines are built only if it says debug is on. */
  isLevelEnabled?(level: string): boolean;
}

/** What the pipeline reports, for metrics. All optional. */
export interface PipelineObserver {
  /** `n` events of the partition were consumed (handed to the destination or settled). */
  consumed?(topic: string, partition: number, n: number): void;
  outcome?(
    outcome: Outcome,
    src: { topic: string; partition: number; offset: string; timestamp: string; messageId?: string },
  ): void;
  /**
   * The bulk form of `outcome`: the outcomes of a run's events (a batch's skips, a lane's run), in
   * order. When present, the pipeline calls it once per run instead of `outcome` once per event.
   */
  outcomes?(topic: string, partition: number, run: readonly Decoded[], outcomes: readonly Outcome[]): void;
  deadLettered?(reason: string): void;
  paused?(topic: string, partition: number, reason: string, delayMs: number): void;
  resumed?(topic: string, partition: number): void;
  lag?(topic: string, partition: number, lag: number): void;
  inFlight?(delta: number): void;
  committed?(topic: string, partition: number, offset: string): void;
  /** A partition with lag that makes no progress although nothing paused it (or that recovered). */
  stalled?(topic: string, partition: number, stalled: boolean): void;
  /** The partition is no longer this member's: its series go. */
  revoked?(topic: string, partition: number): void;
}

/** One consumed message, decoded once, with what the batch loop needs to route it. */
export interface Decoded {
  message: KafkaMessage;
  event?: SegmentEvent;
  /**
   * Set when the message's outcome is known before delivery (undecodable, a defect while decoding,
   * an event the destination settles without Zendesk: a skip).
   */
  outcome?: Outcome;
  /** The destination's merge key (null: never merged), computed once. */
  key?: string | null;
}

export const partitionKey = (topic: string, partition: number): string => `${topic}:${partition}`;

/** The error type of a KafkaJS error, looked for through its causes (KafkaJS wraps protocol errors). */
/** Heartbeat answers that mean this member must rejoin the group. */
const REJOIN = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'NOT_COORDINATOR_FOR_GROUP',
  'NOT_COORDINATOR',
]);

/** A heartbeat error that means this member must rejoin the group (its partitions may go elsewhere). */
export function mustRejoin(e: unknown): boolean {
  const type = kafkaErrorType(e);
  return type !== undefined && REJOIN.has(type);
}

export function kafkaErrorType(e: unknown): string | undefined {
  for (let cur = e, depth = 0; cur && typeof cur === 'object' && depth < 5; depth++) {
    const o = cur as { type?: unknown; cause?: unknown; originalError?: unknown };
    if (typeof o.type === 'string') return o.type;
    cur = o.cause ?? o.originalError;
  }
  return undefined;
}
