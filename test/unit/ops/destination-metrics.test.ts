import { describe, expect, it } from 'vitest';
import { observePipeline } from '../../../src/commands/observe.js';
import { createMetrics, METRIC_NAMES } from '../../../src/ops/metrics.js';

/** Metrics the destination's outcomes feed: refused and not-created custom fields, by field. */
describe('field notes → metrics', () => {
  it('counts field_rejected and field_not_created notes of delivered events by field key', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const observer = observePipeline(m);
    const src = { timestamp: String(Date.now()) } as never;
    observer.outcome?.(
      {
        kind: 'delivered',
        notes: ['field_rejected:seats', 'field_not_created:plan_tier', 'membership already existed'],
      } as never,
      src,
    );
    observer.outcome?.({ kind: 'delivered', notes: ['field_rejected:seats'] } as never, src);
    observer.outcome?.({ kind: 'delivered' } as never, src);
    const rejected = await m.registry.getSingleMetric(METRIC_NAMES.fieldValuesRejected)!.get();
    expect(rejected.values.map((v) => [v.labels.field, v.value])).toEqual([['seats', 2]]);
    const notCreated = await m.registry.getSingleMetric(METRIC_NAMES.fieldsNotCreated)!.get();
    expect(notCreated.values.map((v) => [v.labels.field, v.value])).toEqual([['plan_tier', 1]]);
  });
});
