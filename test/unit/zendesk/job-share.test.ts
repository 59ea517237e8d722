/**
 * The job-slot share (semaphore.ts) as pure rules: numbers in, share out, no clock and no I/O.
 * `created(held, remaining, total)` is one job answer with its `zendesk-ratelimit-inflight-jobs`
 * header; `refused(held, epoch)` is a TooManyJobs answer.
 */
import { describe, expect, it } from 'vitest';
import { JobShare, Semaphore } from '../../../src/zendesk/semaphore.js';

describe('JobShare alone on the account', () => {
  it('starts small and reaches all 30 slots within a few answers, then keeps them', () => {
    const s = new JobShare(30);
    expect(s.limit).toBeLessThanOrEqual(2);
    let answers = 0;
    // Every slot we hold is a job of ours; Zendesk counts nothing else.
    while (s.limit < 30 && answers < 100) {
      const held = s.limit;
      s.created(held, 30 - held, 30);
      answers++;
    }
    expect(s.limit).toBe(30);
    expect(answers).toBeLessThanOrEqual(30);
    // Fewer in flight for a while (a quiet moment between fetches): the share stays.
    for (let i = 0; i < 50; i++) s.created(3, 27, 30);
    expect(s.limit).toBe(30);
    expect(s.shared).toBe(false);
  });

  it('without the header grows one slot per job up to its own limit', () => {
    const s = new JobShare(5);
    for (let i = 0; i < 10; i++) s.created(1);
    expect(s.limit).toBe(5);
  });
});

describe('JobShare next to other clients', () => {
  /** A share that has seen others, grown to `n` permits. */
  function sharedAt(n: number): JobShare {
    const s = new JobShare(30);
    // Others hold 20; we hold what we may, and 30 − 20 − held are free.
    for (let i = 0; i < 200 && s.limit < n; i++) s.created(s.limit, Math.max(0, 10 - s.limit), 30);
    return s;
  }

  it('does not take every free slot at once: never beyond held + free − margin, about one slot a round', () => {
    const s = new JobShare(30);
    s.created(1, 9, 30); // others hold 20 of 30
    expect(s.shared).toBe(true);
    // 9 free: the old rule took held + free = 10 at once; here the share grows gradually.
    expect(s.limit).toBeLessThanOrEqual(2);
    const limits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const held = s.limit;
      s.created(held, 10 - held, 30);
      limits.push(s.limit);
    }
    // Up by at most one slot per answer, and never past 10 − margin (3 of 30) = 7.
    for (let i = 1; i < limits.length; i++) expect(limits[i]! - limits[i - 1]!).toBeLessThanOrEqual(1);
    for (let i = 0; i < 100; i++) s.created(s.limit, 10 - s.limit, 30);
    expect(s.limit).toBe(7);
  });

  it('stops growing while few slots are free, and shrinks to what it holds when none are', () => {
    const s = sharedAt(6);
    const before = s.limit;
    for (let i = 0; i < 20; i++) s.created(before, 2, 30); // 2 free ≤ margin of 3
    expect(s.limit).toBe(before);
    s.created(4, 0, 30);
    expect(s.limit).toBe(4);
  });

  it('a moment of few free slots holds us back without shrinking the learnt share', () => {
    const s = sharedAt(7);
    expect(s.limit).toBe(7);
    s.created(3, 1, 30); // a busy moment: we hold 3, only 1 free
    expect(s.limit).toBe(3);
    // The next answer finds room again (others' jobs finished): back to the share at once.
    s.created(3, 12, 30);
    expect(s.limit).toBe(7);
  });

  it('grows again slowly once slots are free: about one per round of its own jobs', () => {
    const s = sharedAt(4);
    expect(s.limit).toBe(4);
    // 20 free, but every client sees them: four answers (a round of 4 jobs) give about one slot.
    for (let i = 0; i < 4; i++) s.created(s.limit, 20, 30);
    expect(s.limit).toBeGreaterThanOrEqual(5);
    expect(s.limit).toBeLessThanOrEqual(6);
  });
});

