import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import avro from 'avsc';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { createRegistry, SegmentCodec } from '../../../src/segment/codec.js';
import { DecodeError, RegistryUnavailableError } from '../../../src/segment/errors.js';
import { produceLines } from '../../../src/pipeline/produce.js';
import {
  REGISTRY_URL,
  createTopics,
  deleteTopics,
  readAll,
  testKafka,
  uniqueName,
} from '../../helpers/stack.js';
import { corpus } from './corpus.js';

const topic = uniqueName('rt');
const registry = createRegistry({ url: REGISTRY_URL });
const codec = new SegmentCodec(registry, SegmentCodec.subjectFor(topic));
let producer: Producer;

beforeAll(async () => {
  await createTopics([topic], 3);
  producer = testKafka('rt-producer').producer();
  await producer.connect();
});
afterAll(async () => {
  await producer?.disconnect();
  await deleteTopics([topic]);
});

describe('Avro round trip through the real broker and registry', () => {
  it('events produced from JSON lines are consumed and decoded equal to the input', async () => {
    const events = corpus();
    const lines = events.map((e) => JSON.stringify(e));
    const summary = await produceLines(lines, { codec, producer, topic });
    expect(summary).toMatchObject({ read: events.length, produced: events.length, failed: 0 });

    const messages = await readAll(topic, events.length);
    const decoded = await Promise.all(messages.map((m) => codec.decode(m.value)));
    const byId = new Map(decoded.map((d) => [d.messageId, d]));
    for (const e of events) expect(byId.get(e.messageId as string)).toEqual(e);
    // keyed by userId, falling back to anonymousId
    const keys = new Map(messages.map((m, i) => [decoded[i]!.messageId, m.key?.toString()]));
    expect(keys.get('m-unicode')).toBe('user-ü-1');
    expect(keys.get('m-bool-null')).toBe('anon-1');
    // the ~100 KB event survives whole
    expect(messages.find((m) => m.key?.toString() === 'u6')!.value!.length).toBeGreaterThan(100_000);
  });

  it('bad lines are reported with line number and reason and do not stop good ones', async () => {
    const lines = [
      '{"type":"identify","userId":"ok-1"}',
      '{not json',
      '',
      '{"userId":"x"}',
      '{"type":"identify"}',
      '{"type":"identify","userId":"x","traits":[1]}',
      '{"type":"identify","userId":"ok-2"}',
    ];
    const summary = await produceLines(lines, { codec, producer, topic });
    expect(summary.produced).toBe(2);
    expect(summary.failed).toBe(4);
    expect(summary.errors.map((e) => e.line)).toEqual([2, 4, 5, 6]);
    expect(summary.errors[0]!.reason).toMatch(/not valid JSON/);
    expect(summary.errors[1]!.reason).toMatch(/"type"/);
    expect(summary.errors[2]!.reason).toMatch(/userId.*anonymousId/);
    expect(summary.errors[3]!.reason).toMatch(/"traits" must be a JSON object/);
  });

  it('a record written with the older schema version decodes with the current one', async () => {
    const subject = SegmentCodec.subjectFor(uniqueName('evo'));
    const v1 = JSON.parse(
      readFileSync(new URL('../../../schemas/segment-event.v1.avsc', import.meta.url), 'utf8'),
    );
    const { id: v1Id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(v1) },
      { subject },
    );
    // the current schema is accepted as a BACKWARD-compatible evolution of v1 under the same subject
    const current = new SegmentCodec(registry, subject);
    const currentId = await current.register();
    expect(currentId).not.toBe(v1Id);

    const body = avro.Type.forSchema(v1).toBuffer({
      messageId: 'old-1',
      type: 'identify',
      userId: 'u-old',
      anonymousId: null,
      groupId: null,
      event: null,
      name: null,
      timestamp: '2026-01-01T00:00:00Z',
      sentAt: null,
      receivedAt: null,
      traits: JSON.stringify({ plan: 'pro', seats: 3 }),
      properties: null,
      context: null,
    });
    const header = Buffer.alloc(5);
    header.writeInt32BE(v1Id, 1);
    const decoded = await current.decode(Buffer.concat([header, body]));
    expect(decoded).toEqual({
      messageId: 'old-1',
      type: 'identify',
      userId: 'u-old',
      timestamp: '2026-01-01T00:00:00Z',
      traits: { plan: 'pro', seats: 3 },
    });
  });

  describe('each kind of undecodable bytes gives its own error', () => {
    const kindOf = async (buf: Buffer | null) => {
      try {
        await codec.decode(buf);
      } catch (e) {
        return e instanceof DecodeError ? e.kind : `other: ${(e as Error).name}`;
      }
      return 'decoded';
    };
    let good: Buffer;
    beforeAll(async () => {
      good = (await codec.encode({ type: 'identify', userId: 'u1', traits: { a: 1 } })).value;
    });

    it('wrong magic byte', async () => {
      expect(await kindOf(Buffer.from('{"type":"identify"}'))).toBe('wrong_magic_byte');
      expect(await kindOf(Buffer.from([0, 0]))).toBe('wrong_magic_byte');
      expect(await kindOf(null)).toBe('wrong_magic_byte');
    });
    it('unknown schema id', async () => {
      const b = Buffer.from(good);
      b.writeInt32BE(987654, 1);
      expect(await kindOf(b)).toBe('unknown_schema_id');
    });
    it('corrupt body (truncated, trailing garbage)', async () => {
      expect(await kindOf(good.subarray(0, good.length - 3))).toBe('corrupt_body');
      expect(await kindOf(Buffer.concat([good, Buffer.from([1, 2, 3])]))).toBe('corrupt_body');
    });
    it('a valid Avro record that is not a Segment event', async () => {
      const other = {
        type: 'record',
        name: 'Invoice',
        namespace: 'com.example',
        fields: [{ name: 'total', type: 'double' }],
      };
      const { id } = await registry.register(
        { type: SchemaType.AVRO, schema: JSON.stringify(other) },
        { subject: uniqueName('inv') + '-value' },
      );
      const body = avro.Type.forSchema(other as avro.Schema).toBuffer({ total: 9.5 });
      const h = Buffer.alloc(5);
      h.writeInt32BE(id, 1);
      expect(await kindOf(Buffer.concat([h, body]))).toBe('not_a_segment_event');
    });
    it('a Segment record whose JSON part is not an object is not a Segment event', async () => {
      const t = avro.Type.forSchema(
        JSON.parse(readFileSync(new URL('../../../schemas/segment-event.avsc', import.meta.url), 'utf8')),
      );
      const rec = Object.fromEntries(
        (t as unknown as { fields: { name: string }[] }).fields.map((f) => [f.name, null]),
      );
      const body = t.toBuffer({ ...rec, type: 'identify', traits: '[1,2]' });
      expect(await kindOf(Buffer.concat([good.subarray(0, 5), body]))).toBe('not_a_segment_event');
    });
    it('an unreachable registry is an outage, not a decode error', async () => {
      const down = new SegmentCodec(createRegistry({ url: 'http://127.0.0.1:9/apis/ccompat/v7' }), 'x-value');
      await expect(down.decode(good)).rejects.toBeInstanceOf(RegistryUnavailableError);
    });
  });
});
