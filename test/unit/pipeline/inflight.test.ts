/** In-flight accounting (pure): the bound by events and bytes, per partition and in total; the offset window. */
import { describe, expect, it } from 'vitest';
import {
  compareOffsets,
  InFlightBudget,
  offsetDistance,
  OffsetWindow,
  messageBytes,
  ownBytes,
} from '../../../src/pipeline/inflight.js';

const limits = { partitionEvents: 5, partitionBytes: 1000, totalEvents: 8, totalBytes: 1500 };

describe('InFlightBudget', () => {
  it('admits the longest prefix within the partition bound by events', () => {
    const b = new InFlightBudget(limits);
    expect(b.admit('a', [10, 10, 10, 10, 10, 10, 10])).toBe(5);
    b.add('a', 3, 30);
    expect(b.admit('a', [10, 10, 10])).toBe(2);
  });

  it('admits the longest prefix within the partition bound by bytes', () => {
    const b = new InFlightBudget(limits);
    expect(b.admit('a', [400, 400, 400])).toBe(2);
    b.add('a', 1, 900);
    expect(b.admit('a', [50, 60])).toBe(1);
  });

  it('counts every partition against the total, by events and by bytes', () => {
    const b = new InFlightBudget(limits);
    b.add('a', 5, 100);
    expect(b.admit('b', [1, 1, 1, 1, 1])).toBe(3); // 8 events in total
    b.add('b', 1, 900);
    expect(b.total).toEqual({ events: 6, bytes: 1000 });
    expect(b.admit('c', [300, 300])).toBe(1); // 1,500 bytes in total
  });

  it('gives a partition with nothing in flight one message, even beyond a bound (progress), and none otherwise', () => {
    const b = new InFlightBudget(limits);
    expect(b.admit('a', [5000, 1])).toBe(1);
    b.add('a', 1, 5000);
    expect(b.admit('a', [1])).toBe(0);
    expect(b.admit('b', [1, 1])).toBe(1); // the total bytes are spent: one, since b has nothing in flight
    expect(b.admit('b', [])).toBe(0);
  });

  it('releases per partition and in total; room is measured against a share of every bound', () => {
    const b = new InFlightBudget(limits);
    b.add('a', 5, 500);
    expect(b.hasRoom('a')).toBe(false);
    b.release('a', 1, 100);
    expect(b.hasRoom('a')).toBe(true);
    expect(b.hasRoom('a', 0.75)).toBe(false); // 4 events ≥ 3.75
    b.release('a', 1, 100);
    expect(b.hasRoom('a', 0.75)).toBe(true);
    b.release('a', 10, 10_000); // more than is held: clamped
    expect(b.of('a')).toEqual({ events: 0, bytes: 0 });
    expect(b.total).toEqual({ events: 0, bytes: 0 });
    b.release('z', 1, 1); // unknown partition: nothing
    expect(b.total).toEqual({ events: 0, bytes: 0 });
  });

  it('gives a message kept in flight its own bytes, so it does not keep its fetch response in memory', () => {
    const response = Buffer.alloc(10, 'kkkvvvvvhh'); // not from the pool: its own ArrayBuffer, like a fetch response
    const m = {
      offset: '1',
      key: response.subarray(0, 3),
      value: response.subarray(3, 8),
      headers: { h: response.subarray(8), many: [response.subarray(8, 9)] },
    };
    const own = ownBytes(m);
    expect(own.value!.buffer).not.toBe(response.buffer);
    expect(own.key!.buffer).not.toBe(response.buffer);
    expect((own.headers.h as Buffer).buffer).not.toBe(response.buffer);
    expect(String(own.value)).toBe('vvvvv');
    expect(String(own.key)).toBe('kkk');
    expect(String(own.headers.h)).toBe('hh');
    expect(String((own.headers.many as Buffer[])[0])).toBe('h');
    expect(own.offset).toBe('1');
    expect(ownBytes({ value: null, key: null }).value).toBeNull();
  });

  it('measures a message by its value and key', () => {
    expect(messageBytes({ value: Buffer.alloc(100), key: Buffer.alloc(7) })).toBe(107);
    expect(messageBytes({ value: null, key: null })).toBe(0);
  });
});