describe('JobShare on TooManyJobs', () => {
  it('cuts the share multiplicatively, once per congestion', () => {
    const s = new JobShare(30);
    for (let i = 0; i < 40; i++) s.created(s.limit, 30 - s.limit, 30);
    expect(s.limit).toBe(30);
    const epoch = s.epoch;
    // Three creates sent together are refused: one cut, not three.
    expect(s.refused(29, epoch)).toBe(true);
    const cut = s.limit;
    expect(cut).toBeLessThan(29);
    expect(cut).toBeGreaterThanOrEqual(Math.floor(29 * 0.5));
    expect(s.refused(28, epoch)).toBe(false);
    expect(s.refused(27, epoch)).toBe(false);
    expect(s.limit).toBe(cut);
    // A create sent after the cut and refused again is new congestion.
    expect(s.refused(cut, s.epoch)).toBe(true);
    expect(s.limit).toBeLessThan(cut);
    // Never below one slot: a client holding nothing may still try one job.
    for (let i = 0; i < 20; i++) s.refused(0, s.epoch);
    expect(s.limit).toBe(1);
    // A refusal is the sign of other clients: growth is gradual from here.
    expect(s.shared).toBe(true);
  });
});

describe('Semaphore with a learnt share', () => {
  it('a refused create gives its permit back, and the next job waits for one of ours to finish', async () => {
    const s = new Semaphore(30);
    for (let i = 0; i < 40; i++) s.created(30, 30); // no other client seen: all 30
    for (let i = 0; i < 10; i++) await s.acquire();
    // Another client took the rest: our 10th create is refused.
    s.refused(s.epoch);
    expect(s.inUse).toBe(9);
    expect(s.limit).toBe(6);
    let got = false;
    const again = s.acquire().then(() => (got = true));
    await Promise.resolve();
    expect(got).toBe(false);
    expect(s.waiting).toBe(1);
    // Our jobs finish one by one; the retry goes once we hold fewer than the share.
    for (let i = 0; i < 3; i++) s.release();
    await Promise.resolve();
    expect(got).toBe(false);
    s.release();
    await again;
    expect(s.inUse).toBe(6);
  });

  it('hands permits out in order and back on release', async () => {
    const s = new Semaphore(2, new JobShare(2, { initial: 2, margin: 0.1, cut: 0.5, memory: 10 }));
    expect(await s.acquire()).toBe(false);
    expect(await s.acquire()).toBe(false);
    const order: number[] = [];
    const third = s.acquire().then((waited) => order.push(waited ? 3 : -3));
    const fourth = s.acquire().then((waited) => order.push(waited ? 4 : -4));
    expect(s.waiting).toBe(2);
    s.release();
    await third;
    s.release();
    await fourth;
    expect(order).toEqual([3, 4]);
    s.release();
    s.release();
    expect(s.inUse).toBe(0);
  });
});

describe('Semaphore: jobs Zendesk counts as finished before we have polled them', () => {
  /** Takes a permit and answers its create with Zendesk's count of jobs in flight. */
  const create = async (s: Semaphore, zendeskCounts: number, total = 30) => {
    const waited = await s.acquire();
    s.send();
    s.answered();
    s.created(total - zendeskCounts, total);
    return waited;
  };
  /** Acquires that resolve without waiting for a release. */
  const freeNow = async (s: Semaphore, most: number) => {
    let got = 0;
    for (let i = 0; i < most; i++) {
      let ok = false;
      void s.acquire().then(() => (ok = true));
      await Promise.resolve();
      if (!ok) break;
      got++;
    }
    return got;
  };

  async function thirtyHeld(): Promise<Semaphore> {
    const s = new Semaphore(30);
    for (let i = 1; i <= 30; i++) await create(s, i);
    expect(s.inUse).toBe(30);
    expect(s.limit).toBe(30);
    return s;
  }

  it('a create whose answer shows slots freed meanwhile lets as many jobs go without a poll', async () => {
    const s = await thirtyHeld();
    // A poll saw one job finished: its permit goes to the next create.
    s.release();
    // That create's answer: Zendesk counts 26 jobs (the new one included), so 4 of ours are over.
    await create(s, 26);
    expect(s.inUse).toBe(30);
    expect(s.held).toBe(26);
    expect(await freeNow(s, 10)).toBe(4);
    expect(s.inUse).toBe(34);
    expect(s.waiting).toBe(1);
  });

  it('creates not yet answered may be uncounted: they are not taken for finished jobs', async () => {
    const s = await thirtyHeld();
    s.release();
    s.release();
    // Two creates go; the second is answered first and counts 28 (the first not yet there).
    await s.acquire();
    s.send();
    await s.acquire();
    s.send();
    s.answered();
    s.created(2, 30);
    // 30 taken, one unanswered: of the 29 answered, 28 may be in flight, so one is over.
    expect(s.held).toBe(29);
    expect(await freeNow(s, 10)).toBe(1);
  });

  it('a job seen finished is not known to be one of those: the count of finished ones shrinks with it', async () => {
    const s = await thirtyHeld();
    s.release();
    await create(s, 26);
    expect(s.held).toBe(26);
    s.release();
    expect(s.inUse).toBe(29);
    expect(s.held).toBe(26);
  });

  it('with other clients in the count, nothing of ours is taken for finished', async () => {
    const s = await thirtyHeld();
    s.release();
    // Zendesk counts 40 of 50: more than we hold, so others hold jobs too.
    await create(s, 40, 50);
    expect(s.share.shared).toBe(true);
    expect(s.held).toBe(30);
    expect(await freeNow(s, 10)).toBe(0);
  });

  it('a TooManyJobs answer forgets what was taken for finished', async () => {
    const s = await thirtyHeld();
    s.release();
    await create(s, 25);
    expect(s.held).toBe(25);
    await s.acquire();
    s.refused(s.epoch);
    expect(s.held).toBe(s.inUse);
  });
});

