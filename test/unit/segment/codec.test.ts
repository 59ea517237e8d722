import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import avro from 'avsc';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import {
  createRegistry,
  loadCurrentSchema,
  SegmentCodec,
  UNKNOWN_ID_TTL_MS,
} from '../../../src/segment/codec.js';
import { DecodeError, RegistryUnavailableError, type DecodeErrorKind } from '../../../src/segment/errors.js';
import { toRecord } from '../../../src/segment/record.js';
import { useRegistryDouble, type RegistryMode } from './registry-double.js';

/**
 * The codec's error kinds, against a registry double that the real client talks to (no socket):
 * a `DecodeError` is about the bytes of one record (dead-lettered as `undecodable`), a
 * `RegistryUnavailableError` is an outage (pause, nothing dead-lettered). Taking one for the other
 * either pours the stream into the DLQ or stops a partition on one bad record.
 */

const CURRENT = loadCurrentSchema();
const V1 = JSON.parse(
  readFileSync(new URL('../../../schemas/segment-event.v1.avsc', import.meta.url), 'utf8'),
) as avro.Schema;
const INVOICE = {
  type: 'record',
  name: 'Invoice',
  namespace: 'com.example',
  fields: [{ name: 'total', type: 'double' }],
} as avro.Schema;
const currentType = avro.Type.forSchema(CURRENT);
const v1Type = avro.Type.forSchema(V1);

const CURRENT_ID = 1;
const V1_ID = 2;
const INVOICE_ID = 3;
const UNKNOWN_ID = 987_654;

const double = useRegistryDouble({ [CURRENT_ID]: CURRENT, [V1_ID]: V1, [INVOICE_ID]: INVOICE });

const framed = (id: number, body: Buffer): Buffer => {
  const h = Buffer.alloc(5);
  h.writeInt32BE(id, 1);
  return Buffer.concat([h, body]);
};
const EVENT = { messageId: 'm-1', type: 'identify', userId: 'u1', traits: { plan: 'pro', seats: 3 } };
const good = (id = CURRENT_ID): Buffer => framed(id, currentType.toBuffer(toRecord(EVENT).record));

/**
 * A fresh codec (own caches) over a fresh client (own schema cache), with a clock the test moves.
 * The client is the service's own (`createRegistry`, which retries a failed look-up for ~0.6 s);
 * `noRetries` gives the same client without retries, for the properties' hundreds of outages.
 */
function fresh(noRetries = false) {
  const clock = { now: 1_000_000 };
  const url = 'http://registry.invalid/apis/ccompat/v7';
  const codec = new SegmentCodec(
    noRetries
      ? new SchemaRegistry({ host: url, clientId: 'zendesk-destination', retry: { retries: 0 } })
      : createRegistry({ url }),
    'segment-events-value',
    CURRENT,
    () => clock.now,
  );
  return { codec, clock };
}

/** What decoding gave: the DecodeError kind, 'outage' for a RegistryUnavailableError, 'decoded', or the stray error. */
type Result = DecodeErrorKind | 'outage' | 'decoded';
async function resultOf(codec: SegmentCodec, buf: Buffer | null): Promise<Result> {
  try {
    await codec.decode(buf);
    return 'decoded';
  } catch (e) {
    if (e instanceof DecodeError) return e.kind;
    if (e instanceof RegistryUnavailableError) {
      expect(e.retriable).toBe(true);
      return 'outage';
    }
    throw e; // neither kind: the test fails with it
  }
}