describe('OffsetWindow', () => {
  it('the watermark is the end of the done prefix; gaps between offsets are fine', () => {
    const w = new OffsetWindow();
    for (const o of ['3', '4', '7', '9']) w.add(o);
    expect(w.watermark()).toBeNull();
    expect(w.markDone('7')).toBe(true);
    expect(w.watermark()).toBeNull();
    expect(w.doneAbove()).toEqual(['7']);
    w.markDone('3');
    expect(w.watermark()).toBe('3');
    w.markDone('4');
    expect(w.watermark()).toBe('7');
    expect(w.doneAbove()).toEqual([]);
    expect(w.pending).toBe(1);
    expect(w.highest).toBe('9');
  });

  it('refuses offsets out of order and ignores offsets done twice or never added', () => {
    const w = new OffsetWindow();
    w.add('10');
    expect(() => w.add('10')).toThrow();
    expect(() => w.add('2')).toThrow();
    expect(w.markDone('11')).toBe(false);
    expect(w.markDone('10')).toBe(true);
    expect(w.markDone('10')).toBe(false);
    expect(w.pending).toBe(0);
  });

  it('keeps working across compaction of a long done prefix', () => {
    const w = new OffsetWindow();
    for (let i = 0; i < 5000; i++) w.add(String(i));
    for (let i = 0; i < 4000; i++) w.markDone(String(i));
    expect(w.watermark()).toBe('3999');
    w.markDone('4500');
    w.add('6000');
    expect(w.doneAbove()).toEqual(['4500']);
    for (let i = 4000; i < 5000; i++) w.markDone(String(i));
    expect(w.watermark()).toBe('4999');
    w.markDone('6000');
    expect(w.watermark()).toBe('6000');
    expect(w.pending).toBe(0);
  });

  it('measures the distance between offsets exactly, on numbers below 2^53 and past it', () => {
    expect(offsetDistance('10', '100')).toBe(90);
    expect(offsetDistance('5', '5')).toBe(0);
    expect(offsetDistance('100', '10')).toBe(-90);
    // 2^53 + 1 is not a double: the distance still comes out exact
    expect(offsetDistance('9007199254740992', '9007199254740993')).toBe(1);
    expect(offsetDistance('999999999999999', '1000000000000001')).toBe(2);
  });

  it('orders offsets as numbers, across lengths, without parsing them', () => {
    expect(compareOffsets('9', '10')).toBeLessThan(0);
    expect(compareOffsets('100', '99')).toBeGreaterThan(0);
    expect(compareOffsets('123', '123')).toBe(0);
    expect(compareOffsets('9007199254740993', '9007199254740992')).toBeGreaterThan(0);
    const w = new OffsetWindow();
    for (const o of ['8', '9', '10', '11']) w.add(o);
    expect(() => w.add('9')).toThrow();
    expect(w.isNew('11')).toBe(false);
    expect(w.isNew('100')).toBe(true);
    w.markDone('10');
    w.markDone('8');
    w.markDone('9');
    expect(w.watermark()).toBe('10');
  });

  it('an offset added done counts towards the watermark at once, and is not pending', () => {
    const w = new OffsetWindow();
    w.add('1', true);
    expect(w.watermark()).toBe('1');
    w.add('2');
    w.add('3', true);
    expect(w.pending).toBe(1);
    expect(w.watermark()).toBe('1');
    expect(w.doneAbove()).toEqual(['3']);
    expect(w.markDone('3')).toBe(false);
    w.markDone('2');
    expect(w.watermark()).toBe('3');
    expect(w.pending).toBe(0);
  });

  it('agrees with a model of the done prefix on random offsets and completion orders', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 30; round++) {
      const w = new OffsetWindow();
      const offsets: bigint[] = [];
      let o = BigInt(Math.floor(rnd() * 1e6)) * 10n ** BigInt(Math.floor(rnd() * 8));
      for (let i = 0; i < 3000; i++) offsets.push((o += 1n + BigInt(Math.floor(rnd() * 3))));
      const done = new Set<bigint>();
      const pending: bigint[] = [];
      for (const x of offsets) {
        const settled = rnd() < 0.5;
        w.add(x.toString(), settled);
        if (settled) done.add(x);
        else pending.push(x);
      }
      pending.sort(() => rnd() - 0.5);
      let prefix = 0;
      for (const x of pending) {
        expect(w.markDone(x.toString())).toBe(true);
        done.add(x);
        while (prefix < offsets.length && done.has(offsets[prefix]!)) prefix++;
        const mark = prefix === 0 ? null : offsets[prefix - 1]!.toString();
        expect(w.watermark()).toBe(mark);
        if (rnd() < 0.02) {
          const above = offsets.filter((y) => done.has(y) && (mark === null || y > BigInt(mark)));
          expect(w.doneAbove()).toEqual(above.map(String));
        }
      }
      expect(w.pending).toBe(0);
    }
  });
});
