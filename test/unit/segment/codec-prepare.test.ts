/**
 * SegmentCodec.prepare: the registry asked once per new schema id of a batch before any of it is
 * decoded, so a batch decoded in parts meets no outage half-way; against the registry double.
 */
import { describe, expect, it } from 'vitest';
import avro from 'avsc';
import { createRegistry, loadCurrentSchema, SegmentCodec } from '../../../src/segment/codec.js';
import { DecodeError, RegistryUnavailableError } from '../../../src/segment/errors.js';
import { toRecord } from '../../../src/segment/record.js';
import { useRegistryDouble } from './registry-double.js';

const CURRENT = loadCurrentSchema();
const type = avro.Type.forSchema(CURRENT);
const UNKNOWN_ID = 987_654;
const double = useRegistryDouble({ 1: CURRENT, 2: CURRENT });

const framed = (id: number): Buffer => {
  const h = Buffer.alloc(5);
  h.writeInt32BE(id, 1);
  return Buffer.concat([h, type.toBuffer(toRecord({ type: 'page', userId: 'u1' }).record)]);
};
const codec = () =>
  new SegmentCodec(
    createRegistry({ url: 'http://registry.invalid/apis/ccompat/v7' }),
    'segment-events-value',
  );

describe('SegmentCodec.prepare', () => {
  it('asks once per new id; afterwards every value decodes synchronously (decodeKnown)', async () => {
    const c = codec();
    const values = [framed(1), framed(2), framed(1), framed(2), framed(1)];
    expect(values.map((v) => c.decodeKnown(v))).toEqual([null, null, null, null, null]);
    await c.prepare(values);
    expect([...double.asked].sort()).toEqual([1, 2]);
    expect(values.every((v) => c.decodeKnown(v)?.type === 'page')).toBe(true);
    await c.prepare(values);
    expect(double.asked).toHaveLength(2);
  });

  it('leaves what concerns one value to its decode: no header, a wrong magic byte, an id the registry does not know', async () => {
    const c = codec();
    const bad = Buffer.from(framed(1));
    bad[0] = 7;
    await expect(c.prepare([null, Buffer.from([0, 1]), bad, framed(UNKNOWN_ID)])).resolves.toBeUndefined();
    expect(() => c.decodeKnown(bad)).toThrow(DecodeError);
    await expect(c.decode(framed(UNKNOWN_ID))).rejects.toThrow(DecodeError);
  });

  it('rejects with the outage when the registry cannot be asked, and asks again once it is back', async () => {
    const c = codec();
    double.mode = 'refused';
    await expect(c.prepare([framed(1)])).rejects.toThrow(RegistryUnavailableError);
    double.mode = 'up';
    await c.prepare([framed(1)]);
    expect(c.decodeKnown(framed(1))?.type).toBe('page');
  });
});