describe('SegmentCodec error kinds, against a registry double', () => {
  it('the double is a registry: an event encoded with the current schema decodes equal', async () => {
    const { codec } = fresh();
    expect(await codec.decode(good())).toEqual(EVENT);
    expect(double.asked).toEqual([CURRENT_ID]);
    // known from now on: decodes synchronously, the registry is not asked again
    expect(codec.decodeKnown(good())).toEqual(EVENT);
    expect(await codec.decode(good())).toEqual(EVENT);
    expect(double.asked).toEqual([CURRENT_ID]);
  });

  describe('wrong magic byte', () => {
    it('a first byte other than 0 is wrong_magic_byte, without asking the registry', async () => {
      const { codec } = fresh();
      for (const magic of [1, 0x7b /* '{' : JSON */, 0xff]) {
        const b = good();
        b.writeUInt8(magic, 0);
        // the rest is a perfectly good header and body: only the magic byte check can refuse it
        expect(await resultOf(codec, b)).toBe('wrong_magic_byte');
      }
      expect(double.asked).toEqual([]);
    });

    it('also once the schema id is known (the synchronous path)', async () => {
      const { codec } = fresh();
      await codec.decode(good());
      const b = good();
      b.writeUInt8(1, 0);
      expect(() => codec.decodeKnown(b)).toThrow(
        expect.objectContaining({ name: 'DecodeError', kind: 'wrong_magic_byte' }),
      );
      expect(await resultOf(codec, b)).toBe('wrong_magic_byte');
    });

    it('no value, or fewer than 5 bytes, is wrong_magic_byte (no header to read)', async () => {
      const { codec } = fresh();
      for (const b of [null, Buffer.alloc(0), Buffer.from([0]), Buffer.from([0, 0, 0, 0])])
        expect(await resultOf(codec, b)).toBe('wrong_magic_byte');
      expect(double.asked).toEqual([]);
    });
  });

  describe('unknown schema id (the registry answers 404)', () => {
    it('is unknown_schema_id, naming the id', async () => {
      const { codec } = fresh();
      const err = await codec.decode(good(UNKNOWN_ID)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DecodeError);
      expect(err).toMatchObject({ kind: 'unknown_schema_id', schemaId: UNKNOWN_ID, retriable: false });
      expect(double.asked).toEqual([UNKNOWN_ID]);
    });

    it('is remembered for its TTL: the registry is asked again only after it', async () => {
      const { codec, clock } = fresh();
      expect(await resultOf(codec, good(UNKNOWN_ID))).toBe('unknown_schema_id');
      expect(double.asked).toEqual([UNKNOWN_ID]);
      // the id is registered meanwhile, but the codec remembers "unknown" until the TTL is over
      double.schemas.set(UNKNOWN_ID, CURRENT);
      const t0 = clock.now;
      for (const dt of [0, 1, UNKNOWN_ID_TTL_MS - 1]) {
        clock.now = t0 + dt;
        expect(await resultOf(codec, good(UNKNOWN_ID))).toBe('unknown_schema_id');
      }
      expect(double.asked).toEqual([UNKNOWN_ID]);
      clock.now = t0 + UNKNOWN_ID_TTL_MS;
      expect(await codec.decode(good(UNKNOWN_ID))).toEqual(EVENT);
      expect(double.asked).toEqual([UNKNOWN_ID, UNKNOWN_ID]);
    });

    it('a still unknown id after the TTL is asked once more and remembered again', async () => {
      const { codec, clock } = fresh();
      expect(await resultOf(codec, good(UNKNOWN_ID))).toBe('unknown_schema_id');
      clock.now += UNKNOWN_ID_TTL_MS;
      expect(await resultOf(codec, good(UNKNOWN_ID))).toBe('unknown_schema_id');
      expect(await resultOf(codec, good(UNKNOWN_ID))).toBe('unknown_schema_id');
      expect(double.asked).toEqual([UNKNOWN_ID, UNKNOWN_ID]);
    });

    it('0 and negative ids are asked like any other (Apicurio answers them 40403) and are unknown_schema_id', async () => {
      const { codec } = fresh();
      for (const id of [0, -1, -2_147_483_648])
        expect(await resultOf(codec, good(id))).toBe('unknown_schema_id');
    });
  });

  describe('registry outage vs 404', () => {
    const outages: [RegistryMode, string][] = [
      ['refused', 'connection refused'],
      ['proxy-503', '503 from a proxy'],
      ['registry-500', '500 from the registry whose message says "not found"'],
      ['proxy-404', '404 in plain text from a proxy with no route to the registry'],
      ['wrong-base-url', "Apicurio's own 404 for a wrong base URL (no /apis/ccompat/v7)"],
      ['wrong-path-confluent', "Confluent's 404 for a path it does not serve"],
    ];
    for (const [mode, what] of outages) {
      it(`${what} is a RegistryUnavailableError, never a DecodeError`, async () => {
        const { codec } = fresh();
        double.mode = mode;
        expect(await resultOf(codec, good())).toBe('outage');
        expect(await resultOf(codec, good(UNKNOWN_ID))).toBe('outage');
        expect(double.asked.length).toBeGreaterThanOrEqual(2);
      });

      it(`${what}: nothing is remembered, the registry is asked again as soon as it is back`, async () => {
        const { codec } = fresh();
        double.mode = mode;
        expect(await resultOf(codec, good())).toBe('outage');
        expect(await resultOf(codec, good(UNKNOWN_ID))).toBe('outage');
        double.mode = 'up';
        // same instant: an outage must not have been cached as "unknown" (which would dead-letter for a TTL)
        expect(await codec.decode(good())).toEqual(EVENT);
        expect(await resultOf(codec, good(UNKNOWN_ID))).toBe('unknown_schema_id');
      });
    }

    it('every message of a batch waiting on one look-up gets the outage, none a DecodeError', async () => {
      const { codec } = fresh();
      double.mode = 'refused';
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => resultOf(codec, good(i % 2 ? CURRENT_ID : UNKNOWN_ID))),
      );
      expect(new Set(results)).toEqual(new Set(['outage']));
    });

    it('a 404 while the registry is up and an outage for the same id are told apart', async () => {
      const { codec, clock } = fresh();
      double.mode = 'proxy-503';
      expect(await resultOf(codec, good(UNKNOWN_ID))).toBe('outage');
      double.mode = 'up';
      expect(await resultOf(codec, good(UNKNOWN_ID))).toBe('unknown_schema_id');
      // remembered as unknown now; an outage during the TTL does not matter (not asked) ...
      double.mode = 'refused';
      const asked = double.asked.length;
      expect(await resultOf(codec, good(UNKNOWN_ID))).toBe('unknown_schema_id');
      expect(double.asked.length).toBe(asked);
      // ... but after the TTL the registry must be asked, and its outage is an outage again
      clock.now += UNKNOWN_ID_TTL_MS;
      expect(await resultOf(codec, good(UNKNOWN_ID))).toBe('outage');
    });
  });

  describe('an event written with an older schema version', () => {
    const v1Record = {
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
    };

    it('decodes into the current shape (fields added since are absent)', async () => {
      const { codec } = fresh();
      const b = framed(V1_ID, v1Type.toBuffer(v1Record));
      const expected = {
        messageId: 'old-1',
        type: 'identify',
        userId: 'u-old',
        timestamp: '2026-01-01T00:00:00Z',
        traits: { plan: 'pro', seats: 3 },
      };
      expect(await codec.decode(b)).toEqual(expected);
      expect(codec.decodeKnown(b)).toEqual(expected);
      // and the same body is not readable as the current schema: the writer schema really was used
      expect(await resultOf(codec, framed(CURRENT_ID, v1Type.toBuffer(v1Record)))).toBe('corrupt_body');
    });

    it('a body that does not match its (older) writer schema is corrupt_body, not an outage', async () => {
      const { codec } = fresh();
      const b = framed(V1_ID, v1Type.toBuffer(v1Record));
      expect(await resultOf(codec, b.subarray(0, b.length - 4))).toBe('corrupt_body');
    });
  });

  describe('other undecodable bytes', () => {
    it('a registered schema that is not a Segment event is not_a_segment_event', async () => {
      const { codec } = fresh();
      const b = framed(INVOICE_ID, avro.Type.forSchema(INVOICE).toBuffer({ total: 9.5 }));
      expect(await resultOf(codec, b)).toBe('not_a_segment_event');
    });

    it('a truncated body or trailing garbage is corrupt_body', async () => {
      const { codec } = fresh();
      const b = good();
      expect(await resultOf(codec, b.subarray(0, b.length - 3))).toBe('corrupt_body');
      expect(await resultOf(codec, Buffer.concat([b, Buffer.from([1, 2, 3])]))).toBe('corrupt_body');
    });
  });
});

