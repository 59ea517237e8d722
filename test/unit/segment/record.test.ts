import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import avro from 'avsc';
import { fromRecord, toRecord } from '../../../src/segment/record.js';
import { loadCurrentSchema, SegmentCodec } from '../../../src/segment/codec.js';
import { DecodeError, InvalidInputError } from '../../../src/segment/errors.js';
import { partitionKey } from '../../../src/segment/event.js';

const type = avro.Type.forSchema(loadCurrentSchema());
const jsonObject = fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 8 });
const roundTrip = (e: unknown) => fromRecord(type.fromBuffer(type.toBuffer(toRecord(e).record)));

describe('Segment event ⇄ Avro record', () => {
  it('round-trips any JSON in the free-form parts losslessly (property)', () => {
    fc.assert(
      fc.property(
        jsonObject,
        jsonObject,
        fc.option(fc.string(), { nil: undefined }),
        (traits, properties, userId) => {
          const e = { type: 'identify', ...(userId !== undefined ? { userId } : {}), traits, properties };
          // JSON semantics: -0 becomes 0, as in any JSON consumer
          expect(roundTrip(e)).toEqual(JSON.parse(JSON.stringify(e)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps numbers as numbers and numeric strings as strings', () => {
    const e = {
      type: 'track',
      event: 'x',
      userId: 'u',
      properties: { n: 42, s: '42', f: 1.5, b: false, z: null },
    };
    expect(roundTrip(e)).toEqual(e);
  });

  it('carries numeric ids as strings (upstream databases often send them as numbers)', () => {
    expect(roundTrip({ type: 'identify', userId: 12345 })).toEqual({ type: 'identify', userId: '12345' });
    expect(partitionKey({ userId: null, anonymousId: 'a' })).toBe('a');
    expect(partitionKey({ userId: '', anonymousId: '' })).toBeNull();
  });

  it('__proto__, constructor and prototype keys stay plain data and pollute nothing', () => {
    const text =
      '{"type":"identify","userId":"u","traits":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":1}}';
    const e = roundTrip(JSON.parse(text));
    expect(Object.keys(e.traits!)).toEqual(['__proto__', 'constructor', 'prototype']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(e.traits)).toBe(Object.prototype);
  });

  it('refuses input that cannot be a Segment event, naming the field', () => {
    const bad: [unknown, RegExp][] = [
      [null, /not a JSON object/],
      [[1], /not a JSON object/],
      [{ userId: 'u' }, /"type"/],
      [{ type: '' }, /"type"/],
      [{ type: 'identify', userId: { a: 1 } }, /"userId"/],
      [{ type: 'identify', traits: 'x' }, /"traits" must be a JSON object/],
      [{ type: 'identify', version: 1.5 }, /"version"/],
      [{ type: 'identify', timestamp: 5 }, /"timestamp"/],
    ];
    for (const [input, msg] of bad) {
      expect(() => toRecord(input), JSON.stringify(input)).toThrow(InvalidInputError);
      expect(() => toRecord(input)).toThrow(msg);
    }
  });

  it('reports top-level keys the schema does not carry', () => {
    expect(toRecord({ type: 'identify', userId: 'u', channel: 'server', writeKey: 'x' }).dropped).toEqual([
      'channel',
      'writeKey',
    ]);
  });

  it('a decoded record with broken JSON text is not a Segment event', () => {
    expect(() => fromRecord({ type: 'identify', traits: '{oops' })).toThrow(DecodeError);
    expect(() => fromRecord({ type: 'identify', traits: '"str"' })).toThrow(/not a JSON object/);
    expect(() => fromRecord({ type: 7 })).toThrow(/no "type"/);
  });

  it('a batch of messages with a schema id not seen before asks the registry once', async () => {
    let asked = 0;
    const registry = {
      getSchema: async () => {
        asked++;
        await new Promise((r) => setTimeout(r, 5));
        return type;
      },
    };
    const codec = new SegmentCodec(registry as never, 'x-value');
    const body = type.toBuffer(toRecord({ type: 'identify', userId: 'u1', traits: { a: 1 } }).record);
    const buf = Buffer.concat([Buffer.from([0, 0, 0, 0, 7]), body]);
    const events = await Promise.all(Array.from({ length: 500 }, () => codec.decode(buf)));
    expect(asked).toBe(1);
    expect(events.every((e) => e.userId === 'u1' && e.traits?.a === 1)).toBe(true);
    await codec.decode(buf);
    expect(asked).toBe(1);
  });
});
