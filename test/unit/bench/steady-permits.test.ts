import { describe, expect, it } from 'vitest';
import { describePermits, steady } from '../../../bench/ceiling.js';
import type { InstanceSlots, RunResult } from '../../../bench/harness.js';

/** A run of 10 samples (100 ms apart) over 1 s: only what `steady` reads. */
function run(zendesk: number[], instances: Partial<InstanceSlots>[][]): RunResult {
  const slot = (s: Partial<InstanceSlots>): InstanceSlots => ({
    held: 0,
    share: 10,
    waiting: 0,
    permits: 0,
    creating: 0,
    finishedKnown: 0,
    ...s,
  });
  return {
    window: { from: 0, to: 1000 },
    requestLog: [],
    slotSamples: zendesk,
    instanceSlots: instances.map((xs) => xs.map(slot)),
  } as unknown as RunResult;
}

describe('steady: where the held job-slot permits went', () => {
  it('splits the permits of all instances into running, not yet answered, finished known and finished unknown', () => {
    // Samples 2..7 are the middle 60 %; the ramp-up and tail samples must not count.
    const ramp = { permits: 99, creating: 99, finishedKnown: 99 };
    const mid = [
      { permits: 10, creating: 1, finishedKnown: 1 },
      { permits: 10, creating: 0, finishedKnown: 0 },
      { permits: 10, creating: 1, finishedKnown: 0 },
    ];
    const r = run(
      [0, 0, 24, 24, 24, 24, 24, 24, 0, 0],
      [[ramp], [ramp], mid, mid, mid, mid, mid, mid, [ramp], [ramp]],
    );
    const s = steady(r);
    expect(s.slotsMean).toBe(24);
    expect(s.permits).toEqual({ held: 30, creating: 2, finishedKnown: 1, finishedUnknown: 3 });
    expect(describePermits(r, r)).toContain(
      'permits held 30.0 = 24.0 running at Zendesk + 2.0 creates not yet answered + 1.0 finished',
    );
  });

  it('never reports a negative unknown (Zendesk may count a create before its answer comes)', () => {
    const x = [{ permits: 5, creating: 2, finishedKnown: 0 }];
    const s = steady(run(Array(10).fill(5), Array(10).fill(x)));
    expect(s.permits.finishedUnknown).toBe(0);
  });
});
