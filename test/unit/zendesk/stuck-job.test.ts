/**
 * A fault that never heals: a Zendesk job that stays "queued" for ever. On virtual time (no I/O):
 * the job's wait ends at the job deadline as an outage (the partition pauses and retries; nothing is
 * dead-lettered for it), its slot is given back, and the organization/membership batches that wait
 * while one of theirs is in flight (`partialInFlight`) are held by it for `partialHoldMs`, not until
 * the deadline.
 */
import { describe, expect, it } from 'vitest';
import { MicroBatcher, type BatchTimer } from '../../../src/zendesk/batching/micro-batcher.js';
import { optimizedGateway } from '../../../src/zendesk/batching/optimized-gateway.js';
import type { HttpRequest } from '../../../src/zendesk/http.js';
import { FakeClock, FakeTimer, fakeClient, json } from './fakes.js';

describe('MicroBatcher: a batch in flight that never ends', () => {
  it('holds the next batch that is not full for partialHoldMs, then lets it go; the one after waits its own hold', async () => {
    const timer = new FakeTimer();
    const runs: number[][] = [];
    const b = new MicroBatcher<number, number>(
      async (items) => {
        runs.push(items);
        if (runs.length === 1) await new Promise<never>(() => {}); // stuck for ever
        return items.map((i) => ({ ok: true as const, value: i }));
      },
      { maxItems: 100, windowMs: 10, maxConcurrent: 30, partialInFlight: 1, partialHoldMs: 5000, timer },
    );
    void b.add(0);
    await timer.advance(10);
    expect(runs).toEqual([[0]]);
    const later = [b.add(1), b.add(2)];
    await timer.advance(10); // its window is over: held by the one in flight, from now on
    await timer.advance(4990);
    expect(runs).toEqual([[0]]);
    await timer.advance(10);
    expect(runs).toEqual([[0], [1, 2]]);
    expect(await Promise.all(later)).toEqual([1, 2]);
    // The stuck one still counts as in flight: the next partial batch is held again, once more at most.
    const last = b.add(3);
    await timer.advance(10);
    expect(runs).toHaveLength(2);
    await timer.advance(5000);
    expect(runs.at(-1)).toEqual([3]);
    expect(await last).toBe(3);
  });
});

/** A client on virtual time whose Zendesk never finishes job j1 and finishes every other job at once. */
function stuckFirstJob(over: { jobMaxWaitMs: number }) {
  const path = (r: HttpRequest) => new URL(r.url).pathname;
  let jobs = 0;
  const creates: number[] = [];
  const polls: number[] = [];
  const { clock, client } = fakeClient(async (req) => {
    await clock.sleep(100);
    if (/create_many|create_or_update_many/.test(path(req))) {
      creates.push(clock.now() - t0);
      return json(200, { job_status: { id: `j${++jobs}`, status: 'queued', results: null } });
    }
    polls.push(clock.now() - t0);
    const ids = path(req).endsWith('show_many')
      ? new URL(req.url).searchParams.get('ids')!.split(',')
      : [path(req).split('/').pop()!];
    const status = (id: string) =>
      id === 'j1'
        ? { id, status: 'queued', results: null } // never starts
        : { id, status: 'completed', results: [{ id: 77, index: 0, success: true }] };
    return json(200, ids.length > 1 ? { job_statuses: ids.map(status) } : { job_status: status(ids[0]!) });
  }, over);
  const t0 = clock.now();
  const settled: Record<string, { at: number; value?: unknown; error?: unknown }> = {};
  const track = (name: string, p: Promise<unknown>) =>
    p.then(
      (value) => (settled[name] = { at: clock.now() - t0, value }),
      (error: unknown) => (settled[name] = { at: clock.now() - t0, error }),
    );
  return { clock, client, creates, polls, settled, track };
}

describe('the first bulk job of the account stuck "queued" for ever', () => {
  it('other bulk calls go once Zendesk has taken it (bulk is on), not when it ends', async () => {
    const { clock, client, creates, settled, track } = stuckFirstJob({ jobMaxWaitMs: 60_000 });
    const first = track('first', client.createOrUpdateManyUsers([{ name: 'a' }]));
    const second = track('second', client.createOrUpdateManyUsers([{ name: 'b' }]));
    await clock.run(clock.sleep(30_000));
    // The job-slot gauge's source: the stuck job holds its slot until its deadline, the other is done.
    expect(client.jobSlots()).toMatchObject({ held: 1, waiting: 0 });
    await clock.run(Promise.all([first, second]));
    expect(client.jobSlots()).toMatchObject({ held: 0, finishedNotSeen: 0 });
    expect(creates).toHaveLength(2);
    expect(creates[1]).toBeLessThan(1000); // before: at the first job's deadline (60 s)
    expect(settled.second).toMatchObject({ value: [{ index: 0, ok: true, id: 77 }] });
    expect(settled.second!.at).toBeLessThan(2000);
    expect(settled.first!.error).toMatchObject({ action: 'outage', code: 'JobTimeout' });
  });
});

/** The batchers' timer on the client's virtual clock. */
const clockTimer = (clock: FakeClock): BatchTimer => ({
  set: (fn, ms) => {
    const handle = { live: true };
    void clock.sleep(ms).then(() => handle.live && fn());
    return handle;
  },
  clear: (handle) => void ((handle as { live: boolean }).live = false),
});

describe('a membership job stuck "queued" for ever (client and batching, virtual time)', () => {
  it('ends as an outage at the job deadline; later links go after the hold and are delivered', async () => {
    const { clock, client, creates, polls, settled, track } = stuckFirstJob({ jobMaxWaitMs: 60_000 });
    const g = optimizedGateway(client, { timer: clockTimer(clock), windowMs: 25 });
    const stuck = track('stuck', g.linkMembership(1, 10));
    const later = (async () => {
      await clock.sleep(1000); // the stuck job is in flight
      await track('later', g.linkMembership(2, 10));
    })();
    await clock.run(Promise.all([stuck, later]));

    // The later link was held while the stuck job was in flight, for the hold (10 s), not 60 s.
    expect(creates).toHaveLength(2);
    expect(creates[1]).toBeGreaterThanOrEqual(1000 + 10_000);
    expect(creates[1]).toBeLessThan(1000 + 12_000);
    expect(settled.later).toMatchObject({ value: { existed: false } });
    expect(settled.later!.at).toBeLessThan(15_000);
    // The stuck job's wait ended at the deadline, as an outage (the partition retries it), not later.
    expect(settled.stuck!.error).toMatchObject({ action: 'outage', code: 'JobTimeout' });
    expect(settled.stuck!.at).toBeGreaterThanOrEqual(60_000);
    expect(settled.stuck!.at).toBeLessThan(80_000);
    // Looked at on a back-off, not in a loop: a minute of a stuck job costs a bounded number of polls.
    expect(polls.length).toBeLessThan(60);
  });
});
