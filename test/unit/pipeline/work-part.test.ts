import { describe, expect, it } from 'vitest';
import { PartTeller, partOfWork } from '../../../src/pipeline/work-part.js';

describe('partOfWork: a member’s partitions ÷ all partitions of the topics it reads', () => {
  it('is the member’s part over the main topic and the retry topic together', () => {
    expect(partOfWork({ events: [0, 3] }, { events: 6 })).toBeCloseTo(1 / 3);
    expect(partOfWork({ events: [0, 1, 2, 3, 4, 5] }, { events: 6 })).toBe(1);
    expect(partOfWork({ events: [1], retry: [0] }, { events: 6, retry: 2 })).toBe(0.25);
  });

  it('a member with no partitions has part 0; unknown counts leave it at 1; repeats count once', () => {
    expect(partOfWork({}, { events: 6 })).toBe(0);
    expect(partOfWork({ events: [0] }, {})).toBe(1);
    expect(partOfWork({ events: [2, 2, 2] }, { events: 4 })).toBe(0.25);
    // A topic it does not read does not count against it.
    expect(partOfWork({ events: [0, 1], other: [0] }, { events: 2 })).toBe(1);
  });
});

describe('PartTeller: the part told after each join', () => {
  const setup = (opts: { stopping?: () => boolean } = {}) => {
    const told: number[] = [];
    const warnings: string[] = [];
    const answers: { resolve: (c: Record<string, number>) => void; reject: (e: Error) => void }[] = [];
    const teller = new PartTeller({
      partitionCounts: () => new Promise((resolve, reject) => answers.push({ resolve, reject })),
      tell: (p) => told.push(p),
      isStopping: opts.stopping ?? (() => false),
      log: { info: () => {}, warn: (m) => warnings.push(m) },
    });
    return { teller, told, warnings, answers };
  };

  it('tells the part from the partition counts', async () => {
    const { teller, told, answers } = setup();
    const done = teller.joined({ events: [0, 1] });
    answers[0]!.resolve({ events: 6 });
    await done;
    expect(told).toEqual([1 / 3]);
  });

  it('two joins close together: the latest join’s part is told, whichever look-up answers last', async () => {
    const { teller, told, answers } = setup();
    const first = teller.joined({ events: [0, 1, 2, 3, 4, 5] }); // alone
    const second = teller.joined({ events: [0, 1, 2] }); // a peer joined
    answers[1]!.resolve({ events: 6 });
    await second;
    answers[0]!.resolve({ events: 6 }); // the older look-up answers last
    await first;
    expect(told).toEqual([0.5]);
  });

  it('a look-up that fails tells nothing and warns; the next join tells again', async () => {
    const { teller, told, warnings, answers } = setup();
    const failed = teller.joined({ events: [0] });
    answers[0]!.reject(new Error('broker unreachable'));
    await failed;
    expect(told).toEqual([]);
    expect(warnings).toEqual(['could not read the partition counts; job slots keep their learnt share']);
    const next = teller.joined({ events: [0] });
    answers[1]!.resolve({ events: 2 });
    await next;
    expect(told).toEqual([0.5]);
  });

  it('nothing is told, nor warned, while stopping', async () => {
    let stopping = false;
    const { teller, told, warnings, answers } = setup({ stopping: () => stopping });
    const a = teller.joined({ events: [0] });
    const b = teller.joined({ events: [1] });
    stopping = true;
    answers[0]!.reject(new Error('disconnected'));
    answers[1]!.resolve({ events: 2 });
    await Promise.all([a, b]);
    expect(told).toEqual([]);
    expect(warnings).toEqual([]);
  });
});
