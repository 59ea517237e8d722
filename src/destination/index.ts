import type { SegmentEvent } from '../segment/event.js';
import type { ZendeskApi } from '../zendesk/api.js';
import { executePlan, type ExecuteDeps } from './execute.js';
import { createFieldCatalogs, type FieldCatalogs } from './fields-catalog.js';
import { naiveGateway } from '../zendesk/batching/gateway.js';
import { EventsAllowance } from './events-allowance.js';
import { mergeKeyOf } from './merge.js';
import {
  optimizedGateway,
  type BatchingOptions,
  type OptimizedGateway,
} from '../zendesk/batching/optimized-gateway.js';
import type { Destination } from './contract.js';
import { isRetriable } from './contract.js';
import { rejected, type Outcome } from './outcome.js';
import { ZendeskError } from '../zendesk/errors.js';
import type { Plan } from './plan.js';
import { planEvent, skipOf } from './planner.js';
import { executeRun } from './execute-run.js';
import { checkSettings, type DestinationSettings } from './settings.js';

export { defaultDestinationSettings, type DestinationSettings } from './settings.js';
export { planEvent } from './planner.js';
export { executePlan } from './execute.js';
export type { Plan, Operation } from './plan.js';
export type { BatchingOptions } from '../zendesk/batching/optimized-gateway.js';
export { type Destination, isRetriable, OutageError } from './contract.js';

/** The few logger methods the destination uses (winston's Logger fits). */
export interface DestinationLogger {
  debug(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error?(message: string, meta?: Record<string, unknown>): void;
}

/**
 * `naive`: one request per operation, no coalescing, no bulk, no caches beyond the field catalog
 * (the benchmark's baseline, and today's behaviour). `optimized` (default): coalescing of a lane's
 * consecutive identifies, bulk user upserts / look-ups / memberships, organization upserts shared.
 */
export type DestinationMode = 'naive' | 'optimized';

/** The Zendesk destination: the pipeline's `Destination` contract (see contract.ts), plus what metrics and tests read. */
export interface ZendeskDestination extends Destination {
  /** Always null in naive mode; never throws (an event that cannot be planned is not merged). */
  mergeKey(event: SegmentEvent): string | null;
  processRun(events: SegmentEvent[]): Promise<Outcome[]>;
  settledOutcome(event: SegmentEvent): Outcome | null;
  /** The cached custom field definitions (exposed for metrics and tests). */
  readonly fields: FieldCatalogs;
  readonly mode: DestinationMode;
  /** The batchers and caches of optimized mode (metrics and tests); null in naive mode. */
  readonly batching: OptimizedGateway['parts'] | null;
  /** Events API events sent this month, against ZENDESK_EVENTS_MONTHLY_ALLOWANCE. */
  readonly eventsAllowance: EventsAllowance;
}

export function createDestination(opts: {
  api: ZendeskApi;
  settings: DestinationSettings;
  logger?: DestinationLogger;
  mode?: DestinationMode;
  batching?: BatchingOptions;
  /** The clock of the monthly Events API count (tests). */
  now?: () => number;
}): ZendeskDestination {
  const { api, settings, logger } = opts;
  const mode = opts.mode ?? 'optimized';
  checkSettings(settings);
  const fields = createFieldCatalogs(
    api,
    (scope, field) =>
      logger?.debug('created custom field definition', { scope, key: field.key, type: field.type }),
    {
      onCreationRefused: (scope) =>
        logger?.warn(
          'Zendesk refused to create a custom field definition (403: only admins may): new fields are left out of upserts (note field_not_created), the rest is delivered; creation is tried again in 10 minutes',
          { scope },
        ),
    },
  );
  const gateway = mode === 'naive' ? naiveGateway(api) : optimizedGateway(api, opts.batching);
  const eventsAllowance = new EventsAllowance(
    settings.eventsMonthlyAllowance ?? 750_000,
    (message, meta) => logger?.warn(message, meta),
    opts.now,
  );
  const deps: ExecuteDeps = { api, fields, gateway, onEventSent: () => eventsAllowance.record() };
  // mergeKey plans the event; the run reuses that plan instead of planning it again.
  const plans = new WeakMap<SegmentEvent, Plan>();
  const planOf = (event: SegmentEvent): Plan => {
    let plan = plans.get(event);
    if (plan === undefined) {
      plan = planEvent(event, settings);
      plans.set(event, plan);
    }
    return plan;
  };

  /**
   * The contract's one place for a thrown error: an outage (retriable) propagates and pauses the
   * partition; a Zendesk refusal nobody mapped is `rejected_by_zendesk`; anything else is a defect
   * of ours met by these events: `internal_error`, logged as an error, and the stream goes on.
   */
  const outcomeOfError = (e: unknown, events: SegmentEvent[]): Outcome => {
    if (isRetriable(e)) throw e;
    if (e instanceof ZendeskError)
      return rejected(e.status === 403 ? 'forbidden' : 'rejected_by_zendesk', e.message, {
        status: e.status,
        details: e.details,
        attempts: e.attempts,
      });
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    (logger?.error ?? logger?.warn)?.call(logger, 'internal error while processing an event', {
      types: [...new Set(events.map((ev) => ev.type))],
      messageIds: events.map((ev) => ev.messageId ?? undefined),
      error: e instanceof Error ? e.stack : message,
    });
    return rejected('internal_error', message);
  };

  const process = async (event: SegmentEvent): Promise<Outcome> => {
    let outcome: Outcome;
    try {
      outcome = await executePlan(planOf(event), deps);
    } catch (e) {
      outcome = outcomeOfError(e, [event]);
    }
    // Its outcome is logged once, by the pipeline, which knows the record's offset.
    return outcome;
  };

  return {
    fields,
    mode,
    eventsAllowance,
    batching: 'parts' in gateway ? (gateway as OptimizedGateway).parts : null,
    process,
    mergeKey(event) {
      if (mode === 'naive' || event.type !== 'identify') return null;
      try {
        return mergeKeyOf(planOf(event));
      } catch {
        return null; // process() meets the same failure and gives the event its outcome
      }
    },
    settledOutcome(event) {
      // Naive mode is the one-event-at-a-time baseline.
      if (mode === 'naive') return null;
      // Most events of a typical stream are skips known from their type (and track name) alone: no plan.
      const skip = skipOf(event, settings);
      if (skip) return skip;
      try {
        const plan = planOf(event);
        return plan.kind === 'final' && plan.outcome.kind === 'skipped' ? plan.outcome : null;
      } catch {
        return null; // process() meets the same failure and gives the event its outcome
      }
    },
    async processRun(events) {
      let outcomes: Outcome[];
      try {
        outcomes =
          mode === 'naive'
            ? await sequential(events, (e) => executePlan(planOf(e), deps))
            : await executeRun(events.map(planOf), deps);
      } catch (e) {
        if (isRetriable(e)) throw e;
        // One event of the run may be at fault, not all: each alone finds its own outcome.
        return events.length === 1 ? [outcomeOfError(e, events)] : sequential(events, process);
      }
      return outcomes;
    },
  };
}

async function sequential<T, R>(items: T[], run: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) out.push(await run(item));
  return out;
}