describe('JobShare with its part of the group work (entitle)', () => {
  /** A share grown alone to `n` (our jobs only), then told its part. */
  function grownAlone(n: number, part: number): JobShare {
    const s = new JobShare(30);
    for (let i = 0; i < 100 && s.limit < n; i++) s.created(s.limit, 30 - s.limit, 30);
    expect(s.limit).toBe(n);
    s.entitle(part);
    return s;
  }

  it('an instance that grew alone yields down to its part once the account is full of others’ jobs', () => {
    const s = grownAlone(20, 1 / 3);
    // The two other instances started: they hold 10, the account is full. One slot is given per answer.
    const limits: number[] = [];
    for (let i = 0; i < 12; i++) {
      s.created(20, 0, 30);
      limits.push(s.limit);
    }
    expect(s.shared).toBe(true);
    expect(limits).toEqual(limits.map((_, i) => Math.max(10, 19 - i)));
    // A slot free again: the share is its part (10 of 30), not the 20 it held.
    s.created(10, 4, 30);
    expect(s.limit).toBe(10);
    // Told nothing (part 1), the same answers leave the share where it was.
    const untold = grownAlone(20, 1);
    for (let i = 0; i < 12; i++) untold.created(20, 0, 30);
    untold.created(10, 14, 30);
    expect(untold.limit).toBeGreaterThanOrEqual(20);
  });

  it('yields while no more than a second margin is free: finished jobs not yet polled leave a few free', () => {
    const s = grownAlone(20, 1 / 3);
    // 25 counted of 30: the others' jobs and ours, less those finished and not yet seen by a poll.
    for (let i = 0; i < 12; i++) s.created(20, 5, 30);
    s.created(10, 12, 30);
    expect(s.limit).toBe(10);
    // With 7 free (more than two margins of 3), nothing is given back.
    const roomy = grownAlone(20, 1 / 3);
    for (let i = 0; i < 12; i++) roomy.created(20, 7, 30);
    expect(roomy.limit).toBeGreaterThanOrEqual(20);
  });

  it('yields one slot per answer, not at once', () => {
    const s = grownAlone(20, 1 / 3);
    s.created(20, 0, 30);
    s.created(19, 10, 30); // room again: the share shows what is left of it
    expect(s.limit).toBe(19);
  });

  it('an instance below its part grows to it within about three rounds of its jobs while slots are free', () => {
    const s = new JobShare(30);
    s.entitle(1 / 3);
    // Another instance holds 14; 16 free.
    let answers = 0;
    for (; answers < 40 && s.limit < 10; answers++) s.created(s.limit, 16 - s.limit, 30);
    expect(s.limit).toBe(10);
    // About three rounds of its jobs (4 + 5 + 6 answers), at most 16 answers.
    expect(answers).toBeLessThanOrEqual(16);
    // Without the part, the same answers grow about a slot a round (35 answers to reach 10).
    const untold = new JobShare(30);
    for (let i = 0; i < answers; i++) untold.created(untold.limit, 16 - untold.limit, 30);
    expect(untold.limit).toBeLessThan(8);
  });

  it('a part of 0 (no partitions) or not a number keeps a share of at least one slot', () => {
    const s = new JobShare(30);
    s.entitle(0);
    s.created(1, 0, 30);
    expect(s.limit).toBe(1);
    s.entitle(Number.NaN);
    for (let i = 0; i < 10; i++) s.created(1, 29, 30);
    expect(s.limit).toBeGreaterThan(1);
  });
});
