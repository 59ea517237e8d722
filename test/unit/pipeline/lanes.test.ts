import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { groupIntoLanes, PrefixTracker } from '../../../src/pipeline/lanes.js';
import { deadLetterHeaders, H, headerText, replayHeaders } from '../../../src/pipeline/dlq.js';

describe('lanes', () => {
  it('keep every key in order, lose nothing, and give keyless items a lane each (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { nil: null }), { maxLength: 60 }),
        (keys) => {
          const items = keys.map((key, i) => ({ key, i }));
          const lanes = groupIntoLanes(items, (x) => x.key);
          expect(
            lanes
              .flat()
              .map((x) => x.i)
              .sort((a, b) => a - b),
          ).toEqual(items.map((x) => x.i));
          for (const lane of lanes) {
            expect(lane.map((x) => x.i)).toEqual([...lane.map((x) => x.i)].sort((a, b) => a - b));
            expect(new Set(lane.map((x) => x.key)).size).toBe(1);
            if (lane[0]!.key === null) expect(lane).toHaveLength(1);
          }
          expect(new Set(lanes.filter((l) => l[0]!.key !== null).map((l) => l[0]!.key)).size).toBe(
            lanes.filter((l) => l[0]!.key !== null).length,
          );
        },
      ),
    );
  });
});

describe('PrefixTracker (the commit watermark)', () => {
  it('is always the last offset of the longest finished prefix, whatever the finishing order (property)', () => {
    fc.assert(
      fc.property(
        fc
          .uniqueArray(fc.nat({ max: 10_000 }), { minLength: 1, maxLength: 50 })
          .map((a) => a.sort((x, y) => x - y)),
        fc.infiniteStream(fc.nat()),
        (offsets, rnd) => {
          const strs = offsets.map(String);
          const order = [...strs];
          const it = rnd[Symbol.iterator]();
          for (let i = order.length - 1; i > 0; i--) {
            const j = (it.next().value as number) % (i + 1);
            [order[i], order[j]] = [order[j]!, order[i]!];
          }
          const t = new PrefixTracker(strs);
          const done = new Set<string>();
          for (const o of order) {
            t.markDone(o);
            done.add(o);
            let k = 0;
            while (k < strs.length && done.has(strs[k]!)) k++;
            expect(t.watermark()).toBe(k === 0 ? null : strs[k - 1]);
          }
          expect(t.complete).toBe(true);
        },
      ),
    );
  });

  it('works with gaps in offsets (compaction, transaction markers)', () => {
    const t = new PrefixTracker(['10', '12', '15']);
    t.markDone('12');
    expect(t.watermark()).toBeNull();
    t.markDone('10');
    expect(t.watermark()).toBe('12');
    expect(() => t.markDone('11')).toThrow(/not in this batch/);
  });
});

describe('dead-letter headers', () => {
  const src = {
    topic: 't',
    partition: 3,
    message: {
      key: Buffer.from('k'),
      value: Buffer.from('v'),
      headers: { trace: 'x' },
      offset: '42',
      timestamp: '1700000000000',
    },
  };
  it('keep the original headers and add the context', () => {
    const h = deadLetterHeaders(
      src,
      {
        reason: 'ambiguous_user',
        message: 'two users',
        status: 422,
        details: { email: ['dup'] },
        attempts: 2,
        messageId: 'm1',
      },
      'grp',
      new Date('2026-01-01T00:00:00Z'),
    );
    expect(h).toMatchObject({
      trace: 'x',
      [H.reason]: 'ambiguous_user',
      [H.status]: '422',
      [H.attempts]: '2',
      [H.topic]: 't',
      [H.partition]: '3',
      [H.offset]: '42',
      [H.group]: 'grp',
      [H.failedAt]: '2026-01-01T00:00:00.000Z',
      [H.messageId]: 'm1',
    });
    expect(JSON.parse(h[H.details] as string)).toEqual({ email: ['dup'] });
  });
  it('a replay strips our context, keeps the rest, and counts replays', () => {
    const h = deadLetterHeaders(src, { reason: 'r', message: 'm' }, 'g', new Date());
    const once = replayHeaders(h);
    expect(once).toEqual({ trace: 'x', [H.replayCount]: '1' });
    const again = replayHeaders({
      ...deadLetterHeaders(
        { ...src, message: { ...src.message, headers: once } },
        { reason: 'r', message: 'm' },
        'g',
        new Date(),
      ),
    });
    expect(headerText(again, H.replayCount)).toBe('2');
  });
  it('clip very long messages so a header never grows without bound', () => {
    const h = deadLetterHeaders(src, { reason: 'r', message: 'x'.repeat(100_000) }, 'g', new Date());
    expect((h[H.message] as string).length).toBeLessThan(9000);
  });
});
