import { describe, expect, it } from 'vitest';
import { describePermits, idealClient, steady } from '../../../bench/ceiling.js';
import type { InstanceSlots, RunResult } from '../../../bench/harness.js';

/** A run of 10 samples (100 ms apart) over 1 s: only what `steady` reads. */
function run(zendesk: number[], instances: Partial<InstanceSlots>[][]): RunResult {
  const slot = (s: Partial<InstanceSlots>): InstanceSlots => ({
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

describe('idealClient: what a client that knows every job end at once makes of the same jobs', () => {
  it('fills the slots round after round; its window runs from the first job’s end to the last’s', () => {
    // 60 jobs of 1 s on 30 slots, no transit: two rounds, ending at 1 s and 2 s: 6,000 users in 1 s.
    expect(idealClient(Array(60).fill(1000), { slots: 30, transitMs: 0, users: 6000 })).toBe(6000);
    // A create's transit delays every round: ends at 1.1 s and 2.2 s.
    expect(idealClient(Array(60).fill(1000), { slots: 30, transitMs: 100, users: 6000 })).toBeCloseTo(
      6000 / 1.1,
    );
  });

  it('a long job in the last round is the tail no client avoids; a freed slot takes the next job', () => {
    // Slots: 2. Jobs 1 s, 3 s, 1 s, 1 s: the short slot runs jobs 1, 3, 4 (ends 1, 2, 3 s), the long one ends at 3 s.
    expect(idealClient([1000, 3000, 1000, 1000], { slots: 2, transitMs: 0, users: 400 })).toBe(200);
    // With the long job last, it starts at 1 s and ends at 4 s.
    expect(idealClient([1000, 1000, 1000, 3000], { slots: 2, transitMs: 0, users: 400 })).toBeCloseTo(
      400 / 3,
    );
    expect(idealClient([], { slots: 2, transitMs: 0, users: 0 })).toBe(0);
  });
});
