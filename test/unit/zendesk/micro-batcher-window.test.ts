/**
 * The micro-batcher's adaptive window on a fake clock: a batch that keeps growing while batches of
 * ours are in flight waits more windows (up to maxWaitMs), and goes at once when the account is idle
 * or the stream paused.
 */
import { describe, expect, it } from 'vitest';
import type { BulkItemResult, UserInput } from '../../../src/zendesk/api.js';
import { optimizedGateway } from '../../../src/zendesk/batching/optimized-gateway.js';
import { FakeZendeskApi } from '../destination/fake-zendesk-api.js';
import { deferred, FakeTimer, settle, slowFirstBatcher } from './fakes.js';

const slowFirst = (timer: FakeTimer, maxWaitMs: number) =>
  slowFirstBatcher(timer, { maxConcurrent: 4, maxWaitMs });

describe('MicroBatcher: the window adapts', () => {
  it('nothing of ours in flight: the batch goes when its first window ends, however items keep coming', async () => {
    const timer = new FakeTimer();
    const { b, runs, release } = slowFirst(timer, 100);
    const all = [b.add(0)];
    await timer.advance(5);
    all.push(b.add(1));
    await timer.advance(5);
    expect(runs).toEqual([[0, 1]]);
    release();
    expect(await Promise.all(all)).toEqual([0, 1]);
  });

  it('while a batch is in flight, a growing batch waits more windows and goes once a window brings nothing', async () => {
    const timer = new FakeTimer();
    const { b, runs, release } = slowFirst(timer, 100);
    const all = [b.add(0)];
    await timer.advance(10);
    expect(runs).toEqual([[0]]);
    // A trickle, as fetching ahead hands events over: 1 and 2 in the first window, 3 in the second.
    all.push(b.add(1));
    await timer.advance(5);
    all.push(b.add(2));
    await timer.advance(5);
    expect(runs).toHaveLength(1); // grew in its window: one more
    all.push(b.add(3));
    await timer.advance(10);
    expect(runs).toHaveLength(1); // grew again
    await timer.advance(10); // nothing came: it goes
    expect(runs).toEqual([[0], [1, 2, 3]]);
    release();
    expect(await Promise.all(all)).toEqual([0, 1, 2, 3]);
  });

  it('a batch that never stops growing goes at maxWaitMs; a lone item goes after one window', async () => {
    const timer = new FakeTimer();
    const { b, runs, release } = slowFirst(timer, 30);
    const all = [b.add(0)];
    await timer.advance(10);
    for (let i = 1; i <= 8; i++) {
      all.push(b.add(i));
      await timer.advance(5);
    }
    // Items 1-6 came within 30 ms of the first of them; 7 and 8 start the next batch.
    expect(runs).toEqual([[0], [1, 2, 3, 4, 5, 6]]);
    await timer.advance(10);
    expect(runs).toEqual([[0], [1, 2, 3, 4, 5, 6], [7, 8]]);
    all.push(b.add(9));
    await timer.advance(10);
    expect(runs.at(-1)).toEqual([9]);
    release();
    await settle();
    expect(await Promise.all(all)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('without maxWaitMs the window is fixed (look-ups)', async () => {
    const timer = new FakeTimer();
    const { b, runs, release } = slowFirst(timer, 0);
    const all = [b.add(0)];
    await timer.advance(10);
    all.push(b.add(1));
    await timer.advance(5);
    all.push(b.add(2));
    await timer.advance(5);
    expect(runs).toEqual([[0], [1, 2]]);
    release();
    expect(await Promise.all(all)).toEqual([0, 1, 2]);
  });

  it('the gateway gives user upserts the adaptive window: a trickle while a job is in flight is one job', async () => {
    const timer = new FakeTimer();
    const gate = deferred<void>();
    const jobs: string[][] = [];
    const api = new (class extends FakeZendeskApi {
      override async createOrUpdateManyUsers(users: UserInput[]): Promise<BulkItemResult[]> {
        jobs.push(users.map((u) => String(u.external_id)));
        if (jobs.length === 1) await gate.promise;
        return users.map((_, index) => ({ index, ok: true, id: 100 + index, action: 'create' as const }));
      }
    })();
    const gw = optimizedGateway(api, { timer });
    const upsert = (ext: string) => gw.upsertUser({ external_id: ext, name: ext });
    const all = [upsert('a')];
    await timer.advance(25);
    expect(jobs).toEqual([['a']]);
    all.push(upsert('b'));
    await timer.advance(15);
    all.push(upsert('c'));
    await timer.advance(10); // b's window ends, grown: one more
    all.push(upsert('d'));
    await timer.advance(25); // grown again
    await timer.advance(25); // nothing came: b, c and d go together
    expect(jobs).toEqual([['a'], ['b', 'c', 'd']]);
    gate.resolve();
    await settle();
    expect((await Promise.all(all)).length).toBe(4);
  });
});
