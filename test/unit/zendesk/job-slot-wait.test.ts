/**
 * What happens while creates wait for a job slot, on virtual time (no I/O): the shared poller looks
 * sooner (a finished job holds the slot they wait for until a poll sees it), only while the account
 * budget has room for it; and a full user batch does not wait for a run slot in the batcher (it
 * cannot grow) but for a job slot at the semaphore.
 */
import { describe, expect, it } from 'vitest';
import { MicroBatcher } from '../../../src/zendesk/batching/micro-batcher.js';
import { JobPollPacer, JobWatcher } from '../../../src/zendesk/job-watch.js';
import { AccountBudget } from '../../../src/zendesk/limits.js';
import { FakeClock, FakeTimer, deferred, jobStatusRequester, settle } from './fakes.js';

/** Two jobs created at once: A finishes after 1 s, B after 3 s; when was each seen finished? */
async function twoJobs(hurry: boolean) {
  const clock = new FakeClock();
  const t0 = clock.now();
  const doneAt: Record<string, number> = { A: t0 + 1000, B: t0 + 3000 };
  const polls: number[] = [];
  const exec = jobStatusRequester(
    clock,
    (id) => doneAt[id]!,
    () => polls.push(clock.now() - t0),
  );
  const watcher = new JobWatcher({
    exec,
    now: clock.now,
    sleep: clock.sleep,
    pacer: new JobPollPacer(1000, 5, 5000),
    maxWaitMs: 60_000,
    hurry: () => hurry,
  });
  const seen: Record<string, number> = {};
  const wait = (id: string) => watcher.wait(id, undefined, 1).then(() => (seen[id] = clock.now() - t0));
  await clock.run(Promise.all([wait('A'), wait('B')]));
  return { seen, polls };
}

describe('JobWatcher while creates wait for a job slot', () => {
  it('without hurry, a job is looked at on its own back-off: B, finished at 3 s, is seen at 3.375 s', async () => {
    const { seen, polls } = await twoJobs(false);
    expect(seen).toEqual({ A: 1000, B: 3375 });
    expect(polls).toEqual([1000, 1500, 2250, 3375]);
  });

  it('with hurry, once a job was seen finished, all are looked at every half gap: B is seen within 0.1 s', async () => {
    const { seen, polls } = await twoJobs(true);
    expect(seen.A).toBe(1000);
    expect(seen.B).toBeGreaterThanOrEqual(3000);
    expect(seen.B).toBeLessThan(3100); // within half a gap of finishing
    // A quarter of the learnt first poll (700 ms after A) is the gap; half of it while hurrying.
    const gaps = polls.slice(1).map((t, i) => t - polls[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(87);
    expect(polls.length).toBeLessThanOrEqual(25);
  });
});

describe('AccountBudget.underPace', () => {
  it('true while the requests of the last span (ours and others’) stay under limit × span ÷ window', () => {
    const b = new AccountBudget(720, 1); // 12 requests a second
    for (let i = 1; i <= 59; i++) b.record(10_000 + i * 80); // 59 in 4.7 s
    expect(b.underPace(15_000, 5000)).toBe(true); // 59 < 60
    b.record(15_000);
    expect(b.underPace(15_000, 5000)).toBe(false); // 60
    expect(b.underPace(20_001, 5000)).toBe(true); // those are over 5 s old
    // Budget spent by another client (learnt from X-Rate-Limit-Remaining) counts too.
    const shared = new AccountBudget(720, 1);
    shared.record(30_000);
    shared.observe({ limit: 720, remaining: 720 - 61 }, 30_000, 30_050);
    expect(shared.underPace(30_100, 5000)).toBe(false);
  });
});

describe('MicroBatcher fullGoesAtOnce', () => {
  it('a full batch goes past maxConcurrent (it cannot grow); a partial one still waits for a run slot', async () => {
    const timer = new FakeTimer();
    const runs: number[][] = [];
    const gate = deferred<void>();
    const b = new MicroBatcher<number, number>(
      async (items) => {
        runs.push(items);
        await gate.promise;
        return items.map((i) => ({ ok: true as const, value: i }));
      },
      { maxItems: 2, windowMs: 10, maxConcurrent: 1, fullGoesAtOnce: true, timer },
    );
    const all = [0, 1, 2, 3, 4].map((i) => b.add(i));
    await settle();
    expect(runs).toEqual([
      [0, 1],
      [2, 3],
    ]);
    await timer.advance(10);
    expect(runs).toHaveLength(2); // [4] is not full: it waits for the run slot
    gate.resolve();
    await settle();
    await timer.advance(10);
    expect(runs.at(-1)).toEqual([4]);
    expect(await Promise.all(all)).toEqual([0, 1, 2, 3, 4]);
  });
});
