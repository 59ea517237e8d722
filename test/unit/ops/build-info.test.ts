import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMetrics, METRIC_NAMES, setEventsApiAllowance } from '../../../src/ops/metrics.js';

const version = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

describe('build_info and the Events API allowance', () => {
  it('build_info is 1 with the package version and the Node.js version', async () => {
    const text = await createMetrics({ defaultMetrics: false }).registry.metrics();
    expect(text).toContain(
      `${METRIC_NAMES.buildInfo}{version="${version}",node_version="${process.versions.node}"} 1`,
    );
  });

  it('the monthly allowance is exported as set from ZENDESK_EVENTS_MONTHLY_ALLOWANCE', async () => {
    const m = createMetrics({ defaultMetrics: false });
    setEventsApiAllowance(m, 750_000);
    expect(await m.registry.metrics()).toMatch(
      new RegExp(`^${METRIC_NAMES.eventsApiAllowance} 750000$`, 'm'),
    );
  });
});
