/**
 * A job's own polls follow a ladder of its age (the learnt first look F, then 1.5 F, 2.25 F …), however
 * often it was looked at along with other jobs in one show_many. On virtual time, no I/O.
 */
import { describe, expect, it } from 'vitest';
import { JobPollPacer, JobWatcher } from '../../../src/zendesk/job-watch.js';
import { FakeClock, jobStatusRequester } from './fakes.js';

describe('JobWatcher: the last job of a burst', () => {
  it('taken along on other jobs’ polls, it is still seen on its own ladder (7.59 s), not at the 5 s back-off cap (9.25 s)', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const endsAt = new Map<string, number>();
    const looks: number[] = [];
    const exec = jobStatusRequester(
      clock,
      (id) => endsAt.get(id)!,
      () => looks.push(clock.now() - t0),
    );
    // The first look 1 s after a create (learnt), polls at most every 250 ms, back-off capped at 5 s.
    const watcher = new JobWatcher({
      exec,
      now: clock.now,
      sleep: clock.sleep,
      pacer: new JobPollPacer(1000, 1000, 5000),
      maxWaitMs: 60_000,
    });
    const seen: Record<string, number> = {};
    const wait = (id: string, endsAfter: number) => {
      endsAt.set(id, clock.now() + endsAfter);
      return watcher.wait(id, undefined, 1).then(() => (seen[id] = clock.now() - t0));
    };
    // The last job (6 s), and a burst of quick jobs created every 250 ms whose looks take it along.
    const all = [wait('last', 6000)];
    const burst = (async () => {
      for (let i = 0; i < 12; i++) {
        all.push(wait(`quick${i}`, 900));
        await clock.sleep(250);
      }
    })();
    await clock.run(burst.then(() => Promise.all(all)));
    // Looked at along with the quick jobs up to 3.75 s, it is still seen on its own ladder (1, 1.5,
    // 2.25, 3.375, 5.06, 7.59 s). Counted as its own, those looks had backed it off to the 5 s cap: seen at 9.25 s.
    expect(seen.last).toBeGreaterThanOrEqual(6000);
    expect(seen.last).toBeLessThanOrEqual(7600);
    expect(looks.filter((t) => t <= 3750).length).toBeGreaterThanOrEqual(6);
  });
});
