/**
 * The service's own per-event work without any I/O: Avro decode (with the free-form parts parsed) and
 * planning, in-process on the CPU-bound workload. Together they bound what one core can do before a
 * single request is made. Best of three rounds, microseconds per event.
 */
import avro from 'avsc';
import { defaultDestinationSettings } from '../src/destination/index.js';
import { planEvent } from '../src/destination/planner.js';
import { loadCurrentSchema, SegmentCodec } from '../src/segment/codec.js';
import type { SegmentEvent } from '../src/segment/event.js';
import { toRecord } from '../src/segment/record.js';

export interface StageCosts {
  decodeUs: number;
  planUs: number;
  avroOnlyUs: number;
}

export async function stageCosts(events: SegmentEvent[]): Promise<StageCosts> {
  const type = avro.Type.forSchema(loadCurrentSchema());
  const codec = new SegmentCodec({ getSchema: async () => type } as never, 'bench-value');
  const header = Buffer.from([0, 0, 0, 0, 1]);
  const values = events.map((e) => Buffer.concat([header, type.toBuffer(toRecord(e).record)]));
  await codec.decode(values[0]!); // learn the schema id once
  const best = { decodeUs: Infinity, planUs: Infinity, avroOnlyUs: Infinity };
  const us = (ms: number) => (ms * 1000) / values.length;
  for (let round = 0; round < 3; round++) {
    let t = performance.now();
    for (const v of values) type.fromBuffer(v.subarray(5));
    best.avroOnlyUs = Math.min(best.avroOnlyUs, us(performance.now() - t));
    t = performance.now();
    const decoded = values.map((v) => codec.decodeKnown(v)!);
    best.decodeUs = Math.min(best.decodeUs, us(performance.now() - t));
    t = performance.now();
    for (const e of decoded) planEvent(e, defaultDestinationSettings);
    best.planUs = Math.min(best.planUs, us(performance.now() - t));
  }
  return best;
}
