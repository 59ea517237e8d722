/**
 * Polls rationed while requests are scarce (job-watch.ts `scarce`): a client that watches few of the
 * account's job slots polls as if it watched them all, so three instances cost the budget about the
 * polls of one. On virtual time, no I/O.
 */
import { describe, expect, it } from 'vitest';
import { JobPollPacer, JobWatcher } from '../../../src/zendesk/job-watch.js';
import { FakeClock, jobStatusRequester } from './fakes.js';

/**
 * `jobs` jobs kept in flight for 20 s of virtual time, each lasting 2 s and replaced when seen done.
 * Returns the polls made and the mean time from a job's end to its being seen.
 */
async function steady(o: {
  jobs: number;
  scarce: boolean;
  alone?: boolean;
  creating?: boolean;
  firstMs?: number;
}) {
  const clock = new FakeClock();
  const endsAt = new Map<string, number>();
  let polls = 0;
  const exec = jobStatusRequester(
    clock,
    (id) => endsAt.get(id)!,
    () => polls++,
  );
  const watcher = new JobWatcher({
    exec,
    now: clock.now,
    sleep: clock.sleep,
    // First look after about a job (2 s), polls at least 500 ms apart: the learnt state of a busy account.
    pacer: new JobPollPacer(o.firstMs ?? 2000, o.firstMs ?? 2000, 5000),
    maxWaitMs: 60_000,
    scarce: () => o.scarce,
    slots: 30,
    alone: () => o.alone ?? false,
    creating: () => o.creating ?? true,
  });
  const stopAt = clock.now() + 20_000;
  const lags: number[] = [];
  let n = 0;
  const lane = async (offset: number) => {
    await clock.sleep(offset);
    while (clock.now() < stopAt) {
      const id = `j${n++}`;
      endsAt.set(id, clock.now() + 2000);
      await watcher.wait(id, undefined, 1);
      lags.push(clock.now() - endsAt.get(id)!);
    }
  };
  await clock.run(Promise.all(Array.from({ length: o.jobs }, (_, i) => lane((i * 2000) / o.jobs))));
  return { polls, lag: lags.reduce((a, b) => a + b, 0) / lags.length };
}

describe('JobWatcher: polls while requests are scarce', () => {
  it('a client watching 10 of 30 slots polls about a third as often as it would, each look seeing more jobs done', async () => {
    const free = await steady({ jobs: 10, scarce: false });
    const rationed = await steady({ jobs: 10, scarce: true });
    // Unrationed: a look every 500 ms (the gap, a quarter of the learnt first look), about 40 in 20 s.
    expect(free.polls).toBeGreaterThanOrEqual(35);
    expect(rationed.polls).toBeLessThanOrEqual(free.polls / 2.5);
    // The price: a finished job waits longer to be seen (its slot with it), about half the gap.
    expect(rationed.lag).toBeGreaterThan(free.lag);
    expect(rationed.lag).toBeLessThan(1500);
  });

  it('changes nothing for a client that watches all the slots, nor while requests are not scarce', async () => {
    const free = await steady({ jobs: 30, scarce: false });
    const rationed = await steady({ jobs: 30, scarce: true });
    // (The last second differs: as the lanes stop, fewer jobs are watched.)
    expect(Math.abs(rationed.polls - free.polls)).toBeLessThanOrEqual(2);
    expect(Math.abs(rationed.lag - free.lag)).toBeLessThan(50);
  });

  it('does not ration a client alone on the account: its few last jobs are seen as soon as unrationed', async () => {
    // A first look that comes before the job ends (1 s for 2 s jobs): what follows is the gap's to decide.
    const few = { jobs: 3, firstMs: 1000 };
    const free = await steady({ ...few, scarce: false, alone: true });
    const alone = await steady({ ...few, scarce: true, alone: true });
    const shared = await steady({ ...few, scarce: true, alone: false });
    expect(Math.abs(alone.polls - free.polls)).toBeLessThanOrEqual(2);
    expect(Math.abs(alone.lag - free.lag)).toBeLessThan(50);
    // Rationed (another client's jobs in the count), the same three jobs wait far longer to be seen.
    expect(shared.lag).toBeGreaterThan(alone.lag + 300);
  });

  it('does not ration while no create wants a request: a backlog’s last jobs are seen as soon as unrationed', async () => {
    const few = { jobs: 3, firstMs: 1000, alone: false };
    const free = await steady({ ...few, scarce: false });
    const idle = await steady({ ...few, scarce: true, creating: false });
    const busy = await steady({ ...few, scarce: true, creating: true });
    expect(Math.abs(idle.polls - free.polls)).toBeLessThanOrEqual(2);
    expect(Math.abs(idle.lag - free.lag)).toBeLessThan(50);
    expect(busy.lag).toBeGreaterThan(idle.lag + 300);
  });
});
