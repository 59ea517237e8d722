import type { SegmentEvent } from '../segment/event.js';
import type { ZendeskApi } from '../zendesk/api.js';
import { executePlan } from './execute.js';
import { createFieldCatalogs, type FieldCatalogs } from './fields-catalog.js';
import type { Outcome } from './outcome.js';
import { planEvent } from './planner.js';
import { checkSettings, type DestinationSettings } from './settings.js';

export { defaultDestinationSettings, type DestinationSettings } from './settings.js';
export { planEvent } from './planner.js';
export { executePlan } from './execute.js';
export type { Plan, Operation } from './plan.js';

/** The few logger methods the destination uses (winston's Logger fits). */
export interface DestinationLogger {
  debug(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

export interface Destination {
  /** Plans and executes one event. Resolves to its outcome; REJECTS on an outage (pause, never dead-letter). */
  process(event: SegmentEvent): Promise<Outcome>;
  /** The cached custom field definitions (exposed for metrics and tests). */
  readonly fields: FieldCatalogs;
}

export function createDestination(opts: {
  api: ZendeskApi;
  settings: DestinationSettings;
  logger?: DestinationLogger;
}): Destination {
  const { api, settings, logger } = opts;
  checkSettings(settings);
  const fields = createFieldCatalogs(api, (scope, field) =>
    logger?.debug('created custom field definition', { scope, key: field.key, type: field.type }),
  );
  return {
    fields,
    async process(event) {
      const plan = planEvent(event, settings);
      const outcome = await executePlan(plan, { api, fields });
      // Only the event's type, id and outcome: traits and emails never reach a log line.
      const meta = { type: event.type, messageId: event.messageId ?? undefined, outcome: outcome.kind };
      if (outcome.kind === 'rejected')
        logger?.debug('event rejected', { ...meta, reason: outcome.reason, status: outcome.status });
      else if (outcome.kind === 'skipped')
        logger?.debug('event skipped', { ...meta, reason: outcome.reason });
      else logger?.debug('event delivered', { ...meta, notes: outcome.notes });
      return outcome;
    },
  };
}
