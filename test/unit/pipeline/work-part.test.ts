import { describe, expect, it } from 'vitest';
import { partOfWork } from '../../../src/pipeline/work-part.js';

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
