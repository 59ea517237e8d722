import { afterEach, describe, expect, it } from 'vitest';
import { NO_LIMITS, startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { call } from './helpers.js';

let sb: Sandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

describe('job durations drawn per job', () => {
  it('each job takes a duration drawn from the range of Zendesk time, divided by the time scale', async () => {
    let t = 1_000_000;
    sb = await startSandbox({
      now: () => t,
      config: { limits: { ...NO_LIMITS, timeScale: 10 }, jobDurationRangeMs: [1000, 4000] },
    });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const a = await call(sb, 'POST', '/api/v2/users/create_or_update_many', {
        users: [{ name: `U${i}`, external_id: `u${i}` }],
      });
      ids.push(a.body.job_status.id);
    }
    expect(sb.jobsInFlight()).toBe(20);
    const durations = sb.jobDurations();
    expect(durations).toHaveLength(20);
    for (const d of durations) {
      expect(d).toBeGreaterThanOrEqual(100);
      expect(d).toBeLessThanOrEqual(400);
    }
    expect(new Set(durations.map((d) => Math.round(d))).size).toBeGreaterThan(10);
    // The first job is still working just before its own duration and completed at it.
    const d0 = durations[0]!;
    const start = t;
    t = start + d0 - 1;
    expect((await call(sb, 'GET', `/api/v2/job_statuses/${ids[0]}`)).body.job_status.status).toBe('working');
    t = start + d0;
    expect((await call(sb, 'GET', `/api/v2/job_statuses/${ids[0]}`)).body.job_status.status).toBe(
      'completed',
    );
  });

  it('without a range every job takes jobDurationMs', async () => {
    sb = await startSandbox({ config: { limits: NO_LIMITS, jobDurationMs: 250 } });
    await call(sb, 'POST', '/api/v2/users/create_or_update_many', {
      users: [{ name: 'A', external_id: 'a' }],
    });
    expect(sb.jobDurations()).toEqual([250]);
  });
});
