/**
 * The Grafana dashboard queries only what the service exports (src/ops/metrics.ts), the way each
 * metric type must be queried, from the provisioned datasource.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createMetrics, METRIC_NAMES } from '../../../src/ops/metrics.js';
import { alwaysInside, metricNamesIn, splitSeriesSuffix } from './promql.js';
import { readRepoFile, readYaml } from './repo.js';

const DASHBOARD = 'deploy/grafana/dashboards/zendesk-destination.json';

const datasourceRef = z.looseObject({ type: z.string(), uid: z.string() });
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: z.infer<typeof datasourceRef>;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: { expr: string; refId: string; datasource?: z.infer<typeof datasourceRef> }[];
  panels?: Panel[];
}
const panel: z.ZodType<Panel> = z.lazy(() =>
  z.looseObject({
    id: z.number(),
    type: z.string(),
    title: z.string(),
    datasource: datasourceRef.optional(),
    gridPos: z.object({ h: z.number(), w: z.number(), x: z.number(), y: z.number() }),
    targets: z
      .array(z.looseObject({ expr: z.string(), refId: z.string(), datasource: datasourceRef.optional() }))
      .optional(),
    panels: z.array(panel).optional(),
  }),
);
const dashboardSchema = z.looseObject({
  uid: z.string(),
  title: z.string(),
  panels: z.array(panel),
  templating: z.looseObject({ list: z.array(z.looseObject({ query: z.unknown().optional() })) }).optional(),
});

const dashboard = dashboardSchema.parse(JSON.parse(readRepoFile(DASHBOARD)));
const allPanels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const queries = allPanels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

// The exporter's own view of its metric types, from a registry without process metrics.
const registry = createMetrics({ defaultMetrics: false }).registry;
const TYPES = new Map<string, string>();
for (const m of await registry.getMetricsAsJSON()) TYPES.set(m.name, String(m.type));
const EXPORTED = new Set<string>(Object.values(METRIC_NAMES));

describe(`${DASHBOARD}: every query is of an exported metric`, () => {
  it('has queries at all (a dashboard that lost its panels would pass everything else)', () => {
    expect(queries.length).toBeGreaterThanOrEqual(12);
    expect(dashboard.uid).toBe('zendesk-destination');
  });

  it('selects only metric names in METRIC_NAMES (histogram series by _bucket/_sum/_count)', () => {
    const unknown = queries.flatMap(({ panel: title, expr }) =>
      metricNamesIn(expr)
        .filter((name) => !EXPORTED.has(name) && !EXPORTED.has(splitSeriesSuffix(name).base))
        .map((name) => `${title}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  it('uses series suffixes only on histograms, and never a histogram without its suffix', () => {
    const wrong = queries.flatMap(({ panel: title, expr }) =>
      metricNamesIn(expr).flatMap((name) => {
        const { base, suffix } = splitSeriesSuffix(name);
        const direct = TYPES.get(name);
        if (direct) return direct === 'histogram' ? [`${title}: ${name} needs _bucket/_sum/_count`] : [];
        return suffix && TYPES.get(base) !== 'histogram' ? [`${title}: ${name}`] : [];
      }),
    );
    expect(wrong).toEqual([]);
  });

  it('queries counters and histogram buckets through rate() or increase(), never raw', () => {
    const raw = queries.flatMap(({ panel: title, expr }) =>
      metricNamesIn(expr)
        .filter((name) => TYPES.get(name) === 'counter' || name.endsWith('_bucket'))
        .filter((name) => !alwaysInside(expr, name, ['rate', 'irate', 'increase']))
        .map((name) => `${title}: ${name}`),
    );
    expect(raw).toEqual([]);
  });

  it('computes quantiles from buckets grouped by le', () => {
    const quantiles = queries.filter((q) => q.expr.includes('histogram_quantile'));
    // Without le in the grouping, histogram_quantile gets no buckets and draws nothing.
    for (const q of quantiles)
      expect(q.expr, q.panel).toMatch(/histogram_quantile\(0\.\d+, sum by \(le(, \w+)*\)/);
    const zendesk = quantiles.filter((q) => q.expr.includes(METRIC_NAMES.zendeskRequestDuration));
    expect(zendesk.map((q) => q.expr.match(/histogram_quantile\((0\.\d+)/)?.[1]).sort()).toEqual([
      '0.5',
      '0.99',
    ]);
    for (const q of zendesk) expect(q.expr).toMatch(/by \(le, endpoint\)/);
  });

  it('shows every metric the service exports', () => {
    const shown = new Set(
      queries.flatMap((q) => metricNamesIn(q.expr).map((n) => splitSeriesSuffix(n).base)),
    );
    expect([...EXPORTED].filter((name) => !shown.has(name))).toEqual([]);
  });
});

describe(`${DASHBOARD}: panels and datasource`, () => {
  it('refers only to the provisioned Prometheus datasource', () => {
    const provisioned = z
      .looseObject({ datasources: z.array(z.looseObject({ uid: z.string(), type: z.string() })) })
      .parse(readYaml('deploy/grafana/provisioning/datasources/prometheus.yml')).datasources;
    const refs = allPanels.flatMap((p) => [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)]);
    const used = refs.filter((r) => r !== undefined);
    expect(used.length).toBeGreaterThan(queries.length);
    for (const r of used)
      expect(provisioned).toContainEqual(expect.objectContaining({ uid: r.uid, type: r.type }));
  });

  it('has the panels the issue asks for', () => {
    const titles = allPanels.map((p) => p.title.toLowerCase()).join('\n');
    for (const words of [
      'events consumed',
      'outcomes',
      'dead letters',
      'zendesk requests',
      'latency',
      'rate-limit wait',
      'in-flight',
      'paused partitions',
      'consumer lag per partition',
      'stalled partitions',
      'events api allowance used this month',
      'version running',
    ]) {
      expect(titles, words).toContain(words);
    }
  });

  it('compares the Events API events of this month with the allowance, and shows stalled partitions on their own', () => {
    const exprOf = (title: string) =>
      allPanels.find((p) => p.title === title)?.targets?.map((t) => t.expr) ?? [];
    const [used] = exprOf('Events API allowance used this month');
    expect(used).toMatch(
      new RegExp(`${METRIC_NAMES.eventsApiEventsThisMonth}.*\\/.*${METRIC_NAMES.eventsApiAllowance}`),
    );
    expect(exprOf('Events API events this month').join('\n')).toContain(METRIC_NAMES.eventsApiAllowance);
    expect(exprOf('Stalled partitions')).toEqual([`sum(${METRIC_NAMES.stalledPartitions})`]);
    expect(exprOf('Version running')[0]).toContain(METRIC_NAMES.buildInfo);
  });

  it('lays panels out without overlaps and with unique ids', () => {
    expect(new Set(allPanels.map((p) => p.id)).size).toBe(allPanels.length);
    const overlaps: string[] = [];
    for (const [i, a] of allPanels.entries()) {
      for (const b of allPanels.slice(i + 1)) {
        const ga = a.gridPos;
        const gb = b.gridPos;
        const apart =
          ga.x + ga.w <= gb.x || gb.x + gb.w <= ga.x || ga.y + ga.h <= gb.y || gb.y + gb.h <= ga.y;
        if (!apart) overlaps.push(`${a.title} / ${b.title}`);
      }
      expect(a.gridPos.x + a.gridPos.w, a.title).toBeLessThanOrEqual(24);
    }
    expect(overlaps).toEqual([]);
  });
});
