import { executePlan, type ExecuteDeps } from './execute.js';
import { identifyShape, mergedPlan, segmentsOf, type IdentifyShape } from './merge.js';
import { delivered, type Outcome } from './outcome.js';
import type { Plan } from './plan.js';
import { redactEmails } from '../ops/redact.js';

const isFieldRejected = (note: string): boolean => note.startsWith('field_rejected:');

/**
 * Runs the plans of a coalesced run (consecutive events of one lane with one merge key) and returns
 * one outcome per event, in order. Each segment's events become one merged plan; when Zendesk
 * refuses a merged segment, its events are run again one by one, so a bad value in one event
 * rejects that event only (a refused upsert changed nothing in Zendesk). An outage rejects the
 * whole run, as it would a single event: the pipeline pauses and delivers the run again. A merged
 * upsert that had a custom field value refused (`field_rejected`) is also run again one by one.
 */
export async function executeRun(plans: Plan[], deps: ExecuteDeps): Promise<Outcome[]> {
  const shapes = plans.map(identifyShape);
  const outcomes: Outcome[] = [];
  if (!shapes.every((s): s is IdentifyShape => s !== null)) {
    for (const plan of plans) outcomes.push(await executePlan(plan, deps));
    return outcomes;
  }
  for (const segment of segmentsOf(shapes)) {
    const { indices } = segment;
    if (indices.length === 1) {
      outcomes[indices[0]!] = await executePlan(plans[indices[0]!]!, deps);
      continue;
    }
    const merged = await executePlan(mergedPlan(shapes, segment), deps);
    // A value refused in the merged upsert is the last event's value of that field: an earlier
    // event's value for it, which one by one would have landed, was lost. Run them one by one.
    const refusedField = merged.kind === 'delivered' && (merged.notes ?? []).some(isFieldRejected);
    if (merged.kind === 'delivered' && !refusedField) {
      for (const i of indices)
        outcomes[i] = delivered([...shapes[i]!.notes.map(redactEmails), ...(merged.notes ?? [])]);
    } else if (merged.kind === 'rejected' && !segment.named && merged.reason === 'missing_name') {
      // No event of the segment could have created the user: each alone is refused the same way.
      for (const i of indices) outcomes[i] = merged;
    } else {
      for (const i of indices) outcomes[i] = await executePlan(plans[i]!, deps);
    }
  }
  return outcomes;
}