describe('random bytes through the codec (property)', () => {
  // Bytes biased towards what gets past each check: a wrong or right magic byte, the known id, an
  // unknown one, a real body with bytes flipped.
  const goodBody = currentType.toBuffer(toRecord(EVENT).record);
  const anyBytes = fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b));
  const withId = (ids: fc.Arbitrary<number>, body: fc.Arbitrary<Buffer>) =>
    fc.tuple(ids, body).map(([id, b]) => framed(id, b));
  const flipped = fc.tuple(fc.nat(goodBody.length - 1), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
    const b = Buffer.from(goodBody);
    b[i] = b[i]! ^ x;
    return b;
  });
  const input = fc.oneof(
    fc.constant(good()),
    anyBytes,
    withId(fc.constant(CURRENT_ID), fc.oneof(anyBytes, flipped)),
    withId(
      fc.oneof(fc.integer({ min: -2, max: 5 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
      fc.oneof(anyBytes, flipped),
    ),
    flipped
      .map((b) => framed(CURRENT_ID, b))
      .map((b) => {
        b[0] = 1 + (b[1]! % 255); // good header and body, wrong magic byte
        return b;
      }),
  );

  /** The kind the bytes must give, worked out from the wire format alone. */
  const expectedOf = (b: Buffer, registryUp: boolean): Result | 'decoded or body error' => {
    if (b.length < 5 || b[0] !== 0) return 'wrong_magic_byte';
    const id = b.readInt32BE(1);
    if (!registryUp) return 'outage';
    // ids 1-3 are registered (current, v1, a non-Segment schema); the rest the registry does not know
    return double.schemas.has(id) ? 'decoded or body error' : 'unknown_schema_id';
  };

  const check = async (registryUp: boolean) => {
    double.mode = registryUp ? 'up' : 'refused';
    // one codec for the whole run: the caches must not change the kind either
    const { codec } = fresh(true);
    const seen = new Set<Result>();
    await fc.assert(
      fc.asyncProperty(input, async (b) => {
        const got = await resultOf(codec, b);
        seen.add(got);
        const want = expectedOf(b, registryUp);
        if (want === 'decoded or body error')
          expect(['decoded', 'corrupt_body', 'not_a_segment_event']).toContain(got);
        else expect(got).toBe(want);
      }),
      { numRuns: 400 },
    );
    return seen;
  };

  it('with the registry up: wrong_magic_byte, unknown_schema_id, or (known id) decoded / corrupt_body / not_a_segment_event', async () => {
    const seen = await check(true);
    // the inputs reached every branch, so the property checked each kind
    for (const k of [
      'decoded',
      'wrong_magic_byte',
      'unknown_schema_id',
      'corrupt_body',
      'not_a_segment_event',
    ])
      expect(seen, k).toContain(k);
  });

  it('with the registry down: a framed record with a real-looking id is an outage, never a DecodeError', async () => {
    expect(await check(false)).toEqual(new Set(['wrong_magic_byte', 'outage']));
  });
});
