import { describe, expect, it } from 'vitest';
import { alwaysInside, metricNamesIn, splitSeriesSuffix } from './promql.js';

describe('metricNamesIn: the metric names a PromQL expression selects', () => {
  it.each([
    ['sum(rate(a_total[$__rate_interval]))', ['a_total']],
    ['sum by (reason) (increase(b_total{reason="x_y", le!~"z"}[5m]))', ['b_total']],
    [
      'histogram_quantile(0.99, sum by (le, endpoint) (rate(c_seconds_bucket[${__rate_interval}])))',
      ['c_seconds_bucket'],
    ],
    ['max by (topic, partition) (lag) / on (topic) group_left sum(size) > 1e3', ['lag', 'size']],
    ['sum without (instance) (x) or vector(0) and bool y offset 5m', ['x', 'y']],
    ['rate(ns:rule_total[1m])', ['ns:rule_total']],
  ])('%s', (expr, names) => {
    expect(metricNamesIn(expr).sort()).toEqual([...names].sort());
  });

  it('sees a misspelt metric, which is the point of the dashboard test', () => {
    expect(metricNamesIn('sum(rate(zendesk_destination_event_consumed_total[1m]))')).toEqual([
      'zendesk_destination_event_consumed_total',
    ]);
  });
});

describe('splitSeriesSuffix', () => {
  it('separates histogram series suffixes from the base name', () => {
    expect(splitSeriesSuffix('d_seconds_bucket')).toEqual({ base: 'd_seconds', suffix: '_bucket' });
    expect(splitSeriesSuffix('d_seconds_sum')).toEqual({ base: 'd_seconds', suffix: '_sum' });
    expect(splitSeriesSuffix('d_seconds_count')).toEqual({ base: 'd_seconds', suffix: '_count' });
    expect(splitSeriesSuffix('events_total')).toEqual({ base: 'events_total', suffix: '' });
  });
});

describe('alwaysInside', () => {
  it('is true only when every use of the name is the direct argument of one of the functions', () => {
    expect(
      alwaysInside('sum(rate(a_total{x="1"}[1m])) / sum(increase(a_total[1h]))', 'a_total', [
        'rate',
        'increase',
      ]),
    ).toBe(true);
    expect(alwaysInside('sum(a_total)', 'a_total', ['rate'])).toBe(false);
    expect(alwaysInside('rate(a_total[1m]) + a_total', 'a_total', ['rate'])).toBe(false);
    // A longer name that contains the shorter one is a different metric.
    expect(alwaysInside('rate(a_total[1m]) + xa_total_more', 'a_total', ['rate'])).toBe(true);
  });
});
