import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeDone, encodeDone } from '../../../src/pipeline/offset-metadata.js';

const doneSets = fc.record({
  committed: fc.bigInt({ min: 0n, max: 2n ** 62n }),
  deltas: fc.uniqueArray(fc.integer({ min: 0, max: 20_000 }), { maxLength: 400 }),
});

describe('commit metadata: offsets done above the committed offset', () => {
  it('round-trips every set that fits, and never exceeds the limit', () => {
    fc.assert(
      fc.property(doneSets, fc.integer({ min: 8, max: 4096 }), ({ committed, deltas }, max) => {
        const done = deltas.map((d) => (committed + BigInt(d)).toString());
        const { metadata, dropped } = encodeDone(committed.toString(), done, max);
        expect((metadata ?? '').length).toBeLessThanOrEqual(max);
        const back = decodeDone(committed.toString(), metadata);
        // what comes back is true (a subset of done), and all of it unless some was dropped
        for (const o of back) expect(done).toContain(o);
        expect(back.size).toBe(done.length - dropped);
        if (max === 4096 && done.length <= 100) expect(dropped).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('encodes offsets below 2^53 (numbers) as those far above it (BigInt): the same deltas, the same metadata', () => {
    const far = 2n ** 60n;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e12 }),
        // unordered, repeated, some below the committed offset
        fc.array(fc.integer({ min: -50, max: 3000 }), { maxLength: 600 }),
        fc.integer({ min: 8, max: 4096 }),
        (committed, deltas, max) => {
          const small = encodeDone(
            String(committed),
            deltas.filter((d) => committed + d >= 0).map((d) => String(committed + d)),
            max,
          );
          const large = encodeDone(
            (BigInt(committed) + far).toString(),
            deltas.filter((d) => committed + d >= 0).map((d) => (BigInt(committed + d) + far).toString()),
            max,
          );
          expect(small).toEqual(large);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is compact: ranges as distances in base 36', () => {
    expect(encodeDone('1000', ['1003', '1008', '1009', '1010']).metadata).toBe('d1:3,5-2');
    expect(encodeDone('1000', []).metadata).toBeNull();
    // 2000 scattered offsets still fit in the broker's default 4 KB
    const scattered = Array.from({ length: 2000 }, (_, i) => String(5000 + 2 * i + 1));
    const e = encodeDone('5000', scattered);
    expect(e.dropped).toBe(0);
    expect(e.metadata!.length).toBeLessThanOrEqual(4096);
  });

  it('degrades from the top when the set does not fit, to the watermark alone at worst', () => {
    const done = Array.from({ length: 50 }, (_, i) => String(100 + 3 * i + 2));
    const e = encodeDone('100', done, 20);
    expect(e.metadata!.length).toBeLessThanOrEqual(20);
    const back = [...decodeDone('100', e.metadata)];
    expect(back).toEqual(done.slice(0, back.length));
    expect(e.dropped).toBe(done.length - back.length);
    expect(encodeDone('100', ['5000000'], 4)).toEqual({ metadata: null, dropped: 1 });
  });

  it('ignores offsets below the committed one and metadata it did not write', () => {
    expect(encodeDone('10', ['3', '9', '12']).metadata).toBe('d1:2');
    for (const m of [null, '', 'some-tool', 'd1:', 'd1:x-', 'd1:3,,4', 'd2:3', 'd1:-3'])
      expect(decodeDone('10', m).size).toBe(0);
    expect(decodeDone('-1', 'd1:3').size).toBe(0);
    // a range no broker commit could need is not trusted
    expect(decodeDone('0', 'd1:0-zzzzz').size).toBe(0);
  });
});
